"""LF313 bce-under-autocast."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lossflint.analysis import apis
from lossflint.analysis.contexts import contexts
from lossflint.diagnostics import (
    Finding,
    RelatedNode,
    Severity,
)
from lossflint.registry import Invalid, Rule
from lossflint.rules.training_loop.fixes import bce_with_logits_fix

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class BceUnderAutocast(Rule):
    code = "LF313"
    name = "bce-under-autocast"
    severity = Severity.ERROR
    summary = "`BCELoss` / `F.binary_cross_entropy` inside `autocast`"
    fix_kind = "unsafe"
    needs = ("autocast",)
    what = """
Flags `nn.BCELoss` calls and `F.binary_cross_entropy` inside an autocast region
(`with torch.autocast(...)`, `torch.cuda.amp.autocast()`, a function decorated with
them). A nested `autocast(enabled=False)` block is the documented way out and is
respected.
"""
    why = """
Under CUDA autocast PyTorch refuses to run `binary_cross_entropy` and raises
"torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to
autocast": the sigmoid that feeds it saturates to exactly 0 or 1 in float16 and the
log is clamped. Under CPU autocast it runs in reduced precision. `BCEWithLogitsLoss`
on the logits is autocast-safe and numerically stable.
"""
    example = """
with torch.autocast("cuda"):
    loss = F.binary_cross_entropy(torch.sigmoid(z), y)   # LF313: raises
    loss = F.binary_cross_entropy_with_logits(z, y)      # safe
"""
    fix_safety = """
Unsafe: for `F.binary_cross_entropy(torch.sigmoid(z), y)` written inline the fix
calls `binary_cross_entropy_with_logits(z, y)`, the same loss computed from the
logits. It changes which tensor the code passes, so it is only offered for that
inline form; otherwise there is no automatic fix.
"""
    INVALID = [
        Invalid(
            "import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
            "    with torch.autocast('cuda'):\n"
            "        loss = F.binary_cross_entropy(torch.sigmoid(model(x)), y)\n    return loss\n",
            6,
            16,
            fixed="import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
            "    with torch.autocast('cuda'):\n"
            "        loss = F.binary_cross_entropy_with_logits(model(x), y)\n    return loss\n",
        ),
        Invalid(
            "import torch\nfrom torch import nn\n\nclass Trainer:\n    def __init__(self):\n"
            "        self.crit = nn.BCELoss()\n\n    def step(self, model, x, y):\n"
            "        with torch.cuda.amp.autocast():\n            probs = model(x)\n"
            "            return self.crit(probs, y)\n",
            11,
            20,
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\n"
            "for x, y in data:\n    with torch.autocast('cpu'):\n"
            "        p = model(x).sigmoid()\n        loss = F.binary_cross_entropy(p, y)\n",
            6,
            16,
        ),
    ]
    VALID = [
        "import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
        "    with torch.autocast('cuda'):\n        z = model(x)\n"
        "    return F.binary_cross_entropy(torch.sigmoid(z.float()), y)\n",
        # the documented escape hatch
        "import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
        "    with torch.autocast('cuda'):\n        z = model(x)\n"
        "        with torch.autocast('cuda', enabled=False):\n"
        "            loss = F.binary_cross_entropy(torch.sigmoid(z.float()), y)\n    return loss\n",
        "import torch\nimport torch.nn.functional as F\n\ndef step(model, x, y):\n"
        "    with torch.autocast('cuda'):\n"
        "        return F.binary_cross_entropy_with_logits(model(x), y)\n",
        # a user function with the same name
        "import torch\n\ndef binary_cross_entropy(p, y):\n    return -(y * p).mean()\n\n"
        "with torch.autocast('cuda'):\n    loss = binary_cross_entropy(p, y)\n",
        # a nested function defined under autocast runs later
        "import torch\nimport torch.nn.functional as F\n\nwith torch.autocast('cuda'):\n"
        "    def loss_fn(p, y):\n        return F.binary_cross_entropy(p, y)\n",
        "import torch\nfrom torch import nn\ncrit = nn.BCELoss()\nloss = crit(p, y)\n",
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        for call in model.kinds.loss_calls.values():
            if call.functional != apis.BCE:
                continue
            region = ctx.autocast_region(call.node)
            if region is None:
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
