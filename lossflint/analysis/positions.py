"""Line and column of a node, computed for the top-level statement it is in.

libcst's ``PositionProvider`` walks the whole module with a position-tracking
code generator: about a quarter of a second on a 1,000-line file, paid by
every file with one finding. A top-level statement always starts at column
0, so its nodes' positions are those of the statement printed on its own,
moved down by the lines printed before it (the module's header comments and
the statements above, which plain code generation counts about ten times
faster). A file with findings in two functions pays for those two.

A process that lints versions of one text whose unchanged statements are the
same tree objects (the language server's worker, ``lsp/reparse.py``) keeps
what each statement printed (:func:`share_statements`): only the statements
that changed are printed again.

Lines are counted as the position provider counts them (``\\r\\n``, ``\\r``
and ``\\n`` each end one), so the result is the same as a whole-module
resolve (tests/test_positions.py compares them node by node).
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Mapping

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

#: what the position provider counts as a line break
_NEWLINE = re.compile(r"\r\n?|\n")


class LazyPositions:
    """Positions of ``module``'s nodes; ``parents`` maps a node to its parent."""

    def __init__(
        self,
        module: cst.Module,
        parents: Mapping[cst.CSTNode, cst.CSTNode],
        source: str | None = None,
    ) -> None:
        self.module = module
        self.parents = parents
        #: the text ``module`` was parsed from, when known: its statements'
        #: first lines then come from CPython's parser (in C) instead of a
        #: code generation of every statement above the one asked for
        self.source = source
        self._printed_here: dict[cst.CSTNode, _Printed] = {}
        self._starts: dict[cst.CSTNode, int] | None = None
        #: CPython's node of each top-level class/def, when the source is known
        self._compounds: dict[cst.CSTNode, _Line] = {}
        #: where each line of ``source`` starts
        self._offsets: list[int] | None = None
        self._done: dict[cst.CSTNode, tuple[Mapping[cst.CSTNode, CodeRange], int]] = {}
        self._whole: Mapping[cst.CSTNode, CodeRange] | None = None
        #: whether any position was asked for (a summary records definition
        #: lines only when positions are being computed anyway)
        self.used = False

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        self.used = True
        top = self._top_statement(node)
        if top is None:
            return self.whole()[node]
        named = self._definition_name(node, top)
        if named is not None:
            return named
        found = self._done.get(top)
        if found is None:
            anchor = self._anchor(node, top) if type(top) in _DESCEND else None
            if anchor is not None:
                found = self._done.get(anchor[0])
                if found is None:
                    found = self._nested(*anchor)
            if found is None:
                found = self._done[top] = self._resolve(top)
        positions, offset = found
        at = positions[node]
        if not offset:
            return at
        return CodeRange(
            CodePosition(at.start.line + offset, at.start.column),
            CodePosition(at.end.line + offset, at.end.column),
        )

    def whole(self) -> Mapping[cst.CSTNode, CodeRange]:
        """Every node's position, in one walk of the module."""
        if self._whole is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._whole = wrapper.resolve(PositionProvider)
        return self._whole

    def _top_statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        child, parent = node, self.parents.get(node)
        while parent is not None and parent is not self.module:
            child, parent = parent, self.parents.get(parent)
        if parent is None or self._line_starts().get(child) is None:
            return None  # the module itself, its header, or a node not in it
        return child

    def _nested(
        self, statement: cst.CSTNode, offset: int, indents: tuple[str, ...]
    ) -> tuple[Mapping[cst.CSTNode, CodeRange], int] | None:
        try:
            positions = _statement_positions(self.module, statement, indents)
        except (AttributeError, TypeError):  # libcst's internals moved: print the top
            return None
        found = self._done[statement] = (positions, offset)
        return found

    def _definition_name(self, node: cst.CSTNode, top: cst.CSTNode) -> CodeRange | None:
        """The name of a class or function, read off the source at the line
        CPython gives the ``def``/``class`` keyword: nothing printed (a
        summary asks where every definition of a module is, and printing a
        class to find the line of its name cost more than the summary)."""
        definition = self.parents.get(node)
        if (
            not isinstance(definition, (cst.FunctionDef, cst.ClassDef))
            or definition.name is not node
            or self.source is None
        ):
            return None
        self._line_starts()
        found: _Line | None = self._compounds.get(top) if definition is top else None
        if definition is not top:
            for child, line, _offset, _indents in self._descend(definition, top):
                if child is definition:
                    found = line
        if found is None:
            return None
        if self._offsets is None:
            self._offsets = [0] + [m.end() for m in _NEWLINE.finditer(self.source)]
        if not 0 < found.lineno <= len(self._offsets):
            return None
        start = self._offsets[found.lineno - 1]
        end = self._offsets[found.lineno] if found.lineno < len(self._offsets) else len(self.source)
        keyword = _DEF_NAME if type(definition) is cst.FunctionDef else _CLASS_NAME
        match = keyword.match(self.source, start + found.col_offset, end)
        name = node.value  # type: ignore[attr-defined]
        if match is None or match.group(1) != name:
            return None  # a name on a continuation line: print the statement
        column = match.start(1) - start
        return CodeRange(
            CodePosition(found.lineno, column), CodePosition(found.lineno, column + len(name))
        )

    def _anchor(
        self, node: cst.CSTNode, top: cst.CSTNode
    ) -> tuple[cst.CSTNode, int, tuple[str, ...]] | None:
        """The innermost statement around ``node`` reached through the bodies
        of classes, functions, loops, ``if``, ``with`` and ``try`` (a method
        of a 4,000-line class), with the lines before it and the indentation
        it is printed with; None to print the whole top-level statement. Its
        first line is CPython's."""
        best = None
        for child, _line, offset, indents in self._descend(node, top):
            best = (child, offset, indents)
        return best

    def _descend(
        self, node: cst.CSTNode, top: cst.CSTNode
    ) -> Iterator[tuple[cst.CSTNode, _Line, int, tuple[str, ...]]]:
        """The statements around ``node`` below ``top``, outermost first, each
        with CPython's line of it, the lines before it and its indentation,
        as far as the two parses line up."""
        self._line_starts()
        ast_node = self._compounds.get(top)
        if ast_node is None:
            return
        chain: list[cst.CSTNode] = []
        at: cst.CSTNode | None = node
        while at is not None and at is not top:
            chain.append(at)
            at = self.parents.get(at)
        chain.reverse()  # from just below ``top`` down to ``node``
        statement: cst.CSTNode = top
        indents: tuple[str, ...] = ()
        step = 0
        while step + 1 < len(chain) and ast_node is not None:
            block, child = chain[step], chain[step + 1]
            if type(block) is not cst.IndentedBlock or block is not getattr(
                statement, "body", None
            ):
                break
            index = _ast_index(block, child)
            body = ast_node.body
            if index is None or not isinstance(body, list) or index >= len(body):
                break
            found = body[index]
            indents = (
                *indents,
                block.indent if block.indent is not None else self.module.default_indent,
            )
            if found.col_offset != sum(len(indent) for indent in indents):
                break  # the two parses do not line up
            offset = self._first_line(child, found)
            if offset is None:
                break
            yield child, found, offset, indents
            if type(child) not in _DESCEND or not _same_kind(child, found):
                break
            statement, ast_node, step = child, found, step + 2

    def _first_line(self, statement: cst.CSTNode, found: _Line) -> int | None:
        """Lines before ``statement`` (its own leading blank and comment lines
        are printed with it), from CPython's first line of it; None when the
        two do not line up (a decorator whose expression starts on a later line)."""
        line = found.lineno
        before = len(getattr(statement, "leading_lines", ()))
        decorators = getattr(statement, "decorators", ())
        if decorators:
            if found.decorator is None or self.source is None:
                return None
            line = found.decorator
            if self._offsets is None:
                self._offsets = [0] + [m.end() for m in _NEWLINE.finditer(self.source)]
            if not 0 < line <= len(self._offsets):
                return None
            at = self._offsets[line - 1] + found.col_offset
            if self.source[at : at + 1] != "@":
                return None
            before += len(decorators[0].leading_lines)
        return line - 1 - before

    def _line_starts(self) -> dict[cst.CSTNode, int]:
        """Lines printed before each top-level statement."""
        if self._starts is None and self.source is not None:
            self._starts = _starts_from_source(self.module, self.source, self._compounds)
        if self._starts is None:
            module = self.module
            lines = sum(_lines(module.code_for_node(line)) for line in module.header)
            starts: dict[cst.CSTNode, int] = {}
            for statement in module.body:
                starts[statement] = lines
                lines += self._printed(statement).lines
            self._starts = starts
        return self._starts

    def _printed(self, statement: cst.CSTNode) -> _Printed:
        found = self._printed_here.get(statement)
        if found is not None:
            return found
        cache = _SHARED
        key = (self.module.default_indent, self.module.default_newline)
        found = cache.get(statement, key) if cache is not None else None
        if found is None:
            found = _Printed(_lines(self.module.code_for_node(statement)))
            if cache is not None:
                cache.put(statement, key, found)
        self._printed_here[statement] = found
        return found

    def _resolve(self, top: cst.CSTNode) -> tuple[Mapping[cst.CSTNode, CodeRange], int]:
        offset = self._line_starts()[top]
        if _SHARED is None and top not in self._printed_here:
            # its line count is not needed: only the positions are printed
            printed = self._printed_here[top] = _Printed(-1)
        else:
            printed = self._printed(top)
        if printed.positions is None:
            try:
                printed.positions = _statement_positions(self.module, top)
            except (AttributeError, TypeError):  # libcst's internals moved: the public way
                alone = self.module.with_changes(header=(), body=(top,), footer=())
                wrapper = MetadataWrapper(alone, unsafe_skip_copy=True)
                printed.positions = wrapper.resolve(PositionProvider)
        return printed.positions, offset


