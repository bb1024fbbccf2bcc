"""Literal constants of other project modules, as a rule reads them.

``train.py`` does ``from configs.base import TRAIN`` and builds its optimiser
with ``lr=TRAIN["lr"]``; the number is written in ``configs/base.py``. This
module follows such an expression (an imported name, ``module.NAME``, and
string/integer subscripts of them) to the literal that module assigns once
and never changes (``exports.Literal``), read from the modules' syntax.

A constant another project file changes at run time is no constant: any
project file whose text assigns into it (``TRAIN["lr"] = args.lr``,
``TRAIN.update(...)``, ``configs.base.LR = ...``, ``setattr``) makes it
unknown. Only when the project's texts can be listed (``callers.project_texts``);
otherwise, and outside a project, nothing is known: unknown means silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import libcst as cst

from lossflint.analysis.calls import literal_value
from lossflint.analysis.index import ModuleIndex
from lossflint.analysis.names import dotted_text
from lossflint.project.context import current
from lossflint.project.exports import Literal
from lossflint.project.summary import SClass, SFunction, SModule, SValue

if TYPE_CHECKING:
    from lossflint.project.callers import ProjectTexts

#: subscripts followed into a nested literal
_MAX_KEYS = 6


@dataclass(frozen=True)
class ForeignLiteral:
    """A literal of another project module and where it is written."""

    value: Any
    file: str
    line: int
    column: int


def imported_literal(model: ModuleIndex, expr: cst.BaseExpression) -> ForeignLiteral | None:
    """What ``expr`` is when it names (or subscripts) a literal constant of
    another project module, or reads an attribute of a settings namespace one
    fills (``cfg.TRAIN.LR``, see ``config_namespaces``); None when that is not
    sure."""
    context = current()
    if context is None:
        return None
    #: (key, read as an attribute), outermost first
    keys: list[tuple[Any, bool]] = []
    found = None
    while len(keys) < _MAX_KEYS:
        found = _named(model, expr)
        if found is not None:
            break
        if isinstance(expr, cst.Subscript):
            if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
                return None
            key = literal_value(expr.slice[0].slice.value)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                return None
            keys.append((key, False))
        elif isinstance(expr, cst.Attribute):
            keys.append((expr.attr.value, True))
        else:
            return None
        expr = expr.value
    if found is None:
        return None
    literal, rel, name = found
    for key, attribute in reversed(keys):
        if attribute and not literal.namespace:
            return None
        if not isinstance(literal.value, dict) or key not in literal.value:
            return None
        literal = literal.value[key]
    if _changed_elsewhere(name) or (found[0].namespace and _namespace_changed(name, rel)):
        return None
    return ForeignLiteral(literal.value, rel, literal.line, literal.column)


def _named(model: ModuleIndex, expr: cst.BaseExpression) -> tuple[Literal, str, str] | None:
    """``NAME`` imported with ``from mod import NAME``, or ``mod.NAME``."""
    context = current()
    assert context is not None
    if isinstance(expr, cst.Name):
        binding = _only_import(model, expr)
        if not isinstance(binding, cst.ImportFrom):
            return None
        return _from_import(binding, expr.value)
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, (cst.Name, cst.Attribute)):
        module = _module_of(model, expr.value)
        if module is None:
            return None
        found = context.module_constant(module, expr.attr.value)
        return (found[0], found[1], expr.attr.value) if found is not None else None
    return None


def import_literal(node: cst.Import | cst.ImportFrom, local: str) -> ForeignLiteral | None:
    """The literal ``from mod import NAME`` binds to ``local``, when it is a
    constant of a project module no project file changes."""
    if current() is None or not isinstance(node, cst.ImportFrom):
        return None
    found = _from_import(node, local)
    if found is None or _changed_elsewhere(found[2]):
        return None
    literal, rel, _ = found
    return ForeignLiteral(literal.value, rel, literal.line, literal.column)


def _imported_as(binding: cst.ImportFrom, local: str) -> tuple[str, int, str] | None:
    """(module as written, relative level, imported name) of the alias of
    ``from ... import ...`` that binds ``local``; None for a star import or
    another name."""
    if isinstance(binding.names, cst.ImportStar):
        return None
    for alias in binding.names:
        name = dotted_text(alias.name) or ""
        asname = alias.asname.name if alias.asname is not None else None
        if (asname.value if isinstance(asname, cst.Name) else name) != local:
            continue
        dotted = (dotted_text(binding.module) or "") if binding.module is not None else ""
        return dotted, len(binding.relative), name
    return None


def _from_import(binding: cst.ImportFrom, local: str) -> tuple[Literal, str, str] | None:
    context = current()
    assert context is not None
    imported = _imported_as(binding, local)
    if imported is None:
        return None
    found = context.imported_constant(*imported)
    return (found[0], found[1], imported[2]) if found is not None else None


def _only_import(model: ModuleIndex, name: cst.Name) -> cst.Import | cst.ImportFrom | None:
    bindings = model.bindings(name)
    if not bindings or len(bindings) != 1:
        return None
    node = bindings[0].node
    return node if isinstance(node, (cst.Import, cst.ImportFrom)) else None


def _module_of(model: ModuleIndex, expr: cst.BaseExpression) -> str | None:
    """The project module ``expr`` names (``cfg`` of ``import configs.base as
    cfg``, ``configs.base`` of ``import configs.base``)."""
    context = current()
    assert context is not None
    root = expr
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return None
    binding = _only_import(model, root)
    if binding is None:
        return None
    if isinstance(binding, cst.Import):
        qualname = model.qualname(expr)
        module = context.import_module(qualname) if qualname is not None else None
        return module.file if module is not None else None
    imported = _imported_as(binding, root.value) if expr is root else None
    if imported is None:
        return None
    target = context.import_name(*imported)
    return target.file if isinstance(target, SModule) else None


def _changed_elsewhere(name: str) -> bool:
    """Whether some project file may change ``name`` in place or rebind it as
    a module attribute; True when the project's texts cannot be listed."""
    return in_project_texts(f"changed:{name}", _change_pattern(name), name)


