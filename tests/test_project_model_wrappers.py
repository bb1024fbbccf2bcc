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


BN_MODEL = """
import torch.nn as nn

class MalConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3)
        self.bn = nn.BatchNorm1d(8)
        self.fc = nn.Linear(8, 9)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean(-1))
"""

VALIDATED = """
import torch
import torch.nn as nn
from model import MalConv

malconv = MalConv()
malconv = {wrapped}
opt = torch.optim.Adam(malconv.parameters(), lr=1e-4)
for epoch in range(3):
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(malconv(x), y).backward()
        opt.step()
    for x, y in valid_loader:
        pred = malconv(x)
        acc = (pred.argmax(1) == y).float().mean().item()
"""


def test_a_foreign_model_rebound_to_its_own_wrap_is_evaluated_in_train_mode(
    tmp_path: Path,
) -> None:
    # MalConv-Pytorch (audit s195): ``malconv = nn.DataParallel(malconv)``
    for wrapped in ("nn.DataParallel(malconv)", "torch.compile(malconv)"):
        root = tmp_path / wrapped.split("(")[0].replace(".", "_")
        root.mkdir()
        found = project_findings(
            root, {"model.py": BN_MODEL, "train.py": VALIDATED.replace("{wrapped}", wrapped)}
        )
        assert ("train.py", 15, "LF603") in found, wrapped


def test_a_model_wrapped_around_another_one_is_not_the_same_model(tmp_path: Path) -> None:
    found = project_findings(
        tmp_path,
        {
            "model.py": BN_MODEL,
            "train.py": VALIDATED.replace("{wrapped}", "nn.DataParallel(other)"),
        },
    )
    assert not [f for f in found if f[2] == "LF603"]
