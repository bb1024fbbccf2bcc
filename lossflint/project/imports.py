"""The imports of a module, found without libcst, and the project modules
they name.

Finding which project modules a file depends on must not cost a libcst parse
(the expensive step of a lint): the scan uses CPython's ``ast``, which parses
about 10x faster, and skips the parse entirely for a text that holds no
``import``. Imports anywhere count (``def main(): from models import Net``).
A text that does not parse has no imports: it contributes no facts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from lossflint.project.layout import Layout, Module


@dataclass(frozen=True)
class ImportRef:
    """One ``import`` or ``from ... import`` statement."""

    #: the dotted module (``""`` for ``from . import x``)
    module: str
    #: dots of a relative import (0: absolute)
    level: int
    #: names of a from-import (empty for ``import a.b``)
    names: tuple[str, ...]
    star: bool
    line: int


def scan_imports(text: str) -> list[ImportRef]:
    """Every import statement of ``text``, in source order."""
    if "import" not in text:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[ImportRef] = []
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(ImportRef(alias.name, 0, (), False, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names if a.name != "*")
            star = any(a.name == "*" for a in node.names)
            found.append(ImportRef(node.module or "", node.level or 0, names, star, node.lineno))
    found.sort(key=lambda ref: ref.line)
    return found


def _statements(tree: ast.Module) -> list[ast.stmt]:
    """Every statement of the tree, nested ones too, without entering an
    expression: imports are statements, and the expressions are most of a
    module's nodes (``ast.walk`` spent 5 of 10 s of a project's scan there)."""
    found: list[ast.stmt] = []
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        found.append(node)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                todo.extend(n for n in inner if isinstance(n, ast.stmt))
        for holder in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            todo.extend(holder.body)
    return found


def project_modules(layout: Layout, importer: Path, refs: list[ImportRef]) -> list[Module]:
    """The project modules ``refs`` (imports of ``importer``) load: the module
    named, the packages above it (their ``__init__`` runs first) and, for
    ``from package import name``, a submodule called ``name``."""
    found: dict[str, Module] = {}

    def add(item: Module | Path | None) -> None:
        if isinstance(item, Module):
            found.setdefault(item.rel, item)

    for ref in refs:
        if ref.level:
            target = layout.resolve_relative_any(importer, ref.level, ref.module)
        else:
            parts = ref.module.split(".")
            for depth in range(1, len(parts)):
                add(layout.resolve_any(".".join(parts[:depth]), importer))
            target = layout.resolve_any(ref.module, importer)
        add(target)
        if target is not None:
            for name in ref.names:
                add(layout.submodule(target, name))
    me = layout.module_for_file(importer)
    if me is not None:
        found.pop(me.rel, None)
    return list(found.values())
