"""The part of a module that one of its classes or functions needs.

Most summaries of a cold run are computed to answer for *one* item of a
module: what ``get_logger`` returns, what calling ``LlamaModel`` gives. The
summary of the whole module parses and interprets every class and function
of it, and reads the summaries of everything those import, to keep one
entry. An *item text* is the module with only what the item can depend on
left in place, the rest blanked (same lines, so positions are unchanged):

- the item's own ``class``/``def`` statement;
- every top-level statement that binds a name the kept statements read
  (a same-file helper, a base class, a module-level object or import, a
  function whose ``global`` statement rebinds such a name), transitively;
- every top-level statement that binds no name but reads a kept name
  (``Net.forward = f``, ``REGISTRY["a"] = A``: it may change what the name
  is), every class or function whose body changes a kept name's container in
  place (a ``register`` decorator's ``REGISTRY[name] = cls``), and star
  imports; an ``if __name__ == "__main__":`` block only for a name it binds.

A name the item reads but no statement binds is a builtin or unknown either
way. What the analysis knows of the item is then what it knows in the whole
module, without the parameters that other same-file functions pin (a
summary never keeps those: ``Summarizer._kinds_for``). Found from CPython's
``ast`` (the syntax alone; nothing is imported); None when the item is not
one top-level ``class``/``def`` bound once, or when most of the module would
be kept anyway (the whole summary then answers for every item at once).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lossflint.analysis import apis
from lossflint.project.ast_walk import walk
from lossflint.project.exports import parse_syntax, statement_bindings, statement_span
from lossflint.project.mutations import changed_in_place

#: above this fraction of the module's lines an item text saves too little:
#: the whole summary, shared by every item, is cheaper
MAX_KEPT = 0.6
#: a module smaller than this is summarised whole (a parse costs little)
MIN_LINES = 150

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


@dataclass(frozen=True)
class ItemPlan:
    """What :func:`item_text` needs of a module, found once per module."""

    #: the module's lines, each with its line ending
    lines: tuple[str, ...]
    #: per top-level statement: its first line (decorators included) and last, 1-based
    spans: tuple[tuple[int, int], ...]
    #: the top-level class/def bound once, by name → its statement's index
    items: dict[str, int]
    #: per statement: the names it reads (or binds: a read of its own binding is harmless)
    reads: tuple[frozenset[str], ...]
    #: name → the statements that bind it at the top level or through ``global``
    binders: dict[str, tuple[int, ...]]
    #: statements kept in every item text (star imports: they may bind anything)
    always: tuple[int, ...]
    #: name → the statements that bind no name but read it (``Net.forward =
    #: f``, ``REGISTRY["a"] = A``, ``torch.manual_seed(0)``): kept with the name
    effects: dict[str, tuple[int, ...]]
    #: names bound only by top-level statements other than classes and
    #: functions (``ACT2FN = ClassInstantier(ACT2CLS)``, a ``try`` import): items too
    names: frozenset[str] = frozenset()
    #: the top-level class and function statements
    defs: frozenset[int] = frozenset()
    #: the classes among ``items``, by name: what a method item keeps of them
    classes: dict[str, ClassPlan] = field(default_factory=dict)


@dataclass(frozen=True)
class Member:
    """A statement of a class body."""

    #: the method (or nested class) it defines; None for any other statement
    name: str | None
    #: its first line (decorators included) and last, 1-based
    span: tuple[int, int]
    #: the plain names it reads (module-level names, for the closure)
    reads: frozenset[str]
    #: the attribute names it reads or writes of the class's members: a
    #: method's on its first parameter, the class's name or a call's result
    #: (``self.head``, ``cls.build``, ``type(self).x``); any, for another statement
    attributes: frozenset[str]
    #: the attributes it assigns on its first parameter (``self.head = ...``)
    writes: frozenset[str]
    #: lines that are only documentation: the class's docstring, or a
    #: method's docstring followed by code (blanked in a method item)
    doc: tuple[int, int] | None = None


@dataclass(frozen=True)
class ClassPlan:
    """What a method item (``Trainer.fit``) needs of its class: the header's
    reads (bases, keywords, decorators) and each body statement's."""

    header_reads: frozenset[str]
    members: tuple[Member, ...]


