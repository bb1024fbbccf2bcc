"""A model of another module's class wrapped in ``nn.DataParallel`` (or
``torch.compile``) is still that model: its outputs keep their kind across
the module boundary (kospeech's test_transformer, audit R50: LF112)."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

MODEL = """
import torch.nn as nn

class Decoder(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(x).log_softmax(dim=-1)
"""

TRAIN = """
import torch
import torch.nn as nn
from model import Decoder

net = {wrapped}
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
for x, y in loader:
    loss = criterion(net(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _codes(root: Path, wrapped: str) -> list[tuple[str, int, str]]:
    train = TRAIN.replace("{wrapped}", wrapped)
    return project_findings(root, {"model.py": MODEL, "train.py": train})


def test_data_parallel_of_another_modules_model(tmp_path: Path) -> None:
    found = _codes(tmp_path, "nn.DataParallel(Decoder(10)).to('cpu')")
    assert ("train.py", 10, "LF112") in found


def test_the_unwrapped_model_alike(tmp_path: Path) -> None:
    assert ("train.py", 10, "LF112") in _codes(tmp_path, "Decoder(10)")
