"""Fingerprints of Python source that survive renaming, reformatting and reordering.

:func:`normalise` prints a cell back through :func:`ast.unparse` without docstrings and
annotations and turns each statement into tokens in which every chosen name is ``V``, every number
``N`` and every string ``S`` (keywords, operators, builtins and attribute names are kept).
:func:`fingerprints` hashes every run of :data:`K` tokens of a statement and keeps the smallest
hash of each window of :data:`WINDOW` (winnowing; Schleimer, Wilkerson and Aiken, SIGMOD 2003):
two statements that share a run of ``K + WINDOW - 1`` tokens always share a fingerprint.
:mod:`coursekit.grading.similarity` compares the sets of fingerprints of answer cells.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import io
import keyword
import tokenize
from typing import Any

__all__ = ["K", "WINDOW", "fingerprints", "normalise", "strip_docs_and_annotations"]

K = 5
"""Tokens per hashed run."""
WINDOW = 4
"""Hashes per winnowing window: a shared run of K + WINDOW - 1 = 8 tokens is always seen."""

_KEEP = set(dir(builtins)) | {"np", "numpy", "math"}


class _Strip(ast.NodeTransformer):
    """Drops docstrings and annotations, which say nothing about what the code computes."""

    def _body(self, node: Any) -> Any:
        self.generic_visit(node)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node.returns = None
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg, node.args.kwarg]:
            if arg is not None:
                arg.annotation = None
        return self._body(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_ClassDef = _body
    visit_Module = _body

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        if node.value is None:
            return None
        return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)


def strip_docs_and_annotations(tree: ast.AST) -> Any:
    """``tree`` (changed in place) without docstrings and annotations."""
    return _Strip().visit(tree)


def normalise(source: str) -> list[tuple[str, ...]]:
    """The cell's statements as token tuples, robust to renaming and reformatting (module docstring).

    Parameters
    ----------
    source : str
        Python source (an answer cell). Cell magics and shell lines are dropped; source that still
        does not parse is tokenised as it is, line by line.

    Returns
    -------
    list of tuple of str
        One tuple per line of the canonical form.
    """
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    text = "\n".join(lines)
    try:
        text = ast.unparse(strip_docs_and_annotations(ast.parse(text)))
    except (SyntaxError, ValueError, RecursionError):
        pass
    statements: list[tuple[str, ...]] = []
    current: list[str] = []
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NEWLINE, tokenize.NL) and current:
                statements.append(tuple(current))
                current = []
            elif tok.type == tokenize.NAME:
                keep = keyword.iskeyword(tok.string) or tok.string in _KEEP or previous == "."
                current.append(tok.string if keep else "V")
            elif tok.type == tokenize.NUMBER:
                current.append("N")
            elif tok.type == tokenize.STRING:
                current.append("S")
            elif tok.type == tokenize.OP:
                current.append(tok.string)
            if tok.type not in (tokenize.NL, tokenize.COMMENT):
                previous = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    if current:
        statements.append(tuple(current))
    return statements


def _hash(tokens: tuple[str, ...]) -> int:
    return int.from_bytes(hashlib.blake2b(" ".join(tokens).encode(), digest_size=8).digest(), "big")


def fingerprints(source: str) -> frozenset[int]:
    """The winnowed fingerprints of a cell (module docstring): a set, so statement order does not matter."""
    out: set[int] = set()
    for statement in normalise(source):
        if len(statement) < K:
            out.add(_hash(statement))
            continue
        hashes = [_hash(statement[i : i + K]) for i in range(len(statement) - K + 1)]
        if len(hashes) <= WINDOW:
            out.add(min(hashes))
            continue
        out.update(min(hashes[i : i + WINDOW]) for i in range(len(hashes) - WINDOW + 1))
    return frozenset(out)