def item_plan(text: str, tree: ast.Module | None = None) -> ItemPlan | None:
    """The plan of ``text`` (``tree``: CPython's parse of it, when the caller
    has it); None when it does not parse or is small."""
    lines = tuple(m.group(0) for m in _LINE.finditer(text) if m.group(0))
    if len(lines) < MIN_LINES:
        return None
    if tree is None:
        tree = parse_syntax(text)
    if tree is None:
        return None
    spans: list[tuple[int, int]] = []
    reads: list[frozenset[str]] = []
    binders: dict[str, list[int]] = {}
    always: list[int] = []
    effects: dict[str, list[int]] = {}
    seen: dict[str, int] = {}
    for index, stmt in enumerate(tree.body):
        spans.append(statement_span(stmt))
        names: set[str] = set()
        bound: set[str] = set()
        star = False
        for node in walk(stmt):
            kind = type(node)
            if kind is ast.Name:
                names.add(node.id)  # type: ignore[attr-defined]
            elif kind is ast.Global:
                bound.update(node.names)  # type: ignore[attr-defined]
            elif kind is ast.ImportFrom and any(a.name == "*" for a in node.names):  # type: ignore[attr-defined]
                star = True
        bound |= statement_bindings(stmt)
        reads.append(frozenset(names))
        for name in bound:
            binders.setdefault(name, []).append(index)
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            seen[stmt.name] = seen.get(stmt.name, 0) + 1
            for name in changed_in_place(stmt):
                # ``def register(name): ... REGISTRY[name] = cls``: kept with
                # the registry, whose entries it may add to
                effects.setdefault(name, []).append(index)
        elif star or _keras_import(stmt):
            # a Keras/TensorFlow import makes the module's Keras facts run
            # (``summarize._keras``): every item text keeps it
            always.append(index)
        elif not bound and not _main_guard(stmt):
            for name in names:
                effects.setdefault(name, []).append(index)
    items = {
        stmt.name: index
        for index, stmt in enumerate(tree.body)
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and seen.get(stmt.name) == 1
        and len(binders.get(stmt.name, ())) == 1
    }
    defs = frozenset(
        index
        for index, stmt in enumerate(tree.body)
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    )
    plain_names = frozenset(
        name
        for name, where in binders.items()
        if not any(index in defs for index in where)
        and not any(_main_guard(tree.body[index]) for index in where)
    )
    classes = {
        name: _class_plan(stmt)
        for name, index in items.items()
        if isinstance(stmt := tree.body[index], ast.ClassDef)
    }
    return ItemPlan(
        lines,
        tuple(spans),
        items,
        tuple(reads),
        {name: tuple(found) for name, found in binders.items()},
        tuple(always),
        {name: tuple(found) for name, found in effects.items()},
        plain_names,
        defs,
        classes,
    )


def _keras_import(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import):
        return any(a.name.split(".")[0] in apis.KERAS_ROOTS for a in stmt.names)
    if isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
        return stmt.module.split(".")[0] in apis.KERAS_ROOTS
    return False


#: methods a method item always keeps: they set up the instance
_SETUP = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__", "__set_name__"})


