"""LF306 names the loss a accumulated term belongs to (audit s147)."""

from __future__ import annotations

import textwrap

from lossflint.linter import RuleSet, lint_text
from lossflint.rules.training_loop.lf306_term_examples import _METERS


def test_a_term_is_named_with_the_loss_it_belongs_to() -> None:
    source = textwrap.dedent(
        _METERS.format(align="align_loss_val", unif="unif_loss_val.item()", marker="")
    )
    result = lint_text(source, "t.py", RuleSet.default(), [])
    messages = [d.message for d in result.diagnostics if d.code == "LF306"]
    assert len(messages) == 1
    assert "(`align_loss_val` is a term of `loss`, back-propagated in this loop)" in messages[0]
