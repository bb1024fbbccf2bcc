"""LF312's advice follows what is float16: for a model converted with
``.half()`` a GradScaler is no fix (it raises "Attempting to unscale FP16
gradients"), so the message asks for float32 weights under autocast; for an
autocast forward it asks for a GradScaler (IR-Net's ``.half()`` trainers,
audit s193)."""

from __future__ import annotations

from lossflint.api import lint_source

_HALF = """
import torch


def train(model, loader, optimizer, criterion):
    model = model.half()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x.half()), y)
        loss.backward()
        optimizer.step()
"""

_AUTOCAST = """
import torch


def train(model, loader, optimizer, criterion):
    for x, y in loader:
        optimizer.zero_grad()
        with torch.autocast("cuda"):
            loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
"""


def _message(source: str) -> str:
    (found,) = [d for d in lint_source(source, "train.py") if d.code == "LF312"]
    return found.message


def test_a_half_model_keeps_float32_weights() -> None:
    message = _message(_HALF)
    assert "keep the weights in float32" in message
    assert "cannot unscale" in message


def test_an_autocast_forward_gets_a_grad_scaler() -> None:
    message = _message(_AUTOCAST)
    assert "scaler.scale(loss).backward()" in message
    assert "float32" not in message
