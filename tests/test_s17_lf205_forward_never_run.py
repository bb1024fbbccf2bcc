"""LF205 on an STFT module used only through ``.transform`` (seungwonpark/melgan,
NVIDIA/tacotron2: the mel targets of the data pipeline): its ``forward`` is a
gradient path only if an instance of the class is ever called. Known when no
instance is called here and no file that loads the module names the class or
the attribute an instance is kept in (audit s20, R21)."""

from __future__ import annotations

from pathlib import Path

from lossflint import lint_paths

STFT = """\
import torch


class STFT(torch.nn.Module):
    def transform(self, re, im):
        magnitude = torch.sqrt(re**2 + im**2)
        phase = torch.atan2(im.data, re.data)
        return magnitude, phase

    def forward(self, re, im):
        magnitude, phase = self.transform(re, im)
        return magnitude * torch.cos(phase)


class MelSTFT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stft_fn = STFT()

    def mel_spectrogram(self, re, im):
        magnitudes, phases = self.stft_fn.transform(re, im)
        magnitudes = magnitudes.data
        return magnitudes.sum()
"""

PREPROCESS = """\
from stft import MelSTFT

mel = MelSTFT()
for re, im in batches:
    save(mel.mel_spectrogram(re, im))
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _found(root: Path) -> list[str]:
    return sorted(
        f"{Path(d.filename).name}:{d.location.row}:{d.code}"
        for d in lint_paths([root], select=["LF205"], jobs=1)
    )


def test_forward_never_run_in_the_project_is_silent(tmp_path: Path) -> None:
    root = _project(tmp_path, {"stft.py": STFT, "preprocess.py": PREPROCESS})
    assert _found(root) == []


def test_forward_never_run_alone_is_silent(tmp_path: Path) -> None:
    root = _project(tmp_path, {"stft.py": STFT})
    assert _found(root) == []


def test_an_importer_calling_the_kept_instance_fires(tmp_path: Path) -> None:
    train = """\
from stft import MelSTFT

mel = MelSTFT()
for re, im in batches:
    loss = mel.stft_fn(re, im).mean()
    loss.backward()
"""
    root = _project(tmp_path, {"stft.py": STFT, "train.py": train})
    assert _found(root) == ["stft.py:6:LF205"]


def test_an_importer_naming_the_class_fires(tmp_path: Path) -> None:
    train = """\
from stft import STFT

crit = STFT()
for re, im in batches:
    loss = crit(re, im).mean()
    loss.backward()
"""
    root = _project(tmp_path, {"stft.py": STFT, "train.py": train})
    assert _found(root) == ["stft.py:6:LF205"]


def test_an_instance_called_in_its_own_file_fires(tmp_path: Path) -> None:
    own = (
        STFT
        + """

model = MelSTFT()
for re, im in batches:
    loss = model.stft_fn(re, im).mean()
    loss.backward()
"""
    )
    root = _project(tmp_path, {"stft.py": own})
    assert _found(root) == ["stft.py:6:LF205"]