class _Printed:
    """What printing a top-level statement on its own gives: its line count
    and (once asked for) its nodes' positions from line 1."""

    __slots__ = ("lines", "positions")

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.positions: Mapping[cst.CSTNode, CodeRange] | None = None


class StatementCache:
    """What printing top-level statements gave, kept across modules that
    share statement trees (the language server reparses only what changed,
    ``lsp/reparse.py``): the most recent :attr:`size`, by node identity (the
    node is held, so its identity is not reused)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[cst.CSTNode, tuple[str, str], _Printed]] = OrderedDict()

    def get(self, node: cst.CSTNode, key: tuple[str, str]) -> _Printed | None:
        found = self._items.get(id(node))
        if found is None or found[0] is not node or found[1] != key:
            return None
        self._items.move_to_end(id(node))
        return found[2]

    def put(self, node: cst.CSTNode, key: tuple[str, str], printed: _Printed) -> None:
        self._items[id(node)] = (node, key, printed)
        self._items.move_to_end(id(node))
        while len(self._items) > self.size:
            self._items.popitem(last=False)


#: shared by every module of the process when set (:func:`share_statements`)
_SHARED: StatementCache | None = None


def known_lines(statement: cst.CSTNode, module: cst.Module, code: str) -> None:
    """``statement`` of ``module`` prints as ``code`` (the language server's
    reparse parsed it from that text alone): its line count, kept without a
    print when statements are shared."""
    if _SHARED is not None:
        key = (module.default_indent, module.default_newline)
        if _SHARED.get(statement, key) is None:
            _SHARED.put(statement, key, _Printed(_lines(code)))


def share_statements(size: int = 4096) -> StatementCache:
    """Keep what statements printed across modules from now on (for a process
    that lints versions of the same text: the language server's worker)."""
    global _SHARED
    _SHARED = StatementCache(size)
    return _SHARED


class _Spans(Mapping[cst.CSTNode, CodeRange]):
    """Each node's span as the code generator's token indices, turned into a
    line and column when asked for."""

    __slots__ = ("_spans", "_lines", "_columns")

    def __init__(self, spans: dict[cst.CSTNode, tuple[int, int]], tokens: list[str]) -> None:
        self._spans = spans
        # line and column after each token (index 0: before the first)
        lines, columns = [1], [0]
        line, column = 1, 0
        for token in tokens:
            if "\n" in token or "\r" in token:
                segments = _NEWLINE.split(token)
                line += len(segments) - 1
                column = len(segments[-1])
            else:
                column += len(token)
            lines.append(line)
            columns.append(column)
        self._lines = lines
        self._columns = columns

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        start, end = self._spans[node]
        lines, columns = self._lines, self._columns
        return CodeRange(
            CodePosition(lines[start], columns[start]), CodePosition(lines[end], columns[end])
        )

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def __contains__(self, node: object) -> bool:
        return node in self._spans


class _SpanState:
    """A code generation state that records where each node's tokens start
    and end, as :class:`PositionProvidingCodegenState` records positions, but
    as token indices: no line counting per token, no context manager
    generator and no position objects per node (about 4× cheaper; a summary
    of a module with one large class asked for a few lines of it paid the
    full price for the whole class)."""

    __slots__ = (
        "default_indent",
        "default_newline",
        "indent_tokens",
        "tokens",
        "spans",
        "_stack",
        "_syntactic",
    )

    def __init__(self, default_indent: str, default_newline: str) -> None:
        self.default_indent = default_indent
        self.default_newline = default_newline
        self.indent_tokens: list[str] = []
        self.tokens: list[str] = []
        self.spans: dict[cst.CSTNode, tuple[int, int]] = {}
        self._stack: list[int] = []
        self._syntactic: list[tuple[cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None, int]] = []

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)

    def decrease_indent(self) -> None:
        self.indent_tokens.pop()

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.tokens.pop()

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if node not in self.spans:  # the syntactic span, when one was recorded
            self.spans[node] = (start, len(self.tokens))

    # ``with state.record_syntactic_position(node, start_node=..., end_node=...)``:
    # the state is its own context manager, the spans being recorded on a stack
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _SpanState:
        self._syntactic.append((node, start_node, end_node, len(self.tokens)))
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        node, start_node, end_node, start = self._syntactic.pop()
        if start_node is not None:
            start = self.spans[start_node][0]
        end = self.spans[end_node][1] if end_node is not None else len(self.tokens)
        self.spans[node] = (start, end)


