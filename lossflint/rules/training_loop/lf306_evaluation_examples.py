"""LF306 examples of losses kept with their graph outside a training loop's
own body: a trainer's history list (``self.history.append(loss)``), and an
evaluation loop that never turns gradients off (GPT2-Chinese's ``eval.py``,
audit s128): ``evaluate`` puts the model in eval mode and sums
``F.cross_entropy(model(x), y)`` over its batches, run by ``main()`` with
gradients on. Its twin runs under ``no_grad``; a helper nobody calls in
sight may be wrapped by its caller, and a sum of losses back-propagated
after the loop is a gradient accumulation."""

from __future__ import annotations

from lossflint.examples import Invalid

_EVALUATE = """
import numpy as np
import torch
import torch.nn.functional as F


def evaluate(model, loader):
    model.eval()
    total_loss = 0
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        total_loss += loss{marker}
    return total_loss / len(loader)


def main():
    model = Net()
    model.load_state_dict(torch.load("model.pt"))
{call}


if __name__ == "__main__":
    main()
"""

EVALUATION_INVALID = [
    # the training loss unpacked from the model's output, summed before
    # backward(); the validation pass after it binds `loss` again under
    # no_grad (CNCMN, audit s194)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        for epoch in range(3):
            net.train()
            trainloss = 0
            for inputs, labels in loader:
                optimizer.zero_grad()
                [output, loss], _ = net(inputs, labels)
                trainloss = trainloss + loss  # error: LF306
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                net.eval()
                valloss = 0
                for inputs, labels in val_loader:
                    [output, loss], _ = net(inputs, labels)
                    if softmax:
                        loss = F.cross_entropy(output, labels)
                    valloss = valloss + loss
        """
    ),
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        class Trainer:
            def fit(self, loader):
                self.history = []
                for x, y in loader:
                    self.opt.zero_grad()
                    loss = F.cross_entropy(self.model(x), y)
                    loss.backward()
                    self.opt.step()
                    self.history.append(loss)  # error: LF306 at `self.history.append(`
        """,
        fixed="""
        import torch
        import torch.nn.functional as F

        class Trainer:
            def fit(self, loader):
                self.history = []
                for x, y in loader:
                    self.opt.zero_grad()
                    loss = F.cross_entropy(self.model(x), y)
                    loss.backward()
                    self.opt.step()
                    self.history.append(loss.detach())  # error: LF306 at `self.history.append(`
        """,
    ),
    Invalid(
        _EVALUATE.format(
            marker="  # error: LF306 at `total_loss += loss`",
            call="    print(np.exp(evaluate(model, loader)))",
        )
    ),
]

EVALUATION_VALID = [
    # gradients off by a decorator, or by the caller's inference mode
    """
    import torch
    import torch.nn.functional as F

    @torch.no_grad()
    def evaluate(model, loader):
        model.eval()
        total = 0
        for x, y in loader:
            total += F.cross_entropy(model(x), y)
        return total / len(loader)

    def test(model, loader):
        model.eval()
        total = 0
        for x, y in loader:
            total += F.cross_entropy(model(x), y)
        return total

    def main():
        model = torch.nn.Linear(4, 2)
        evaluate(model, loader)
        with torch.inference_mode():
            test(model, loader)

    if __name__ == "__main__":
        main()
    """,
    # TensorFlow keeps no graph outside a GradientTape
    """
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def evaluate(model, dataset):
        total = 0.0
        for images, labels in dataset:
            total += loss_object(labels, model(images, training=False))
        return total

    def main():
        print(evaluate(model, test_ds))

    if __name__ == "__main__":
        main()
    """,
    # a functional model whose weights are handed in (a genetic algorithm's
    # population, DeepReinforcementLearningInAction ch. 6): maybe no gradients
    """
    import torch

    def model(x, W):
        return torch.softmax(x @ W, dim=1)

    def evaluate_population(pop):
        avg_fit = 0
        for individual in pop:
            x, y = next(iter(train_loader))
            loss = torch.nn.functional.nll_loss(model(x, individual.param), y)
            avg_fit += loss
        return avg_fit / len(pop)

    pop, fit = evaluate_population(spawn_population())
    """,
    _EVALUATE.format(
        marker="", call="    with torch.no_grad():\n        print(np.exp(evaluate(model, loader)))"
    ),
    # a helper no code in sight calls, and a sum back-propagated after the loop
    """
    import torch.nn.functional as F


    def validate(model, loader):
        model.eval()
        total = 0
        for x, y in loader:
            total += F.cross_entropy(model(x), y)
        return total


    def accumulated_step(model, batches, opt):
        model.eval()
        total = 0
        for x, y in batches:
            total += F.mse_loss(model(x), y)
        total.backward()
        opt.step()
    """,
]

# a test loss of predictions made under no_grad, the labels unpacked from the
# loop's batch (uvipen/QuickDraw, audit s209); without no_grad it keeps a graph
_TEST_LOSS = """
import torch
import torch.nn as nn
from torch.utils.data import DataLoader


def train(model, training_set, test_set):
    test_generator = DataLoader(test_set, batch_size=32, shuffle=False)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(20):
        for images, labels in DataLoader(training_set, batch_size=32, shuffle=True):
            optimizer.zero_grad()
            criterion(model(images), labels).backward()
            optimizer.step()
        loss_ls = []
        for idx, te_batch in enumerate(test_generator):
            te_images, te_labels = te_batch
            num_samples = te_labels.size()[0]
            if torch.cuda.is_available():
                te_labels = te_labels.cuda()
            {predict}
            te_loss = criterion(te_predictions, te_labels)
            loss_ls.append(te_loss * num_samples){marker}
        print(sum(loss_ls) / len(test_set))
"""

EVALUATION_INVALID.append(
    Invalid(
        _TEST_LOSS.format(predict="te_predictions = model(te_images)", marker="  # error: LF306")
    )
)
EVALUATION_VALID += [
    _TEST_LOSS.format(
        predict="with torch.no_grad():\n                te_predictions = model(te_images)",
        marker="",
    ),
    _TEST_LOSS.format(predict="te_predictions = model(te_images).detach()", marker=""),
]
