"""LF603 on a model of another module whose batch norm sits in a submodule of
a third module (Deepfake-Detection's ``TransferModel`` keeping an
``Xception()``, audit s185), evaluated inline under ``no_grad`` or by a
same-file helper the model is handed to; silent once ``model.eval()`` runs
before, and when the submodule's class cannot be read."""

from __future__ import annotations

from pathlib import Path

from tests.project_runs import project_findings

_XCEPTION = """
import torch.nn as nn


class Xception(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(32)
        self.last_linear = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.last_linear(self.bn1(x).mean((2, 3)))
"""

_MODELS = """
import torch.nn as nn
from network.{module} import Xception


class TransferModel(nn.Module):
    def __init__(self, num_out_classes=2):
        super().__init__()
        self.model = Xception()
        self.model.last_linear = nn.Linear(32, num_out_classes)

    def forward(self, x):
        return self.model(x)
"""

_DETECT = """
import torch
from network.models import TransferModel


def predict_with_model(image, model):
    output = model(image)
    return int(torch.argmax(output, 1)), output


def run(frames, model_path):
    model = TransferModel(num_out_classes=2)
    model.load_state_dict(torch.load(model_path))
    {switch}
    {evaluate}
"""

_INLINE = """with torch.no_grad():
        for image in frames:
            print(torch.argmax(model(image), 1))"""

_HELPER = """for image in frames:
        print(predict_with_model(image, model)[0])"""


def _run(
    tmp_path: Path, evaluate: str, switch: str = "", module: str = "xception"
) -> list[tuple[str, int, str]]:
    files = {
        "network/__init__.py": "",
        "network/xception.py": _XCEPTION,
        "network/models.py": _MODELS.format(module=module),
        "detect.py": _DETECT.format(switch=switch, evaluate=evaluate),
    }
    return project_findings(tmp_path, files)


def test_inline_evaluation(tmp_path: Path) -> None:
    assert _run(tmp_path, _INLINE) == [("detect.py", 17, "LF603")]


def test_evaluation_by_a_helper(tmp_path: Path) -> None:
    assert _run(tmp_path, _HELPER) == [("detect.py", 7, "LF603")]


def test_put_in_eval_mode_first(tmp_path: Path) -> None:
    (tmp_path / "inline").mkdir()
    assert _run(tmp_path / "inline", _INLINE, switch="model.eval()") == []
    (tmp_path / "helper").mkdir()
    assert _run(tmp_path / "helper", _HELPER, switch="model.eval()") == []


def test_an_unreadable_submodule(tmp_path: Path) -> None:
    # ``network/missing.py`` does not exist: what ``Xception`` holds is unknown
    assert _run(tmp_path, _INLINE, module="missing") == []


_UNWRAP = """if isinstance(model, torch.nn.DataParallel):
        model = model.module
    with torch.no_grad():
        for image in frames:
            print(torch.argmax(model(image), 1))"""


def test_another_modules_model_unwrapped_from_data_parallel(tmp_path: Path) -> None:
    # ``model.module`` of an ``nn.Module`` keeping no ``module``: the model itself
    assert _run(tmp_path, _UNWRAP) == [("detect.py", 19, "LF603")]


def test_a_class_keeping_a_module_of_its_own_is_not_unwrapped(tmp_path: Path) -> None:
    # ``TransferModel.module`` is a plain linear layer: not the model evaluated
    files = {
        "network/__init__.py": "",
        "network/xception.py": _XCEPTION,
        "network/models.py": _MODELS.format(module="xception").replace(
            "self.model.last_linear = nn.Linear(32, num_out_classes)",
            "self.module = nn.Linear(32, num_out_classes)",
        ),
        "detect.py": _DETECT.format(switch="", evaluate=_UNWRAP),
    }
    assert project_findings(tmp_path, files) == []