def _statement_positions(
    module: cst.Module, top: cst.CSTNode, indents: tuple[str, ...] = ()
) -> Mapping[cst.CSTNode, CodeRange]:
    """The positions of one statement's nodes, from line 1: those the
    position provider's code generation gives (tests/test_positions.py),
    without its copy and its visit of the whole module. A nested statement
    is printed with the indentation of the blocks around it."""
    state = _SpanState(module.default_indent, module.default_newline)
    state.indent_tokens.extend(indents)
    top._codegen(state)  # type: ignore[arg-type]
    return _Spans(state.spans, state.tokens)


def _lines(code: str) -> int:
    return len(_NEWLINE.findall(code))


def _starts_from_source(
    module: cst.Module, source: str, compounds: dict[cst.CSTNode, _Line] | None = None
) -> dict[cst.CSTNode, int] | None:
    """Lines before each top-level statement, from the first lines CPython's
    parser gives the same statements (a top-level statement starts at column
    0; its own leading blank and comment lines come before that line). None
    when the two parses do not line up (a grammar only one of them knows, a
    decorator whose expression starts on a later line): the caller prints."""
    try:
        with warnings.catch_warnings():
            # "invalid escape sequence" and the like: the lint is not the place
            warnings.simplefilter("ignore")
            body = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines: list[str] | None = None
    starts: dict[cst.CSTNode, int] = {}
    at = 0
    for statement in module.body:
        if at >= len(body):
            return None
        first = body[at]
        if first.col_offset != 0:
            return None
        line = first.lineno
        before = len(statement.leading_lines)
        decorators = getattr(statement, "decorators", ())
        if decorators:
            decorator_list = getattr(first, "decorator_list", None)
            if not decorator_list:
                return None
            line = decorator_list[0].lineno
            if lines is None:
                lines = _NEWLINE.split(source)
            if not (0 < line <= len(lines) and lines[line - 1].startswith("@")):
                return None
            before += len(decorators[0].leading_lines)
        starts[statement] = line - 1 - before
        if compounds is not None and type(statement) in _DESCEND:
            compounds[statement] = _Line.of(first)
        at += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    if at != len(body):
        if compounds is not None:
            compounds.clear()
        return None
    return starts


