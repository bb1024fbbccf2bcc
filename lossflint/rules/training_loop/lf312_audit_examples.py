"""LF312 examples from the multi-file audit of 2026-12-02: the autocast
forward and the plain ``backward()`` on opposite sides of one flag (silent),
next to twins where the flag changes in between or the backward is
unguarded; kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_FACTORY = """
import torch
import torch.nn as nn


def make_net():
    net = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 10))
{convert}


model = make_net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for inputs, labels in loader:
    loss = nn.functional.cross_entropy(model(inputs), labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward(){marker}
    optimizer.step()
"""

AUDIT_INVALID = [
    # converted in a factory (cifar10-airbench's make_net, audit s164)
    Invalid(
        _FACTORY.format(
            convert="    net = net.half().cuda()\n    return net", marker="  # error: LF312"
        )
    ),
    Invalid(_FACTORY.format(convert="    return net.half().cuda()", marker="  # error: LF312")),
    # converted in main(), trained by a same-file train() it is handed to
    # (akamaster/pytorch_resnet_cifar10's --half, audit R67)
    Invalid(
        """
        import torch
        import torch.nn as nn

        def train(loader, model, criterion, optimizer):
            model.train()
            for x, y in loader:
                loss = criterion(model(x.cuda().half()), y.cuda())
                optimizer.zero_grad()
                loss.backward()  # error: LF312
                optimizer.step()

        def main(loader):
            model = nn.Sequential(nn.Flatten(), nn.Linear(3072, 10)).cuda()
            model.half()
            optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9)
            for epoch in range(10):
                train(loader, model, nn.CrossEntropyLoss(), optimizer)
        """
    ),
    # a Siamese net converted with .half(): its two outputs unpacked (H15 p07)
    Invalid(
        """
        import torch
        import torch.nn as nn

        class Siamese(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(64, 16)

            def forward(self, a, b):
                return self.fc(a), self.fc(b)

        net = Siamese().cuda().half()
        optimizer = torch.optim.Adam(net.parameters(), lr=5e-4, eps=1e-4)
        for a, b, same in loader:
            out1, out2 = net(a.cuda().half(), b.cuda().half())
            loss = contrastive(out1, out2, same)
            optimizer.zero_grad()
            loss.backward()  # error: LF312
            optimizer.step()
        """
    ),
    # the flag is switched off between the forward and the backward
    Invalid(
        """
        import torch

        def train_one_epoch(model, criterion, loader, optimizer, use_amp=True):
            for x, y in loader:
                if use_amp:
                    with torch.autocast("cuda"):
                        loss = criterion(model(x), y)
                else:
                    loss = criterion(model(x), y)
                use_amp = False
                if not use_amp:
                    loss.backward()  # error: LF312
                optimizer.step()
        """,
    ),
    # the backward runs on both sides
    Invalid(
        """
        import torch

        def train_one_epoch(model, criterion, loader, optimizer, args):
            for x, y in loader:
                if args.amp:
                    with torch.autocast("cuda"):
                        loss = criterion(model(x), y)
                else:
                    loss = criterion(model(x), y)
                loss.backward()  # error: LF312
                optimizer.step()
        """,
    ),
    # held-out S18 p07: the half model's loop fires; a later fp32 model's
    # loop reusing the name `loss` does not (the binding just above counts)
    Invalid(
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 8)).cuda().half()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-4)
        criterion = nn.CrossEntropyLoss()
        for x, y in train_loader:
            loss = criterion(model(x.cuda().half()), y.cuda())
            optimizer.zero_grad()
            loss.backward()  # error: LF312
            optimizer.step()

        chord_model = nn.Linear(192, 1)
        chord_opt = torch.optim.SGD(chord_model.parameters(), lr=0.01)
        for epoch in range(200):
            chord_opt.zero_grad()
            loss = nn.functional.mse_loss(chord_model(chroma), targets)
            loss.backward()
            chord_opt.step()
        """
    ),
    # cast back with .float() outside no_grad: the gradients reaching the
    # half model's weights are still float16
    Invalid(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        backbone = nn.Sequential(nn.Linear(784, 512), nn.ReLU()).cuda().half()
        head = nn.Linear(512, 10).cuda()
        opt = torch.optim.SGD([*backbone.parameters(), *head.parameters()], lr=0.1)
        for x, y in loader:
            feats = backbone(x.cuda().half()).float()
            loss = F.cross_entropy(head(feats), y.cuda())
            opt.zero_grad()
            loss.backward()  # error: LF312
            opt.step()
        """
    ),
]

AUDIT_VALID = [
    # the factory hands back a float32 model, or converts on one path only
    _FACTORY.format(convert="    return net.cuda()", marker=""),
    _FACTORY.format(convert="    if fast:\n        return net.half()\n    return net", marker=""),
    # the loss scaled by hand and the gradients unscaled before the step
    # (guided-diffusion's MixedPrecisionTrainer, audit s148)
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 16), nn.SiLU(), nn.Linear(16, 4))
    model.half()
    master = [p.detach().clone().float().requires_grad_(True) for p in model.parameters()]
    opt = torch.optim.AdamW(master, lr=1e-4)
    lg_loss_scale = 20.0
    for x in loader:
        loss = ((model(x.half()).float() - x) ** 2).mean()
        for p in model.parameters():
            p.grad = None
        (loss * 2 ** lg_loss_scale).backward()
        for m, p in zip(master, model.parameters()):
            m.grad = p.grad.float() / (2 ** lg_loss_scale)
        opt.step()
    """,
    # one test converts its own `model` to float16; another trains a float32
    # local of the same name and moves it to a device (huggingface/peft's
    # testing_common.py, audit R44)
    """
    import torch
    from transformers import AutoModel

    class Tester:
        torch_device = "cpu"

        def _test_merge_layers_fp16(self, model_id):
            model = AutoModel.from_pretrained(model_id, dtype=torch.float16)
            model = model.to(device=self.torch_device, dtype=torch.float16)
            model.eval()

        def _test_training(self, model_id, inputs):
            model = AutoModel.from_pretrained(model_id)
            model = model.to(self.torch_device)
            loss = model(**inputs)[0].sum()
            loss.backward()
    """,
    # DeiT/ConvNeXt engines: the amp path goes through a scaler object made
    # in another module, the plain backward only after the fp32 forward
    """
    import torch

    def train_one_epoch(model, criterion, loader, optimizer, loss_scaler, use_amp=False):
        for samples, targets in loader:
            if use_amp:
                with torch.cuda.amp.autocast():
                    output = model(samples)
                    loss = criterion(output, targets)
            else:
                output = model(samples)
                loss = criterion(output, targets)
            if use_amp:
                loss_scaler(loss, optimizer, parameters=model.parameters())
            else:
                loss.backward()
                optimizer.step()
            optimizer.zero_grad()
    """,
    # ConvNeXt-V2: the flag copied into a local first
    """
    import torch

    def train_one_epoch(model, criterion, loader, optimizer, loss_scaler, args=None):
        use_amp = args.use_amp
        for samples, targets in loader:
            if use_amp:
                with torch.cuda.amp.autocast():
                    loss = criterion(model(samples), targets)
            else:
                loss = criterion(model(samples), targets)
            if use_amp:
                loss_scaler(loss, optimizer, parameters=model.parameters())
            else:
                loss.backward()
                optimizer.step()
    """,
    # the same with an attribute flag and a negated test
    """
    import torch

    class Trainer:
        def step(self, x, y):
            if self.args.fp16:
                with torch.autocast("cuda", dtype=torch.float16):
                    loss = self.criterion(self.model(x), y)
                self.scaler_step(loss)
            if not self.args.fp16:
                loss = self.criterion(self.model(x), y)
                loss.backward()
                self.optimizer.step()
    """,
    # held-out S18 p07: a half model only sampled; the fp32 model trained
    # after it reuses the name `loss` of the half model's evaluation
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 8)).cuda().half()
    model.load_state_dict(torch.load("melody.pt"))
    criterion = nn.CrossEntropyLoss()
    with torch.no_grad():
        for x, y in val_loader:
            loss = criterion(model(x.cuda().half()), y.cuda())
            print(loss.item())

    chord_model = nn.Linear(192, 1)
    chord_opt = torch.optim.SGD(chord_model.parameters(), lr=0.01)
    for epoch in range(200):
        chord_opt.zero_grad()
        out = chord_model(chroma)
        loss = nn.functional.mse_loss(out, targets)
        loss.backward()
        chord_opt.step()
    """,
    # held-out S17 p07: an fp32 probe trained on a frozen half model's
    # features (computed under no_grad, cast back with .float()); the name
    # `mu` was unpacked from the half model's output earlier
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(784, 20)
            self.dec = nn.Linear(20, 784)

        def forward(self, x):
            mu = self.enc(x)
            return self.dec(mu), mu

    model = VAE().cuda().half()
    model.eval()
    with torch.no_grad():
        x_hat, mu = model(sample.cuda().half())
    probe = nn.Linear(20, 10).cuda()
    probe_opt = torch.optim.Adam(probe.parameters(), lr=1e-3)
    for x, y in loader:
        probe_opt.zero_grad()
        with torch.no_grad():
            mu = model.enc(x.cuda().half()).float()
        probe_loss = F.cross_entropy(probe(mu), y.cuda())
        probe_loss.backward()
        probe_opt.step()
    """,
    # the frozen half model called directly under no_grad
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    backbone = nn.Sequential(nn.Linear(784, 512), nn.ReLU()).cuda().half()
    head = nn.Linear(512, 10).cuda()
    opt = torch.optim.SGD(head.parameters(), lr=0.1)
    for x, y in loader:
        with torch.no_grad():
            feats = backbone(x.cuda().half()).float()
        loss = F.cross_entropy(head(feats), y.cuda())
        opt.zero_grad()
        loss.backward()
        opt.step()
    """,
]

#: sparse_learning (audit s171): ``model.half()`` only ``if args.fp16:`` in
#: ``main``; ``train`` scales through apex's ``FP16_Optimizer`` on that path
#: and runs a plain ``backward()`` only in the ``else``, on the fp32 path
_APEX_FLAG = """
import torch
import torch.nn.functional as F
from apex.fp16_utils import FP16_Optimizer


def train(args, model, train_loader, optimizer):
    for data, target in train_loader:
        if args.fp16:
            data = data.half()
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        if args.fp16:
            optimizer.backward(loss)
        else:
            loss.backward(){marker}
        optimizer.step()


def main(args, train_loader):
    model = torch.nn.Sequential(torch.nn.Linear(784, 10), torch.nn.LogSoftmax(dim=1)).cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
{convert}
    for epoch in range(10):
        train(args, model, train_loader, optimizer)
"""

_GATED = """\
    if args.fp16:
        optimizer = FP16_Optimizer(optimizer, dynamic_loss_scale=True)
        model = model.half()"""

AUDIT_INVALID.append(
    Invalid(_APEX_FLAG.format(convert="    model = model.half()", marker="  # error: LF312"))
)
AUDIT_VALID.append(_APEX_FLAG.format(convert=_GATED, marker=""))
