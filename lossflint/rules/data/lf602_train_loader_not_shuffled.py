"""LF602 train-loader-not-shuffled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.data_flow import training_loaders
from lossflint.analysis.datasets import pairs_neighbouring_rows
from lossflint.analysis.test_files import is_test_module
from lossflint.diagnostics import Finding, FixSpec, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.data.fixes import shuffle_fix
from lossflint.rules.data.lf602_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.data.lf602_framework_examples import FRAMEWORK_INVALID, FRAMEWORK_VALID
from lossflint.rules.data.lf602_library_dataset_examples import LIBRARY_INVALID, LIBRARY_VALID
from lossflint.rules.data.lf602_loader_dict_examples import LOADER_DICT_INVALID, LOADER_DICT_VALID
from lossflint.rules.data.lf602_permuted_rows_examples import PERMUTED_INVALID, PERMUTED_VALID
from lossflint.rules.data.lf602_positional_examples import POSITIONAL_INVALID, POSITIONAL_VALID
from lossflint.rules.data.lf602_shuffled_list_examples import (
    SHUFFLED_LIST_INVALID,
    SHUFFLED_LIST_VALID,
)

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class TrainLoaderNotShuffled(Rule):
    code = "LF602"
    name = "train-loader-not-shuffled"
    severity = Severity.WARNING
    summary = "the training `DataLoader` has neither `shuffle=True` nor a sampler"
    fix_kind = "unsafe"
    needs = ("DataLoader",)
    what = """
Flags a `DataLoader(...)` whose batches are trained on — a loop over it (directly,
as any key of a dict comprehension of loaders (`dataloaders[phase]`),
through `enumerate`/`tqdm`/`iter`+`next`, through a function it is passed to, in
this file or another project module, or in another module that trains on what the
function building it returns) runs a `backward()` and an optimiser `step()`, or it
is given to a Lightning `Trainer.fit` or MONAI's `SupervisedTrainer` / returned by a
`train_dataloader` hook (or an override of the Hugging Face Trainer's
`get_train_dataloader`) — when it reads a map-style data set (`TensorDataset`, a
`torchvision.datasets` class, MONAI's `Dataset`/`ArrayDataset`/`CacheDataset`, a Hugging Face `datasets` split not streamed nor `.shuffle()`d, a project
`Dataset` class whose `__getitem__` reads its index, the `self.train_dataset` of a Hugging
Face `Trainer` subclass in a project that never streams) with neither
`shuffle=True` nor a `sampler=` / `batch_sampler=`, or with a sampler that is
`None` on one side of a conditional (`DistributedSampler(ds) if n_gpus > 1 else None`).
Options spread from `**kwargs` count when their keys are known: a dict written out,
or a helper's `**kwargs` that each call of the helper in the file fills with
keywords none of which is `shuffle`, a sampler or the batch size.

Silent when the data set is iterable or of unknown kind (a base class from another
module than torch's `Dataset`), ignores the index it is given (random items),
comes from `random_split`
or is built from arrays already in a random order (the parts of a
`train_test_split` without `shuffle=False`, `sklearn.utils.shuffle`,
`random.shuffle(rows)` before the loader, `random.sample`,
`df.sample(frac=...)`), when the file's loss pairs neighbouring rows (`out[::2]`
with `out[1::2]`: shuffling would split every pair), when any sampler is given (distributed, weighted,
...), when `shuffle=` is not a literal `False`, and for loaders named like
evaluation data (`val_loader`, `test_loader`, also when a shared epoch helper
iterates them beside the training loader), which test-time adaptation may step
on; for a full batch (`batch_size=len(ds)`) and for a loop that fits each batch
with a fresh optimiser in an inner loop (one inverse problem per sample).
"""
    why = """
