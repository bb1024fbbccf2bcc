"""Where a fix adds an import (``import torch.nn.functional as F``).

The import must be bound before every statement that may use it, or the
fixed program raises ``NameError`` when it runs. "After the last top-level
import" is wrong when a file imports late (an ``import os`` at the bottom,
a notebook cell of imports run after the model code). The import goes at
the end of the file's *leading block* instead: the module docstring,
``from __future__`` and the other imports (and ``pass`` lines, which is
what a notebook's masked ``!pip install`` becomes) before any other
statement. Every use a fix introduces lies in a later statement, so the
name is bound first. In a notebook (one program in cell order) that is the
first code cell, or the cell of imports that follows it.
"""

from __future__ import annotations

import libcst as cst

from lossflint.analysis.model import SemanticModel
from lossflint.diagnostics import Edit, InsertImport, Location


def import_edit(model: SemanticModel, imp: InsertImport) -> Edit | None:
    """An edit adding ``import module as alias`` at the end of the leading
    block, or None when the leading block already binds the name to that
    module and nothing else rebinds it at module level."""
    local = imp.alias or imp.module.split(".")[0]
    wanted = imp.module if imp.alias else local
    module = model.module
    header = leading_block(module)
    bindings = model.module_scope.bindings.get(local, [])
    if bindings and all(b.kind == "import" and b.qualname == wanted for b in bindings):
        early = {id(node) for statement in header for node in _imports(statement)}
        if any(id(b.node) in early for b in bindings):
            return None
        # bound only by a later import: add one where it runs first
    if header:
        row = model.position(header[-1]).end.line + 1
    elif module.body:
        # after a shebang, coding cookie or leading comments, which must stay first
        row = model.position(module.body[0]).start.line
    else:
        row = 1
    text = f"import {imp.module}" + (f" as {imp.alias}" if imp.alias else "")
    loc = Location(row, 1)
    return Edit(text + module.default_newline, loc, loc)


def leading_block(module: cst.Module) -> list[cst.BaseStatement]:
    """The statements before the first one that can run other code: the
    docstring, import lines and ``pass`` lines."""
    block: list[cst.BaseStatement] = []
    for index, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        if index == 0 and _is_docstring(statement):
            block.append(statement)
            continue
        if not all(isinstance(s, (cst.Import, cst.ImportFrom, cst.Pass)) for s in statement.body):
            break
        block.append(statement)
    return block


def _imports(statement: cst.BaseStatement) -> list[cst.CSTNode]:
    if not isinstance(statement, cst.SimpleStatementLine):
        return []
    return [s for s in statement.body if isinstance(s, (cst.Import, cst.ImportFrom))]


def _is_docstring(statement: cst.SimpleStatementLine) -> bool:
    return (
        len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
