"""LF603 evaluation-in-train-mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.eval_passes import evaluations_in_train_mode
from lossflint.analysis.test_files import is_test_module
from lossflint.diagnostics import Finding, RelatedNode, RelatedSite, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.data.lf603_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.data.lf603_construction_examples import (
    CONSTRUCTION_INVALID,
    CONSTRUCTION_VALID,
)
from lossflint.rules.data.lf603_epoch_examples import EPOCH_INVALID, EPOCH_VALID
from lossflint.rules.data.lf603_mode_examples import MODE_INVALID, MODE_VALID
from lossflint.rules.data.lf603_step_evaluation_examples import (
    STEP_EVALUATION_INVALID,
    STEP_EVALUATION_VALID,
)
from lossflint.rules.data.lf603_unit_test_examples import UNIT_TEST_INVALID, UNIT_TEST_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class EvaluationInTrainMode(Rule):
    code = "LF603"
    name = "evaluation-in-train-mode"
    severity = Severity.WARNING
    summary = "evaluation under `no_grad` of a model with dropout/batch norm never put in eval mode"
    # the region words, and the names of evaluation functions (``evaluate_model``)
    needs = (
        *("no_grad", "inference_mode", "set_grad_enabled"),
        *("eval", "test", "valid", "Valid", "predict", "accuracy", "inference"),
        "load_state_dict",
    )
    what = """
