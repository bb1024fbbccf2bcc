"""``%%writefile x.py`` cells: the script a notebook writes and then runs
(``!python train.py``) is linted as a program of its own, reported in its cell
(audit R22: a Vertex AI trial script fitting raw MNIST pixels was skipped)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from lossflint.cli import cli
from tests.test_notebook import lint, notebook

SCRIPT = """\
%%writefile trial.py
import tensorflow as tf

(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=1)
"""


def test_written_script_is_linted_in_its_cell() -> None:
    found = lint(notebook(("markdown", "# Trial"), ("code", SCRIPT), ("code", "!python trial.py")))
    assert [(cell, row, code) for cell, row, _, code in found] == [(2, 10, "LF412")]


def test_same_script_without_the_magic_is_reported_alike() -> None:
    plain = SCRIPT.split("\n", 1)[1]
    found = lint(notebook(("markdown", "# Trial"), ("code", plain)))
    # one row up: the magic line is gone
    assert [(cell, row + 1, code) for cell, row, _, code in found] == [(2, 10, "LF412")]


def test_script_and_kernel_do_not_share_names() -> None:
    # the kernel's `model` is a logits model; the script's softmax model is
    # another program's: no LF101 in the kernel's cell
    kernel = """\
import torch
from torch import nn

model = nn.Linear(4, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
crit = nn.CrossEntropyLoss()
for x, y in loader:
    opt.zero_grad()
    crit(model(x), y).backward()
    opt.step()
"""
    script = """\
%%writefile infer.py
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
print(model(torch.randn(2, 4)))
"""
    assert lint(notebook(("code", script), ("code", kernel))) == []


def test_appends_other_files_and_templates_are_skipped() -> None:
    body = SCRIPT.split("\n", 1)[1]
    cells = [
        ("code", "%%writefile -a trial.py\n" + body),
        ("code", "%%writefile notes.txt\n" + body),
        ("code", "%%writefile job.py\nmodel.fit({x_placeholder}, <labels>)\n"),
    ]
    assert lint(notebook(*cells)) == []


def test_fix_leaves_the_written_script_alone(tmp_path: Path) -> None:
    script = """\
%%writefile train.py
import torch
import torch.nn.functional as F

def head(x):
    return F.softmax(x)
"""
    path = tmp_path / "nb.ipynb"
    text = notebook(("code", script))
    path.write_text(text)
    result = CliRunner().invoke(cli, ["check", "--fix", "--unsafe-fixes", "--no-cache", str(path)])
    assert result.exit_code == 1, result.output
    assert "LF110" in result.output
    assert path.read_text() == text