def _class_plan(cls: ast.ClassDef) -> ClassPlan:
    header: set[str] = set()
    for node in (*cls.bases, *cls.keywords, *cls.decorator_list):
        header |= {n.id for n in walk(node) if isinstance(n, ast.Name)}
    members = []
    for stmt in cls.body:
        first, _ = statement_span(stmt)
        method = isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
        me: str | None = None
        if method:
            params = [*stmt.args.posonlyargs, *stmt.args.args]  # type: ignore[attr-defined]
            me = params[0].arg if params else None
        # a method reaches the class's members through its first parameter
        # (``self.encode``, ``cls.build``), ``type(self)`` or the class's name
        owners = {cls.name} | ({me} if me else set())
        names: set[str] = set()
        attributes: set[str] = set()
        for node in walk(stmt):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                base = node.value
                if (
                    not method
                    or (isinstance(base, ast.Name) and base.id in owners)
                    or (isinstance(base, ast.Call) and isinstance(base.func, ast.Name))
                ):
                    attributes.add(node.attr)
        writes: set[str] = set()
        defined: str | None = None
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined = stmt.name
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in walk(stmt):
                targets: list[ast.expr] = []
                if isinstance(node, ast.Assign):
                    targets = list(node.targets)
                elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                    targets = [node.target]
                while targets:
                    target = targets.pop()
                    if isinstance(target, (ast.Tuple, ast.List)):
                        targets.extend(target.elts)
                    elif isinstance(target, ast.Starred):
                        targets.append(target.value)
                    elif (
                        # ``self.head = ...`` (not ``self.config.x = ...``: that
                        # changes what the attribute holds, not which it is)
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == me
                    ):
                        writes.add(target.attr)
        members.append(
            Member(
                defined,
                (first, stmt.end_lineno or stmt.lineno),
                frozenset(names),
                frozenset(attributes),
                frozenset(writes),
                _docstring(stmt),
            )
        )
    return ClassPlan(frozenset(header), tuple(members))


def _docstring(stmt: ast.stmt) -> tuple[int, int] | None:
    """The lines of the documentation ``stmt`` is or starts with: a string
    statement of the class body, or a function's docstring when code follows
    it (a body of only a docstring keeps it: it would not parse without)."""
    if _is_string(stmt):
        return stmt.lineno, stmt.end_lineno or stmt.lineno
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and len(stmt.body) > 1:
        first = stmt.body[0]
        if _is_string(first) and first.end_lineno is not None:
            # on lines of its own: after the ``def`` line, before the code
            if first.lineno > stmt.lineno and stmt.body[1].lineno > first.end_lineno:
                return first.lineno, first.end_lineno
    return None