def in_project_texts(key: str, pattern: re.Pattern[str], word: str = "") -> bool:
    """Whether some project file's text (one holding ``word``) matches
    ``pattern``; True when the texts cannot be listed (unknown: assume so).
    Remembered per project listing under ``key``: a file asks for many names,
    and each search reads every text of the project."""
    texts = _listed_texts()
    if texts is None or texts.files is None:
        return True
    found = texts.searches.get(key)
    if found is None:
        found = texts.searches[key] = any(
            word in text and pattern.search(text) is not None for text in texts.files.values()
        )
    return found


def _listed_texts() -> ProjectTexts | None:
    """The project's texts (``callers.project_texts``); None outside a project."""
    from lossflint.project.callers import project_texts

    context = current()
    return project_texts(context.layout) if context is not None else None


def _namespace_changed(name: str, rel: str) -> bool:
    """Whether a project file other than the namespace's own module ``rel``
    that imports ``name`` (or reads it as a module's attribute) may change
    the namespace: it sets or deletes a part, calls a method on it
    (``cfg.merge_from_file(args.cfg)``), hands it to a call
    (``update_config(cfg, args)``) or aliases it, by its name or one it is
    imported as (``from configs import cfg as C``); True when the texts
    cannot be listed."""
    context = current()
    texts = _listed_texts()
    if context is None or texts is None or texts.files is None:
        return True
    key = f"namespace:{rel}:{name}"
    found = texts.searches.get(key)
    if found is None:
        own = str((context.layout.root / rel).resolve())
        word = re.escape(name)
        reaches = re.compile(rf"^[ \t]*(?:from|import)\b[^\n]*\b{word}\b|\.\s*{word}\b", re.M)
        renamed = re.compile(rf"\b{word}\s+as\s+(\w+)")
        found = False
        for path, text in texts.files.items():
            if name not in text or path == own or reaches.search(text) is None:
                continue
            # ``from configs import cfg as C`` ... ``C.LR = args.lr``
            words = {name, *renamed.findall(text)}
            if any(_namespace_change_pattern(w).search(text) for w in words):
                found = True
                break
        texts.searches[key] = found
    return found


