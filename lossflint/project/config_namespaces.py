"""Settings a config module writes into an attribute-style object.

py-faster-rcnn's style, kept by many detection and crowd-counting repositories::

    from easydict import EasyDict as edict
    __C = edict()
    cfg = __C
    __C.LR = 1e-5
    __C.LR_DECAY_START = -1
    __C.TRAIN = edict()
    __C.TRAIN.SHUFFLE = True

and ``trainer.py`` reads ``from config import cfg`` ... ``if epoch >
cfg.LR_DECAY_START:``. :func:`namespace_constants` gives such an object as a
:class:`Literal` whose value is a dict of the attributes known, so
``constants.imported_literal`` follows ``cfg.TRAIN.SHUFFLE`` as it follows
``TRAIN["shuffle"]``.

An attribute is known when one top-level statement of the module assigns it a
literal (or a fresh namespace for a nested one) and nothing else in the module
sets it: an assignment under an ``if``, in a function, augmented or repeated
makes it unknown. Whatever may change the object as a whole makes all of it
unknown: a method called on it or on one of its parts (``merge_from_file``,
``update``), the object handed to a call (``_merge_a_into_b(yaml_cfg, __C)``),
returned, stored elsewhere or subscripted for a write. Other project files are
checked by ``constants`` when a rule reads the object.
"""

from __future__ import annotations

import ast

from lossflint.analysis import apis
from lossflint.project.literals import Literal, literal_of

#: a key path under a root namespace (``("TRAIN", "SHUFFLE")``)
Path = tuple[str, ...]


def namespace_constants(
    tree: ast.Module, sites: dict[str, list[ast.AST]], imported: dict[str, str]
) -> dict[str, Literal]:
    """The module's namespace objects by every name bound to one (``__C`` and
    its alias ``cfg``); ``sites``: the module's binding sites per name,
    ``imported``: names bound once by an import of something outside the
    project → what they name."""
    makers = {local for local, dotted in imported.items() if dotted in apis.CONFIG_NAMESPACES}
    if not makers:
        return {}
    roots: dict[str, ast.Assign] = {}
    for stmt in tree.body:
        name = _bound_once(stmt, sites)
        if name is not None and _fresh(stmt.value, makers):  # type: ignore[attr-defined]
            roots[name] = stmt  # type: ignore[assignment]
    if not roots:
        return {}
    root_of = {name: name for name in roots}
    aliases: set[int] = set()
    for stmt in tree.body:
        name = _bound_once(stmt, sites)
        value = getattr(stmt, "value", None)
        if name is not None and isinstance(value, ast.Name) and value.id in roots:
            root_of[name] = value.id
            aliases.add(id(value))
    return _Reader(tree, makers, roots, root_of, aliases).constants()


def _bound_once(stmt: ast.stmt, sites: dict[str, list[ast.AST]]) -> str | None:
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return None
    target = stmt.targets[0]
    if not isinstance(target, ast.Name) or len(sites.get(target.id, ())) != 1:
        return None
    return target.id


def _fresh(value: ast.expr, makers: set[str]) -> bool:
    """``edict()``: an empty namespace."""
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in makers
        and not value.args
        and not value.keywords
    )


class _Reader:
    def __init__(
        self,
        tree: ast.Module,
        makers: set[str],
        roots: dict[str, ast.Assign],
        root_of: dict[str, str],
        aliases: set[int],
    ) -> None:
        self.tree = tree
        self.makers = makers
        self.roots = roots
        self.root_of = root_of
        self.aliases = aliases
        self.top = {id(stmt) for stmt in tree.body}
        #: per root: path → the literal (a nested namespace: an empty one,
        #: filled by :meth:`_literal`)
        self.known: dict[str, dict[Path, Literal]] = {root: {} for root in roots}
        self.unknown: dict[str, set[Path]] = {root: set() for root in roots}
        self.spoiled: set[str] = set()

    def constants(self) -> dict[str, Literal]:
        parents: dict[int, ast.AST] = {}
        uses: list[ast.Name] = []
        todo: list[ast.AST] = [self.tree]
        while todo:
            node = todo.pop()
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
                todo.append(child)
            if (
                isinstance(node, ast.Name)
                and node.id in self.root_of
                and isinstance(node.ctx, ast.Load)
            ):
                uses.append(node)
        for use in sorted(uses, key=lambda n: (n.lineno, n.col_offset)):
            self._use(use, parents)
        found: dict[str, Literal] = {}
        for name, root in self.root_of.items():
            if root not in self.spoiled:
                made = self.roots[root].value
                at = Literal({}, made.lineno, made.col_offset + 1, namespace=True)
                found[name] = self._literal(root, (), at)
        return found

    def _use(self, name: ast.Name, parents: dict[int, ast.AST]) -> None:
        root = self.root_of[name.id]
        path: list[str] = []
        top: ast.expr = name
        parent = parents.get(id(top))
        while isinstance(parent, ast.Attribute) and parent.value is top:
            path.append(parent.attr)
            top = parent
            parent = parents.get(id(top))
        if not path:
            if id(name) not in self.aliases:
                self.spoiled.add(root)  # handed on, returned, stored: anything may change it
            return
        key = tuple(path)
        context = top.ctx  # type: ignore[attr-defined]
        if isinstance(context, ast.Load):
            if (isinstance(parent, ast.Call) and parent.func is top) or (
                isinstance(parent, ast.Subscript)
                and parent.value is top
                and not isinstance(parent.ctx, ast.Load)
            ):
                self.spoiled.add(root)
            return
        if (
            isinstance(context, ast.Store)
            and isinstance(parent, ast.Assign)
            and id(parent) in self.top
            and parent.targets == [top]
        ):
            self._assign(root, key, parent.value)
        else:
            self._forget(root, key)

    def _assign(self, root: str, key: Path, value: ast.expr) -> None:
        known = self.known[root]
        parent = known.get(key[:-1]) if len(key) > 1 else None
        if key in known or (len(key) > 1 and (parent is None or not parent.namespace)):
            # set twice, or under something not known to be a fresh namespace
            self._forget(root, key)
            return
        if _fresh(value, self.makers):
            known[key] = Literal({}, value.lineno, value.col_offset + 1, namespace=True)
            return
        literal = literal_of(value)
        if literal is None:
            self._forget(root, key)
        else:
            known[key] = literal

    def _forget(self, root: str, key: Path) -> None:
        self.unknown[root].add(key)

    def _literal(self, root: str, prefix: Path, at: Literal) -> Literal:
        """The namespace at ``prefix`` (made at ``at``) as a dict literal of
        its known members."""
        known = self.known[root]
        unknown = self.unknown[root]
        members: dict[str, Literal] = {}
        for key, value in known.items():
            if len(key) != len(prefix) + 1 or key[: len(prefix)] != prefix:
                continue
            if any(key[:depth] in unknown for depth in range(1, len(key) + 1)):
                continue
            members[key[-1]] = self._literal(root, key, value) if value.namespace else value
        return Literal(members, at.line, at.column, namespace=True)
