"""Every change coursekit makes to nbgrader's internals, in one reversible place.

nbgrader does the right work with some waste; within :func:`quicker_nbgrader` it does the same
work with less. Each patch replaces one module attribute and is undone on leaving the block; each
has a test in ``grader_tests/test_nbgrader_patches.py`` that fails if nbgrader stops using the
attribute it replaces (then the patch would silently do nothing) or computes something different.
``pyproject.toml`` bounds nbgrader to the versions those tests ran on.

==================================================  ============================================
patched attribute                                   why
==================================================  ============================================
``nbgrader.api.get_alembic_version``                nbgrader runs the ``alembic`` command (seconds)
                                                    to learn the schema's head revision whenever it
                                                    opens a new gradebook; it is a file lookup
``nbgrader.api.create_engine``                      nbgrader opens a new SQLAlchemy engine for each
                                                    lookup, compiling every statement again; here
                                                    all gradebooks of one database share one
``nbgrader.nbgraderformat.common.jsonschema``       nbgrader checks the metadata schema itself
                                                    against the meta-schema once per cell; here
                                                    once per schema, with the same errors
==================================================  ============================================
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

from coursekit.grading.course import CourseError

__all__ = ["quicker_nbgrader"]


@functools.cache
def alembic_head() -> str:
    """The gradebook schema's newest revision, read in-process (what ``alembic heads`` prints)."""
    import nbgrader
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(os.path.join(os.path.dirname(nbgrader.__file__), "alembic")).get_current_head()
    if head is None:
        raise CourseError("nbgrader's gradebook migrations have no head revision; reinstall nbgrader")
    return head


@contextlib.contextmanager
def quicker_nbgrader(throwaway: tuple[str, ...] = ()) -> Iterator[None]:
    """Within the block, nbgrader does the same work with less waste (see the module docstring).

    Parameters
    ----------
    throwaway : tuple of str
        Database URLs written without waiting for the disk (``PRAGMA synchronous=OFF``): a scratch
        gradebook that is thrown away after the run.

    On leaving the block the engines are closed and nbgrader is as it was.
    """
    import jsonschema
    import nbgrader.api as gb_api
    import nbgrader.nbgraderformat.common as metadata_common
    from sqlalchemy import event

    engines: dict[str, Any] = {}
    real = (gb_api.create_engine, gb_api.get_alembic_version, metadata_common.jsonschema)

    def shared_engine(url: Any, *args: Any, **kwargs: Any) -> Any:
        key = str(url)
        if key not in engines:
            engine = real[0](url, *args, **kwargs)
            if key in throwaway:
                event.listen(engine, "connect", _no_waiting_for_disk)
            engines[key] = engine
        return engines[key]

    gb_api.create_engine = shared_engine
    gb_api.get_alembic_version = alembic_head
    metadata_common.jsonschema = SchemaCheckedOnce(jsonschema)
    try:
        yield
    finally:
        gb_api.create_engine, gb_api.get_alembic_version, metadata_common.jsonschema = real
        for engine in engines.values():
            engine.dispose()


def _no_waiting_for_disk(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA synchronous=OFF")


class SchemaCheckedOnce:
    """``jsonschema`` as nbgrader's metadata validator uses it, with each schema checked once."""

    def __init__(self, jsonschema: Any):
        self._jsonschema = jsonschema
        self._last: tuple[Any, Any] = (None, None)  # (schema, its validator): a notebook's cells come in a row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jsonschema, name)

    def validate(self, instance: Any, schema: dict[str, Any]) -> None:
        """As ``jsonschema.validate``: raise the most relevant error, if any."""
        if self._last[0] is not schema:
            cls = self._jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            self._last = (schema, cls(schema))
        error = self._jsonschema.exceptions.best_match(self._last[1].iter_errors(instance))
        if error is not None:
            raise error
