"""LF312 examples from the multi-file audit of 2026-12-02: the autocast
forward and the plain ``backward()`` on opposite sides of one flag (silent),
next to twins where the flag changes in between or the backward is
unguarded; kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_INVALID = [
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
]

AUDIT_VALID = [
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
]
