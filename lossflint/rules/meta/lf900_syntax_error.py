"""LF900 syntax-error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class SyntaxErrorRule(Rule):
    code = "LF900"
    name = "syntax-error"
    severity = Severity.ERROR
    summary = "file or notebook cell cannot be parsed"
    what = """
Reports a file (or notebook cell) that lossflint cannot read or parse: a syntax
error, bytes that do not decode in the file's encoding, an unknown coding cookie,
NUL bytes, or a file that cannot be read. The diagnostic points at the error.
Two errors of code that ran once leave the rest of the file checked (without
fixes): an IPython line in a `.py` file exported from a notebook (`%matplotlib
inline`, `!pip install ...`), and PyTorch 0.3's `.cuda(async=True)`, valid
before Python 3.7 (`async` read as another keyword of the same width).
"""
    why = """
A file that does not parse cannot be analysed, so none of its bugs can be found.
The rest of the run goes on; this finding tells you which file was skipped and why.
"""
    example = """
    def train(model:  # error: LF900
        pass
    """
    use_instead = """
    def train(model):
        pass
    """
    references = (
        ("Python: full grammar specification", "https://docs.python.org/3/reference/grammar.html"),
    )
    INVALID = [
        Invalid(
            """
            x = (1,  # error: LF900 at `(`
            """
        ),
        Invalid(
            """
            def f(:  # error: LF900 at `:`
                pass
            """
        ),
        Invalid(
            """
            import torch
            print 'hello'  # error: LF900 at `print`
            """
        ),
    ]
    VALID = [
        """
        x = 1
        """,
        "",
        """
        # only a comment
        """,
        """
        async def f():
            await g()
        """,
        """
        match x:
            case 1:
                pass
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        return iter(())
