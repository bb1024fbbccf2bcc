"""LF306 examples of held-out s18: what a loop accumulates of a training
step it calls on every pass whose events are not all sure (a dict of its
losses), and the values without a graph next to it; kept apart so the audit
examples module stays small. A criterion returning a tuple, unpacked under
``no_grad`` and the total appended after the block (uvipen's Yolo-v2, audit
R76: silent), and the twin without ``no_grad``. A step returning detached
losses into names set to 0 before the loop (tjwei's pix2pix notebook, audit
R77: silent), and the twin returning them attached."""

from __future__ import annotations

from lossflint.examples import Invalid

#: a trainer whose step returns a dict of its losses; its discriminator
#: update runs only under a condition, so its events are not inlined at the
#: call (held-out s18: ``logs = trainer.train_step(...)``, then
#: ``epoch_g += logs["loss_g"]``)
_STEP_DICT = """
import torch
import torch.nn.functional as F


class PairTrainer:
    def __init__(self, gen, disc, opt_g, opt_d, adv_weight):
        self.gen, self.disc = gen, disc
        self.opt_g, self.opt_d = opt_g, opt_d
        self.adv_weight = adv_weight

    def step(self, src, tgt):
        fake = self.gen(src)
        if self.adv_weight > 0:
            self.opt_d.zero_grad()
            real_score, fake_score = self.disc(tgt), self.disc(fake.detach())
            (F.softplus(fake_score).mean() + F.softplus(-real_score).mean()).backward()
            self.opt_d.step()
        self.opt_g.zero_grad()
        rec = F.l1_loss(fake, tgt)
        rec.backward()
        self.opt_g.step()
        return {{"rec": {rec}, "mean": fake.mean().item()}}

{extra}

def fit(gen, disc, loader, epochs):
    trainer = PairTrainer(
        gen, disc, torch.optim.Adam(gen.parameters()), torch.optim.Adam(disc.parameters()), 0.1
    )
    for epoch in range(epochs):
        total, means = 0.0, []
        for src, tgt in loader:
{body}
        print(epoch, total, means)
"""


def _step_dict(rec: str = "rec", extra: str = "", body: str = "") -> str:
    return _STEP_DICT.format(rec=rec, extra=extra, body=body)


_ADDS = (
    "            logs = trainer.step(src, tgt)\n"
    '            total += logs["rec"]{marker}\n'
    '            means.append(logs["mean"])'
)

#: a loss computer returning ``(detached total, graph)`` (annotated-transformer,
#: audit R23): which item a loop sums decides
_LOSS_COMPUTE = """
import torch
import torch.nn as nn

class SimpleLossCompute:
    def __init__(self, generator, criterion):
        self.generator, self.criterion = generator, criterion

    def __call__(self, x, y, norm):
        x = self.generator(x)
        sloss = self.criterion(x.view(-1, x.size(-1)), y.view(-1)) / norm
        return sloss.data * norm, sloss

def run_epoch(data_iter, model, loss_compute, optimizer):
    total_loss = 0
    for batch in data_iter:
        out = model(batch.src)
        loss, loss_node = loss_compute(out, batch.tgt_y, batch.ntokens)
        loss_node.backward()
        optimizer.step()
        optimizer.zero_grad()
        total_loss += {summed}
    return total_loss

model = nn.Linear(4, 4)
opt = torch.optim.Adam(model.parameters())
run_epoch([], model, SimpleLossCompute(nn.Linear(4, 4), nn.CrossEntropyLoss()), opt)
"""

#: a gradient-accumulation loop (accelerate): ``{reset}`` where the running
#: loss is set back to zero (priyammaz/PyTorch-Adventures, audit R26)
_WINDOW = """
import torch

def train(model, loader, loss_fn, optimizer, accelerator, epochs, steps):
    for epoch in range(epochs):
        accumulated_loss = 0
        for images, targets in loader:
            with accelerator.accumulate(model):
                loss = loss_fn(model(images), targets)
                accumulated_loss += loss / steps{marker}
                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    print(accelerator.gather_for_metrics(accumulated_loss).mean().item()){reset}
                optimizer.step()
                optimizer.zero_grad()
"""

