"""Parse a buffer again, reusing the trees of its unchanged top-level
statements (the language server's worker, between versions of a document).

libcst parses a 1,000-line file in about 110 ms; a keystroke changes one
top-level statement. CPython's ``ast`` (ten times faster) says where the
top-level statements are; the text is cut between them into chunks (the
blank lines and comments between two statements go with the one below, as
libcst attaches them), each chunk is parsed by libcst unless a previous
version had the same text, and the chunks' statements make one module.

The module prints as the text, byte for byte: a statement prints the same
wherever it stands, given the module's indentation and line-ending defaults
(which decide how a node without explicit whitespace prints), so every chunk
must read with the whole text's defaults, else the whole text is parsed
(tests/test_reparse.py checks code, positions and findings against whole
parses on the fixtures and on generated programs, with :attr:`Reparser.verify`
off as in the server). Comments and blank lines between statements may be held by a
different node than in a whole parse (a statement's leading lines rather
than a block's footer): no rule reads them from the tree.
"""

from __future__ import annotations

import ast
import warnings
from collections import OrderedDict

import libcst as cst

from lossflint import parse_guard
from lossflint.source import source_lines


class Reparser:
    """Chunk trees of recent versions, by chunk text."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._chunks: OrderedDict[str, _Chunk] = OrderedDict()
        #: chunks parsed / reused by the last :meth:`parse` (for tests)
        self.parsed = 0
        self.reused = 0
        #: compare the joined module's code with the text (tests)
        self.verify = False

    def parse(self, text: str) -> cst.Module | None:
        """``text``'s module, or None when only a whole parse can say (the
        caller then parses it whole: syntax errors are reported from there)."""
        self.parsed = self.reused = 0
        if parse_guard.check(text) is not None:
            return None  # too deep for libcst: the whole parse refuses it
        texts = _chunks(text)
        if texts is None or len(texts) < 2:
            return None
        chunks: list[_Chunk] = []
        for chunk_text in texts:
            chunk = self._chunks.get(chunk_text)
            if chunk is None:
                try:
                    module = parse_guard.call_with_big_stack(cst.parse_module, chunk_text)
                except Exception:  # a chunk libcst refuses: the whole parse says why
                    return None
                chunk = _Chunk(module)
                self.parsed += 1
            else:
                self.reused += 1
                self._chunks.move_to_end(chunk_text)
            self._chunks[chunk_text] = chunk
            chunks.append(chunk)
        while len(self._chunks) > self.size:
            self._chunks.popitem(last=False)
        whole = _join(chunks)
        if whole is None or (self.verify and whole.code != text):
            return None
        return whole


class _Chunk:
    """A chunk's tree, and its statements as they stand in a module after
    other chunks (the blank lines and comments that open it, its module
    header alone, moved into its first statement's leading lines). Built
    once, so every version that holds the chunk holds the same statement
    objects (positions are kept by statement: analysis/positions.py)."""

    __slots__ = ("body", "module")

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        body: list[cst.BaseStatement] = list(module.body)
        head = body[0] if body else None
        if module.header and isinstance(head, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            body[0] = head.with_changes(leading_lines=[*module.header, *head.leading_lines])
        self.body: list[cst.BaseStatement] | None = body or None


def _chunks(text: str) -> list[str] | None:
    """``text`` cut before each top-level statement that starts on a line of
    its own (None: CPython cannot parse it)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = source_lines(text, keepends=True)
    cuts: list[int] = []  # 0-based line index where a chunk ends
    end = 0
    for statement in tree.body:
        first = min([statement.lineno, *(d.lineno for d in _decorators(statement))])
        if cuts or end:
            if first > end:
                cuts.append(end)
        end = max(end, statement.end_lineno or statement.lineno)
    out: list[str] = []
    start = 0
    for cut in cuts:
        out.append("".join(lines[start:cut]))
        start = cut
    out.append("".join(lines[start:]))
    return out


def _decorators(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return statement.decorator_list
    return []


def _join(chunks: list[_Chunk]) -> cst.Module | None:
    """One module of the chunks' statements; None when a chunk printed with
    the first chunk's defaults would not read as it does alone."""
    modules = [c.module for c in chunks]
    first = modules[0]
    indent = next((m.default_indent for m in modules if _indented(m)), first.default_indent)
    newline = first.default_newline
    for module in modules:
        if _indented(module) and module.default_indent != indent:
            return None
        if module.default_newline != newline and module is not first:
            return None
    body: list[cst.BaseStatement] = list(first.body)
    for chunk in chunks[1:]:
        if chunk.body is None:
            return None
        body.extend(chunk.body)
    last = modules[-1]
    return first.with_changes(
        body=body,
        footer=last.footer,
        default_indent=indent,
        has_trailing_newline=last.has_trailing_newline,
    )


def _indented(module: cst.Module) -> bool:
    """Whether ``module`` holds an indented block (its indentation default
    was read from the text, not assumed)."""
    return any(
        isinstance(getattr(statement, "body", None), cst.IndentedBlock) for statement in module.body
    )
