"""LF313 bce-under-autocast."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.autocast_callees import AutocastEntry, autocast_elsewhere, autocast_entry
from lossflint.analysis.calls import keyword, literal_value
from lossflint.analysis.contexts import contexts
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.fixes import bce_with_logits_fix

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


#: a Lightning module whose step uses BCELoss, run by a Trainer at some precision
_LIGHTNING = """
import torch
from pytorch_lightning import LightningModule, Trainer


class M(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(32, 1)
        self.loss_fn = torch.nn.BCELoss()

    def training_step(self, batch, batch_idx):
        x, y = batch
        return self.loss_fn(torch.sigmoid(self.layer(x)), y){marker}


Trainer(precision={precision}).fit(M())
"""


class BceUnderAutocast(Rule):
    code = "LF313"
    name = "bce-under-autocast"
    severity = Severity.ERROR
    summary = "`BCELoss` / `F.binary_cross_entropy` inside `autocast`"
    fix_kind = "unsafe"
    # `Trainer(precision="16-mixed")` autocasts without the word
    needs = ("autocast", "precision")
    what = """
Flags `nn.BCELoss` calls and `F.binary_cross_entropy` inside an autocast region
(`with torch.autocast(...)`, `torch.cuda.amp.autocast()`, a function decorated with
them), and in the body of a same-file function or `nn.Module` loss class whose
`forward` a call inside such a region runs (`loss = criterion(out, y)` under
autocast; one function deeper too), also when that call is in another module of
the project (`losses.py`'s loss run by `train.py`'s autocast region): autocast is
the calling thread's state, not the text around the call. A nested `autocast(enabled=False)` block is the
documented way out and is respected; a decorated function (`custom_fwd`) is left
alone. Also a BCE in a Lightning step hook (`training_step`, ..., `forward`) of a
file whose `Trainer(precision=16 | "16-mixed" | "bf16-mixed")` runs the steps
under autocast.
"""
    why = """
Under CUDA autocast PyTorch refuses to run `binary_cross_entropy` and raises
"torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to
autocast": the sigmoid that feeds it saturates to exactly 0 or 1 in float16 and the
log is clamped. Under CPU autocast it runs in reduced precision. `BCEWithLogitsLoss`
on the logits is autocast-safe and numerically stable.
"""
    example = """
    import torch
    import torch.nn.functional as F


    def loss_fn(model, x, y):
        with torch.autocast("cuda"):
            z = model(x)
            loss = F.binary_cross_entropy(torch.sigmoid(z), y)  # error: LF313 (raises)
            loss = F.binary_cross_entropy_with_logits(z, y)  # OK: autocast-safe
        return loss
    """
    use_instead = """
    import torch
    import torch.nn.functional as F


    def loss_fn(model, x, y):
        with torch.autocast("cuda"):
            z = model(x)
            loss = F.binary_cross_entropy_with_logits(z, y)
        return loss
    """
    references = (
        (
            "PyTorch: autocast op eligibility (binary_cross_entropy)",
            "https://pytorch.org/docs/stable/amp.html#prefer-binary-cross-entropy-with-logits-over-binary-cross-entropy",
        ),
        (
            "PyTorch: torch.nn.functional.binary_cross_entropy_with_logits",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy_with_logits.html",
        ),
    )
    fix_safety = """
Unsafe: for `F.binary_cross_entropy(torch.sigmoid(z), y)` written inline the fix
calls `binary_cross_entropy_with_logits(z, y)`, the same loss computed from the
logits. It changes which tensor the code passes, so it is only offered for that
inline form; otherwise there is no automatic fix.
"""
    INVALID = [
        # a loss function kept by a trainer (every construction passes the
        # same one) and called under autocast (H11 p07)
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            def weighted_bce(logits, targets):
                return F.binary_cross_entropy(torch.sigmoid(logits), targets)  # error: LF313 at `F.binary_cross_entropy(`
            class Trainer:
                def __init__(self, model, loss_fn):
                    self.model = model
                    self.loss_fn = loss_fn
                def step(self, x, y):
                    with torch.autocast("cuda", dtype=torch.float16):
                        loss = self.loss_fn(self.model(x), y)
                    loss.backward()
            trainer = Trainer(model, weighted_bce)
            """
        ),
        # Lightning runs the steps under autocast at precision 16 (a bug report)
        Invalid(
            _LIGHTNING.format(marker="  # error: LF313 at `self.loss_fn(`", precision='"16-mixed"')
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            def step(model, x, y):
                with torch.autocast('cuda'):
                    loss = F.binary_cross_entropy(torch.sigmoid(model(x)), y)  # error: LF313 at `F.binary_cross_entropy(`
                return loss
            """,
            fixed="""
            import torch
            import torch.nn.functional as F

            def step(model, x, y):
                with torch.autocast('cuda'):
                    loss = F.binary_cross_entropy_with_logits(model(x), y)  # error: LF313 at `F.binary_cross_entropy(`
                return loss
            """,
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Trainer:
                def __init__(self):
                    self.crit = nn.BCELoss()

                def step(self, model, x, y):
                    with torch.cuda.amp.autocast():
                        probs = model(x)
                        return self.crit(probs, y)  # error: LF313 at `self.crit(`
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            for x, y in data:
                with torch.autocast('cpu'):
                    p = model(x).sigmoid()
                    loss = F.binary_cross_entropy(p, y)  # error: LF313 at `F.binary_cross_entropy(`
            """,
        ),
        # a loss module (or a helper) called inside autocast runs its BCE there
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class DiceBCE(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.bce = nn.BCELoss()

                def forward(self, probs, target):
                    dice = 1 - 2 * (probs * target).sum() / (probs + target).sum()
                    return self.bce(probs, target) + dice  # error: LF313 at `self.bce(`

            def masked_bce(p, y, mask):
                return (F.binary_cross_entropy(p, y, reduction="none") * mask).mean()  # error: LF313

            crit = DiceBCE()
            for x, y, m in loader:
                with torch.autocast(device_type="cuda", dtype=torch.float16):
                    p = net(x).sigmoid()
                    loss = crit(p, y) + masked_bce(p, y, m)
            """,
        ),
    ]
    VALID = [
        # ... at full precision nothing autocasts
        _LIGHTNING.format(marker="", precision="32"),
        # the loss module leaves autocast itself, or is called after the region
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class SafeBCE(nn.Module):
            def forward(self, probs, target):
                with torch.autocast("cuda", enabled=False):
                    return F.binary_cross_entropy(probs.float(), target)

        class PlainBCE(nn.Module):
            def forward(self, probs, target):
                return F.binary_cross_entropy(probs, target)

        safe, plain = SafeBCE(), PlainBCE()
        for x, y in loader:
            with torch.autocast("cuda"):
                z = net(x)
                a = safe(z.sigmoid(), y)
            b = plain(torch.sigmoid(z.float()), y)
        """,
        """
        import torch
        import torch.nn.functional as F

        def step(model, x, y):
            with torch.autocast('cuda'):
                z = model(x)
            return F.binary_cross_entropy(torch.sigmoid(z.float()), y)
        """,
        # the documented escape hatch
        """
        import torch
        import torch.nn.functional as F

        def step(model, x, y):
            with torch.autocast('cuda'):
                z = model(x)
                with torch.autocast('cuda', enabled=False):
                    loss = F.binary_cross_entropy(torch.sigmoid(z.float()), y)
            return loss
        """,
        """
        import torch
        import torch.nn.functional as F

        def step(model, x, y):
            with torch.autocast('cuda'):
                return F.binary_cross_entropy_with_logits(model(x), y)
        """,
        # a user function with the same name
        """
        import torch

        def binary_cross_entropy(p, y):
            return -(y * p).mean()

        with torch.autocast('cuda'):
            loss = binary_cross_entropy(p, y)
        """,
        # a nested function defined under autocast runs later
        """
        import torch
        import torch.nn.functional as F

        with torch.autocast('cuda'):
            def loss_fn(p, y):
                return F.binary_cross_entropy(p, y)
        """,
        """
        import torch
        from torch import nn
        crit = nn.BCELoss()
        loss = crit(p, y)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        for call in model.kinds.loss_calls.values():
            if call.functional != apis.BCE:
                continue
            region = ctx.autocast_region(call.node)
            if region is None:
                entry = autocast_entry(model, call.node)
                if entry is not None:
                    yield _entered_under_autocast(model, call.node, entry)
                    continue
                where = autocast_elsewhere(model, call.node)
                if where is not None:
                    yield Finding(
                        call.node,
                        f"binary_cross_entropy run under autocast by a call at {where}: CUDA "
                        "autocast raises ('unsafe to autocast') and CPU autocast computes it "
                        "in reduced precision; use BCEWithLogitsLoss / "
                        "binary_cross_entropy_with_logits on the logits",
                        fix=bce_with_logits_fix(model, call.node),
                    )
                    continue
                trainer = _autocasting_trainer(model)
                if trainer is not None and _in_lightning_hook(model, call.node):
                    yield Finding(
                        call.node,
                        "binary_cross_entropy in a Lightning step that "
                        f"`{model.code(trainer.func)}(precision=...)` (line "
                        f"{model.line_of(trainer)}) runs under autocast: CUDA autocast raises "
                        "('unsafe to autocast'); use BCEWithLogitsLoss / "
                        "binary_cross_entropy_with_logits on the logits",
                        fix=bce_with_logits_fix(model, call.node),
                        related=(RelatedNode("the trainer", trainer),),
                    )
                continue
            yield Finding(
                call.node,
                f"binary_cross_entropy inside autocast (line {model.line_of(region.node)}): "
                "CUDA autocast raises ('unsafe to autocast') and CPU autocast computes it in "
                "reduced precision; use BCEWithLogitsLoss / binary_cross_entropy_with_logits "
                "on the logits",
                fix=bce_with_logits_fix(model, call.node),
                related=(RelatedNode("the autocast region", region.node),),
            )


def _autocasting_trainer(model: SemanticModel) -> cst.Call | None:
    """A Lightning ``Trainer(precision=16 | "16-mixed" | "bf16-mixed")`` of this file."""
    for site in model.calls_to(*apis.LIGHTNING_TRAINERS):
        precision = keyword(site.node, "precision")
        if (
            precision is not None
            and literal_value(precision.value) in apis.LIGHTNING_AUTOCAST_PRECISIONS
        ):
            return site.node
    return None


def _in_lightning_hook(model: SemanticModel, node: cst.CSTNode) -> bool:
    """``node`` is in a step hook (or ``forward``) of a class of this file."""
    func = model.enclosing(node, cst.FunctionDef)
    return (
        isinstance(func, cst.FunctionDef)
        and func.name.value in apis.LIGHTNING_AUTOCAST_HOOKS
        and isinstance(model.enclosing(func, cst.ClassDef), cst.ClassDef)
    )


def _entered_under_autocast(model: SemanticModel, node: cst.Call, entry: AutocastEntry) -> Finding:
    """A BCE in a loss module's ``forward`` (or a helper) that a call inside
    an autocast region runs."""
    caller = " ".join(model.code(entry.call.func).split())
    return Finding(
        node,
        f"binary_cross_entropy runs under autocast: `{caller}(...)` (line "
        f"{model.line_of(entry.call)}) calls it inside autocast (line "
        f"{model.line_of(entry.region.node)}); CUDA autocast raises ('unsafe to "
        "autocast') and CPU autocast computes it in reduced precision; use "
        "BCEWithLogitsLoss / binary_cross_entropy_with_logits on the logits",
        fix=bce_with_logits_fix(model, node),
        related=(
            RelatedNode("the call under autocast", entry.call),
            RelatedNode("the autocast region", entry.region.node),
        ),
    )