def _namespace_change_pattern(name: str) -> re.Pattern[str]:
    word = re.escape(name)
    part = r"(?:\s*(?:\.\s*\w+|\[[^\]\n]*\]))"
    return re.compile(
        rf"\b{word}{part}+\s*(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)"  # cfg.TRAIN.LR = ...
        rf"|\bdel\s+{word}\b"
        rf"|\b{word}{part}*\s*\.\s*(?:merge\w*|update|setdefault|pop\w*|clear|freeze|defrost"
        rf"|__set\w+|__del\w+)\s*\("
        rf"|[(,]\s*(?:\w+\s*=\s*)?{word}\s*[,)]"  # f(cfg), f(x, config=cfg)
        rf"|=\s*{word}\s*(?:[,;#)]|$)"  # alias = cfg
        rf"|\bglobal\s+(?:\w+\s*,\s*)*{word}\b",
        re.M,
    )


def _change_pattern(name: str) -> re.Pattern[str]:
    word = re.escape(name)
    return re.compile(
        rf"\b{word}\s*\[[^\n]*\]\s*(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)"  # NAME[k] = / +=
        rf"|\b{word}\s*\.\s*(?:update|setdefault|pop|popitem|clear|__setitem__|__delitem__"
        rf"|append|extend|insert|remove|sort|reverse)\s*\("
        rf"|\b{word}\s*(?:\+|\*)=(?!=)"  # NAME += [...]
        rf"|\.\s*{word}\s*(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)"  # module.NAME = ...
        rf"|\bdel\s+{word}\s*\["
        rf"|setattr\s*\([^\n]*['\"]{word}['\"]"
        rf"|\bglobal\s+(?:\w+\s*,\s*)*{word}\b"
    )


def imported_class(model: ModuleIndex, func: cst.BaseExpression) -> SClass | None:
    """The project class ``func`` names through ``from mod import Class``."""
    found = _imported_target(model, func)
    return found if isinstance(found, SClass) else None


def imported_project_callable(model: ModuleIndex, func: cst.BaseExpression) -> bool:
    """``func`` names a function or class of another project module."""
    return isinstance(_imported_target(model, func), (SClass, SFunction))


def _imported_target(model: ModuleIndex, func: cst.BaseExpression) -> object:
    """What ``from mod import name`` binds to the name ``func`` in the project."""
    context = current()
    if context is None or not isinstance(func, cst.Name):
        return None
    binding = _only_import(model, func)
    imported = _imported_as(binding, func.value) if isinstance(binding, cst.ImportFrom) else None
    if imported is None:
        return _star_imported(model, func) if not model.bindings(func) else None
    target = context.import_name(*imported)
    return context.resolve(target) if target is not None else None


def _star_imported(model: ModuleIndex, name: cst.Name) -> object:
    """What the one ``from mod import *`` of a project module binding
    ``name`` (bound nowhere in the file) gives it (ModelsGenesis's
    ``from utils import *`` then ``generate_pair(...)``)."""
    context = current()
    assert context is not None
    found: list[SValue | None] = []
    for stmt in model.nodes_of_type(cst.ImportFrom):
        if not isinstance(stmt, cst.ImportFrom) or not isinstance(stmt.names, cst.ImportStar):
            continue
        dotted = dotted_text(stmt.module) if stmt.module is not None else ""
        bound = context.star_name(dotted or "", len(stmt.relative), name.value)
        if bound is None:
            return None  # a star import of a module out of sight may bind it
        if bound[0]:
            found.append(bound[1])
    first = found[0] if len(found) == 1 else None
    return context.resolve(first) if first is not None else None


def set_by_project(name: str) -> bool:
    """Whether some project file may set an attribute ``name`` on an object
    (``cfg.lr = ...``, any ``setattr``); True when the texts cannot be listed."""
    if in_project_texts("setattr", _SETATTR, "setattr"):
        return True
    return in_project_texts(
        f"set:{name}", re.compile(rf"\.\s*{re.escape(name)}\s*(?:[-+*/]|//|\*\*)?=(?!=)"), name
    )


_SETATTR = re.compile(r"\bsetattr\s*\(")
