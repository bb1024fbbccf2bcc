"""Publishing a version's findings converts every range from one split of
the document's text (splitting it per range cost 20 ms on the LSP
benchmark's 1,000 lines, in the server's main loop)."""

from __future__ import annotations

import pytest
from pygls.workspace import TextDocument

from lossflint.linter import RuleSet, lint_text
from lossflint.lsp import actions
from lossflint.source import source_lines

TEXT = "import torch\n\n" + "".join(
    f"def f{i}(x):\n    return torch.log(torch.softmax(x, 1))  # é\r\n\n" for i in range(30)
)


def test_the_text_is_split_once_per_version(monkeypatch: pytest.MonkeyPatch) -> None:
    diagnostics = lint_text(TEXT, "t.py", RuleSet.default(), []).diagnostics
    assert len(diagnostics) >= 30
    splits: list[str] = []

    def counting(text: str, keepends: bool = False) -> list[str]:
        splits.append(text)
        return source_lines(text, keepends)

    monkeypatch.setattr(actions, "source_lines", counting)
    doc = TextDocument("file:///t.py", TEXT, version=1)
    converted = [actions.to_lsp(doc, d) for d in diagnostics]
    assert len(splits) <= 1
    edited = TextDocument("file:///t.py", TEXT.replace("f3(x)", "f3(xé)"), version=2)
    again = [actions.to_lsp(edited, d) for d in diagnostics]
    assert len(splits) <= 2  # a new text is split again
    # the same ranges as converting each from its own split
    for d, lsp, lsp2 in zip(diagnostics, converted, again, strict=True):
        lines = source_lines(TEXT, keepends=True)
        start = doc.position_codec.position_to_client_units(
            lines,
            actions.types.Position(line=d.location.row - 1, character=d.location.column - 1),
        )
        assert lsp.range.start == start
        assert lsp2.range.start.line == start.line
