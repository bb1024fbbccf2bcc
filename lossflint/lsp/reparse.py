"""Parse a buffer again, reusing the trees of its unchanged top-level
statements (the language server's worker, between versions of a document).

libcst parses a 1,000-line file in about 110 ms; a keystroke changes one
top-level statement. CPython's ``ast`` (ten times faster) says where the
top-level statements are; the text is cut between them into chunks (the
blank lines and comments between two statements go with the one below, as
libcst attaches them), each chunk is parsed by libcst unless a previous
version had the same text, and the chunks' statements make one module.

The module is the one a whole parse gives, byte for byte: every chunk must
read with the whole text's indentation and line-ending defaults (those decide
how a node without explicit whitespace prints), else the whole text is
parsed; and the result's code is compared with the text
(tests/test_reparse.py checks trees, positions and findings against whole
parses). Comments and blank lines between statements may be held by a
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
        self._chunks: OrderedDict[str, cst.Module] = OrderedDict()
        #: chunks parsed / reused by the last :meth:`parse` (for tests)
        self.parsed = 0
        self.reused = 0

    def parse(self, text: str) -> cst.Module | None:
        """``text``'s module, or None when only a whole parse can say (the
        caller then parses it whole: syntax errors are reported from there)."""
        self.parsed = self.reused = 0
        if parse_guard.check(text) is not None:
            return None  # too deep for libcst: the whole parse refuses it
        chunks = _chunks(text)
        if chunks is None or len(chunks) < 2:
            return None
        modules: list[cst.Module] = []
        for chunk in chunks:
            module = self._chunks.get(chunk)
            if module is None:
                try:
                    module = parse_guard.call_with_big_stack(cst.parse_module, chunk)
                except Exception:  # a chunk libcst refuses: the whole parse says why
                    return None
                self.parsed += 1
            else:
                self.reused += 1
                self._chunks.move_to_end(chunk)
            self._chunks[chunk] = module
            modules.append(module)
        while len(self._chunks) > self.size:
            self._chunks.popitem(last=False)
        whole = _join(modules)
        if whole is None or whole.code != text:
            return None
        return whole


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


def _join(modules: list[cst.Module]) -> cst.Module | None:
    """One module of the chunks' statements; None when a chunk printed with
    the first chunk's defaults would not read as it does alone."""
    first = modules[0]
    indent = next((m.default_indent for m in modules if _indented(m)), first.default_indent)
    newline = first.default_newline
    body: list[cst.BaseStatement | cst.BaseSmallStatement] = list(first.body)
    for module in modules:
        if _indented(module) and module.default_indent != indent:
            return None
        if module.default_newline != newline and module is not first:
            return None
    for module in modules[1:]:
        if not module.body:
            return None
        head = module.body[0]
        if module.header:
            lines = [*module.header, *head.leading_lines]
            head = head.with_changes(leading_lines=lines)
        body.append(head)
        body.extend(module.body[1:])
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
