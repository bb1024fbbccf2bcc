"""The model a Hugging Face ``Trainer`` subclass's ``compute_loss(self, model,
inputs)`` is handed is the ``model=`` its constructions in other files pass
(held-out s18): a linear multi-label head of that model fed to ``BCELoss``
there is LF105; anything that could hand the method another model keeps it
unknown."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lossflint import lint_paths

MODELING = """\
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, hid=64, n_tags=5):
        super().__init__()
        self.body = nn.Linear(hid, hid)
        self.label_head = nn.Linear(hid, 3)
        self.tag_head = nn.Linear(hid, n_tags)

    def forward(self, features, **_):
        h = torch.tanh(self.body(features))
        return {"logits": self.label_head(h), "tag_scores": self.tag_head(h)}


class SigmoidTagger(Tagger):
    def forward(self, features, **_):
        h = torch.tanh(self.body(features))
        return {"logits": self.label_head(h), "tag_scores": torch.sigmoid(self.tag_head(h))}
"""

TRAINER = """\
import torch.nn as nn
import torch.nn.functional as F
from transformers import Trainer


class TagTrainer(Trainer):
    def __init__(self, *args, tag_weight=0.5, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag_weight = tag_weight
        self.tag_loss = nn.BCELoss()
{extra}
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        tags = inputs.pop("tags")
        outputs = model(**inputs)
        loss = F.cross_entropy(outputs["logits"], labels)
        loss = loss + self.tag_weight * self.tag_loss(outputs["tag_scores"], tags)
        return (loss, outputs) if return_outputs else loss
"""

TRAIN = """\
from transformers import TrainingArguments

from modeling import {model}
from tag_trainer import TagTrainer


def main(train_set):
    net = {model}()
    targs = TrainingArguments(output_dir="out", learning_rate=3e-5)
    trainer = TagTrainer({how}, args=targs, train_dataset=train_set, tag_weight=0.3)
    trainer.train()
"""

LOSS_LINE = 17


def findings(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    found = lint_paths([root], select=["LF104", "LF105", "LF109"])
    return sorted(
        (Path(d.filename).relative_to(root).as_posix(), d.location.row, d.code) for d in found
    )


def project(
    model: str = "Tagger", how: str = "model=net", extra: str = "", train: str | None = None
) -> dict[str, str]:
    return {
        "modeling.py": MODELING,
        "tag_trainer.py": TRAINER.format(extra=extra),
        "train.py": train if train is not None else TRAIN.format(model=model, how=how),
    }


def test_linear_head_of_the_trainers_model(tmp_path: Path) -> None:
    assert findings(tmp_path, project()) == [("tag_trainer.py", LOSS_LINE, "LF105")]


def test_model_passed_first_by_position(tmp_path: Path) -> None:
    assert findings(tmp_path, project(how="net")) == [("tag_trainer.py", LOSS_LINE, "LF105")]


def test_sigmoid_head_is_lf104_not_lf105(tmp_path: Path) -> None:
    found = findings(tmp_path, project(model="SigmoidTagger"))
    assert found == [("tag_trainer.py", LOSS_LINE, "LF104")]


def test_model_init_builds_another_model(tmp_path: Path) -> None:
    how = "model=net, model_init=lambda: SigmoidTagger()"
    assert findings(tmp_path, project(how=how)) == []


def test_trainer_rebinds_its_model(tmp_path: Path) -> None:
    extra = "\n    def swap(self, other):\n        self.model = other\n"
    assert findings(tmp_path, project(extra=extra)) == []


def test_init_taking_the_model_itself(tmp_path: Path) -> None:
    # the subclass may hand the trainer something else than it was given
    files = project()
    files["tag_trainer.py"] = files["tag_trainer.py"].replace(
        "def __init__(self, *args, tag_weight=0.5, **kwargs):\n"
        "        super().__init__(*args, **kwargs)",
        "def __init__(self, model, *args, tag_weight=0.5, **kwargs):\n"
        "        super().__init__(wrap(model), *args, **kwargs)",
    )
    assert findings(tmp_path, files) == []


def test_kwargs_edited_before_forwarding(tmp_path: Path) -> None:
    files = project()
    files["tag_trainer.py"] = files["tag_trainer.py"].replace(
        "        super().__init__(*args, **kwargs)",
        '        kwargs["model"] = kwargs["model"].half()\n'
        "        super().__init__(*args, **kwargs)",
    )
    assert findings(tmp_path, files) == []


def test_constructions_with_different_models(tmp_path: Path) -> None:
    files = project()
    files["finetune.py"] = TRAIN.format(model="SigmoidTagger", how="model=net")
    assert findings(tmp_path, files) == []


def test_compute_loss_called_with_another_model(tmp_path: Path) -> None:
    extra = (
        "\n    def teacher_loss(self, teacher, inputs):\n"
        "        return self.compute_loss(teacher, inputs)\n"
    )
    # the second caller passes an unknown model: the join is unknown
    assert findings(tmp_path, project(extra=extra)) == []


def test_not_a_hugging_face_trainer(tmp_path: Path) -> None:
    files = project()
    files["tag_trainer.py"] = files["tag_trainer.py"].replace(
        "from transformers import Trainer", "from mylib import Trainer"
    )
    assert findings(tmp_path, files) == []
