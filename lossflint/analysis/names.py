"""Scopes, bindings and canonical qualified names.

Our own single pass replaces libcst's ScopeProvider/QualifiedNameProvider,
which cost several times the parse on real repositories. The model is simple
on purpose and errs towards "unknown": a name resolves to a framework API only
when every binding of it in the scope that owns it is an import of that API.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from lossflint.analysis import apis

BindingKind = Literal["import", "def", "class", "assign", "param", "other"]

_BUILTINS = frozenset(dir(builtins))


def canonical(qualname: str) -> str:
    dotted = qualname + "."
    for prefix, repl in apis.CANONICAL_PREFIXES:
        if dotted.startswith(prefix):
            return (repl + dotted[len(prefix) :])[:-1]
    if qualname in apis.KERAS_ALIASES:
        return "keras"
    return qualname


@dataclass(frozen=True)
class Binding:
    kind: BindingKind
    node: cst.CSTNode | None = None
    qualname: str | None = None  # set for imports


@dataclass(eq=False)
class Scope:
    kind: Literal["module", "function", "class", "lambda"]
    node: cst.CSTNode
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)

    def bind(self, name: str, binding: Binding) -> None:
        target: Scope = self
        if name in self.globals:
            target = self.module()
        self_list = target.bindings.setdefault(name, [])
        self_list.append(binding)

    def module(self) -> Scope:
        scope: Scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> list[Binding] | None:
        """The bindings visible for ``name`` from this scope (None: unbound)."""
        scope: Scope | None = self
        if name in self.globals:
            scope = self.module()
        first = True
        while scope is not None:
            # A class body is not visible from the functions nested in it.
            if scope.kind == "class" and not first:
                scope = scope.parent
                continue
            found = scope.bindings.get(name)
            if found is not None:
                return found
            first = False
            scope = scope.parent
        return None


def _is_none_assignment(binding: Binding) -> bool:
    return (
        binding.kind == "assign"
        and isinstance(binding.node, cst.Name)
        and (binding.node.value == "None")
    )


def qualname_of_bindings(bindings: list[Binding]) -> str | None:
    """The imported qualified name if every binding is that same import.

    ``x = None`` fallbacks (``try: import torch / except ImportError: torch =
    None``) are ignored: calling through ``None`` could not have run.
    """
    names = {
        b.qualname if b.kind == "import" else None for b in bindings if not _is_none_assignment(b)
    }
    if len(names) == 1:
        (only,) = names
        return only
    return None


def dotted_name(node: cst.BaseExpression) -> list[str] | None:
    """``a.b.c`` → ["a", "b", "c"]; None for anything that is not a plain chain."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        parts.reverse()
        return parts
    return None


def dotted_text(node: cst.BaseExpression) -> str | None:
    """``model`` / ``self.net`` → "self.net"; None for anything but a plain chain."""
    parts = dotted_name(node)
    return ".".join(parts) if parts else None


def resolve_qualname(node: cst.BaseExpression, scope: Scope) -> str | None:
    parts = dotted_name(node)
    if not parts:
        return None
    bindings = scope.lookup(parts[0])
    if bindings is None:
        if parts[0] in _BUILTINS:
            return "builtins." + ".".join(parts)
        return None
    root = qualname_of_bindings(bindings)
    if root is None:
        return None
    return canonical(".".join([root, *parts[1:]]))
