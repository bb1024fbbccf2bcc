"""Code actions: each finding's fix, "disable LFxxx for this line", and
"fix all" (``source.fixAll.lossflint``).

All of them are computed from the result of the document's current version
(the server waits for that lint when it is still running), so their edits
apply to the text the client has. A client's ``context.only`` is honoured
the way LSP defines it: a requested kind selects itself and the kinds under
it (``source`` selects ``source.fixAll.lossflint``; ``source.fixAll``
selects it too; ``quickfix`` selects the fixes and the disable actions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.workspace import TextDocument

from lossflint.source import source_lines

if TYPE_CHECKING:
    from lossflint.diagnostics import Diagnostic, Location, Related

SOURCE = "lossflint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
KINDS = [types.CodeActionKind.QuickFix.value, FIX_ALL_KIND]
#: findings no noqa can take (a syntax error, an unused noqa itself)
_NOT_DISABLED = ("LF900", "LF901")

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


def wanted(kind: str, only: list[str] | None) -> bool:
    """Whether a client that asked for ``only`` wants actions of ``kind``."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


#: the lines of the text last asked for (publishing a version converts every
#: finding's range, each from the same text: splitting it each time was 20 ms
#: of the 51 findings of the LSP benchmark's 1,000 lines)
_LAST_LINES: tuple[str, list[str]] = ("", [])


def document_lines(text: str) -> list[str]:
    """``text``'s lines with their ends, as LSP counts them (\\n, \\r\\n,
    \\r: not like str.splitlines), kept for the next call with the same text."""
    global _LAST_LINES
    if _LAST_LINES[0] is not text:
        _LAST_LINES = (text, source_lines(text, keepends=True))
    return _LAST_LINES[1]


def client_range(doc: TextDocument, start: Location, end: Location) -> types.Range:
    codec = doc.position_codec
    lines = document_lines(doc.source)
    return types.Range(
        start=codec.position_to_client_units(
            lines, types.Position(line=start.row - 1, character=start.column - 1)
        ),
        end=codec.position_to_client_units(
            lines, types.Position(line=end.row - 1, character=end.column - 1)
        ),
    )


def to_lsp(
    doc: TextDocument,
    d: Diagnostic,
    elsewhere: Callable[[Related], tuple[str, TextDocument] | None] | None = None,
) -> types.Diagnostic:
    """``d`` in LSP terms; ``elsewhere`` says which document a related
    location is in when it is not ``doc`` (another cell of a notebook)."""

    def related(r: Related) -> types.DiagnosticRelatedInformation:
        uri, where = (elsewhere(r) if elsewhere is not None else None) or (doc.uri, doc)
        return types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=client_range(where, r.location, r.end_location)),
            message=r.message,
        )

    return types.Diagnostic(
        range=client_range(doc, d.location, d.end_location),
        message=d.message,
        severity=_SEVERITY[d.severity.value],
        code=d.code,
        code_description=types.CodeDescription(href=d.url),
        source=SOURCE,
        related_information=[related(r) for r in d.related] or None,
    )


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def touching(
    doc: TextDocument, diagnostics: list[Diagnostic], where: types.Range
) -> list[tuple[Diagnostic, types.Diagnostic]]:
    """The findings whose range touches ``where``, with their LSP form."""
    out = []
    for d in diagnostics:
        lsp = to_lsp(doc, d)
        if _overlaps(lsp.range, where):
            out.append((d, lsp))
    return out


def quick_fixes(
    doc: TextDocument, found: list[tuple[Diagnostic, types.Diagnostic]], uri: str
) -> list[types.CodeAction]:
    """Each finding's own fix ("unsafe" ones offered, never preferred)."""
    from lossflint.diagnostics import Applicability

    actions: list[types.CodeAction] = []
    for d, lsp in found:
        if d.fix is None or not d.fix.edits:
            continue
        safe = d.fix.applicability is Applicability.SAFE
        title = f"{d.code}: {d.fix.message}" + ("" if safe else " (unsafe fix)")
        edits = [
            types.TextEdit(range=client_range(doc, e.location, e.end_location), new_text=e.content)
            for e in d.fix.edits
        ]
        actions.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[lsp],
                is_preferred=safe,
                edit=types.WorkspaceEdit(changes={uri: edits}),
            )
        )
    return actions


def text_edit(doc: TextDocument, old: str, new: str) -> types.TextEdit:
    """One edit turning ``old`` (the document's text) into ``new``: the
    whole lines between the common beginning and the common end."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    start = old.rfind("\n", 0, start) + 1  # the same in both: a common beginning
    while end > 0 and old[len(old) - end - 1] != "\n":
        end -= 1  # back to the end of a line
    return types.TextEdit(
        range=types.Range(_position(doc, old, start), _position(doc, old, len(old) - end)),
        new_text=new[start : len(new) - end],
    )


def _position(doc: TextDocument, text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return doc.position_codec.position_to_client_units(
        document_lines(doc.source), types.Position(line=line, character=column)
    )


def disable_actions(
    doc: TextDocument,
    text: str,
    found: list[tuple[Diagnostic, types.Diagnostic]],
    uri: str,
) -> list[types.CodeAction]:
    """ "Disable LFxxx for this line": ``# noqa: LFxxx`` on the first line of
    the finding's statement, merged into a noqa already there (on its own
    line when a comment cannot go on the first: a multi-line string)."""
    from lossflint.add_noqa import add_noqa_text
    from lossflint.diagnostics import Location  # noqa: F811 (at run time)

    actions: list[types.CodeAction] = []
    seen: set[tuple[str, int]] = set()
    for d, lsp in found:
        if d.code in _NOT_DISABLED:
            continue
        row = d.statement_row or d.location.row
        if (d.code, row) in seen:
            continue
        seen.add((d.code, row))
        # (``text`` is the cell's own text for a notebook cell)
        first_line = replace(d, location=Location(row, 1), statement_row=row, cell=None)
        new, changed, _ = add_noqa_text(text, [first_line])
        if not changed:
            new, changed, _ = add_noqa_text(text, [replace(d, cell=None)])
        if not changed:
            continue
        actions.append(
            types.CodeAction(
                title=f"Disable {d.code} for this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[lsp],
                edit=types.WorkspaceEdit(changes={uri: [text_edit(doc, text, new)]}),
            )
        )
    return actions


def fix_all_action(
    doc: TextDocument, text: str, fixed: str | None, uri: str
) -> types.CodeAction | None:
    if fixed is None or fixed == text:
        return None
    return types.CodeAction(
        title="lossflint: fix all auto-fixable problems",
        kind=FIX_ALL_KIND,
        edit=types.WorkspaceEdit(changes={uri: [text_edit(doc, text, fixed)]}),
    )
