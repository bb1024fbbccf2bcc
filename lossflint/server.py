"""``lossflint server``: a Language Server (LSP over stdio, built on pygls).

It lints the editor's buffer (not the file on disk) when a Python document is
opened, changed or saved, publishes the findings as diagnostics, and offers
each finding's fix as a quick-fix code action ("unsafe" fixes are offered
too, marked as such and never preferred). Settings come from the
``[tool.lossflint]`` of the nearest ``pyproject.toml`` above the document,
re-read on every lint so edits to the config apply without a restart; a
broken config is shown as one diagnostic on the first line.

Positions: lossflint counts columns in characters; LSP clients count in the
negotiated position encoding (UTF-16 by default), which pygls' position
codec converts to.

Notebook documents are not handled by the server (lint them with
``lossflint check`` or pre-commit).
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from lossflint import __version__
from lossflint.config import ConfigError, resolve_settings
from lossflint.diagnostics import Applicability, Diagnostic, Location, Severity
from lossflint.linter import RuleSet, lint_text

SOURCE = "lossflint"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


class LossflintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )

    def lint(self, doc: TextDocument) -> tuple[list[Diagnostic], str | None]:
        """Findings for the buffer of ``doc``, or a configuration error."""
        path = Path(doc.path)
        try:
            settings = resolve_settings([str(path)], None, False)
        except ConfigError as exc:
            return [], str(exc)
        ruleset = RuleSet(settings.enabled_codes(), settings.options)
        result = lint_text(doc.source, str(path), ruleset, settings.ignored_for(path))
        for error in result.errors:
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"lossflint: {error}")
            )
        return result.diagnostics, None


def _range(doc: TextDocument, start: Location, end: Location) -> types.Range:
    codec = doc.position_codec
    lines = doc.lines
    return types.Range(
        start=codec.position_to_client_units(
            lines, types.Position(line=start.row - 1, character=start.column - 1)
        ),
        end=codec.position_to_client_units(
            lines, types.Position(line=end.row - 1, character=end.column - 1)
        ),
    )


def to_lsp(doc: TextDocument, d: Diagnostic) -> types.Diagnostic:
    return types.Diagnostic(
        range=_range(doc, d.location, d.end_location),
        message=d.message,
        severity=_SEVERITY[d.severity],
        code=d.code,
        code_description=types.CodeDescription(href=d.url),
        source=SOURCE,
        related_information=[
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=doc.uri, range=_range(doc, r.location, r.end_location)),
                message=r.message,
            )
            for r in d.related
        ]
        or None,
    )


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def code_actions(doc: TextDocument, diagnostics: list[Diagnostic], where: types.Range):
    """Quick fixes of the findings whose range touches ``where``."""
    actions: list[types.CodeAction] = []
    for d in diagnostics:
        if d.fix is None or not d.fix.edits:
            continue
        lsp_diag = to_lsp(doc, d)
        if not _overlaps(lsp_diag.range, where):
            continue
        safe = d.fix.applicability is Applicability.SAFE
        title = f"{d.code}: {d.fix.message}" + ("" if safe else " (unsafe fix)")
        edits = [
            types.TextEdit(range=_range(doc, e.location, e.end_location), new_text=e.content)
            for e in d.fix.edits
        ]
        actions.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[lsp_diag],
                is_preferred=safe,
                edit=types.WorkspaceEdit(changes={doc.uri: edits}),
            )
        )
    return actions


def create_server() -> LossflintServer:
    server = LossflintServer()

    def publish(ls: LossflintServer, uri: str) -> None:
        doc = ls.workspace.get_text_document(uri)
        if doc.uri.endswith(".ipynb"):
            return
        diagnostics, config_error = ls.lint(doc)
        items = [to_lsp(doc, d) for d in diagnostics]
        if config_error is not None:
            items = [
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=f"lossflint configuration error: {config_error}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            ]
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=doc.version)
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LossflintServer, params: types.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LossflintServer, params: types.DidChangeTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LossflintServer, params: types.DidSaveTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LossflintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(
        ls: LossflintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        doc = ls.workspace.get_text_document(params.text_document.uri)
        if doc.uri.endswith(".ipynb"):
            return None
        diagnostics, _ = ls.lint(doc)
        return code_actions(doc, diagnostics, params.range) or None

    return server


def start() -> None:
    create_server().start_io()
