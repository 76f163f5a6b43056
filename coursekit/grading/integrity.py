"""Static integrity scan of a submitted notebook, done outside the student's kernel.

It reads the code (with :mod:`ast`), never runs it, and reports, per exercise, why its
score cannot be trusted:

* **delegation**: the solution calls the ``coursekit`` reference of that very exercise,
  under any alias and through any wrapper function defined in the notebook; or any cell binds
  the exercise's own name (``sigmoid``, or ``Var.backward`` for ``Var_backward``) to the
  reference: an import (``from coursekit.activations import sigmoid``), an assignment
  (``sigmoid = m.sigmoid``), a wrapper (``functools.partial``, ``staticmethod``) or a class
  attribute;
* **monkeypatching**: code that reassigns attributes of modules (``np.allclose = ...``),
  uses ``setattr``/``delattr`` on a module, touches ``sys.modules`` or ``builtins``, or
  rebinds the test helpers (``assert_close`` ...); every exercise tested after that
  cell is flagged, since its test may have been fooled;
* **dynamic code**: ``exec``, ``eval``, ``compile``, ``__import__`` or ``importlib``, which
  can do either of the above invisibly; flagged like monkeypatching;
* **writing to the course's code**: a cell that locates a ``coursekit`` source file
  (``inspect.getsourcefile``, ``__file__`` ...) and writes to a file; flagged like
  monkeypatching even when the write fails (the package is read-only in the sandbox);
* **reaching into the kernel**: ``get_ipython()`` for anything but a few harmless magics
  (:data:`SAFE_MAGICS`) or a shell command: an input transformer, a custom exception handler
  or a silenced traceback would make every later test pass; likewise changing ``sys.path``,
  ``gc``, and frame or function internals (``f_back``, ``__globals__`` ...), which reach other
  code's variables; flagged like monkeypatching;
* **tampered cells**: a test or read-only cell that was edited, retyped, deleted or
  duplicated, compared with the *released* notebook (not the instructor's version, which
  differs from every honest submission by its hidden tests).

Which exercises a notebook has comes from its own nbgrader metadata (:func:`exercises_of`), so an
instructor's own assignment is protected like the course's; which ``coursekit`` modules hold the
references is course knowledge (``course.toml``, passed in as ``references``): for other assignments any
``coursekit`` object of the exercise's name counts as its reference.

Cells that are exactly as released are trusted and not scanned for patching.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from coursekit.grading.course import exercise_of as _exercise_of
from coursekit.grading.course import exercises_of, is_test_cell, reference_name

__all__ = ["Flag", "scan", "exercises_of"]

#: Names of the test helpers that test cells rely on.
TEST_HELPERS = {"assert_close", "assert_shape", "call", "np", "numpy"}
_DYNAMIC = {"exec", "eval", "compile", "__import__"}
_PATCHERS = {"setattr", "delattr"}
#: Magics a student may run (IPython turns ``%timeit`` into ``get_ipython().run_line_magic('timeit', ...)``);
#: anything else done with ``get_ipython()`` can change how later cells, the tests among them, run.
SAFE_MAGICS = {"matplotlib", "time", "timeit", "precision", "who", "whos", "pwd"}
#: Attributes that reach other code's variables through frames and functions.
_INTROSPECTION = {
    "f_back",
    "f_globals",
    "f_locals",
    "f_builtins",
    "tb_frame",
    "gi_frame",
    "cr_frame",
    "__globals__",
    "__subclasses__",
    "__builtins__",
}


def _harmless_kernel_uses(tree: ast.AST) -> set[int]:
    """ids of the ``get_ipython`` names in ``tree`` that only run a safe magic or a shell command."""
    ok = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        inner = node.func.value
        if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "get_ipython"):
            continue
        magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        if (node.func.attr in ("run_line_magic", "run_cell_magic") and magic in SAFE_MAGICS) or node.func.attr in (
            "system",
            "getoutput",
        ):
            ok.add(id(inner.func))
    return ok


@dataclass(frozen=True)
class Flag:
    """One reason not to trust the score of ``exercise``."""

    exercise: str
    reason: str


def _grade_id(cell: Any) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _binding_name(exercise: str) -> str:
    """The name a solution defines: ``sigmoid``, or ``Var.backward`` for the method exercise ``Var_backward``."""
    head, _, tail = exercise.partition("_")
    return f"{head}.{tail}" if head[:1].isupper() and tail else exercise


def _is_reference(path: str, target: str, modules: tuple[str, ...]) -> bool:
    """Whether the dotted ``path`` is (part of) the reference ``target`` in one of ``modules``.

    Without known modules (an assignment the course does not describe), any ``coursekit`` object
    named ``target`` counts. A reference's in-place fast form, ``<target>_fast`` beside it (used by
    the training loops), is the same answer and counts too.
    """
    if modules:
        names = (target, f"{target}_fast")
        return any(path == f"{m}.{n}" or path.startswith(f"{m}.{n}.") for m in modules for n in names)
    parts = path.split(".")
    return parts[0] == "coursekit" and target in parts[1:]


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class _Resolver:
    """Tracks which names stand for modules and coursekit objects, across the notebook's cells."""

    def __init__(self) -> None:
        self.alias: dict[str, str] = {}  # local name -> dotted path
        self.calls: dict[str, set[str]] = {}  # function defined in the notebook -> dotted paths it uses
        self.star: set[str] = set()  # modules star-imported

    def resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.alias.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            base = self.resolve(node.args[0])
            return f"{base}.{node.args[1].value}" if base else None
        return None

    def bind_imports(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.alias[a.asname] = a.name
                    else:
                        top = a.name.split(".")[0]
                        self.alias[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    if a.name == "*":
                        self.star.add(node.module)
                    else:
                        self.alias[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target = self.resolve(node.value)
                if target:
                    self.alias[node.targets[0].id] = target

    def _refs(self, tree: ast.AST, skip: str = "") -> tuple[set[str], set[str]]:
        """(dotted paths resolved to modules or coursekit objects, other bare names) used in ``tree``."""
        paths: set[str] = set()
        names: set[str] = set()
        for node in ast.walk(tree):
            path = self.resolve(node) if isinstance(node, ast.Name | ast.Attribute | ast.Call) else None
            if path:
                paths.add(path)
            elif isinstance(node, ast.Name) and node.id != skip:
                names.add(node.id)
        return paths, names

    def record_functions(self, tree: ast.AST) -> None:
        """Remember what each function or class defined in ``tree`` refers to."""
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                paths, names = self._refs(node, skip=node.name)
                self.calls[node.name] = paths | {f"@{n}" for n in names}

    def used_paths(self, tree: ast.AST) -> set[str]:
        """Dotted paths that ``tree`` refers to, directly or through functions of the notebook."""
        paths, names = self._refs(tree)
        todo, seen = [n for n in names if n in self.calls], set()
        while todo:
            fn = todo.pop()
            if fn in seen:
                continue
            seen.add(fn)
            for ref in self.calls[fn]:
                if ref.startswith("@"):
                    if ref[1:] in self.calls:
                        todo.append(ref[1:])
                else:
                    paths.add(ref)
        return paths


def _bindings(tree: ast.AST, resolver: _Resolver) -> list[tuple[str, set[str]]]:
    """(name bound, dotted paths its value refers to) for every import and assignment in ``tree``.

    Names bound in a class body are qualified with the class (``Var.backward``).
    """
    out: list[tuple[str, set[str]]] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                visit(stmt.body, f"{prefix}{stmt.name}.")
                continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    out.extend((prefix + (a.asname or a.name), {f"{node.module}.{a.name}"}) for a in node.names)
                elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    value = resolver.used_paths(node.value)
                    if (direct := resolver.resolve(node.value)) is not None:
                        value.add(direct)
                    for t in targets:
                        for leaf in ast.walk(t):
                            if (name := _dotted(leaf)) is not None and isinstance(leaf.ctx, ast.Store):  # type: ignore[attr-defined]
                                out.append((prefix + name, value))

    visit(getattr(tree, "body", []), "")
    return out


_SOURCE_LOCATORS = {"inspect.getsourcefile", "inspect.getfile", "inspect.getabsfile", "importlib.util.find_spec"}
_FILE_WRITERS = {"write_text", "write_bytes", "unlink", "rename", "replace", "touch", "chmod"}


def _writes_course_code(tree: ast.AST, resolver: _Resolver) -> bool:
    """Whether ``tree`` locates a coursekit source file and writes to some file."""
    locates = writes = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and resolver.resolve(node.func) in _SOURCE_LOCATORS:
            locates = True
        if isinstance(node, ast.Attribute) and node.attr in ("__file__", "__path__", "__spec__", "__loader__"):
            locates = locates or (resolver.resolve(node.value) or "").startswith("coursekit")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            modes = [k.value for k in node.keywords if k.arg == "mode"]
            mode = node.args[1] if len(node.args) > 1 else (modes[0] if modes else None)
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+"):
                writes = True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _FILE_WRITERS:
            writes = True
        if isinstance(node, ast.Call) and (resolver.resolve(node.func) or "").split(".")[0] in ("shutil", "os"):
            writes = writes or (resolver.resolve(node.func) or "").rsplit(".", 1)[-1] in _OS_WRITERS
    return locates and writes


_OS_WRITERS = {"remove", "unlink", "rename", "replace", "copy", "copyfile", "copy2", "move", "chmod", "truncate"}


def _patching(tree: ast.AST, resolver: _Resolver) -> list[str]:
    """Reasons why ``tree`` patches modules, builtins or test helpers, or runs dynamic code."""
    reasons = []
    harmless = _harmless_kernel_uses(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "get_ipython" and id(node) not in harmless:
            reasons.append("reaches into the kernel with get_ipython()")
        path = resolver.resolve(node) if isinstance(node, ast.Attribute) else None
        if (
            path
            and path.split(".")[0] in ("IPython", "ipykernel")
            and path != "IPython.display"
            and not path.startswith("IPython.display.")
        ):
            reasons.append(f"uses {path}")
        if path == "sys.path":
            reasons.append("changes where modules are imported from (sys.path)")
        if isinstance(node, ast.Attribute) and node.attr in _INTROSPECTION:
            reasons.append(f"reaches other code's variables through .{node.attr}")
        targets: Iterable[ast.AST] = ()
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for t in targets:
            if isinstance(t, ast.Attribute) and resolver.resolve(t.value):
                reasons.append(f"reassigns {resolver.resolve(t.value)}.{t.attr}")
            elif isinstance(t, ast.Subscript) and resolver.resolve(t.value) in ("sys.modules", "builtins.__dict__"):
                reasons.append("changes sys.modules")
            elif isinstance(t, ast.Name) and t.id in TEST_HELPERS:
                reasons.append(f"rebinds the test helper '{t.id}'")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name in TEST_HELPERS:
            reasons.append(f"redefines the test helper '{node.name}'")
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] in ("builtins", "importlib", "ctypes", "gc", "ipykernel") for m in mods):
                reasons.append(f"imports {', '.join(mods)}")
            if isinstance(node, ast.ImportFrom) and any(
                (a.asname or a.name) in TEST_HELPERS - {"np", "numpy"} and node.module != "coursekit.checks"
                for a in node.names
            ):
                reasons.append("rebinds a test helper by an import")
        if isinstance(node, ast.Name) and node.id in ("__builtins__", "__import__"):
            reasons.append(f"uses {node.id}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _DYNAMIC:
                reasons.append(f"runs dynamic code with {node.func.id}()")
            elif node.func.id in _PATCHERS and node.args and resolver.resolve(node.args[0]):
                reasons.append(f"{node.func.id}() on the module {resolver.resolve(node.args[0])}")
            elif node.func.id in ("globals", "vars", "locals"):
                reasons.append(f"uses {node.func.id}()")
        if isinstance(node, ast.Attribute) and resolver.resolve(node) in ("sys.modules",):
            reasons.append("uses sys.modules")
        if isinstance(node, ast.Attribute) and (resolver.resolve(node) or "").startswith("importlib"):
            reasons.append("uses importlib")
    if _writes_course_code(tree, resolver):
        reasons.append("tries to write to the course's own code (a coursekit source file)")
    return sorted(set(reasons))


def _parse(source: str) -> ast.AST | None:
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def scan(
    submitted: Any, released: Any, references: tuple[str, ...] = (), exercises: Iterable[str] | None = None
) -> list[Flag]:
    """Flags of a submitted notebook, compared with the released one.

    Parameters
    ----------
    submitted : NotebookNode
        What the student handed in (nbformat 4).
    released : NotebookNode
        The student notebook as released.
    references : tuple of str
        The coursekit modules with the assignment's reference implementations (``course.toml``);
        empty for an assignment the course does not describe: then any coursekit object named
        like an exercise counts.
    exercises : iterable of str, optional
        The exercises to report on (default: those of the released notebook, :func:`exercises_of`).

    Returns
    -------
    list of Flag
        Sorted by exercise; empty for an honest submission.
    """
    exercises = exercises_of(released) if exercises is None else list(exercises)
    modules = tuple(references)
    released_cells = {gid: c for c in released.cells if (gid := _grade_id(c))}
    released_sources = {c.source.strip() for c in released.cells}
    test_position: dict[str, int] = {}
    flags: set[Flag] = set()

    seen: dict[str, int] = {}
    for i, cell in enumerate(submitted.cells):
        gid = _grade_id(cell)
        if gid:
            seen[gid] = seen.get(gid, 0) + 1
            if is_test_cell(cell):
                test_position.setdefault(_exercise_of(gid), i)
    for gid, cell in released_cells.items():
        meta = cell.metadata.get("nbgrader", {})
        ex = _exercise_of(gid)
        if ex not in exercises:
            continue
        if not (meta.get("grade") and not meta.get("solution")) and not meta.get("locked"):
            continue  # answer cells are the student's to change
        if seen.get(gid, 0) > 1:
            flags.add(Flag(ex, f"the locked cell '{gid}' appears {seen[gid]} times"))
        mine = [c for c in submitted.cells if _grade_id(c) == gid]
        if not mine:
            flags.add(Flag(ex, f"the locked cell '{gid}' was deleted"))
            continue
        cell_now = mine[0]
        if cell_now.cell_type != cell.cell_type:
            flags.add(Flag(ex, f"the locked cell '{gid}' was changed from {cell.cell_type} to {cell_now.cell_type}"))
        elif cell_now.source.strip() != cell.source.strip():
            flags.add(Flag(ex, f"the locked cell '{gid}' was edited"))
        now_meta = cell_now.get("metadata", {}).get("nbgrader", {})
        if any(now_meta.get(k) != meta.get(k) for k in ("grade", "solution", "locked", "points")):
            flags.add(Flag(ex, f"the nbgrader metadata of '{gid}' was changed"))

    resolver = _Resolver()
    trees: list[tuple[int, Any, ast.AST]] = []
    for i, cell in enumerate(submitted.cells):
        if cell.cell_type != "code":
            continue
        tree = _parse(cell.source)
        if tree is None:
            continue
        resolver.bind_imports(tree)
        resolver.record_functions(tree)
        trees.append((i, cell, tree))
    for module in resolver.star:
        if module in modules:
            for ex in exercises:
                flags.add(Flag(ex, f"star-imports the reference module {module}"))

    bound_as = {_binding_name(ex): ex for ex in exercises}
    for i, cell, tree in trees:
        gid = _grade_id(cell)
        if cell.source.strip() not in released_sources or gid in exercises:
            for name, paths in _bindings(tree, resolver):
                bound = bound_as.get(name)
                if bound is None:
                    continue
                refs = sorted(p for p in paths if _is_reference(p, reference_name(bound), modules))
                if refs:
                    flags.add(Flag(bound, f"binds '{name}' to the coursekit reference {refs[0]}"))
        if gid in exercises:
            target = reference_name(gid)
            used = resolver.used_paths(tree)
            for path in sorted(used):
                if _is_reference(path, target, modules):
                    flags.add(Flag(gid, f"delegates to the coursekit reference {path}"))
                    break
        if cell.source.strip() in released_sources and gid not in exercises:
            continue  # a cell exactly as released
        for reason in _patching(tree, resolver):
            where = f"cell {i} ('{gid}')" if gid else f"cell {i}"
            for ex in exercises:
                if test_position.get(ex, len(submitted.cells)) > i:
                    flags.add(Flag(ex, f"{where} {reason}, which can fool the tests that run after it"))
    return sorted(flags, key=lambda f: (f.exercise, f.reason))
