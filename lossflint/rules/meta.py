"""LF9xx: findings about the linter itself (emitted by the linter, not by check)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.diagnostics import Finding, Severity
from lossflint.registry import Invalid, Rule

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
"""
    why = """
A file that does not parse cannot be analysed, so none of its bugs can be found.
The rest of the run goes on; this finding tells you which file was skipped and why.
"""
    example = """
def train(model:
    pass
"""
    INVALID = [
        Invalid("x = (1,\n", 1, 5),
        Invalid("def f(:\n    pass\n", 1, 7),
        Invalid("import torch\nprint 'hello'\n", 2, 1),
    ]
    VALID = [
        "x = 1\n",
        "",
        "# only a comment\n",
        "async def f():\n    await g()\n",
        "match x:\n    case 1:\n        pass\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        return iter(())


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
x = F.softmax(logits, dim=1)  # noqa: LF110
"""
    INVALID = [
        Invalid("x = 1  # noqa: LF110\n", 1, 8),
        Invalid(
            "import torch\nimport torch.nn.functional as F\ny = F.softmax(x, dim=1)  # noqa: LF110\n",
            3,
            26,
        ),
        Invalid("z = 2\n# noqa: LF201\n", 2, 1),
    ]
    VALID = [
        "import torch.nn.functional as F\ny = F.softmax(x)  # noqa: LF110\n",
        "x = 1  # noqa: E501\n",
        "x = 1  # noqa\n",
        "import torch.nn.functional as F\ny = F.softmax(x)  # noqa\n",
        "x = 1\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        return iter(())
