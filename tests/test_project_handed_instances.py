"""An STFT module kept in an attribute and handed by another file to a project
function that only calls its ``transform``/``inverse`` (tacotron2's
``griffin_lim(spec, taco.stft_fn)``) never runs its ``forward`` there: the
magnitude's sqrt runs only on data (FastSpeech/tacotron2, audits R12 and R50:
LF205). STFT holds buffers and no parameter: where it runs out of sight,
nothing says a gradient reaches it; a loss on a model's output through it
does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project_runs import project_findings

STFT = """
import torch
import torch.nn.functional as F
from torch.autograd import Variable


class STFT(torch.nn.Module):
    def __init__(self, filter_length=1024, hop_length=256):
        super().__init__()
        self.filter_length = filter_length
        self.hop_length = hop_length
        self.register_buffer("forward_basis", torch.randn(filter_length + 2, 1, filter_length))

    def transform(self, input_data):
        forward_transform = F.conv1d(
            input_data.unsqueeze(1),
            Variable(self.forward_basis, requires_grad=False),
            stride=self.hop_length,
        )
        cutoff = int(self.filter_length / 2 + 1)
        real_part = forward_transform[:, :cutoff, :]
        imag_part = forward_transform[:, cutoff:, :]
        magnitude = torch.sqrt(real_part ** 2 + imag_part ** 2)
        phase = torch.autograd.Variable(torch.atan2(imag_part.data, real_part.data))
        return magnitude, phase

    def inverse(self, magnitude, phase):
        return magnitude * phase

    def forward(self, input_data):
        magnitude, phase = self.transform(input_data)
        return self.inverse(magnitude, phase)


class TacotronSTFT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stft_fn = STFT()
        self.register_buffer("mel_basis", torch.randn(80, 513))

    def mel_spectrogram(self, y):
        magnitudes, phases = self.stft_fn.transform(y)
        return torch.matmul(self.mel_basis, magnitudes.data)
"""

GRIFFIN_LIM = """
import numpy as np
import torch


def griffin_lim(magnitudes, stft_fn, n_iters=30):
    angles = torch.autograd.Variable(torch.from_numpy(np.random.rand(*magnitudes.size())))
    signal = stft_fn.inverse(magnitudes, angles).squeeze(1)
    for i in range(n_iters):
        _, angles = stft_fn.transform(signal)
        signal = {last}
    return signal
"""

TOOLS = """
import torch
import stft
from audio_processing import griffin_lim

_stft = stft.TacotronSTFT()


def get_mel(audio):
    audio_norm = torch.autograd.Variable(audio.unsqueeze(0), requires_grad=False)
    return torch.squeeze(_stft.mel_spectrogram(audio_norm), 0)


def inv_mel_spec(mel):
    spec = torch.mm(mel.data, _stft.mel_basis)
    {handed}
    return audio.squeeze().cpu().numpy()
"""

_SQRT_ROW = (
    STFT.splitlines().index("        magnitude = torch.sqrt(real_part ** 2 + imag_part ** 2)") + 1
)


def _codes(root: Path, last: str, handed: str) -> list[tuple[str, int, str]]:
    return project_findings(
        root,
        {
            "stft.py": STFT,
            "audio_processing.py": GRIFFIN_LIM.replace("{last}", last),
            "tools.py": TOOLS.replace("{handed}", handed),
        },
    )


def test_griffin_lim_asking_only_transform_and_inverse_runs_no_forward(tmp_path: Path) -> None:
    found = _codes(
        tmp_path,
        "stft_fn.inverse(magnitudes, angles).squeeze(1)",
        "audio = griffin_lim(torch.autograd.Variable(spec.unsqueeze(0)), _stft.stft_fn, 60)",
    )
    assert ("stft.py", _SQRT_ROW, "LF205") not in found


@pytest.mark.parametrize(
    ("last", "handed"),
    [
        # the callee runs the module on data
        (
            "stft_fn(magnitudes).squeeze(1)",
            "audio = griffin_lim(torch.autograd.Variable(spec.unsqueeze(0)), _stft.stft_fn, 60)",
        ),
        # the instance is kept under another name: it may run anywhere
        (
            "stft_fn.inverse(magnitudes, angles).squeeze(1)",
            "fn = _stft.stft_fn; audio = griffin_lim(spec, fn, 60)",
        ),
    ],
)
def test_a_fixed_transform_running_out_of_sight_is_not_assumed_differentiated(
    tmp_path: Path, last: str, handed: str
) -> None:
    # STFT holds buffers and no parameter (``fixed_transforms``): a gradient
    # reaches its root only through what a caller feeds it, and no caller
    # seen feeds it one (unknown means silence; wespeaker, audit s196)
    assert ("stft.py", _SQRT_ROW, "LF205") not in _codes(tmp_path, last, handed)


def test_a_fixed_transform_run_on_a_model_output_in_a_loss(tmp_path: Path) -> None:
    train = (
        "import stft\n\n\n"
        "def train(model, loader, opt):\n"
        "    magnitude = stft.STFT()\n"
        "    for x, y in loader:\n"
        "        loss = (magnitude(model(x)) - y).abs().mean()\n"
        "        opt.zero_grad()\n"
        "        loss.backward()\n"
        "        opt.step()\n"
    )
    found = project_findings(
        tmp_path,
        {
            "stft.py": STFT,
            "audio_processing.py": GRIFFIN_LIM.replace(
                "{last}", "stft_fn.inverse(magnitudes, angles).squeeze(1)"
            ),
            "train.py": train,
        },
    )
    assert ("stft.py", _SQRT_ROW, "LF205") in found
