"""LF602 on a Hugging Face ``Trainer`` subclass that builds its own training
loader over ``self.train_dataset`` without shuffling (held-out s16 p08, s17
p08): the attribute is what the constructor was given, a map-style data set,
unless some file of the project may make it iterable."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lossflint import lint_paths

TRAINER = """\
from torch.utils.data import DataLoader
from transformers import Trainer


class TaggingTrainer(Trainer):
    def get_train_dataloader(self):
        return DataLoader(self.train_dataset, batch_size=16, collate_fn=self.data_collator)
"""

TRAIN = """\
from datasets import load_dataset
from trainer import TaggingTrainer

ds = load_dataset("conll2003"{streaming})
TaggingTrainer(model=model, args=args, train_dataset={train}).train()
"""

SHARDS = """\
from torch.utils.data import IterableDataset


class Shards(IterableDataset):
    def __iter__(self):
        yield from range(10)
"""


def lf602(root: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    return [(Path(d.filename).name, d.location.row) for d in lint_paths([root], select=["LF602"])]


def test_the_override_is_reported(tmp_path: Path) -> None:
    train = TRAIN.format(streaming="", train='ds["train"]')
    assert lf602(tmp_path, {"trainer.py": TRAINER, "train.py": train}) == [("trainer.py", 7)]


@pytest.mark.parametrize(
    "files",
    [
        # a streamed split
        {"train.py": TRAIN.format(streaming=", streaming=True", train='ds["train"]')},
        # an iterable data set made in a file that does not load the trainer's module
        {"data.py": SHARDS, "train.py": TRAIN.format(streaming="", train="make_shards()")},
    ],
)
def test_a_project_that_may_stream_keeps_it_silent(tmp_path: Path, files: dict[str, str]) -> None:
    assert lf602(tmp_path, {"trainer.py": TRAINER, **files}) == []


def test_a_trainer_setting_its_own_train_dataset_is_not_read_so(tmp_path: Path) -> None:
    trainer = TRAINER.replace(
        "    def get_train_dataloader(self):",
        "    def set_data(self, ds):\n        self.train_dataset = ds\n\n    def get_train_dataloader(self):",
    )
    train = TRAIN.format(streaming="", train='ds["train"]')
    assert lf602(tmp_path, {"trainer.py": trainer, "train.py": train}) == []
