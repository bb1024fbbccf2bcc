"""Folders a script puts on ``sys.path`` before its imports.

Tutorials and research repositories share code between sibling folders by
editing the search path instead of packaging it::

    sys.path.append("../toolbox")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
    sys.path.append(str(Path(__file__).resolve().parents[1] / "lib"))

``from helper_functions import train_step`` then names
``toolbox/helper_functions.py``. The folders are read from the text (CPython's
``ast``, no code runs) by evaluating the few path expressions people write:
string constants, ``__file__``, ``os.path.join/dirname/abspath/realpath/
normpath``, ``os.getcwd()``, ``pathlib.Path`` with ``.parent``,
``.parents[n]``, ``.resolve()``, ``.absolute()`` and ``/``, ``str(...)``, and
module-level names bound to those, under the names the file imports them by
(``import os.path as osp``, ``from os.path import join``), and through a
helper the file defines (``def add_path(p): sys.path.insert(0, p)``). A
relative folder is taken from the script's own folder (``python train.py`` run
where it lies); anything else is not a folder we know, and is ignored. A
sibling module a script imports only for these edits (``import _init_paths``)
is read too (``layout._imported_edits``).
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import PurePath

from lossflint.project.ast_walk import dotted_name

#: what ``_folder`` evaluates to: a path (a ``str`` or a ``Path``: the
#: distinction does not matter here), or None when it is not known
_Path = PurePath | None

_OS_PATH_SAME = frozenset({"abspath", "realpath", "normpath"})
_PATH_SAME = frozenset({"resolve", "absolute", "expanduser"})


@dataclass(frozen=True)
class SearchEdits:
    """Folders a file adds to ``sys.path``: those inserted before the
    script's own folder and those appended after the usual search."""

    front: tuple[str, ...] = ()
    back: tuple[str, ...] = ()


NO_EDITS = SearchEdits()


def search_edits(texts: list[str], file: str) -> SearchEdits:
    """The folders ``texts`` (the file at ``file``: a script, or a notebook's
    code cells in order) add to ``sys.path``. A cell's IPython lines are
    blanked, a cell that still does not parse is left out; names bound by one
    cell reach the next."""
    reader = _Reader(PurePath(os.path.abspath(file)))
    for text in texts:
        tree = _parsed(text)
        if tree is None and len(texts) > 1:
            tree = _parsed(_without_magics(text))
        if tree is not None:
            reader.block(tree.body)
    if not reader.front and not reader.back:
        return NO_EDITS
    return SearchEdits(tuple(dict.fromkeys(reader.front)), tuple(dict.fromkeys(reader.back)))