Flags the first model call of an evaluation pass — a `torch.no_grad()` /
`torch.inference_mode()` block (or a function decorated with one), a
function named as evaluating (`evaluate_model`, `test`, `compute_accuracy`,
`predict`, `inference`) with no `backward()`/`step()` of its own and not called in a
training iteration, a module-level statement after a module-level training
loop (a notebook's `preds = model(X_test)`) or, in a file that trains nothing, after the
model's `load_state_dict(...)` (an inference notebook), or a loop over held-out data
(`for x, y in test_loader:`, also one drawing its batches from a validation reader inside
the training loop) that runs no `backward()` nor step, that computes a loss (or binds a name
of one), an
`argmax`/`max`, a comparison or a metric from the model's output, or collects its outputs over batches
(`feats.append(model(x).cpu())`) — when
the model holds dropout (`p > 0`) or batch-norm layers and nothing in the file can
have put it in eval mode: no `model.eval()` / `model.train(False)` /
`model.training = False` on it. The converse of LF309.

Only models the analysis knows count: instances of a same-file `nn.Module` class
(its submodule classes included), `nn.Sequential` stacks and torchvision's
classifiers (`resnet18()`, `mobilenet_v3_small()`; not the ViTs, whose dropout
is 0), also kept on a plain
trainer class (`self.net = net`; not on a Lightning module or another library
class, which switch modes themselves). Silent in test files (`tests/`,
or `test_*.py` holding tests: a unit test runs a model for its output's shape), and when any
`eval()` in the file has a receiver the analysis cannot identify, when the model is passed to a function of
another module that may switch it (one that only calls it cannot:
`FunctionSummary.mode_safe`), inside a training function or loop
(pseudo-labels computed in train mode are a technique) -- except a pass with a
loop of its own after the batch loop of the same epoch loop, which evaluates --,
when `model.train()` is called right before the pass (dropout kept on by hand),
for models without dropout or batch norm, and in files about Monte-Carlo dropout.
"""
    why = """
A module starts in train mode and stays there until `eval()`. Evaluated that way,
dropout still zeroes random activations, so the reported metric changes from run
to run and underestimates the model, and batch norm normalises with the test
batch's own statistics (and overwrites its running averages), so the numbers
depend on the batch size and composition.
"""
    example = """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
    optimizer = torch.optim.Adam(model.parameters())
    for x, y in train_batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    with torch.no_grad():  # the fix: call model.eval() first
        accuracy = (model(x_test).argmax(1) == y_test).float().mean()  # error: LF603
    """
    use_instead = """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
    optimizer = torch.optim.Adam(model.parameters())
    for x, y in train_batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean()
    """
    references = (
        (
            "PyTorch: Module.eval",
            "https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval",
        ),
        (
            "PyTorch: torch.nn.Dropout",
            "https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html",
        ),
    )
    INVALID = [
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(784, 256)
                    self.drop = nn.Dropout(0.3)
                    self.fc2 = nn.Linear(256, 10)

                def forward(self, x):
                    return self.fc2(self.drop(F.relu(self.fc1(x))))

            def test(model, loader):
                correct = 0
                with torch.no_grad():
                    for x, y in loader:
                        out = model(x)  # error: LF603 at `model(x)`
                        correct += (out.argmax(1) == y).sum().item()
                return correct

            net = Net()
            test(net, test_loader)
            """,
        ),
        Invalid(
            """
            import torch
            from torch import nn

            net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
            opt = torch.optim.SGD(net.parameters(), lr=0.01)
            net.train()
            for epoch in range(3):
                for x, y in train_loader:
                    opt.zero_grad()
                    nn.functional.cross_entropy(net(x), y).backward()
                    opt.step()
                with torch.no_grad():
                    val_loss = sum(nn.functional.cross_entropy(net(x), y) for x, y in val_loader)  # error: LF603 at `net(x)`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Block(nn.Module):
                def __init__(self, c):
                    super().__init__()
                    self.bn = nn.BatchNorm1d(c)

            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.block = Block(32)
                    self.head = nn.Linear(32, 3)

            clf = Classifier()

            @torch.inference_mode()
            def predict(batch):
                return clf(batch).argmax(dim=1)  # error: LF603 at `clf(batch)`
            """,
        ),
        # the validation pass after the batches, in the same epoch loop of a function
        Invalid(
            """
            import torch
            import torch.nn as nn

            class TextCNN(nn.Module):
                def __init__(self, vocab, classes):
                    super().__init__()
                    self.embed = nn.EmbeddingBag(vocab, 64)
                    self.drop = nn.Dropout(0.4)
                    self.out = nn.Linear(64, classes)

                def forward(self, tokens):
                    return self.out(self.drop(self.embed(tokens)))

            def run(model, optimizer, train_batches, dev_batches, n_epochs):
                for epoch in range(n_epochs):
                    model.train()
                    for tokens, labels in train_batches:
                        optimizer.zero_grad()
                        loss = nn.functional.cross_entropy(model(tokens), labels)
                        loss.backward()
                        optimizer.step()
                    dev_loss = 0.0
                    with torch.inference_mode():
                        for tokens, labels in dev_batches:
                            logits = model(tokens)  # error: LF603 at `model(tokens)`
                            dev_loss += nn.functional.cross_entropy(logits, labels).item()
                    print(epoch, dev_loss)

            clf = TextCNN(5000, 4)
            run(clf, torch.optim.Adam(clf.parameters()), train_batches, dev_batches, 10)
            """,
        ),
        # the same split into methods of a trainer class: self.network(x) is the model
        Invalid(
            """
            import torch
            from torch import nn

            class Fitter:
                def __init__(self, network, optimizer):
                    self.network = network
                    self.optimizer = optimizer

                def one_epoch(self, batches):
                    self.network.train()
                    for images, targets in batches:
                        self.optimizer.zero_grad()
                        nn.functional.cross_entropy(self.network(images), targets).backward()
                        self.optimizer.step()

                @torch.no_grad()
                def validate(self, batches):
                    hits = 0
                    for images, targets in batches:
                        hits += (self.network(images).argmax(dim=1) == targets).sum().item()  # error: LF603 at `self.network(images)`
                    return hits

                def run(self, train_batches, val_batches, epochs):
                    for _ in range(epochs):
                        self.one_epoch(train_batches)
                        print(self.validate(val_batches))

            cnn = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
            Fitter(cnn, torch.optim.SGD(cnn.parameters(), lr=0.05)).run(train_batches, val_batches, 20)
            """,
        ),
        *AUDIT_INVALID,
        *MODE_INVALID,
        *CONSTRUCTION_INVALID,
        *STEP_EVALUATION_INVALID,
        *EPOCH_INVALID,
        *UNIT_TEST_INVALID,
    ]
    VALID = [
        # eval() before, train() after
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.5), nn.Linear(64, 2))
        model.eval()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean()
        model.train()
        """,
        # a model without dropout or batch norm: the modes are the same
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean()
        """,
        # pseudo-labels inside the training loop are computed in train mode on purpose
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.5), nn.Linear(64, 2))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x, u in loader:
            with torch.no_grad():
                pseudo = model(u).argmax(1)
            opt.zero_grad()
            nn.functional.cross_entropy(model(u), pseudo).backward()
            opt.step()
        """,
        # eval() through a helper whose receiver the analysis follows
        """
        import torch
        import torch.nn as nn

        def evaluate(net, x, y):
            net.eval()
            with torch.no_grad():
                return (net(x).argmax(1) == y).float().mean()

        model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.5), nn.Linear(64, 2))
        evaluate(model, x_test, y_test)
        """,
        # the model may be switched by a function of another module
        """
        import torch
        import torch.nn as nn
        from utils import prepare_for_eval

        model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.5), nn.Linear(64, 2))
        prepare_for_eval(model)
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean()
        """,
        # generating samples (no evaluation): a GAN generator in train mode
        """
        import torch
        import torch.nn as nn

        netG = nn.Sequential(nn.Linear(100, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 784))
        with torch.no_grad():
            fake = netG(torch.randn(64, 100)).view(-1, 1, 28, 28)
            save_image(fake, "samples.png")
        """,
        # training-batch metrics in a helper the training loop calls
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.5), nn.Linear(64, 2))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        def batch_accuracy(x, y):
            with torch.no_grad():
                return (model(x).argmax(1) == y).float().mean()

        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            print(batch_accuracy(x, y))
        """,
        *MODE_VALID,
        *CONSTRUCTION_VALID,
        *STEP_EVALUATION_VALID,
        *AUDIT_VALID,
        *EPOCH_VALID,
        *UNIT_TEST_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        if is_test_module(model):
            return  # unit tests run models for shapes and smoke checks, not evaluations
        for found in evaluations_in_train_mode(model):
            related: tuple[RelatedNode | RelatedSite, ...]
            if found.layer is not None:
                held = f"`{model.code(found.layer.func)}` (line {model.line_of(found.layer)})"
                related = (RelatedNode("the layer that behaves differently", found.layer),)
            elif found.layer_site is not None:  # the model's class is in another module
                site = found.layer_site
                held = f"`{site.label}` ({site.file}:{site.line})"
                what = "the layer that behaves differently"
                related = (RelatedSite(what, site.file, site.line, site.column),)
            elif found.vision:
                held = f"torchvision's `{found.vision}` batch norm / dropout layers"
                related = ()
            else:
                continue
            called = model.code(found.call.func)
            # the model runs in a helper the region calls (``self._forward_pass(x, y)``)
            via = f" (by `{called}()`)" if called != found.receiver else ""
            region = found.region
            named = found.by_name and isinstance(region, cst.FunctionDef)
            where = f"by `{region.name.value}()`" if named else "under no_grad"  # type: ignore[attr-defined]
            if found.after_training:
                where = "after the training loop"
            elif found.restored:
                where = "with its trained weights loaded"
            elif found.over_held_out:
                where = "over held-out data"
            yield Finding(
                found.call,
                f"`{found.receiver}` is evaluated{via} {where} in train mode: it holds "
                f"{held} and nothing puts it in eval "
                "mode, so dropout stays on and batch norm uses batch statistics — the "
                f"metrics are noisy and wrong; call `{found.receiver}.eval()` before "
                f"(and `{found.receiver}.train()` after)",
                related=related,
            )