Without shuffling, every epoch sees the batches in the data set's stored order,
which is often sorted by class (`ImageFolder`, files grouped per label) or by time.
Batches then hold one class each: the loss oscillates from batch to batch, the
gradient follows whichever class came last, and the model learns the order instead
of the data.
"""
    example = """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(torch.randn(1000, 20), torch.randint(0, 2, (1000,)))
    model = torch.nn.Linear(20, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(data, batch_size=32)  # error: LF602 (no shuffle=True)

    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    """
    use_instead = """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(torch.randn(1000, 20), torch.randint(0, 2, (1000,)))
    model = torch.nn.Linear(20, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(data, batch_size=32, shuffle=True)

    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    """
    references = (
        (
            "PyTorch: torch.utils.data.DataLoader",
            "https://pytorch.org/docs/stable/data.html#torch.utils.data.DataLoader",
        ),
    )
    fix_safety = """
Unsafe: the fix sets `shuffle=True` (replacing `shuffle=False`, or adding the
argument). Training then sees different batches, which changes the results — the
point of the fix. Sequence models that must see data in order (stateful RNNs,
truncated back-propagation through time) should keep the order and mark the line
with `# noqa: LF602`.
"""
    INVALID = [
        Invalid(
            """
            import torch
            from torch.utils.data import DataLoader, TensorDataset

            ds = TensorDataset(x, y)
            loader = DataLoader(ds, batch_size=64)  # error: LF602 at `DataLoader(`
            for epoch in range(5):
                for xb, yb in loader:
                    opt.zero_grad()
                    loss = torch.nn.functional.mse_loss(model(xb), yb)
                    loss.backward()
                    opt.step()
            """,
            fixed="""
            import torch
            from torch.utils.data import DataLoader, TensorDataset

            ds = TensorDataset(x, y)
            loader = DataLoader(ds, batch_size=64, shuffle=True)  # error: LF602 at `DataLoader(`
            for epoch in range(5):
                for xb, yb in loader:
                    opt.zero_grad()
                    loss = torch.nn.functional.mse_loss(model(xb), yb)
                    loss.backward()
                    opt.step()
            """,
        ),
        Invalid(
            """
            import torch
            from torch.utils.data import DataLoader, Dataset
            from torchvision import datasets, transforms

            train_set = datasets.ImageFolder("data/train", transform=transforms.ToTensor())
            train_loader = DataLoader(train_set, batch_size=32, shuffle=False)  # error: LF602 at `DataLoader(`

            def train(model, loader, optimizer):
                model.train()
                for i, (images, labels) in enumerate(loader):
                    optimizer.zero_grad()
                    torch.nn.functional.cross_entropy(model(images), labels).backward()
                    optimizer.step()

            train(net, train_loader, opt)
            """,
            fixed="""
            import torch
            from torch.utils.data import DataLoader, Dataset
            from torchvision import datasets, transforms

            train_set = datasets.ImageFolder("data/train", transform=transforms.ToTensor())
            train_loader = DataLoader(train_set, batch_size=32, shuffle=True)  # error: LF602 at `DataLoader(`

            def train(model, loader, optimizer):
                model.train()
                for i, (images, labels) in enumerate(loader):
                    optimizer.zero_grad()
                    torch.nn.functional.cross_entropy(model(images), labels).backward()
                    optimizer.step()

            train(net, train_loader, opt)
            """,
        ),
        Invalid(
            """
            import torch
            from torch.utils.data import DataLoader, Dataset

            class Pairs(Dataset):
                def __init__(self, items):
                    self.items = items

                def __len__(self):
                    return len(self.items)

                def __getitem__(self, i):
                    return self.items[i]

            class Trainer:
                def __init__(self, model, items):
                    self.model = model
                    self.optimizer = torch.optim.Adam(model.parameters())
                    self.loader = DataLoader(Pairs(items), batch_size=8)  # error: LF602 at `DataLoader(`

                def fit(self):
                    for x, y in self.loader:
                        self.optimizer.zero_grad()
                        self.model.loss(x, y).backward()
                        self.optimizer.step()
            """,
        ),
        Invalid(
            """
            import pytorch_lightning as pl
            import torch
            from torch.utils.data import DataLoader, TensorDataset

            train = DataLoader(TensorDataset(x, y), batch_size=16)  # error: LF602 at `DataLoader(`
            trainer = pl.Trainer(max_epochs=3)
            trainer.fit(model, train)
            """,
        ),
        Invalid(
            """
            import torch
            from torch.utils.data import DataLoader, TensorDataset

            loader = DataLoader(TensorDataset(x, y), batch_size=16)  # error: LF602 at `DataLoader(`
            it = iter(loader)
            for step in range(1000):
                xb, yb = next(it)
                opt.zero_grad()
                torch.nn.functional.mse_loss(model(xb), yb).backward()
                opt.step()
            """,
        ),
        *AUDIT_INVALID,
        *FRAMEWORK_INVALID,
        *LIBRARY_INVALID,
        *PERMUTED_INVALID,
        *POSITIONAL_INVALID,
        *SHUFFLED_LIST_INVALID,
        *LOADER_DICT_INVALID,
    ]
    VALID = [
        # shuffled, and a validation loader that need not be
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        train_loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
        val_loader = DataLoader(TensorDataset(vx, vy), batch_size=64, shuffle=False)
        for epoch in range(5):
            for xb, yb in train_loader:
                opt.zero_grad()
                torch.nn.functional.mse_loss(model(xb), yb).backward()
                opt.step()
            with torch.no_grad():
                for xb, yb in val_loader:
                    model(xb)
        """,
        # a distributed sampler shuffles
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset
        from torch.utils.data.distributed import DistributedSampler

        ds = TensorDataset(x, y)
        loader = DataLoader(ds, batch_size=64, sampler=DistributedSampler(ds))
        for epoch in range(5):
            loader.sampler.set_epoch(epoch)
            for xb, yb in loader:
                opt.zero_grad()
                torch.nn.functional.mse_loss(model(xb), yb).backward()
                opt.step()
        """,
        # Lightning's train_dataloader hook with shuffle
        """
        import pytorch_lightning as pl
        from torch.utils.data import DataLoader, TensorDataset

        class Data(pl.LightningDataModule):
            def train_dataloader(self):
                return DataLoader(TensorDataset(self.x, self.y), batch_size=32, shuffle=True)

            def val_dataloader(self):
                return DataLoader(TensorDataset(self.vx, self.vy), batch_size=32)
        """,
        # random_split already permutes the samples
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset, random_split

        train_ds, val_ds = random_split(TensorDataset(x, y), [800, 200])
        loader = DataLoader(train_ds, batch_size=32)
        for xb, yb in loader:
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
        """,
        # shuffle decided by the caller
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        def make_loader(ds, train):
            return DataLoader(ds, batch_size=32, shuffle=train)

        loader = make_loader(TensorDataset(x, y), True)
        for xb, yb in loader:
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
        """,
        # test-time adaptation steps on the test loader on purpose
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        test_loader = DataLoader(TensorDataset(tx), batch_size=64)
        for (xb,) in test_loader:
            opt.zero_grad()
            entropy(model(xb)).backward()
            opt.step()
        """,
        # a data set of unknown kind (another module's class)
        """
        import torch
        from torch.utils.data import DataLoader
        from mydata import Corpus

        loader = DataLoader(Corpus("train"), batch_size=32)
        for xb, yb in loader:
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
        """,
        *AUDIT_VALID,
        *FRAMEWORK_VALID,
        *LIBRARY_VALID,
        *PERMUTED_VALID,
        *POSITIONAL_VALID,
        *SHUFFLED_LIST_VALID,
        *LOADER_DICT_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        if is_test_module(model):
            return  # a test's fixture trains on a fixed order (or noise) on purpose
        if pairs_neighbouring_rows(model):
            return  # ``out[::2]`` with ``out[1::2]``: items paired by their order
        reported: set[int] = set()
        for info, evidence, how in training_loaders(model):
            if not info.ordered or id(info.call) in reported:
                continue
            reported.add(id(info.call))
            line = model.line_of(evidence)
            callee = model.code(evidence.func) if isinstance(evidence, cst.Call) else ""
            how, _, elsewhere = how.partition(" ")
            hook = evidence.name.value if isinstance(evidence, cst.FunctionDef) else ""
            use = {
                "loop": f"its batches are trained on (line {line})",
                "lightning": f"a Lightning trainer trains on it (line {line})",
                "engine": f"an ignite engine whose process function trains runs it (line {line})",
                "monai": f"MONAI's SupervisedTrainer trains on it (line {line})",
                "hook": f"it is what `{hook}` returns, the loader the framework trains on",
                "function": f"`{callee}` trains on its batches (line {line})",
                "caller": f"it is returned to {elsewhere}, which trains on it",
            }[how]
            why = "`shuffle=False`" if info.explicit else "no `shuffle=True` and no sampler"
            advice = "pass `shuffle=True` or a sampler"
            fix: FixSpec | None = shuffle_fix(info.call, info.shuffle_arg)
            if (sampler := info.none_sampler) is not None:  # ``shuffle=True`` + a sampler raises
                when = "false" if model.code(sampler.orelse) == "None" else "true"
                why = f"a sampler that is None when `{model.code(sampler.test)}` is {when} "
                why += f"(line {model.line_of(sampler)}) and no `shuffle=True`"
                advice, fix = "on that path pass `shuffle=True` (`shuffle=(sampler is None)`)", None
            yield Finding(
                info.call,
                f"training `DataLoader` with {why}: {use}, in the data set's order every "
                f"epoch (often sorted by class or time); {advice}",
                fix=fix,
                related=(RelatedNode("trained on here", evidence),)
                if how not in ("hook", "caller")
                else (),
            )
