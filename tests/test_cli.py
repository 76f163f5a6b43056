"""The ``coursekit`` command line: options reach JupyterLab, and root is handled."""

from __future__ import annotations

import os
import sys

import pytest

from coursekit.grading import cli


@pytest.fixture
def launched(monkeypatch):
    """The command ``coursekit lab`` would run (os.execv is caught)."""
    seen: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: seen.append(argv))
    return seen


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["lab", "--no-browser", "--port", "8890"], ["--no-browser", "--port", "8890"]),
        (["lab", "--", "--version"], ["--version"]),
        (["lab"], []),
    ],
)
def test_lab_passes_options_through(launched, monkeypatch, argv, expected):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert cli.main(argv) == 0
    (cmd,) = launched
    assert cmd[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert cmd[4].startswith("--notebook-dir=") and cmd[4].endswith("notebooks")
    assert cmd[5:] == expected


def test_lab_as_root_adds_allow_root_once_and_says_so(launched, monkeypatch, capsys):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    cli.main(["lab", "--no-browser"])
    cli.main(["lab", "--allow-root"])
    assert launched[0][5:] == ["--no-browser", "--allow-root"]
    assert launched[1][5:] == ["--allow-root"]
    assert capsys.readouterr().out.count("--allow-root") == 1


def test_other_commands_still_reject_unknown_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["check", "--no-such-option"])
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
