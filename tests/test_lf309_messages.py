"""LF309's advice follows the loop the model is left in eval mode in: an
evaluation inside the batch loop is undone right after it, one in the epoch
loop at the top of each epoch (audit R41: dl-fundamentals evaluates every 250
batches while `model.train()` already heads each epoch)."""

from __future__ import annotations

from lossflint.linter import RuleSet, lint_text

_HELPER = """
import torch
import torch.nn.functional as F


def compute_total_loss(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(F.cross_entropy(model(x), y).item() for x, y in loader)


def train(model, loader, optimizer, epochs):
    for epoch in range(epochs):
        model.train()
        for i, (x, y) in enumerate(loader):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
{tail}"""


def _message(source: str) -> str:
    found = lint_text(source, "t.py", RuleSet(["LF309"]), []).diagnostics
    assert [d.code for d in found] == ["LF309"]
    return found[0].message


def test_an_evaluation_inside_the_batch_loop_is_undone_right_after_it() -> None:
    tail = (
        "            if i % 250 == 0:\n                print(compute_total_loss(model, loader))\n"
    )
    message = _message(_HELPER.format(tail=tail))
    assert "inside the training loop" in message
    assert "the batches after it train in eval mode" in message
    assert "right after the evaluation" in message
    assert "top of each epoch" not in message


def test_an_evaluation_in_the_epoch_loop_is_undone_at_the_top_of_each_epoch() -> None:
    source = _HELPER.format(tail="        print(compute_total_loss(model, loader))\n").replace(
        "        model.train()\n", ""
    )
    source = source.replace(
        "    for epoch in range(epochs):\n", "    model.train()\n    for epoch in range(epochs):\n"
    )
    message = _message(source)
    assert "inside the epoch loop" in message
    assert "later epochs train in eval mode" in message
    assert "at the top of each epoch" in message
