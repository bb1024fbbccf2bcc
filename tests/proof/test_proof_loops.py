"""The training-loop bugs of LF301-LF311 misbehave for real (torch, CPU), and
their corrected versions do not.

Each case is one source text: lossflint must flag it (and stay silent on the
fix), and running it must show the failure the rule promises.
"""

from __future__ import annotations

import warnings
from typing import Any

from lossflint.linter import RuleSet, lint_text
from tests.proof.conftest import require

torch = require("torch")


def findings(source: str, code: str) -> list[tuple[int, int]]:
    result = lint_text(source, "proof.py", RuleSet([code]), [])
    assert not result.errors, result.errors
    return [(d.location.row, d.location.column) for d in result.diagnostics if d.code == code]


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "proof.py", "exec"), namespace)
    return namespace


HEAD = """import torch
import torch.nn.functional as F
torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
x = torch.randn(16, 4) * 50
y = torch.randn(16, 1)
"""


def test_lf301_clipping_after_step_does_not_limit_the_update() -> None:
    buggy = HEAD + (
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "before = model.weight.detach().clone()\n"
        "for step in range(1):\n"
        "    opt.zero_grad()\n"
        "    loss = F.mse_loss(model(x), y)\n"
        "    loss.backward()\n"
        "    opt.step()\n"
        "    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "update = (model.weight.detach() - before).norm().item()\n"
    )
    fixed = buggy.replace(
        "    opt.step()\n    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n",
        "    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n    opt.step()\n",
    )
    assert findings(buggy, "LF301") == [(14, 5)]
    assert findings(fixed, "LF301") == []
    # lr * max_norm bounds a clipped update at 0.1; the late clip bounds nothing
    assert run(buggy)["update"] > 10.0
    assert run(fixed)["update"] <= 0.1 + 1e-6


def test_lf303_gradients_accumulate_without_zero_grad() -> None:
    buggy = HEAD + (
        "opt = torch.optim.SGD(model.parameters(), lr=0.0)\n"
        "norms = []\n"
        "for step in range(3):\n"
        "    loss = F.mse_loss(model(x), y)\n"
        "    loss.backward()\n"
        "    norms.append(model.weight.grad.norm().item())\n"
        "    opt.step()\n"
    )
    fixed = buggy.replace("    loss = F.mse", "    opt.zero_grad()\n    loss = F.mse")
    assert findings(buggy, "LF303") == [(13, 5)]
    assert findings(fixed, "LF303") == []
    g1, g2, g3 = run(buggy)["norms"]
    assert abs(g2 - 2 * g1) < 1e-3 * g1 and abs(g3 - 3 * g1) < 1e-3 * g1
    f1, f2, f3 = run(fixed)["norms"]
    assert f1 == f2 == f3 == g1


def test_lf304_zero_grad_between_backward_and_step_trains_nothing() -> None:
    buggy = HEAD + (
        "opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "before = model.weight.detach().clone()\n"
        "for step in range(5):\n"
        "    loss = F.mse_loss(model(x), y)\n"
        "    loss.backward()\n"
        "    opt.zero_grad()\n"
        "    opt.step()\n"
        "changed = not torch.equal(before, model.weight.detach())\n"
    )
    fixed = buggy.replace(
        "    loss.backward()\n    opt.zero_grad()\n    opt.step()\n",
        "    loss.backward()\n    opt.step()\n    opt.zero_grad()\n",
    )
    assert findings(buggy, "LF304") == [(12, 5)]
    assert findings(fixed, "LF304") == []
    assert run(buggy)["changed"] is False
    assert run(fixed)["changed"] is True


