"""pyproject.toml, requirements.lock and environment.yml describe one environment.

pyproject.toml holds the ranges (for people who install coursekit into an environment of their own);
requirements.lock pins every package for a course term (what `make` and environment.yml install).
"""

import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PYTHONS = ("3.11", "3.12", "3.13")  # the Pythons the lock must cover (requires-python >= 3.11)


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _direct_requirements() -> list[Requirement]:
    project = _project()
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]


def _pins(python: str) -> dict[str, Version]:
    """Package -> pinned version in the lock, for the given Python version "X.Y" or "X.Y.Z" (markers evaluated)."""
    pins: dict[str, Version] = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        req, _, marker = line.partition(";")
        name, sep, version = req.strip().partition("==")
        assert sep, f"requirements.lock: not pinned with ==: {line!r}"
        full = python if python.count(".") == 2 else f"{python}.0"
        env = {"python_version": ".".join(full.split(".")[:2]), "python_full_version": full, "sys_platform": "linux"}
        if marker.strip() and not Marker(marker.strip()).evaluate(env):
            continue
        pins[canonicalize_name(name)] = Version(version)
    return pins


def test_every_direct_dependency_is_pinned_within_its_range() -> None:
    for python in PYTHONS:
        pins = _pins(python)
        for req in _direct_requirements():
            name = canonicalize_name(req.name)
            assert name in pins, f"requirements.lock has no pin of {req.name} for Python {python}: run 'make lock'"
            assert req.specifier.contains(pins[name]), (
                f"requirements.lock pins {req.name}=={pins[name]} for Python {python}, outside pyproject's "
                f"'{req.specifier}': run 'make lock'"
            )


def test_lower_bounds_are_the_tested_versions() -> None:
    # The suite runs on the lock for Python 3.11; a lower bound below that pin would promise what is untested.
    pins = _pins("3.11")
    for req in _direct_requirements():
        lower = [Version(s.version) for s in req.specifier if s.operator == ">="]
        assert lower, f"{req.name}: give a lower bound (the version in requirements.lock)"
        assert lower[0] == pins[canonicalize_name(req.name)], (
            f"{req.name}: lower bound {lower[0]} but the suite runs on {pins[canonicalize_name(req.name)]}"
        )


def test_the_lock_says_how_to_refresh_it_and_the_makefile_does_that() -> None:
    header = LOCK.read_text().splitlines()[1]
    command = re.sub(r"^#\s*", "", header)
    assert command.startswith("uv pip compile pyproject.toml --extra dev --universal --python-version 3.11")
    assert command.replace(" -o requirements.lock", "") in (ROOT / "Makefile").read_text().replace("$(LOCK)", "")


def test_this_environment_is_the_lock() -> None:
    from importlib.metadata import PackageNotFoundError, version

    python = platform.python_version()
    wrong = []
    for name, pinned in _pins(python).items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            wrong.append(f"{name} (not installed)")
            continue
        if installed != pinned:
            wrong.append(f"{name} {installed} (lock: {pinned})")
    assert not wrong, "installed versions differ from requirements.lock: " + ", ".join(wrong) + "; run 'make'"


def test_environment_yml_installs_the_lock_and_the_package() -> None:
    text = (ROOT / "environment.yml").read_text()
    assert "- -r requirements.lock" in text and "- -e .[dev]" in text
    python = re.search(r"- python=(\d+\.\d+)", text)
    assert python and python.group(1) in PYTHONS


def test_pip_sees_no_conflict() -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
