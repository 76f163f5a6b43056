"""Each patch of nbgrader's internals still takes effect, computes what nbgrader would, and is undone.

If an nbgrader release stops using an attribute that coursekit replaces, the patch would quietly do
nothing (or worse): these tests fail first. They run on the versions pyproject.toml allows.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jsonschema
import nbformat
import nbgrader.api as gb_api
import nbgrader.nbgraderformat.common as metadata_common
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from coursekit.grading.nbgrader_patches import alembic_head, quicker_nbgrader


def test_nbgrader_still_uses_what_is_patched():
    names = gb_api.Gradebook.__init__.__code__.co_names
    assert "get_alembic_version" in names and "create_engine" in names
    assert metadata_common.jsonschema is jsonschema


def test_the_schema_head_is_the_one_the_alembic_command_reports(monkeypatch):
    # nbgrader runs the alembic command of the environment it is installed in
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    assert alembic_head() == gb_api.get_alembic_version()


def test_gradebooks_of_one_database_share_an_engine_inside_the_block_only(tmp_path):
    url = "sqlite:///" + str(tmp_path / "gradebook.db")
    with quicker_nbgrader():
        with gb_api.Gradebook(url) as one, gb_api.Gradebook(url) as two:
            assert one.engine is two.engine
    with gb_api.Gradebook(url) as one, gb_api.Gradebook(url) as two:
        assert one.engine is not two.engine


def test_metadata_errors_are_the_same_with_the_schema_checked_once():
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "x", "locked": True, "schema_version": 3, "solution": False}
    nb = nbformat.v4.new_notebook(cells=[cell])  # a graded cell without points

    def error() -> str:
        with pytest.raises(Exception) as caught:
            MetadataValidator().validate_nb(nb)
        return str(caught.value)

    plain = error()
    with quicker_nbgrader():
        assert error() == plain


def test_everything_is_restored_on_leaving_the_block():
    before = (gb_api.create_engine, gb_api.get_alembic_version, metadata_common.jsonschema)
    with pytest.raises(RuntimeError), quicker_nbgrader():
        assert gb_api.get_alembic_version is alembic_head
        raise RuntimeError("leave the block by an error")
    assert (gb_api.create_engine, gb_api.get_alembic_version, metadata_common.jsonschema) == before
