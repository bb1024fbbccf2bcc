"""A clip under the callee's ``if`` counts as a clip of the loop that calls it
(issue 14: "a clip after step() under an if"; audit s140, Joyce94/LLM-RLHF-Tuning:
``if self.max_grad_norm is not None: clip_grad_norm_(...)`` on an fp16
Accelerator's scaled gradients, in a step method driven by another method's loop).
A configured clip is wrong whenever it is configured, as in a loop body written
out; a scheduler step under an ``if`` still is not inlined."""

from __future__ import annotations

from pathlib import Path

from lossflint.rules.training_loop.lf302_step_loop_examples import PPO_TRAINER
from tests.project_runs import project_findings

_UTILS = """
import torch


def clip_gradients(model, max_norm):
    if max_norm > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
"""

_TRAIN = """
import torch
from utils import clip_gradients

model = torch.nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(8, 4), torch.randint(0, 2, (8,)))]:
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    {order}
"""


def test_a_guarded_clip_of_another_module_after_the_step(tmp_path: Path) -> None:
    train = _TRAIN.format(order="opt.step()\n    clip_gradients(model, 1.0)")
    found = project_findings(tmp_path, {"utils.py": _UTILS, "train.py": train})
    assert found == [("train.py", 12, "LF301")]


def test_a_guarded_clip_of_another_module_before_the_step(tmp_path: Path) -> None:
    train = _TRAIN.format(order="clip_gradients(model, 1.0)\n    opt.step()")
    assert project_findings(tmp_path, {"utils.py": _UTILS, "train.py": train}) == []


def test_a_guarded_clip_of_an_fp16_accelerator_step_method(tmp_path: Path) -> None:
    clip = "torch.nn.utils.clip_grad_norm_(params, self.max_grad_norm)"
    found = project_findings(tmp_path, {"ppo.py": PPO_TRAINER.format(clip=clip)})
    assert found == [("ppo.py", 17, "LF302")]


def test_the_accelerators_own_clip_under_the_if_is_silent(tmp_path: Path) -> None:
    clip = "self.accelerator.clip_grad_norm_(params, self.max_grad_norm)"
    assert project_findings(tmp_path, {"ppo.py": PPO_TRAINER.format(clip=clip)}) == []
