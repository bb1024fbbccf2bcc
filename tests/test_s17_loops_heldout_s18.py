"""Training-loop recall across files (held-out s18, written anew here): a
training step of another module whose discriminator update is conditional
returns a dict of graph-holding losses (LF306); an epoch loop training
through a function of its own file while another module evaluates (LF309);
an optimiser over param groups of a helper in another module (LF311); a
learning rate read from a copy of another module's config dict (LF307)."""

from __future__ import annotations

from pathlib import Path

from lossflint import lint_paths

ENGINE = """\
import torch
import torch.nn.functional as F


class PairTrainer:
    def __init__(self, gen, disc, opt_g, opt_d, adv):
        self.gen, self.disc = gen, disc
        self.opt_g, self.opt_d = opt_g, opt_d
        self.adv = adv

    def fit_batch(self, src, tgt):
        fake = self.gen(src)
        if self.adv > 0:
            self.opt_d.zero_grad()
            d_loss = F.softplus(self.disc(fake.detach())).mean() + F.softplus(-self.disc(tgt)).mean()
            d_loss.backward()
            self.opt_d.step()
        self.opt_g.zero_grad()
        rec = F.l1_loss(fake, tgt)
        rec.backward()
        self.opt_g.step()
        return {"rec": REC, "mean": fake.mean().item()}

    @torch.no_grad()
    def score(self, src, tgt):
        return {"rec": F.l1_loss(self.gen(src), tgt)}
"""

RUN = """\
import torch

from engine import PairTrainer


def main(gen, disc, loader, epochs):
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4)
    opt_d = torch.optim.Adam(disc.parameters(), lr=2e-4)
    trainer = PairTrainer(gen, disc, opt_g, opt_d, 0.1)
    for epoch in range(epochs):
        running, scored, means = 0.0, 0.0, []
        for src, tgt in loader:
            out = trainer.fit_batch(src, tgt)
            running += out["rec"]
            means.append(out["mean"])
            scored += trainer.score(src, tgt)["rec"]
        print(epoch, running, scored, means)
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _found(root: Path, code: str) -> list[str]:
    return sorted(
        f"{Path(d.filename).name}:{d.location.row}:{d.code}"
        for d in lint_paths([root], select=[code], jobs=1)
    )


def test_lf306_dict_of_losses_from_another_modules_partly_conditional_step(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, {"engine.py": ENGINE.replace("REC", "rec"), "run.py": RUN})
    # the running total of the step's loss; not the `no_grad` score of the
    # same trainer, whose summary cannot say it has no graph (not a training call)
    assert _found(root, "LF306") == ["run.py:14:LF306"]


def test_lf306_silent_when_the_step_returns_numbers(tmp_path: Path) -> None:
    root = _project(tmp_path, {"engine.py": ENGINE.replace("REC", "rec.item()"), "run.py": RUN})
    assert _found(root, "LF306") == []


EPOCHS = """\
import torch
import torch.nn as nn
import torch.nn.functional as F

from evaluation import evaluate


def one_epoch(net, batches, opt):
TOP    for x, y in batches:
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()


def main(train_batches, val_batches, n_epochs):
    net = nn.Sequential(nn.Linear(16, 64), nn.Dropout(0.2), nn.Linear(64, 4))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for ep in range(n_epochs):
        one_epoch(net, train_batches, opt)
        net.eval()
        print(ep, evaluate(net, val_batches))
"""

EVALUATION = """\
import torch


@torch.no_grad()
def evaluate(model, batches):
    hits = sum((model(x).argmax(1) == y).sum().item() for x, y in batches)
    RESTORE
    return hits
