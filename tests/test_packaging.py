"""pyproject.toml and environment.yml declare the same dependencies."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _normalise(req: str) -> str:
    """'Foo_Bar >= 1.0' -> 'foo-bar>=1.0' (name normalised as in PEP 503, spaces dropped)."""
    req = req.split(";")[0].replace(" ", "")
    m = re.match(r"^([A-Za-z0-9_.\-]+)(.*)$", req)
    assert m, req
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() + m.group(2)


def _pyproject() -> tuple[set[str], set[str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    runtime = {_normalise(r) for r in project["dependencies"]}
    dev = {_normalise(r) for r in project["optional-dependencies"]["dev"]}
    return runtime, dev


def _environment() -> set[str]:
    """Conda dependencies of environment.yml (a simple list; the pip sub-list is skipped)."""
    deps, in_deps = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#")[0].rstrip()
        if stripped.startswith("dependencies:"):
            in_deps = True
            continue
        if in_deps and re.match(r"^  - [^-\s]", stripped) and not stripped.strip().endswith(":"):
            deps.add(_normalise(stripped.strip()[2:]))
        elif in_deps and stripped and not stripped.startswith(" "):
            in_deps = False
    return deps - {"pip"}


def test_environment_yml_matches_pyproject():
    runtime, dev = _pyproject()
    conda = {d for d in _environment() if not d.startswith("python")}
    assert conda == runtime | dev, (
        f"only in pyproject.toml: {sorted((runtime | dev) - conda)}; "
        f"only in environment.yml: {sorted(conda - runtime - dev)}"
    )


def test_environment_yml_python_matches_requires_python():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert f"python{data['project']['requires-python']}" in _environment()


def test_environment_installs_the_package_with_dev_extra():
    assert "- -e .[dev]" in (ROOT / "environment.yml").read_text()