def _parsed(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _without_magics(cell: str) -> str:
    """A notebook cell with its IPython lines (``%matplotlib inline``,
    ``!pip install``) blanked."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in cell.splitlines()
    )


class _Reader:
    def __init__(self, file: PurePath) -> None:
        self.file = file
        self.names: dict[str, PurePath] = {}
        self.front: list[str] = []
        self.back: list[str] = []
        #: ``import os.path as osp``, ``from os.path import join``: local → dotted
        self.aliases: dict[str, str] = {}
        #: ``def add_path(path): sys.path.insert(0, path)``: name → (the
        #: parameter's position, whether it goes in front)
        self.adders: dict[str, tuple[int, bool]] = {}

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname is not None:
                    self.aliases[alias.asname] = alias.name
        elif isinstance(stmt, ast.ImportFrom) and stmt.module in _PATH_MODULES and not stmt.level:
            for alias in stmt.names:
                self.aliases[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
        elif isinstance(stmt, ast.Assign):
            value = self.folder(stmt.value)
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    if value is None:
                        self.names.pop(target.id, None)
                    else:
                        self.names[target.id] = value
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.edit(stmt.value)
        elif isinstance(stmt, ast.FunctionDef):
            adder = _path_adder(stmt)
            if adder is not None:
                self.adders[stmt.name] = adder
        elif isinstance(stmt, ast.AugAssign) and _is_sys_path(stmt.target):
            if isinstance(stmt.op, ast.Add) and isinstance(stmt.value, (ast.List, ast.Tuple)):
                self._add(stmt.value.elts, self.back)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            # a guarded edit (``if ROOT not in sys.path:``) is made when it matters
            for field in ("body", "orelse", "finalbody"):
                self.block(getattr(stmt, field, []))
            for handler in getattr(stmt, "handlers", []):
                self.block(handler.body)

    def edit(self, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.adders and not call.keywords:
            position, front = self.adders[func.id]
            if position < len(call.args):
                self._add([call.args[position]], self.front if front else self.back)
            return
        if not (isinstance(func, ast.Attribute) and _is_sys_path(func.value)):
            return
        if func.attr == "append" and len(call.args) == 1:
            self._add(call.args, self.back)
        elif func.attr == "insert" and len(call.args) == 2:
            at = call.args[0]
            # ``insert(0, p)`` and ``insert(1, p)`` put p before the usual places
            if isinstance(at, ast.Constant) and at.value in (0, 1):
                self._add(call.args[1:], self.front)
            else:
                self._add(call.args[1:], self.back)
        elif func.attr == "extend" and len(call.args) == 1:
            arg = call.args[0]
            if isinstance(arg, (ast.List, ast.Tuple)):
                self._add(arg.elts, self.back)

    def _add(self, exprs: list[ast.expr], into: list[str]) -> None:
        for expr in exprs:
            folder = self.folder(expr)
            if folder is not None:
                into.append(str(folder))

    def folder(self, expr: ast.expr) -> _Path:
        """The path ``expr`` evaluates to, when it is one we can tell
        (normalised: ``a/b/..`` is ``a``, whose parent is not ``a/b``)."""
        found = self._folder(expr)
        return PurePath(os.path.normpath(found)) if found is not None else None

    def _folder(self, expr: ast.expr) -> _Path:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            if not expr.value or "\x00" in expr.value:
                return None
            return self.file.parent / os.path.expanduser(expr.value)
        if isinstance(expr, ast.Name):
            if expr.id == "__file__":
                return self.file
            return self.names.get(expr.id)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            left = self.folder(expr.left)
            right = expr.right
            if (
                left is not None
                and isinstance(right, ast.Constant)
                and isinstance(right.value, str)
            ):
                return left / right.value
            return None
        if isinstance(expr, ast.Attribute):
            base = self.folder(expr.value)
            if base is not None and expr.attr == "parent":
                return base.parent
            return None
        if isinstance(expr, ast.Subscript):
            return self._parents(expr)
        if isinstance(expr, ast.Call):
            return self._call(expr)
        return None

    def _canonical(self, name: str | None) -> str | None:
        """``osp.join`` after ``import os.path as osp`` is ``os.path.join``."""
        if name is None:
            return None
        head, dot, rest = name.partition(".")
        found = self.aliases.get(head)
        if found is None:
            return name
        return f"{found}{dot}{rest}"

    def _parents(self, expr: ast.Subscript) -> _Path:
        value = expr.value
        if not (isinstance(value, ast.Attribute) and value.attr == "parents"):
            return None
        base = self.folder(value.value)
        index = expr.slice
        if base is None or not isinstance(index, ast.Constant) or type(index.value) is not int:
            return None
        parents = base.parents
        return parents[index.value] if 0 <= index.value < len(parents) else None

    def _call(self, call: ast.Call) -> _Path:
        name = self._canonical(dotted_name(call.func))
        args = call.args
        if call.keywords or any(isinstance(a, ast.Starred) for a in args):
            return None
        if name in ("os.getcwd", "Path.cwd", "pathlib.Path.cwd") and not args:
            return self.file.parent
        if name in ("str", "Path", "pathlib.Path", "os.fspath") and len(args) == 1:
            return self.folder(args[0])
        if name is not None and name.startswith("os.path.") and args:
            helper = name[len("os.path.") :]
            if helper == "join":
                parts = [self.folder(args[0])]
                for arg in args[1:]:
                    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                        return None
                    parts.append(PurePath(arg.value))
                first = parts[0]
                if first is None:
                    return None
                return first.joinpath(*[p for p in parts[1:] if p is not None])
            if len(args) != 1:
                return None
            inner = self.folder(args[0])
            if inner is None:
                return None
            if helper == "dirname":
                return inner.parent
            return inner if helper in _OS_PATH_SAME else None
        method = call.func
        if isinstance(method, ast.Attribute) and method.attr in _PATH_SAME and not args:
            return self.folder(method.value)
        return None


def _path_adder(func: ast.FunctionDef) -> tuple[int, bool] | None:
    """``def add_path(path): if path not in sys.path: sys.path.insert(0, path)``:
    the position of the parameter it puts on the search path, and whether in
    front."""
    params = [a.arg for a in func.args.args]
    for node in ast.walk(func):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if not _is_sys_path(node.func.value):
            continue
        args = node.args
        added = args[-1] if args else None
        if not isinstance(added, ast.Name) or added.id not in params:
            continue
        if node.func.attr == "append" and len(args) == 1:
            return params.index(added.id), False
        if node.func.attr == "insert" and len(args) == 2:
            at = args[0]
            front = isinstance(at, ast.Constant) and at.value in (0, 1)
            return params.index(added.id), front
    return None


#: modules whose path helpers may be imported by name (``from os.path import join``)
_PATH_MODULES = frozenset({"os", "os.path", "pathlib"})


def _is_sys_path(expr: ast.expr) -> bool:
    return dotted_name(expr) == "sys.path"
