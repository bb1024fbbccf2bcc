"""LF2xx beyond the rules' own examples: the fixtures end to end, one finding
per bug, messages with their evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossflint.fixer import fix_text, parses
from lossflint.linter import RuleSet, lint_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LF2 = ["LF201", "LF202", "LF203", "LF204", "LF205", "LF206", "LF207", "LF208", "LF209"]


def _found(source: str, codes: list[str] | None = None) -> list[tuple[int, int, str]]:
    result = lint_text(source, "t.py", RuleSet(codes or LF2), [])
    assert not result.errors, result.errors
    return [(d.location.row, d.location.column, d.code) for d in result.diagnostics]


def _messages(source: str) -> list[str]:
    return [d.message for d in lint_text(source, "t.py", RuleSet(LF2), []).diagnostics]


# --- fixtures ----------------------------------------------------------------------------


def test_custom_losses_fixture_findings():
    text = (FIXTURES / "custom_losses.py").read_text(encoding="utf-8")
    result = lint_text(text, "custom_losses.py", RuleSet.default(), [])
    assert not result.errors
    assert [(d.location.row, d.code) for d in result.diagnostics] == [
        (16, "LF205"),  # sqrt of squared distances
        (26, "LF209"),  # max with zeros_like
        (31, "LF205"),  # triplet distances
        (32, "LF205"),
        (39, "LF206"),  # Dice of empty masks
        (43, "LF203"),  # hand-written BCE
        (48, "LF201"),  # log(sigmoid) in the focal loss
        (55, "LF204"),  # naive logsumexp in InfoNCE
        (67, "LF207"),  # ArcFace acos
        (75, "LF202"),  # log of squared errors
    ]


def test_custom_losses_fixed_twin_is_clean():
    text = (FIXTURES / "custom_losses_fixed.py").read_text(encoding="utf-8")
    result = lint_text(text, "custom_losses_fixed.py", RuleSet.default(), [])
    assert not result.errors
    assert result.diagnostics == []


def test_fixing_the_fixture_leaves_only_unfixable_findings():
    text = (FIXTURES / "custom_losses.py").read_text(encoding="utf-8")
    outcome = fix_text(text, "custom_losses.py", RuleSet.default(), [], unsafe=True)
    assert outcome.applied == 8
    assert outcome.failed == []
    assert parses(outcome.text)
    # LF203 has no fix; LF201 through a variable has none either
    assert [(d.location.row, d.code) for d in outcome.remaining] == [(43, "LF203"), (48, "LF201")]
    assert "torch.logsumexp(sim, dim=1)" in outcome.text
    assert "hinge = torch.relu(self.margin - d)" in outcome.text
    safe = fix_text(text, "custom_losses.py", RuleSet.default(), [], unsafe=False)
    assert safe.applied == 2  # LF204 and LF209


# --- one finding per bug -------------------------------------------------------------


def test_lf201_over_lf202():
    assert _found("import torch\nq = torch.log(torch.softmax(x, 1))\n") == [(2, 5, "LF201")]


def test_lf203_over_lf202():
    source = "import torch\nh = torch.relu(z)\nloss = -(y * torch.log(h)).sum()\n"
    assert _found(source) == [(3, 8, "LF203")]


def test_lf204_over_lf206():
    source = "import torch\np = torch.exp(x) / torch.exp(x).sum(1, keepdim=True)\n"
    assert _found(source) == [(2, 5, "LF204")]


def test_lf208_over_lf206():
    source = (
        "import torch\nx = torch.randn(4, dtype=torch.float16)\ns = x.sum()\ny = x / (s + 1e-8)\n"
    )
    assert _found(source) == [(4, 14, "LF208")]


def test_bce_formula_is_one_finding():
    source = (
        "import torch\n"
        "def bce(q, t):\n"
        "    return -(t * torch.log(q) + (1 - t) * torch.log(1 - q)).mean()\n"
    )
    assert _found(source) == [(3, 12, "LF203")]


# --- messages carry the evidence -------------------------------------------------------


def test_lf202_message_names_the_source():
    source = "import torch\n\ndef f(x):\n    h = torch.relu(x)\n    return torch.log(h)\n"
    assert _messages(source) == [
        "log of relu output, which can be 0 (torch.relu at line 4 in f): log(0) = -inf "
        "(NaN gradients); clamp it, e.g. `.clamp_min(torch.finfo(x.dtype).eps)`, or add an eps"
    ]


def test_lf203_message_names_the_tf_loss():
    source = "import tensorflow as tf\nce = -tf.reduce_sum(y * tf.log(p))\n"
    assert _messages(source) == [
        "hand-written cross-entropy: log(p) is -inf once p underflows to 0, and 0 * -inf is "
        "NaN; use `tf.nn.softmax_cross_entropy_with_logits`"
    ]


def test_lf208_message_for_adam_default():
    source = (
        "import torch\nmodel = torch.nn.Linear(2, 2).half()\n"
        "opt = torch.optim.Adam(model.parameters())\n"
    )
    (message,) = _messages(source)
    assert message.startswith("`model` is float16 and this optimiser keeps its")


# --- guards and precision ----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        # nan_to_num guards the value only where no gradient flows
        "import torch\nwith torch.no_grad():\n    v = torch.nan_to_num(torch.log(torch.relu(x)))\n",
        # a division tested against zero
        "import torch\ns = x.sum()\nr = x / s if s > 0 else x\n",
        # the max trick through a variable
        "import torch\nm = x.amax(1, keepdim=True)\nz = torch.log(torch.exp(x - m).sum(1))\n",
        # an ArcFace with the clamp in a variable
        "import torch\nimport torch.nn.functional as F\n"
        "c = F.linear(F.normalize(x), F.normalize(w)).clamp(-1 + 1e-7, 1 - 1e-7)\n"
        "t = torch.acos(c)\n",
    ],
)
def test_guarded_forms_are_silent(source):
    assert _found(source) == []


def test_nan_to_num_with_gradients_is_not_a_guard():
    source = "import torch\nv = torch.nan_to_num(torch.log(torch.relu(x)))\n"
    assert _found(source) == [(2, 22, "LF202")]


def test_class_attribute_is_not_followed_from_methods():
    source = (
        "import torch\n"
        "class L:\n"
        "    d = torch.relu(x)\n"
        "    def f(self, d):\n"
        "        return torch.log(d)\n"
    )
    assert _found(source) == []


# --- issue 15: only where gradients flow, constants, positive terms, recall ---------------


def test_no_gradient_claim_in_evaluation_code():
    source = (
        "import torch\n"
        "def evaluate(model, loader):\n"
        "    with torch.no_grad():\n"
        "        for x, y in loader:\n"
        "            d = torch.sqrt(((model(x) - y) ** 2).sum(1))\n"
        "            r = torch.log(torch.relu(model(x)))\n"
        "    return d, r\n"
    )
    assert _found(source) == []


def test_same_code_in_a_loss_still_fires():
    source = (
        "import torch\n"
        "def contrastive_loss(a, b):\n"
        "    d = torch.sqrt(((a - b) ** 2).sum(1))\n"
        "    return torch.log(torch.relu(d - 1)).mean()\n"
    )
    assert [c for _, _, c in _found(source)] == ["LF205", "LF202"]


def test_values_beside_the_backpropagated_loss_are_silent():
    source = (
        "import torch\n"
        "for x, y in loader:\n"
        "    out = model(x)\n"
        "    loss = crit(out, y)\n"
        "    loss.backward()\n"
        "    dist = torch.sqrt(((out - y) ** 2).sum(1))\n"
        "    acc = (out.argmax(1) == y).sum() / (y >= 0).sum()\n"
    )
    assert _found(source) == []


@pytest.mark.parametrize(
    "expr",
    [
        "torch.log(torch.exp(torch.tensor(30.0)) + 1.0)",
        "torch.log(1 + torch.exp(torch.tensor(LIMIT)))",
        "torch.log(torch.exp(torch.tensor([1.0, 2.0])).sum())",
    ],
)
def test_lf204_constants_cannot_overflow(expr):
    assert _found(f"import torch\nLIMIT = 30.0\nv = {expr}\n", ["LF204"]) == []


def test_lf204_module_name_rebound_is_not_a_constant():
    source = "import torch\nLIMIT = 30.0\nLIMIT = model(x)\nv = torch.log(1 + torch.exp(LIMIT))\n"
    assert [c for _, _, c in _found(source, ["LF204"])] == ["LF204"]


@pytest.mark.parametrize(
    "term",
    ["tf.square(1e-3)", "eps ** 2", "tf.math.square(self.eps)", "torch.finfo(x.dtype).eps"],
)
def test_lf205_positive_term_in_any_form(term):
    source = f"import tensorflow as tf\nimport torch\nd = tf.sqrt(tf.reduce_sum(tf.square(a - b), 1) + {term})\n"
    assert _found(source, ["LF205"]) == []


def test_lf205_squared_names_are_not_eps():
    source = "import torch\nd = torch.sqrt(dx ** 2 + dy ** 2)\n"
    assert [c for _, _, c in _found(source, ["LF205"])] == ["LF205"]


def test_lf203_suggests_a_fix_in_the_framework_of_the_log() -> None:
    from lossflint.linter import RuleSet, lint_text

    def message(source: str) -> str:
        (d,) = [d for d in lint_text(source, "t.py", RuleSet.default(), []).diagnostics]
        assert d.code == "LF203"
        return d.message

    numpy_bce = "import numpy as np\nloss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"
    assert "sklearn.metrics.log_loss" in message(numpy_bce)
    assert "F." not in message(numpy_bce)
    torch_ce = "import torch\nloss = -(y * torch.log(p)).sum(dim=1).mean()\n"
    assert "`F.cross_entropy` on the logits" in message(torch_ce)


def test_lf203_on_sigmoid_output_suggests_the_binary_loss() -> None:
    """A one-term formula over a sigmoid (a focal loss's ``-w * pt.log()``,
    kuangliu/pytorch-retinanet, audit R53) is a binary cross-entropy."""
    from lossflint.linter import RuleSet, lint_text

    source = (
        "import torch\n"
        "def focal(x, t, w):\n"
        "    pt = (2 * x * t + 1).sigmoid()\n"
        "    return (-w * pt.log()).sum() / 2\n"
    )
    (d,) = lint_text(source, "t.py", RuleSet(["LF203"]), []).diagnostics
    assert "`F.binary_cross_entropy_with_logits` on the logits" in d.message