"""


def test_lf309_epoch_loop_training_through_a_function_of_its_file(tmp_path: Path) -> None:
    files = {"train.py": EPOCHS.replace("TOP", ""), "evaluation.py": EVALUATION}
    root = _project(tmp_path, {**files, "evaluation.py": EVALUATION.replace("RESTORE", "")})
    assert _found(root, "LF309") == ["train.py:20:LF309"]


def test_lf309_silent_when_another_modules_evaluation_restores_train_mode(
    tmp_path: Path,
) -> None:
    files = {
        "train.py": EPOCHS.replace("TOP", ""),
        "evaluation.py": EVALUATION.replace("RESTORE", "model.train()"),
    }
    assert _found(_project(tmp_path, files), "LF309") == []


def test_lf309_silent_when_the_epoch_function_sets_train_mode(tmp_path: Path) -> None:
    files = {
        "train.py": EPOCHS.replace("TOP", "    net.train()\n"),
        "evaluation.py": EVALUATION.replace("RESTORE", ""),
    }
    assert _found(_project(tmp_path, files), "LF309") == []


GROUPS = """\
import torch


def param_groups(model, epoch, warm):
    groups = [{"params": model.head.parameters()}]
    if epoch >= warm:
        groups.append({"params": model.body.parameters(), "lr": 1e-4})
    return groups
"""

FIT = """\
import torch
import torch.nn.functional as F

IMPORT


def fit(model, loader, epochs, warm=2):
    for epoch in range(epochs):
        opt = torch.optim.AdamW(param_groups(model, epoch, warm), lr=1e-3)
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
"""


def test_lf311_param_groups_of_this_file_change_at_one_milestone(tmp_path: Path) -> None:
    files = {"fit.py": FIT.replace("IMPORT", GROUPS.replace("import torch\n", ""))}
    assert _found(_project(tmp_path, files), "LF311") == ["fit.py:16:LF311"]


def test_lf311_silent_for_a_helper_of_another_module(tmp_path: Path) -> None:
    # what the helper does with the counter is not read across files: unknown
    files = {
        "groups.py": GROUPS,
        "fit.py": FIT.replace("IMPORT", "from groups import param_groups"),
    }
    assert _found(_project(tmp_path, files), "LF311") == []


CONFIG = """\
import copy
import json

DEFAULTS = {"optim": {"lr": 0.2, "wd": 1e-4}, "epochs": 30}


def load(path=None, overrides=()):
    cfg = copy.deepcopy(DEFAULTS)
    if path:
        with open(path) as f:
            cfg["optim"].update(json.load(f))
    for key, value in overrides:
        cfg["optim"][key] = value
    return cfg
"""

TRAIN_CFG = """\
import copy

import torch
import torch.nn as nn

from config import DEFAULTS, load


def main(args):
    CFG_LINE
    net = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 4))
    return torch.optim.Adam(net.parameters(), lr=cfg["optim"]["lr"])
"""


def test_lf307_copy_of_another_modules_config_dict(tmp_path: Path) -> None:
    files = {
        "config.py": CONFIG,
        "train.py": TRAIN_CFG.replace("CFG_LINE", "cfg = copy.deepcopy(DEFAULTS)"),
    }
    assert _found(_project(tmp_path, files), "LF307") == ["train.py:12:LF307"]


def test_lf307_silent_for_a_config_a_file_or_the_command_line_may_change(
    tmp_path: Path,
) -> None:
    # the defaults' LR runs only when no file and no override sets another:
    # like an argparse default, not sure
    files = {
        "config.py": CONFIG,
        "train.py": TRAIN_CFG.replace("CFG_LINE", "cfg = load(args.config, args.overrides)"),
    }
    assert _found(_project(tmp_path, files), "LF307") == []


def test_lf307_silent_for_a_copy_handed_to_an_override_function(tmp_path: Path) -> None:
    text = TRAIN_CFG.replace(
        "CFG_LINE", "cfg = copy.deepcopy(DEFAULTS)\n    apply_overrides(cfg, args.overrides)"
    ).replace("from config import DEFAULTS, load", "from config import DEFAULTS, apply_overrides")
    config = (
        CONFIG
        + "\n\ndef apply_overrides(cfg, pairs):\n    for k, v in pairs:\n        cfg['optim'][k] = v\n"
    )
    assert _found(_project(tmp_path, {"config.py": config, "train.py": text}), "LF307") == []
