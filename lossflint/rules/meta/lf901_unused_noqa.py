"""LF901 unused-noqa."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class UnusedNoqa(Rule):
    code = "LF901"
    name = "unused-noqa"
    severity = Severity.INFO
    summary = "a `# noqa: LFxxx` that suppresses nothing"
    default_enabled = False
    what = """
Reports a `# noqa: LFxxx` comment whose codes suppress no finding on that line.
Off by default; enable it with `--extend-select LF901`. Only lossflint's own codes
are checked, so `# noqa: E501` for other tools is left alone.
"""
    why = """
A stale suppression hides the next real finding on that line.
"""
    example = """
    import torch.nn.functional as F

    probs = F.softmax(logits, dim=1)  # noqa: LF110  # error: LF901
    probs = F.softmax(logits)  # noqa: LF110  (needed: LF110 fires here)
    """
    use_instead = """
    import torch.nn.functional as F

    probs = F.softmax(logits, dim=1)
    probs = F.softmax(logits)  # noqa: LF110  (needed: LF110 fires here)
    """
    references = (
        (
            "flake8: in-line ignoring errors",
            "https://flake8.pycqa.org/en/latest/user/violations.html#in-line-ignoring-errors",
        ),
        ("ruff: error suppression", "https://docs.astral.sh/ruff/linter/#error-suppression"),
    )
    INVALID = [
        Invalid(
            """
            x = 1  # noqa: LF110  # error: LF901 at `# noqa`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            y = F.softmax(x, dim=1)  # noqa: LF110  # error: LF901 at `# noqa`
            """
        ),
        Invalid(
            """
            z = 2
            # noqa: LF201  # error: LF901 at `# noqa`
            """
        ),
    ]
    VALID = [
        """
        import torch.nn.functional as F
        y = F.softmax(x)  # noqa: LF110
        """,
        """
        x = 1  # noqa: E501
        """,
        """
        x = 1  # noqa
        """,
        """
        import torch.nn.functional as F
        y = F.softmax(x)  # noqa
        """,
        """
        x = 1
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        return iter(())