#: a validation pass over a criterion returning (total, parts...)
_UNPACKED_EVAL = """
import torch
import torch.nn as nn


class YoloLoss(nn.Module):
    def forward(self, output, target):
        mse = nn.MSELoss(reduction="sum")
        coord = mse(output[:, :2], target[:, :2])
        conf = mse(output[:, 2:], target[:, 2:])
        return coord + conf, coord, conf


def train(model, loader, val_loader, optimizer):
    criterion = YoloLoss()
    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            loss, coord, conf = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        model.eval()
        losses = []
        for x, y in val_loader:
{guard}
            batch_loss, batch_coord, batch_conf = criterion(model(x), y)
            losses.append(batch_loss * x.size(0)){marker}
        print(sum(losses))
        model.train()
"""

_PRESET = """
import torch
import torch.nn as nn

net = nn.Linear(4, 1)
opt = torch.optim.Adam(net.parameters())
mse, l1 = nn.MSELoss(), nn.L1Loss()


def netG_train(a, b):
    net.zero_grad()
    out = net(a)
    err_fake, err_l1 = mse(out, b), l1(out, b)
    (err_fake + 100 * err_l1).backward()
    opt.step()
    return {returned}


errL1 = errG = 0
errG_sum = errL1_sum = 0
for a, b in loader:
    errG, errL1 = netG_train(a, b)
    errG_sum += errG{marker}
"""

_TRE = """
import torch

def tre(fixed, moving):
    return ((fixed - moving) ** 2).sum(-1).add(1e-9).sqrt().mean()

for fixed, moving in loader:
    ddf = model(fixed, moving)
    loss = tre(fixed + ddf, moving)
    opt.zero_grad()
    loss.backward()
    opt.step()
{metric}
"""

_DICT_STEP = """
import torch
import torch.nn.functional as F


class Trainer:
    def __init__(self, model, loss_function, opt):
        self.model, self.loss_function, self.opt = model, loss_function, opt

    def train_on_batch(self, x, y):
        self.opt.zero_grad()
        loss = self.loss_function(self.model(x), y).mean()
        loss.backward()
        self.opt.step()
        return {{"loss": {returned}}}


def run(model, batches):
    trainer = Trainer(model, F.mse_loss, torch.optim.Adam(model.parameters(), lr=1e-3))
    history = []
    for x, y in batches:
        metrics = trainer.train_on_batch(x, y)
        history.append(metrics["loss"]){marker}
    return history
"""

STEP_INVALID = [
    Invalid(_PRESET.format(returned="err_fake, err_l1", marker="  # error: LF306")),
    # the same pass with gradients on: every batch's graph is kept
    Invalid(_UNPACKED_EVAL.format(guard="", marker="  # error: LF306").replace("\n\n", "\n")),
    # set back to zero where it is printed: a hundred graphs still stay alive
    # (held-out s11 p01, s12 p01)
    Invalid(
        """
        import torch

        def train(model, loader, criterion, optimizer, epochs):
            for epoch in range(epochs):
                running_loss = 0.0
                for step, (images, labels) in enumerate(loader):
                    optimizer.zero_grad()
                    loss = criterion(model(images), labels)
                    loss.backward()
                    optimizer.step()
                    running_loss += loss  # error: LF306 at `running_loss += loss`
                    if step % 100 == 99:
                        print(running_loss / 100)
                        running_loss = 0.0
        """
    ),
    # reset once per epoch only: the graph of every batch of the epoch stays
    Invalid(_WINDOW.format(marker="  # error: LF306 at `accumulated_loss +=`", reset="")),
    Invalid(_step_dict(body=_ADDS.format(marker="  # error: LF306 at `total += logs`"))),
    Invalid(_LOSS_COMPUTE.format(summed="loss_node  # error: LF306 at `total_loss += loss_node`")),
    # the name rebound to an evaluation's float after the batch loop: at the
    # append it still holds the step's loss (rasbt's stat479 dropout lecture, R96)
    Invalid(
        """
        import torch
        import torch.nn.functional as F

        minibatch_cost = []
        for epoch in range(3):
            model.train()
            for features, targets in train_loader:
                cost = F.cross_entropy(model(features), targets)
                optimizer.zero_grad()
                cost.backward()
                minibatch_cost.append(cost)  # error: LF306
                optimizer.step()
            model.eval()
            with torch.no_grad():
                cost = float(F.cross_entropy(model(x_valid), y_valid))
        """
    ),
    # a metric written as the training loss, summed undetached (MONAI's
    # learn2reg registration tutorial, audit R94)
    Invalid(_TRE.format(metric="    tre_after += tre(fixed + ddf, moving)  # error: LF306")),
    # a step returning the loss it backpropagated in a dict (Qwicen/node's
    # Trainer.train_on_batch, audit s103), its loss function handed in
    Invalid(
        _DICT_STEP.format(
            returned="loss", marker='  # error: LF306 at `history.append(metrics["loss"])`'
        )
    ),
]