def _graph_size(tensor: Any) -> int:
    seen: set[int] = set()
    stack = [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(next_fn for next_fn, _ in node.next_functions)
    return len(seen)


def test_lf306_accumulated_loss_keeps_every_graph_alive() -> None:
    def source(steps: int) -> str:
        return HEAD + (
            "opt = torch.optim.SGD(model.parameters(), lr=1e-4)\n"
            "total = 0.0\n"
            f"for step in range({steps}):\n"
            "    opt.zero_grad()\n"
            "    loss = F.mse_loss(model(x), y)\n"
            "    loss.backward()\n"
            "    opt.step()\n"
            "    total += loss\n"
        )

    buggy = source(10)
    fixed = buggy.replace("total += loss\n", "total += loss.item()\n")
    assert findings(buggy, "LF306") == [(14, 5)]
    assert findings(fixed, "LF306") == []
    # the total is a tensor whose graph holds every iteration's graph: it grows
    # with the number of iterations
    small, large = run(source(2))["total"], run(buggy)["total"]
    assert large.requires_grad and large.grad_fn is not None
    assert _graph_size(large) > _graph_size(small) + 20
    assert isinstance(run(fixed)["total"], float)


def test_lf308_backward_under_no_grad_raises() -> None:
    buggy = HEAD + (
        "opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "for step in range(2):\n"
        "    opt.zero_grad()\n"
        "    with torch.no_grad():\n"
        "        loss = F.mse_loss(model(x), y)\n"
        "        loss.backward()\n"
        "    opt.step()\n"
    )
    fixed = buggy.replace(
        "    with torch.no_grad():\n        loss = F.mse_loss(model(x), y)\n        loss.backward()\n",
        "    loss = F.mse_loss(model(x), y)\n    loss.backward()\n",
    )
    assert findings(buggy, "LF308") == [(12, 9)]
    assert findings(fixed, "LF308") == []
    try:
        run(buggy)
    except RuntimeError as exc:
        assert "does not require grad" in str(exc)
    else:  # pragma: no cover - the claim failed
        raise AssertionError("backward() under no_grad did not raise")
    run(fixed)


def test_lf309_eval_without_train_trains_later_epochs_in_eval_mode() -> None:
    buggy = (
        "import torch\ntorch.manual_seed(0)\n"
        "model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), "
        "torch.nn.Linear(8, 1))\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "data = [(torch.randn(4, 4), torch.randn(4, 1)) for _ in range(2)]\n"
        "modes = []\n"
        "model.train()\n"
        "for epoch in range(3):\n"
        "    for x, y in data:\n"
        "        modes.append(model.training)\n"
        "        opt.zero_grad()\n"
        "        ((model(x) - y) ** 2).mean().backward()\n"
        "        opt.step()\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        model(torch.randn(2, 4))\n"
    )
    fixed = buggy.replace(
        "model.train()\nfor epoch in range(3):\n", "for epoch in range(3):\n    model.train()\n"
    )
    assert findings(buggy, "LF309") == [(14, 5)]
    assert findings(fixed, "LF309") == []
    # the first epoch trains with dropout, every later one without
    assert run(buggy)["modes"] == [True, True, False, False, False, False]
    assert run(fixed)["modes"] == [True] * 6


def test_lf310_scheduler_before_optimizer_skips_the_first_lr_and_warns() -> None:
    buggy = HEAD + (
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)\n"
        "used = []\n"
        "for step in range(3):\n"
        "    opt.zero_grad()\n"
        "    F.mse_loss(model(x), y).backward()\n"
        "    sched.step()\n"
        "    used.append(opt.param_groups[0]['lr'])\n"
        "    opt.step()\n"
    )
    fixed = buggy.replace(
        "    sched.step()\n    used.append(opt.param_groups[0]['lr'])\n    opt.step()\n",
        "    used.append(opt.param_groups[0]['lr'])\n    opt.step()\n    sched.step()\n",
    )
    assert findings(buggy, "LF310") == [(13, 5)]
    assert findings(fixed, "LF310") == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        used = run(buggy)["used"]
    assert used == [0.05, 0.025, 0.0125]  # lr=0.1 is never used
    assert any("before `optimizer.step()`" in str(w.message) for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        used = run(fixed)["used"]
    assert used == [0.1, 0.05, 0.025]
    assert not any("lr_scheduler.step()" in str(w.message) for w in caught)


def test_lf311_optimizer_built_in_the_loop_loses_its_state() -> None:
    buggy = HEAD + (
        "for step in range(3):\n"
        "    opt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
        "    opt.zero_grad()\n"
        "    F.mse_loss(model(x), y).backward()\n"
        "    opt.step()\n"
        "steps = int(opt.state[model.weight]['step'])\n"
    )
    fixed = buggy.replace(
        "for step in range(3):\n    opt = torch.optim.Adam(model.parameters(), lr=1e-3)\n",
        "opt = torch.optim.Adam(model.parameters(), lr=1e-3)\nfor step in range(3):\n",
    )
    assert findings(buggy, "LF311") == [(8, 11)]
    assert findings(fixed, "LF311") == []
    # Adam's moment estimates restart from zero at every iteration
    assert run(buggy)["steps"] == 1
    assert run(fixed)["steps"] == 3


def test_lf316_functional_dropout_stays_on_after_eval() -> None:
    buggy = (
        "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(8, 8)\n\n"
        "    def forward(self, x):\n"
        "        return F.dropout(self.fc(x), 0.5)\n\n"
        "torch.manual_seed(0)\nnet = Net()\nnet.eval()\nx = torch.randn(4, 8)\n"
        "same = torch.equal(net(x), net(x))\n"
    )
    fixed = buggy.replace(
        "F.dropout(self.fc(x), 0.5)", "F.dropout(self.fc(x), 0.5, training=self.training)"
    )
    assert findings(buggy, "LF316") == [(11, 16)]
    assert findings(fixed, "LF316") == []
    # in eval mode two predictions of the same input differ: dropout is still on
    assert run(buggy)["same"] is False
    assert run(fixed)["same"] is True


def test_lf312_fp16_gradients_underflow_without_a_grad_scaler() -> None:
    buggy = (
        "import torch\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(4, 1)\n"
        "x = torch.randn(8, 4)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for step in range(1):\n"
        "    opt.zero_grad()\n"
        "    with torch.autocast('cpu', dtype=torch.float16):\n"
        "        out = model(x)\n"
        "    loss = out.float().sum() * 1e-8\n"
        "    loss.backward()\n"
        "    grad = model.weight.grad.clone()\n"
        "    opt.step()\n"
    )
    fixed = buggy.replace(
        "for step in range(1):\n", "scaler = torch.amp.GradScaler('cpu')\nfor step in range(1):\n"
    ).replace(
        "    loss.backward()\n    grad = model.weight.grad.clone()\n    opt.step()\n",
        "    scaler.scale(loss).backward()\n    scaler.unscale_(opt)\n"
        "    grad = model.weight.grad.clone()\n    scaler.step(opt)\n    scaler.update()\n",
    )
    assert findings(buggy, "LF312") == [(11, 5)]
    assert findings(fixed, "LF312") == []
    # the float16 backward rounds these small gradients to exactly 0
    assert torch.count_nonzero(run(buggy)["grad"]) == 0
    assert torch.count_nonzero(run(fixed)["grad"]) == 4
