"""LF310 examples from real bug reports of 2026-12-02 (a scheduler stepped
under an `if`): kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

AUDIT_INVALID = [
    # the scheduler stepped at the top of the function that runs one epoch
    # (monodepth2's run_epoch, audit s13)
    Invalid(
        """
        import torch
        import torch.optim as optim

        class Trainer:
            def __init__(self, model, loader):
                self.model, self.loader = model, loader
                self.model_optimizer = optim.Adam(model.parameters(), 1e-4)
                self.model_lr_scheduler = optim.lr_scheduler.StepLR(self.model_optimizer, 15, 0.1)

            def train(self):
                for self.epoch in range(20):
                    self.run_epoch()

            def run_epoch(self):
                self.model_lr_scheduler.step()  # error: LF310 at `self.model_lr_scheduler.step()`
                self.model.train()
                for x, y in self.loader:
                    loss = torch.nn.functional.mse_loss(self.model(x), y)
                    self.model_optimizer.zero_grad()
                    loss.backward()
                    self.model_optimizer.step()
        """,
    ),
    # the epoch loop steps the scheduler, then a same-file function runs the
    # batch loop that steps the optimizer (session-11 audit: siamese-triplet)
    Invalid(
        """
        def train_epoch(loader, model, loss_fn, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

        def fit(loader, model, loss_fn, optimizer, scheduler, n_epochs):
            for epoch in range(n_epochs):
                scheduler.step()  # error: LF310 at `scheduler.step()`
                train_epoch(loader, model, loss_fn, optimizer)
        """
    ),
    # gradient accumulation: both steps under the same `if`, the scheduler first
    # (a transformers fine-tuning notebook)
    Invalid(
        """
        import torch
        from torch.optim.lr_scheduler import LambdaLR

        def train(model, loader, accum):
            optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
            scheduler = LambdaLR(optimizer, lambda s: 1.0)
            for step, (x, y) in enumerate(loader):
                model(x, y).backward()
                if (step + 1) % accum == 0:
                    scheduler.step()  # error: LF310 at `scheduler.step(`
                    optimizer.step()
                    model.zero_grad()
        """,
    ),
    # `if scheduler is not None:` guards nothing: the first epoch steps it first
    Invalid(
        """
        import torch

        def fit(model, batches, epochs, scheduler=None):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [10, 20])
            for epoch in range(epochs):
                if scheduler is not None:
                    scheduler.step()  # error: LF310 at `scheduler.step(`
                for x in batches:
                    optimizer.zero_grad()
                    model(x).mean().backward()
                    optimizer.step()
        """,
    ),
    # the older PyTorch transfer-learning tutorial (usuyama/pytorch-unet,
    # audit s20): the training pass steps the scheduler before its batches
    Invalid(
        """
        import torch

        def train_model(model, criterion, optimizer, scheduler, dataloaders, num_epochs=25):
            for epoch in range(num_epochs):
                for phase in ['train', 'val']:
                    if phase == 'train':
                        scheduler.step()  # error: LF310 at `scheduler.step()`
                        model.train()
                    else:
                        model.eval()
                    for inputs, labels in dataloaders[phase]:
                        optimizer.zero_grad()
                        with torch.set_grad_enabled(phase == 'train'):
                            loss = criterion(model(inputs), labels)
                            if phase == 'train':
                                loss.backward()
                                optimizer.step()
        """,
    ),
    # phases of unknown order, but the optimizer steps under the same test
    # (and the phase loop written over a name holding the list)
    Invalid(
        """
        import torch

        def fit(model, loaders, optimizer, scheduler, phases, epochs):
            for epoch in range(epochs):
                for phase in phases:
                    if phase == "train":
                        scheduler.step()  # error: LF310 at `scheduler.step()`
                    for x, y in loaders[phase]:
                        loss = torch.nn.functional.mse_loss(model(x), y)
                        if phase == "train":
                            optimizer.zero_grad()
                            loss.backward()
                            optimizer.step()
            order = ["train", "val"]
            for epoch in range(epochs):
                for phase in order:
                    if "train" == phase:
                        scheduler.step()  # error: LF310 at `scheduler.step()`
                    for x, y in loaders[phase]:
                        optimizer.zero_grad()
                        torch.nn.functional.mse_loss(model(x), y).backward()
                        optimizer.step()
        """,
    ),
    # a resumed run's epoch loop, decay "from" -1: every epoch steps the
    # scheduler before train() steps the optimizer (C-3-Framework, audit s182)
    Invalid(
        """
        import torch
        from torch.optim.lr_scheduler import StepLR

        LR_DECAY_START = -1

        class Trainer:
            def __init__(self, net, loader):
                self.net, self.loader, self.epoch = net, loader, 0
                self.optimizer = torch.optim.Adam(net.parameters(), lr=1e-5)
                self.scheduler = StepLR(self.optimizer, step_size=1, gamma=0.995)

            def forward(self):
                for epoch in range(self.epoch, 200):
                    if epoch > LR_DECAY_START:
                        self.scheduler.step()  # error: LF310
                    self.train()

            def train(self):
                for x, y in self.loader:
                    self.optimizer.zero_grad()
                    torch.nn.functional.mse_loss(self.net(x), y).backward()
                    self.optimizer.step()
        """
    ),
]

AUDIT_VALID = [
    # the function steps the scheduler after its batch loop
    """
    import torch

    def run_epoch(model, loader, optimizer, scheduler):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        scheduler.step()
    """,
    # a warm-up function that only steps the scheduler, called before training
    """
    import torch

    def warm_up(scheduler, n):
        for _ in range(n):
            scheduler.step()
    """,
    # the project's own schedule, whose step() sets the rate for the
    # update that follows (I-JEPA, MSN)
    """
        import torch

        class WarmupCosineSchedule:
            def __init__(self, optimizer, warmup_steps, ref_lr):
                self.optimizer, self.warmup_steps, self.ref_lr = optimizer, warmup_steps, ref_lr
                self._step = 0

            def step(self):
                self._step += 1
                lr = self.ref_lr * min(1.0, self._step / self.warmup_steps)
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                return lr

        def main(encoder, loader, ipe):
            optimizer = torch.optim.AdamW(encoder.parameters())
            scheduler = WarmupCosineSchedule(optimizer, warmup_steps=10 * ipe, ref_lr=1e-3)
            for imgs, target in loader:
                _new_lr = scheduler.step()
                loss = (encoder(imgs) - target).abs().mean()
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
        """,
    # the scheduler wraps the discriminator's optimiser; the function called
    # after it steps only the generator's
    """
    import torch

    def train_generator(loader, gen, opt_g):
        for z in loader:
            opt_g.zero_grad()
            gen(z).mean().backward()
            opt_g.step()

    def fit(loader, gen, disc, n_epochs):
        opt_g = torch.optim.Adam(gen.parameters())
        opt_d = torch.optim.Adam(disc.parameters())
        sched_d = torch.optim.lr_scheduler.StepLR(opt_d, step_size=10)
        for epoch in range(n_epochs):
            sched_d.step()
            train_generator(loader, gen, opt_g)
    """,
    # after the epoch's training; a plateau scheduler given its metric; the
    # function called after it only evaluates; the callee steps its own scheduler
    """
    import torch

    def train_epoch(loader, model, optimizer):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()

    def evaluate(loader, model):
        with torch.no_grad():
            return sum(torch.nn.functional.mse_loss(model(x), y).item() for x, y in loader)

    def train_scheduled(loader, model, optimizer, scheduler):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            scheduler.step()

    def fit(loader, model, optimizer, scheduler, plateau, warm, n_epochs):
        for epoch in range(n_epochs):
            train_epoch(loader, model, optimizer)
            scheduler.step()
        for epoch in range(n_epochs):
            plateau.step(evaluate(loader, model))
            train_epoch(loader, model, optimizer)
        for epoch in range(n_epochs):
            scheduler.step()
            evaluate(loader, model)
        for epoch in range(n_epochs):
            warm.step()
            train_scheduled(loader, model, optimizer, warm)
    """,
    # stepped only after warm-up epochs, which stepped the optimizer already
    """
    import torch

    def fit(model, batches, epochs, warmup):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10)
        for epoch in range(epochs):
            if epoch >= warmup:
                scheduler.step()
            for x in batches:
                optimizer.zero_grad()
                model(x).mean().backward()
                optimizer.step()
    """,
    # accumulation: the scheduler under the `if`, the optimizer stepped every batch
    """
    import torch

    def train(model, loader, optimizer, scheduler, every):
        for i, (x, y) in enumerate(loader):
            optimizer.zero_grad()
            model(x, y).backward()
            optimizer.step()
            if (i + 1) % every == 0:
                scheduler.step()
    """,
    # the newer tutorial: the scheduler stepped after the training pass's
    # batches; a validation-pass step, after the training pass stepped the
    # optimizer
    """
    import torch

    def train_model(model, criterion, optimizer, scheduler, dataloaders, num_epochs=25):
        for epoch in range(num_epochs):
            for phase in ['train', 'val']:
                model.train(phase == 'train')
                for inputs, labels in dataloaders[phase]:
                    optimizer.zero_grad()
                    with torch.set_grad_enabled(phase == 'train'):
                        loss = criterion(model(inputs), labels)
                        if phase == 'train':
                            loss.backward()
                            optimizer.step()
                if phase == 'train':
                    scheduler.step()
        for epoch in range(num_epochs):
            for phase in ['train', 'val']:
                if phase == 'val':
                    scheduler.step()
                for inputs, labels in dataloaders[phase]:
                    if phase == 'train':
                        optimizer.zero_grad()
                        criterion(model(inputs), labels).backward()
                        optimizer.step()
    """,
    # a one-cycle schedule of the project's own, handed to the training
    # function: its step() writes the rate for the coming update
    # (rosinality/vq-vae-2-pytorch, audit R48)
    """
    import torch
    from torch import nn

    class CycleScheduler:
        def __init__(self, optimizer, lr_max, n_iter):
            self.optimizer, self.lr_max, self.n_iter, self.n = optimizer, lr_max, n_iter, 0

        def step(self):
            self.n += 1
            for group in self.optimizer.param_groups:
                group["lr"] = self.lr_max * min(1.0, self.n / self.n_iter)

    def train(loader, model, optimizer, scheduler):
        for img in loader:
            model.zero_grad()
            nn.functional.mse_loss(model(img), img).backward()
            if scheduler is not None:
                scheduler.step()
            optimizer.step()

    model = nn.Linear(4, 4)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
    scheduler = None
    if use_schedule:
        scheduler = CycleScheduler(optimizer, 3e-4, n_iter=100)
    train(loader, model, optimizer, scheduler)
    """,
    # counted from an unknown start (which may be negative), or from a
    # resume point past a positive decay start
    """
    import torch

    def fit(net, loader, begin, start_epoch):
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-5)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
        for epoch in range(begin, 200):
            if epoch > -1:
                scheduler.step()
            for x, y in loader:
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(net(x), y).backward()
                optimizer.step()
        for epoch in range(start_epoch, 200):
            if epoch > 5:
                scheduler.step()
            for x, y in loader:
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(net(x), y).backward()
                optimizer.step()
    """,
]