STEP_VALID = [
    # ... the same metric under no_grad, and another function's value
    _TRE.format(
        metric="    with torch.no_grad():\n        tre_after += tre(fixed + ddf, moving)\n"
        "    count += len(fixed)"
    ),
    # detached just before the append: the value that reaches it has no graph
    """
    import torch.nn.functional as F

    losses = []
    for features, targets in train_loader:
        loss = F.cross_entropy(model(features), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss = loss.detach()
        losses.append(loss)
    loss = F.cross_entropy(model(x_valid), y_valid)
    """,
    _PRESET.format(returned="err_fake.detach(), err_l1.data", marker=""),
    _UNPACKED_EVAL.format(guard="            with torch.no_grad():", marker="").replace(
        "\n            batch_loss,", "\n                batch_loss,"
    ),
    # a style transfer sums one step's per-layer losses, set afresh each step
    # (yandexdataschool/Practical_DL style transfer, found in session 24)
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class StyleLoss(nn.Module):
        def __init__(self, target):
            super().__init__()
            self.target = target.detach()

        def forward(self, x):
            self.loss = F.mse_loss(x, self.target)
            return x

        def backward(self):
            self.loss.backward(retain_graph=True)
            return self.loss

    style_losses = [StyleLoss(t) for t in targets]
    optimizer = torch.optim.LBFGS([input_image])
    for i in range(300):
        model(input_image)
        style_score = 0
        for sl in style_losses:
            style_score += sl.backward()
        optimizer.step(lambda: style_score)
        optimizer.zero_grad()
    """,
    # set back to zero at every optimiser step: it sums one window of batches
    _WINDOW.format(marker="", reset="\n                    accumulated_loss = 0"),
    # the step hands back plain numbers (`.item()`)
    _step_dict(rec="rec.item()", body=_ADDS.format(marker="")),
    # a loss computed with gradients off by a same-file method decorated
    # `no_grad`, in a loop that trains (the step's events are inlined)
    """
    import torch
    import torch.nn.functional as F

    class Runner:
        def __init__(self, model, opt):
            self.model, self.opt = model, opt

        def train_step(self, x, y):
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            self.opt.step()

        @torch.no_grad()
        def val_step(self, x, y):
            return {"loss": F.cross_entropy(self.model(x), y)}

    def fit(model, opt, loader):
        runner = Runner(model, opt)
        seen = 0.0
        for x, y in loader:
            runner.train_step(x, y)
            logs = runner.val_step(x, y)
            seen += logs["loss"]
        return seen
    """,
    # losses computed with gradients off, by a method decorated `no_grad`
    _step_dict(
        extra="    @torch.no_grad()\n    def check(self, src, tgt):\n"
        '        return {"rec": F.l1_loss(self.gen(src), tgt)}\n',
        body="            trainer.step(src, tgt)\n"
        '            total += trainer.check(src, tgt)["rec"]',
    ),
    # the detached item is summed, the other back-propagated
    _LOSS_COMPUTE.format(summed="loss"),
    # ... returning its value
    _DICT_STEP.format(returned="loss.item()", marker=""),
]
