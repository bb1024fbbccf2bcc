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

Where the statements are is found again only around the edit: the chunks
of the last version found unchanged at the start and at the end of the new
text are kept, and CPython's ``ast`` reads only what lies between them
(:meth:`Reparser._around_edit`; reading the whole text was 20 of the 27 ms
a reparse took on a 1,000-line file). tests/test_lsp_reparse_edits.py
edits the fixtures at random and checks each version against its whole
parse.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import OrderedDict
from typing import NamedTuple

import libcst as cst

from lossflint import parse_guard
from lossflint.analysis.positions import known_lines
from lossflint.source import source_lines

#: a line holding only a continuation backslash
_LONE_BACKSLASH = re.compile(r"^[ \t\f]*\\(?:\r\n|\r|\n)", re.M)


class Reparser:
    """Chunk trees of recent versions, by chunk text."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._chunks: OrderedDict[str | tuple[str, int], _Chunk] = OrderedDict()
        #: chunks parsed / reused by the last :meth:`parse` (for tests)
        self.parsed = 0
        self.reused = 0
        #: compare the joined module's code with the text (tests)
        self.verify = False
        #: the chunks of the last text parsed from chunks
        self._last: list[str] | None = None
        #: whether the last :meth:`parse` cut only around the edit (for tests)
        self.incremental = False

    def parse(self, text: str) -> cst.Module | None:
        """``text``'s module, or None when only a whole parse can say (the
        caller then parses it whole: syntax errors are reported from there)."""
        self.parsed = self.reused = 0
        self.incremental = False
        if parse_guard.check(text) is not None:
            return None  # too deep for libcst: the whole parse refuses it
        if _LONE_BACKSLASH.search(text):
            # libcst's tree loses a line holding only a backslash: the lines
            # below it are placed from the text, which only a whole parse has
            return None
        texts = self._around_edit(text)
        if texts is None:
            texts = _chunks(text)
        if texts is None or len(texts) < 2:
            return None
        chunks: list[_Chunk] = []
        #: chunks of the same text met so far in this version
        seen: dict[str, int] = {}
        for chunk_text in texts:
            # a text met again (``print()`` twice) is another statement: its
            # own tree, never the same node objects twice in one module (every
            # analysis keys its facts by node)
            count = seen[chunk_text] = seen.get(chunk_text, 0) + 1
            key: str | tuple[str, int] = chunk_text if count == 1 else (chunk_text, count)
            chunk = self._chunks.get(key)
            if chunk is None:
                try:
                    module = parse_guard.call_with_big_stack(cst.parse_module, chunk_text)
                except Exception:  # a chunk libcst refuses: the whole parse says why
                    return None
                chunk = _Chunk(module, chunk_text)
                self.parsed += 1
            else:
                self.reused += 1
                self._chunks.move_to_end(key)
            self._chunks[key] = chunk
            chunks.append(chunk)
        while len(self._chunks) > self.size:
            self._chunks.popitem(last=False)
        whole = _join(chunks)
        if whole is None or (self.verify and whole.code != text):
            return None
        self._last = texts
        return whole

    def _around_edit(self, text: str) -> list[str] | None:
        """``text``'s chunks from the last version's: those found unchanged
        at its start and at its end, and between them the chunks of what
        changed (None: only the whole text can say).

        Every piece -- the kept chunks before, what changed, the kept chunks
        after -- reads alone as whole statements (the kept ones were parsed
        alone by libcst, what changed by ``ast`` here) and ends a line, and
        the next piece starts a line at column 0 (an indented line, or an
        ``else:``, does not read alone), so the text reads as the pieces'
        statements one after another, as a whole parse would cut it."""
        old = self._last
        self.incremental = False
        if not old:
            return None
        count = len(old)
        start = kept_before = 0
        # (not the last chunk: the lines after its last statement were its own)
        while (
            kept_before < count - 1
            and old[kept_before].endswith("\n")
            and text.startswith(old[kept_before], start)
        ):
            start += len(old[kept_before])
            kept_before += 1
        end, kept_after = len(text), count
        while kept_after > kept_before:
            chunk = old[kept_after - 1]
            at = end - len(chunk)
            if at < start or not text.startswith(chunk, at):
                break
            if at > 0 and text[at - 1] != "\n":
                break  # what precedes it must end a line (not "\r" before its "\n")
            end = at
            kept_after -= 1
        changed = text[start:end]  # ends a line, or the text
        middle: list[str] = []
        if changed:
            found = _cut(changed)
            if found is None and kept_before:
                # a line added at the end of the block above reads only with it
                kept_before -= 1
                changed = old[kept_before] + changed
                found = _cut(changed)
            if found is not None and (not found.statements or found.tail) and kept_after < count:
                # lines after the last statement go with the statement below,
                # as the whole text is cut (a chunk's own footer is not kept)
                changed += old[kept_after]
                kept_after += 1
                found = _cut(changed)
            if found is not None and not found.statements and kept_before:
                kept_before -= 1  # only comments at the end of the text
                changed = old[kept_before] + changed
                found = _cut(changed)
            if found is None or not found.statements or (found.tail and kept_after < count):
                return None  # e.g. an ``else:`` of the statement above: the whole decides
            middle = found.chunks
        self.incremental = True
        return [*old[:kept_before], *middle, *old[kept_after:]]


class _Chunk:
    """A chunk's tree, and its statements as they stand in a module after
    other chunks (the blank lines and comments that open it, its module
    header alone, moved into its first statement's leading lines). Built
    once, so every version that holds the chunk holds the same statement
    objects (positions are kept by statement: analysis/positions.py)."""

    __slots__ = ("body", "module")

    def __init__(self, module: cst.Module, text: str) -> None:
        self.module = module
        body: list[cst.BaseStatement] = list(module.body)
        head = body[0] if body else None
        if module.header and isinstance(head, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            body[0] = head.with_changes(leading_lines=[*module.header, *head.leading_lines])
        self.body: list[cst.BaseStatement] | None = body or None
        if len(body) == 1 and not module.footer and module.has_trailing_newline:
            # the chunk's text is its one statement, printed (header included):
            # its line count needs no print (a def edited on every keystroke)
            known_lines(body[0], module, text)


def _chunks(text: str) -> list[str] | None:
    """``text`` cut before each top-level statement that starts on a line of
    its own (None: CPython cannot parse it)."""
    found = _cut(text)
    return found.chunks if found is not None else None


class _Cut(NamedTuple):
    chunks: list[str]
    #: how many top-level statements the text holds
    statements: int
    #: whether lines (blank, comments) follow the last statement
    tail: bool


def _cut(text: str) -> _Cut | None:
    """:func:`_chunks`, with what :meth:`Reparser._around_edit` needs to know."""
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
    return _Cut(out, len(tree.body), len(lines) > end)


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
