"""Proof for every LF2xx fix: the flagged expression breaks in real torch on
inputs that occur in training (logits of magnitude 100, identical
embeddings, an empty row), and the code the fixer writes does not.

Each case lints a one-line program, applies the fixer to it, runs both
programs with the same inputs on CPU and compares values and gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lossflint.fixer import fix_text
from lossflint.linter import RuleSet


def _require() -> Any:
    """tests/proof/conftest.py's ``require``, loaded by path: under the whole
    suite another ``conftest`` module may own that name."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "lossflint_proof_conftest", Path(__file__).with_name("conftest.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.require


torch = _require()("torch")

CODES = ["LF201", "LF202", "LF204", "LF205", "LF206", "LF207", "LF209"]


def _t(rows: Any) -> Any:
    return torch.tensor(rows, dtype=torch.float32)


#: (id, code, expression, inputs, what breaks: "value" or "grad")
CASES: list[tuple[str, str, str, Callable[[], dict[str, Any]], str]] = [
    (
        "log-softmax",
        "LF201",
        "torch.log(torch.softmax(x, dim=1))",
        lambda: {"x": _t([[100.0, 50.0, -100.0], [1.0, 2.0, 3.0]])},
        "value",
    ),
    (
        "log-one-minus-sigmoid",
        "LF201",
        "torch.log(1 - torch.sigmoid(z))",
        lambda: {"z": _t([200.0, 0.0, -5.0])},
        "value",
    ),
    (
        "log-relu",
        "LF202",
        "torch.log(torch.relu(x))",
        lambda: {"x": _t([-1.0, 0.5, 2.0])},
        "value",
    ),
    (
        "logsumexp",
        "LF204",
        "torch.log(torch.exp(s).sum(dim=1))",
        lambda: {"s": _t([[100.0, 0.0], [1.0, 2.0]])},
        "value",
    ),
    (
        "softplus",
        "LF204",
        "torch.log(1 + torch.exp(z))",
        lambda: {"z": _t([100.0, 0.0, -3.0])},
        "value",
    ),
    (
        "softmax",
        "LF204",
        "torch.exp(x) / torch.exp(x).sum(-1, keepdim=True)",
        lambda: {"x": _t([[100.0, 0.0], [1.0, 2.0]])},
        "value",
    ),
    (
        "sqrt-distance",
        "LF205",
        "torch.sqrt(((a - b) ** 2).sum(dim=1))",
        lambda: {"a": _t([[1.0, 2.0], [0.0, 3.0]]), "b": _t([[1.0, 2.0], [4.0, 0.0]])},
        "grad",
    ),
    (
        "sqrt-power",
        "LF205",
        "((a - b) ** 2).sum(dim=1) ** 0.5",
        lambda: {"a": _t([[1.0, 2.0], [0.0, 3.0]]), "b": _t([[1.0, 2.0], [4.0, 0.0]])},
        "grad",
    ),
    (
        "division-by-sum",
        "LF206",
        "x / (x > 0).sum(dim=1, keepdim=True)",
        lambda: {"x": _t([[0.0, 0.0], [1.0, 3.0]])},
        "value",
    ),
    (
        "acos-cosine",
        "LF207",
        "torch.acos(torch.cosine_similarity(a, b))",
        lambda: {
            "a": _t([[0.3, 0.4, 0.5], [1.0, 0.0, 0.0]]),
            "b": _t([[0.3, 0.4, 0.5], [0.0, 1.0, 0.0]]),
        },
        "grad",
    ),
]


def _run(source: str, inputs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    namespace: dict[str, Any] = {"torch": torch, **leaves}
    exec(compile(source, "<proof>", "exec"), namespace)
    out = namespace["out"]
    out.sum().backward()
    grads = {k: v.grad for k, v in leaves.items()}
    return out.detach(), grads


def _finite(t: Any) -> bool:
    return bool(torch.isfinite(t).all())


def _fixed(code: str, expression: str) -> str:
    source = f"import torch\nout = {expression}\n"
    outcome = fix_text(source, "proof.py", RuleSet(CODES), [], unsafe=True)
    assert outcome.applied == 1, outcome.remaining
    assert [d.code for d in outcome.remaining] == []
    assert outcome.text != source
    return outcome.text


@pytest.mark.parametrize(
    ("code", "expression", "inputs", "breaks"),
    [pytest.param(c, e, i, b, id=f"{c}-{name}") for name, c, e, i, b in CASES],
)
def test_fix_removes_inf_and_nan(code, expression, inputs, breaks):
    data = inputs()
    before_value, before_grads = _run(f"import torch\nout = {expression}\n", data)
    fixed = _fixed(code, expression)
    after_value, after_grads = _run(fixed, data)
    # the original breaks: inf/NaN in the value or in a gradient
    if breaks == "value":
        assert not _finite(before_value)
    else:
        assert _finite(before_value)
        assert not all(_finite(g) for g in before_grads.values())
    # the fixed code does not
    assert _finite(after_value)
    assert all(_finite(g) for g in after_grads.values())
    # and computes the same thing where the original was finite
    mask = torch.isfinite(before_value)
    assert mask.any()
    # the acos clamp moves angles below sqrt(2e-7) ≈ 5e-4 rad (documented)
    atol = 1e-3 if code == "LF207" else 1e-5
    assert torch.allclose(before_value[mask], after_value[mask], rtol=1e-5, atol=atol)


def test_max_with_zeros_is_relu():
    """LF209 is a safe rewrite: the same values and (off ties) gradients."""
    expression = "torch.max(torch.zeros_like(d), 1 - d)"
    data = {"d": _t([-2.0, 0.5, 3.0, 7.0])}
    before_value, before_grads = _run(f"import torch\nout = {expression}\n", data)
    fixed = _fixed("LF209", expression)
    assert fixed == "import torch\nout = torch.relu(1 - d)\n"
    after_value, after_grads = _run(fixed, data)
    assert torch.equal(before_value, after_value)
    assert torch.equal(before_grads["d"], after_grads["d"])


def test_logsumexp_fix_matches_on_moderate_inputs():
    """Where nothing overflows, the fused function is the same function."""
    expression = "torch.log(torch.exp(s).sum(dim=1))"
    data = {"s": torch.linspace(-5, 5, 12).reshape(3, 4)}
    before_value, before_grads = _run(f"import torch\nout = {expression}\n", data)
    after_value, after_grads = _run(_fixed("LF204", expression), data)
    assert torch.allclose(before_value, after_value, atol=1e-6)
    assert torch.allclose(before_grads["s"], after_grads["s"], atol=1e-6)
