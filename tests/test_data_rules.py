"""LF6xx details the rule examples do not pin: where the data facts run, the
Lightning hook, unbatched loaders, and the fixes on keyword arguments."""

from __future__ import annotations

import textwrap

import libcst as cst

from lossflint.analysis.data_flow import data_facts
from lossflint.analysis.model import SemanticModel
from lossflint.edits import apply_edits
from lossflint.linter import RuleSet, lint_text


def _model(source: str) -> SemanticModel:
    return SemanticModel(cst.parse_module(textwrap.dedent(source)))


def _lint(code: str, source: str):
    result = lint_text(textwrap.dedent(source), "example.py", RuleSet([code]), [])
    assert not result.errors, result.errors
    return [d for d in result.diagnostics if d.code == code]


def test_data_facts_do_not_run_for_a_loader_nothing_trains_on() -> None:
    evaluating = """
    from torch.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(x, y), batch_size=8)
    for xb, yb in loader:
        print(model(xb))
    """
    assert data_facts(_model(evaluating)).loaders == {}
    training = evaluating.replace("print(model(xb))", "model(xb).sum().backward()")
    assert len(data_facts(_model(training)).loaders) == 1


def test_lf602_an_unshuffled_train_dataloader_hook() -> None:
    source = """
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader
    from torchvision.datasets import CIFAR10

    class Module(pl.LightningModule):
        def train_dataloader(self):
            return DataLoader(CIFAR10("data", train=True), batch_size=32)

        def val_dataloader(self):
            return DataLoader(CIFAR10("data", train=False), batch_size=32)
    """
    found = _lint("LF602", source)
    assert [(d.location.row, d.location.column) for d in found] == [(8, 16)]


def test_lf605_a_loader_that_does_not_batch_is_silent() -> None:
    source = """
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader

    model = torch.nn.Linear(10, 3)
    for x, y in DataLoader(samples, batch_size={batch}):
        loss = F.nll_loss(F.log_softmax(model(x), dim=0), y)
        loss.backward()
    """
    assert _lint("LF605", source.format(batch="None")) == []
    assert len(_lint("LF605", source.format(batch="16"))) == 1


def test_lf604_fix_swaps_the_values_of_keyword_arguments() -> None:
    source = textwrap.dedent(
        """
        import torch
        import torch.nn.functional as F
        head = torch.nn.Linear(4, 2)
        loss = F.cross_entropy(target=head(h), input=labels.argmax(1))
        """
    )
    (diag,) = _lint("LF604", source)
    assert diag.fix is not None
    fixed = apply_edits(source, diag.fix.edits)
    assert "F.cross_entropy(target=labels.argmax(1), input=head(h))" in fixed


def test_lf602_fix_rewrites_a_positional_shuffle() -> None:
    source = textwrap.dedent(
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset
        loader = DataLoader(TensorDataset(x, y), 16, False)
        for xb, yb in loader:
            opt.zero_grad()
            model(xb).sum().backward()
            opt.step()
        """
    )
    (diag,) = _lint("LF602", source)
    assert diag.fix is not None
    fixed = apply_edits(source, diag.fix.edits)
    assert "DataLoader(TensorDataset(x, y), 16, True)" in fixed


TF_DATA_LOOP = """
import tensorflow as tf
from tensorflow.keras import layers

(x_train, y_train), _ = tf.keras.datasets.cifar10.load_data()
ds = tf.data.Dataset.from_tensor_slices((x_train / 255.0, y_train)).shuffle(1000).batch(32)
model = tf.keras.Sequential([layers.Input(shape=(32, 32, 3)), layers.Flatten(), layers.Dense(10)])
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
for x, y in ds:
    logits = model(x, training=True)
    loss = loss_fn({args})
"""


def test_lf604_labels_keep_their_role_through_a_tf_data_pipeline() -> None:
    swapped = [d.location.row for d in _lint("LF604", TF_DATA_LOOP.format(args="logits, y"))]
    assert swapped == [11]
    assert _lint("LF604", TF_DATA_LOOP.format(args="y, logits")) == []


AFTER_NO_GRAD = """
import torch
from torch import nn

model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for xb, yb in loader:
    opt.zero_grad()
    nn.functional.cross_entropy(model(xb), yb).backward()
    opt.step()
with torch.no_grad():
    preds = model(X_test)
{after}
"""


def test_lf603_the_metric_right_after_the_no_grad_block() -> None:
    metric = "acc = (preds.argmax(1) == y_test).float().mean()"
    assert [d.location.row for d in _lint("LF603", AFTER_NO_GRAD.format(after=metric))] == [12]
    # what follows does not evaluate the block's results
    other = "acc = (other.argmax(1) == y_test).float().mean()"
    assert _lint("LF603", AFTER_NO_GRAD.format(after=other)) == []
    assert _lint("LF603", AFTER_NO_GRAD.format(after="torch.save(preds, 'p.pt')")) == []


def test_lf602_names_the_condition_on_which_the_training_loader_loses_its_sampler() -> None:
    """FourCastNet (audit s136): ``sampler=sampler if train else None`` over
    ``sampler = DistributedSampler(ds) if distributed else None``: the training
    loader is unsampled when ``distributed`` is false, not when ``train`` is."""
    source = """
    import torch
    from torch.utils.data import DataLoader, Dataset
    from torch.utils.data.distributed import DistributedSampler

    class Frames(Dataset):
        def __init__(self, path):
            self.x = torch.load(path)

        def __len__(self):
            return len(self.x) - 1

        def __getitem__(self, i):
            return self.x[i], self.x[i + 1]

    def get_data_loader(distributed, train):
        dataset = Frames("era5.pt")
        sampler = DistributedSampler(dataset, shuffle=train) if distributed else None
        return DataLoader(dataset, batch_size=4, shuffle=False, sampler=sampler if train else None)

    loader = get_data_loader(torch.distributed.is_initialized(), train=True)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    """
    (found,) = _lint("LF602", source)
    assert "when `distributed` is false" in found.message