#: statements whose body is descended into for a smaller statement to print,
#: and the kind CPython's statement must have for the two bodies to line up
_KINDS: dict[type, str] = {
    cst.ClassDef: "class",
    cst.FunctionDef: "def",
    cst.For: "for",
    cst.While: "while",
    cst.If: "if",
    cst.With: "with",
    cst.Try: "try",
    cst.TryStar: "try",
}
_DESCEND = frozenset(_KINDS)
_AST_KINDS: dict[type, str] = {
    ast.ClassDef: "class",
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "def",
    ast.For: "for",
    ast.AsyncFor: "for",
    ast.While: "while",
    ast.If: "if",
    ast.With: "with",
    ast.AsyncWith: "with",
    ast.Try: "try",
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _AST_KINDS[ast.TryStar] = "try"
#: ``def name`` / ``class name`` from the keyword's column (a backslash
#: continuation between the two is left to the printer)
_DEF_NAME = re.compile(r"(?:async[ \t\f]+)?def[ \t\f]+(\w+)")
_CLASS_NAME = re.compile(r"class[ \t\f]+(\w+)")


def _ast_index(block: cst.IndentedBlock, child: cst.CSTNode) -> int | None:
    """The index in CPython's body of the statement ``child`` of ``block``
    (``a = 1; b = 2`` is one libcst line, two CPython statements)."""
    at = 0
    for statement in block.body:
        if statement is child:
            return at
        at += len(statement.body) if type(statement) is cst.SimpleStatementLine else 1
    return None


def _same_kind(node: cst.CSTNode, found: _Line) -> bool:
    return found.kind == _KINDS.get(type(node))


class _Line:
    """What positions need of a statement CPython parsed: where it starts,
    where its first decorator does, and (classes and functions) the same of
    the statements of its body; the syntax tree itself is not kept."""

    __slots__ = ("lineno", "col_offset", "decorator", "kind", "body")

    def __init__(self, stmt: ast.stmt) -> None:
        self.lineno = stmt.lineno
        self.col_offset = stmt.col_offset
        decorators = getattr(stmt, "decorator_list", None)
        self.decorator: int | None = decorators[0].lineno if decorators else None
        self.kind = _AST_KINDS.get(type(stmt), "other")
        self.body: list[_Line] | None = None

    @classmethod
    def of(cls, stmt: ast.stmt) -> _Line:
        """``stmt`` and, through the bodies of compound statements, what is inside."""
        top = cls(stmt)
        todo = [(top, stmt)]
        while todo:
            line, node = todo.pop()
            if line.kind == "other":
                continue
            line.body = []
            for inner in node.body:  # type: ignore[attr-defined]
                child = cls(inner)
                line.body.append(child)
                todo.append((child, inner))
        return top
