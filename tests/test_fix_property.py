"""Property: over generated combinations of the fixable LF2xx patterns, the
fixed code parses, fixing again changes nothing, and the fixed file no longer
has the codes that were fixed."""

from __future__ import annotations

import libcst as cst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossflint.fixer import fix_text
from lossflint.linter import RuleSet, lint_text

CODES = ["LF201", "LF202", "LF203", "LF204", "LF205", "LF206", "LF207", "LF208", "LF209"]
RULES = RuleSet(CODES)

#: (code, template); ``{a}``/``{b}`` are operands, ``{d}`` a dim
SAFE = [
    ("LF201", "torch.log(torch.softmax({a}, dim={d}))"),
    ("LF201", "torch.log(torch.sigmoid({a}))"),
    ("LF201", "torch.log(1 - torch.sigmoid({a}))"),
    ("LF204", "torch.log(torch.exp({a}).sum(dim={d}))"),
    ("LF204", "torch.log(1 + torch.exp({a}))"),
    ("LF204", "torch.exp({a}) / torch.exp({a}).sum({d}, keepdim=True)"),
    ("LF209", "torch.max(torch.zeros_like({a}), {b})"),
    ("LF209", "torch.maximum({b}, torch.zeros_like({a}))"),
]
UNSAFE = [
    ("LF202", "torch.log(torch.relu({a}))"),
    ("LF205", "torch.sqrt((({a} - {b}) ** 2).sum(dim={d}))"),
    ("LF205", "(({a} - {b}) ** 2).sum(dim={d}).sqrt()"),
    ("LF206", "{a} / ({a} > 0).sum(dim={d}, keepdim=True)"),
    ("LF207", "torch.acos(torch.cosine_similarity({a}, {b}))"),
]
#: operands: names and small expressions (they also nest other patterns)
ATOMS = ["x", "y", "logits", "self.w", "(x + y)", "(x * 2)", "t[0]"]
# templates whose result is a plain tensor (safe to nest as an operand)
NESTABLE = {t for _, t in SAFE + UNSAFE}


@st.composite
def operand(draw, depth: int = 0) -> str:
    if depth < 1 and draw(st.integers(0, 4)) == 0:
        _, template = draw(st.sampled_from(SAFE + UNSAFE))
        if template in NESTABLE:
            inner = fill(draw, template, depth + 1)
            # an operand must bind like an atom (it is also a method receiver)
            return inner if inner.endswith(")") and "/" not in inner else f"({inner})"
    return draw(st.sampled_from(ATOMS))


def fill(draw, template: str, depth: int = 0) -> str:
    return template.format(
        a=draw(operand(depth)), b=draw(operand(depth)), d=draw(st.sampled_from(["1", "-1"]))
    )


@st.composite
def program(draw) -> tuple[str, bool]:
    header = draw(
        st.sampled_from(
            [
                "import torch\n",
                '"""Losses."""\nimport torch\n',
                "import torch\nimport torch.nn.functional as F\n",
                "from __future__ import annotations\n\nimport torch\n",
            ]
        )
    )
    lines = []
    for index in range(draw(st.integers(1, 5))):
        _, template = draw(st.sampled_from(SAFE + UNSAFE))
        lines.append(f"v{index} = {fill(draw, template)}")
    indent = draw(st.booleans())
    if indent:
        body = "\n".join("    " + line for line in lines)
        text = f"{header}\n\ndef loss(x, y, logits, t):\n{body}\n    return v0\n"
    else:
        text = header + "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text, draw(st.booleans())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(program())
def test_fixing_parses_is_idempotent_and_removes_the_fixed_codes(case):
    text, unsafe = case
    before = lint_text(text, "gen.py", RULES, []).diagnostics
    outcome = fix_text(text, "gen.py", RULES, [], unsafe)
    assert outcome.failed == []
    cst.parse_module(outcome.text)
    compile(outcome.text, "gen.py", "exec")
    # idempotent
    again = fix_text(outcome.text, "gen.py", RULES, [], unsafe)
    assert again.text == outcome.text and again.applied == 0
    # line endings kept
    assert ("\r\n" in outcome.text) == ("\r\n" in text)
    # nothing fixable is left, and every code fixed is gone
    fixed_codes = {
        d.code
        for d in before
        if d.fix is not None and (unsafe or d.fix.applicability.value == "safe")
    }
    after = lint_text(outcome.text, "gen.py", RULES, []).diagnostics
    assert after == outcome.remaining
    left = {d.code for d in after}
    assert not (fixed_codes & left), (text, outcome.text, [d.message for d in after])
    assert all(
        d.fix is None or (not unsafe and d.fix.applicability.value == "unsafe") for d in after
    )
    # the import is added at most once
    assert outcome.text.count("import torch.nn.functional as F") <= 1
