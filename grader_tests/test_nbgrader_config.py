"""The course's nbgrader configuration works for plain nbgrader commands on a fresh clone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

NBGRADER = Path(sys.executable).with_name("nbgrader")
#: as in an activated environment (nbgrader runs alembic from PATH to create the gradebook)
ENV = {**os.environ, "PATH": f"{NBGRADER.parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_plain_nbgrader_opens_the_gradebook_on_a_fresh_clone(tmp_path: Path) -> None:
    # a fresh clone has no grading/ folder; the formgrader and every nbgrader command use its gradebook
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    assert not (tmp_path / "grading").exists()
    out = subprocess.run(
        [str(NBGRADER), "db", "student", "add", "ada"],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "grading" / "gradebook.db").is_file()
    listed = subprocess.run(
        [str(NBGRADER), "db", "student", "list"], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120
    )
    assert "ada" in listed.stdout + listed.stderr
