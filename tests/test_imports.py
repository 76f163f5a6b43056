"""No import cycles in coursekit, counting imports inside functions (which only hide a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import coursekit

PACKAGE = Path(coursekit.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The coursekit modules ``path`` imports anywhere in its code (``from a import b`` counts ``a.b`` if a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in modules}


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    # a package's __init__ is imported with any of its modules, so it is no edge of its own
    return {name: _imports(path, modules) - {name, "coursekit", "coursekit.grading"} for name, path in paths.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_coursekit_has_no_import_cycle():
    graph = _graph()
    assert "coursekit.training" in graph and "coursekit.optim" in graph["coursekit.training"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_numerical_modules_never_import_grading_code():
    for name, deps in _graph().items():
        if not name.startswith("coursekit.grading"):
            assert not {d for d in deps if d.startswith("coursekit.grading")}, name
