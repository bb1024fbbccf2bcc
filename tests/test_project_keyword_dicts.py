"""Keyword arguments handed over in a dict built once (``common =
dict(model=net, args=targs)`` then ``Trainer(**common)``) reach the callee of
another module like written keywords (held-out s16 p08); a dict that anything
could change, or ``**kwargs`` of unknown content, keeps the call opaque. A
same-named ``compute_loss`` of another trainer class in the file does not
hide the pin of this one's model."""

from __future__ import annotations

from pathlib import Path

from tests.test_s17_losses_hf_trainer_model import LOSS_LINE, findings, project

DICT_TRAIN = """\
from transformers import TrainingArguments

from modeling import Tagger
from tag_trainer import TagTrainer


def main(train_set):
    net = Tagger()
    targs = TrainingArguments(output_dir="out", learning_rate=3e-5)
    common = {common}
{between}    trainer = TagTrainer(**common, tag_weight=0.3)
    trainer.train()
"""

SECOND_TRAINER = """
class PlainTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        return model(**inputs)["logits"].sum()
"""


def train(common: str, between: str = "") -> str:
    return DICT_TRAIN.format(common=common, between=between)


def test_dict_call_of_keywords(tmp_path: Path) -> None:
    files = project(train=train("dict(model=net, args=targs, train_dataset=train_set)"))
    assert findings(tmp_path, files) == [("tag_trainer.py", LOSS_LINE, "LF105")]


def test_dict_literal_with_string_keys(tmp_path: Path) -> None:
    files = project(train=train('{"model": net, "args": targs, "train_dataset": train_set}'))
    assert findings(tmp_path, files) == [("tag_trainer.py", LOSS_LINE, "LF105")]


def test_dict_changed_before_the_call(tmp_path: Path) -> None:
    between = '    common["model"] = other_model()\n'
    files = project(train=train("dict(model=net, args=targs)", between))
    assert findings(tmp_path, files) == []


def test_dict_updated_by_a_method(tmp_path: Path) -> None:
    between = "    common.update(model=other_model())\n"
    files = project(train=train("dict(model=net, args=targs)", between))
    assert findings(tmp_path, files) == []


def test_dict_with_unpacked_entries(tmp_path: Path) -> None:
    files = project(train=train("dict(model=net, **extra)"))
    assert findings(tmp_path, files) == []


def test_kwargs_of_a_parameter_stay_opaque(tmp_path: Path) -> None:
    text = train("dict(model=net)").replace(
        "def main(train_set):", "def main(train_set, **common_kw):"
    )
    text = text.replace("TagTrainer(**common,", "TagTrainer(**common_kw,")
    assert findings(tmp_path, project(train=text)) == []


def test_positional_star_stays_opaque(tmp_path: Path) -> None:
    text = train("dict(args=targs)").replace("TagTrainer(**common,", "TagTrainer(*nets, **common,")
    assert findings(tmp_path, project(train=text)) == []


def test_other_trainer_defining_compute_loss_in_the_file(tmp_path: Path) -> None:
    files = project()
    files["tag_trainer.py"] += SECOND_TRAINER
    assert findings(tmp_path, files) == [("tag_trainer.py", LOSS_LINE, "LF105")]


def test_other_class_calling_compute_loss_by_name(tmp_path: Path) -> None:
    # a call of the method through something else than ``self`` may hand it
    # another model
    files = project()
    files["tag_trainer.py"] += (
        "\n\ndef probe(trainer, other, batch):\n    return trainer.compute_loss(other, batch)\n"
    )
    assert findings(tmp_path, files) == []


def test_dict_handed_to_a_function_stays_opaque(tmp_path: Path) -> None:
    # the function may add, drop or change a key before the unpacking
    between = "    add_defaults(common)\n"
    files = project(train=train("dict(model=net, args=targs)", between))
    assert findings(tmp_path, files) == []