def _is_string(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _kept_members(plan: ClassPlan, method: str) -> set[int] | None:
    """The body statements a method item keeps: ``method`` (every statement
    defining it: a property's setter too), the set-up methods, every
    statement that defines nothing (class attributes, a docstring), and,
    until nothing changes, the methods the kept ones name as an attribute or
    a name (``self.encode(x)``, a property, ``forward = _impl``) and those
    that assign an attribute the kept ones read (the analysis joins every
    method's ``self.x = ...``). None when the class defines no such method."""
    members = plan.members
    if not any(m.name == method for m in members):
        return None
    kept = {
        i for i, m in enumerate(members) if m.name is None or m.name == method or m.name in _SETUP
    }
    while True:
        named: set[str] = set()
        for i in kept:
            named |= members[i].attributes | members[i].reads
        more = {
            i
            for i, m in enumerate(members)
            if i not in kept and ((m.name is not None and m.name in named) or m.writes & named)
        }
        if not more:
            return kept
        kept |= more


def item_text(plan: ItemPlan, item: str) -> str | None:
    """The module's text with only what ``item`` needs left in place (other
    lines emptied, line endings kept); None when the whole module should be
    summarised instead. ``Class.method`` is a method item: the class with
    only what the method needs of its body (:func:`_kept_members`)."""
    owner, dot, method = item.partition(".")
    dropped_lines: set[int] = set()
    reads = list(plan.reads)
    start = plan.items.get(owner if dot else item)
    if dot:
        cls = plan.classes.get(owner)
        members = _kept_members(cls, method) if cls is not None and start is not None else None
        if cls is None or members is None or start is None:
            return None
        class_reads = set(cls.header_reads)
        kept_lines: set[int] = set()
        docs: set[int] = set()
        for i, member in enumerate(cls.members):
            first, last = member.span
            if i in members:
                class_reads |= member.reads
                kept_lines.update(range(first, last + 1))
                if member.doc is not None:
                    docs.update(range(member.doc[0], member.doc[1] + 1))
            else:
                dropped_lines.update(range(first, last + 1))
        if dropped_lines & kept_lines:
            return None  # statements sharing a line (``x = 1; def f(): ...``)
        dropped_lines |= docs  # documentation says nothing the analysis reads
        reads[start] = frozenset(class_reads)
        kept = {start, *plan.always}
    elif start is not None:
        kept = {start, *plan.always}
    elif item in plan.names:
        # what binds it, and the module-level statements that name it (they
        # may change it in place: ``REGISTRY.update(...)``, ``x = CFG.pop(k)``)
        kept = {*plan.binders[item], *plan.always}
        kept |= {
            index
            for index, reads in enumerate(plan.reads)
            if item in reads and index not in plan.defs
        }
    else:
        return None
    todo = list(kept)
    named: set[str] = set()
    while todo:
        for name in reads[todo.pop()]:
            if name in named:
                continue
            named.add(name)
            for index in (*plan.binders.get(name, ()), *plan.effects.get(name, ())):
                if index not in kept:
                    kept.add(index)
                    todo.append(index)
    keep_line = [False] * (len(plan.lines) + 2)
    for index in kept:
        first, last = plan.spans[index]
        for line in range(first, last + 1):
            keep_line[line] = True
    for line in dropped_lines:
        keep_line[line] = False
    in_statements = [False] * (len(plan.lines) + 2)
    for first, last in plan.spans:
        for line in range(first, last + 1):
            in_statements[line] = True
    dropped = sum(
        1 for line in range(1, len(plan.lines) + 1) if in_statements[line] and not keep_line[line]
    )
    if len(plan.lines) - dropped > MAX_KEPT * len(plan.lines):
        return None
    blanked = [
        in_statements[number] and not keep_line[number] for number in range(len(plan.lines) + 1)
    ]
    return "".join(_folded(plan.lines, blanked))


#: a run of blanked lines is written as one string statement: the parser
#: builds a node for every empty line (5,000 of them cost 23 ms), a string of
#: any length is one token; the lines, and so every position, stay the same
_FILLER = '"""'


def _folded(lines: Sequence[str], blanked: Sequence[bool]) -> list[str]:
    """``lines`` with each blanked line emptied (its line ending kept); a run
    of two or more, with the whitespace-only lines after it, becomes a string
    statement at the indentation of the first statement it replaces."""
    out: list[str] = []
    number, total = 1, len(lines)
    while number <= total:
        text = lines[number - 1]
        if not blanked[number]:
            out.append(text)
            number += 1
            continue
        last = number
        while last < total and (blanked[last + 1] or not lines[last].strip()):
            last += 1
        while last > number and not blanked[last]:
            last -= 1  # the whitespace lines after the run stay as they are
        ends = [line[len(line.rstrip("\r\n")) :] for line in lines[number - 1 : last]]
        if last == number or not ends[-1]:
            out.extend(ends)  # one line, or a run ending the file without a newline
        else:
            indent = text[: len(text) - len(text.lstrip(" \t"))]
            out.append(f"{indent}{_FILLER}{ends[0]}")
            out.extend(ends[1:-1])
            out.append(f"{_FILLER}{ends[-1]}")
        number = last + 1
    return out


def _main_guard(stmt: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (run as a script, never on import)."""
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    parts = [stmt.test.left, *stmt.test.comparators]
    return any(isinstance(p, ast.Name) and p.id == "__name__" for p in parts) and any(
        isinstance(p, ast.Constant) and p.value == "__main__" for p in parts
    )
