"""Cheaper identity and type checks for libcst's node classes, for processes
of lossflint's own (the language server's worker, the CLI and its workers).

Two costs of libcst's node classes show in every profile of a lint, and
neither buys anything an analysis uses:

- nodes compare and hash by identity, but through Python methods
  (``CSTNode.__eq__``/``__hash__``, copied into every node class by
  ``dataclass``): every dictionary keyed by a node -- parents, scopes, the
  interpreters' values -- calls one, about 1.5 million calls per lint of a
  1,000-line file. ``object``'s own methods give the same identity semantics
  in C (the hash value differs, which no code may rely on: it is an address);
- the classes are ``ABCMeta`` classes, so ``isinstance(node, cst.Call)`` on a
  node that is not a ``Call`` goes through ``ABCMeta.__instancecheck__`` in
  Python (about 2.2 million calls per lint). No libcst class has a registered
  virtual subclass or a ``__subclasshook__``, so the plain ``type`` check
  answers the same; a class that has either keeps ``ABCMeta``'s, and a class
  registered with later gets it back (``_PlainNodeMeta.register``).

Together: a fifth of a lint's CPU. Off unless :func:`enable` is called: the
language server's worker, the ``lossflint check`` process and its pool
workers call it (processes of ours); the Python API and the flake8 plugin
leave libcst as it is in their caller's process.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import Any

import libcst as cst

__all__ = ["enable", "enabled"]

_ENABLED = False


class _PlainNodeMeta(abc.ABCMeta):
    """``ABCMeta`` whose instance and subclass checks are ``type``'s (C)."""

    __instancecheck__ = type.__instancecheck__  # type: ignore[assignment]
    __subclasscheck__ = type.__subclasscheck__  # type: ignore[assignment]

    def register(cls, subclass: type[Any]) -> type[Any]:
        # a virtual subclass needs ABCMeta's checks again, for this class and
        # the classes it derives from (they answer for it too)
        for klass in cls.__mro__:
            if type(klass) is _PlainNodeMeta:
                klass.__class__ = abc.ABCMeta  # type: ignore[assignment]
        return abc.ABCMeta.register(cls, subclass)


def _node_classes() -> Iterator[type]:
    seen: set[type] = set()
    todo: list[type] = [cst.CSTNode]
    while todo:
        klass = todo.pop()
        if klass in seen:
            continue
        seen.add(klass)
        yield klass
        todo.extend(klass.__subclasses__())


def _plain_checks_hold(klass: type) -> bool:
    """Whether ``type``'s checks answer as ``ABCMeta``'s for ``klass``: no
    virtual subclass registered, no ``__subclasshook__`` of its own below ``object``."""
    if type(klass) is not abc.ABCMeta:
        return False
    if abc._get_dump(klass)[0]:  # type: ignore[attr-defined]
        return False
    return not any(
        "__subclasshook__" in base.__dict__
        for base in klass.__mro__
        if base is not object and base is not abc.ABC
    )


def enable() -> None:
    """Switch libcst's node classes to C identity and type checks (idempotent)."""
    global _ENABLED
    if _ENABLED:
        return
    for klass in list(_node_classes()):
        if klass.__dict__.get("__hash__") is not None:
            klass.__hash__ = object.__hash__  # type: ignore[assignment]
        if "__eq__" in klass.__dict__:
            klass.__eq__ = object.__eq__  # type: ignore[assignment]
        if _plain_checks_hold(klass):
            try:
                klass.__class__ = _PlainNodeMeta
            except TypeError:
                continue  # a class whose type cannot change keeps ABCMeta's checks
    _ENABLED = True


def enabled() -> bool:
    return _ENABLED
