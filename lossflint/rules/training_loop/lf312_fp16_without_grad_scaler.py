"""LF312 fp16-without-grad-scaler."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.branches import exclusive, gated_apart
from lossflint.analysis.contexts import ContextIndex, contexts
from lossflint.analysis.half_models import half_model_calls
from lossflint.analysis.hand_scaling import scaled_by_hand
from lossflint.analysis.loops import loops
from lossflint.analysis.reaching import reaching_assignment
from lossflint.analysis.walk import calls_in
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.training_loop.lf312_audit_examples import AUDIT_INVALID, AUDIT_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class Fp16WithoutGradScaler(Rule):
    code = "LF312"
    name = "fp16-without-grad-scaler"
    severity = Severity.WARNING
    summary = "float16 training (autocast or `.half()`) with `backward()` and no `GradScaler`"
    needs = ("backward",)
    what = """
Flags `loss.backward()` in a function (or module body) that runs float16 autocast
(`torch.cuda.amp.autocast()`, `torch.autocast("cuda")`, `dtype=torch.float16`) or
calls a model converted with `.half()` (not under `no_grad`) to compute the loss
(the `loss = ...` just above the backward, when there is one), when the file has no
`GradScaler` and the backward is not `scaler.scale(loss).backward()`. bfloat16
autocast (the CPU default) needs no scaler and is not reported; neither is
`accelerator.backward(loss)`, which scales by itself, nor a backward in the `else`
of a settings flag (`if args.fp16:`) under which every `.half()` of the file runs.
"""
    why = """
float16 has 5 exponent bits: gradients below ~6e-8 round to 0 and those below ~6e-5
lose precision. Without loss scaling many small gradients underflow, parts of the
model stop learning, and the loss stalls (or the fp16 weights overflow to inf).
For a model converted with `.half()` a GradScaler is no fix: it cannot unscale the
gradients of float16 parameters; keep the weights in float32 under autocast.
"""
    example = """
    import torch


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = criterion(model(x), y)
            loss.backward()  # error: LF312 (small gradients underflow to 0)
            # the fix: scaler.scale(loss).backward() with scaler = torch.amp.GradScaler()
            optimizer.step()
    """
    use_instead = """
    import torch

    scaler = torch.amp.GradScaler("cuda")


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = criterion(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
    """
    references = (
        ("PyTorch: gradient scaling", "https://pytorch.org/docs/stable/amp.html#gradient-scaling"),
        ("PyTorch: AMP examples", "https://pytorch.org/docs/stable/notes/amp_examples.html"),
    )
    INVALID = [
        Invalid(
            """
            import torch

            def train(model, loader, optimizer, criterion):
                for x, y in loader:
                    optimizer.zero_grad()
                    with torch.cuda.amp.autocast():
                        loss = criterion(model(x), y)
                    loss.backward()  # error: LF312 at `loss.backward(`
                    optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch
            model = torch.nn.Linear(4, 1).cuda()
            opt = torch.optim.Adam(model.parameters())
            for x, y in data:
                opt.zero_grad()
                with torch.autocast('cuda'):
                    loss = ((model(x) - y) ** 2).mean()
                loss.backward()  # error: LF312 at `loss.backward(`
                opt.step()
            """,
        ),
        Invalid(
            """
            import torch

            class Trainer:
                def fit(self, model, loader, opt):
                    model = model.half()
                    for x, y in loader:
                        opt.zero_grad()
                        loss = (model(x.half()) - y).abs().mean()
                        loss.backward()  # error: LF312 at `loss.backward(`
                        opt.step()
            """,
        ),
        Invalid(
            """
            import torch

            def step(model, x, opt):
                with torch.autocast(device_type='cpu', dtype=torch.float16):
                    loss = model(x).mean()
                loss.backward()  # error: LF312 at `loss.backward(`
                opt.step()
            """,
        ),
        # converted on construction: `.half()` chained on the model's constructor
        Invalid(
            """
            import torch
            from torch import nn

            class Generator(nn.Module):
                def __init__(self, z):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(z, 512), nn.ReLU(), nn.Linear(512, 784))

                def forward(self, noise):
                    return self.body(noise)

            gen = Generator(100).to("cuda").half()
            opt = torch.optim.Adam(gen.parameters(), lr=2e-4)
            for noise, real in batches:
                loss = (gen(noise) - real).pow(2).mean()
                loss.backward()  # error: LF312
                opt.step()
            """,
        ),
        *AUDIT_INVALID,
    ]
    VALID = [
        # `.half()` chained on a tensor, and a model cast to bfloat16 on construction
        """
        import torch
        from torch import nn

        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)).cuda().bfloat16()
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        for x, y in loader:
            xb = x.cuda().half()
            loss = nn.functional.cross_entropy(net(xb.bfloat16()), y.cuda())
            loss.backward()
            opt.step()
        """,
        """
        import torch
        scaler = torch.cuda.amp.GradScaler()

        def fit(model, loader, opt):
            for x, y in loader:
                opt.zero_grad()
                with torch.cuda.amp.autocast():
                    loss = model(x, y)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
        """,
        # bfloat16 needs no scaler
        """
        import torch

        def fit(model, loader, opt):
            for x, y in loader:
                with torch.autocast('cuda', dtype=torch.bfloat16):
                    loss = model(x, y)
                loss.backward()
                opt.step()
                opt.zero_grad()
        """,
        # CPU autocast defaults to bfloat16
        """
        import torch

        def fit(model, x, opt):
            with torch.autocast('cpu'):
                loss = model(x).mean()
            loss.backward()
            opt.step()
        """,
        # disabled autocast
        """
        import torch

        def fit(model, x, opt):
            with torch.cuda.amp.autocast(enabled=False):
                loss = model(x).mean()
            loss.backward()
            opt.step()
        """,
        # accelerate scales the loss itself
        """
        import torch

        def fit(model, x, opt, accelerator):
            with torch.autocast('cuda'):
                loss = model(x).mean()
            accelerator.backward(loss)
            opt.step()
        """,
        # the scaler comes in as a parameter
        """
        import torch

        def fit(model, x, opt, scaler):
            with torch.autocast('cuda'):
                loss = model(x).mean()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        """,
        # fp32 training, fp16 autocast only for the evaluation in the same function
        """
        import torch

        def main(model, loader, opt):
            for epoch in range(3):
                for x in loader:
                    loss = model(x).mean()
                    loss.backward()
                    opt.step()
                    opt.zero_grad()
                with torch.no_grad(), torch.autocast('cuda'):
                    acc = model(x)
        """,
        # converted to half for export in another function
        """
        import torch

        def export(model):
            model.half()
            torch.save(model, 'm.pt')

        def fit(model, x, opt):
            loss = model(x).mean()
            loss.backward()
            opt.step()
        """,
        # inference only under fp16
        """
        import torch

        def predict(model, x):
            with torch.autocast('cuda'):
                return model(x)
        """,
        *AUDIT_VALID,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        ctx = contexts(model)
        if ctx.has_grad_scaler():
            return
        half_calls = half_model_calls(model)
        if not half_calls and not any(
            r.dtype == "float16" and r.enabled is not False for r in ctx.autocast_regions()
        ):
            return
        for event in loops(model).events:
            if event.kind != "backward" or event.scaled or event.managed or event.loss is None:
                continue
            if scaled_by_hand(model, event.loss):
                continue
            evidence = _fp16_evidence(model, ctx, event.loss, half_calls, 0, event.node)
            if evidence is None or ctx.has_grad_scaler(event.node):
                continue
            if evidence in half_calls and all(
                gated_apart(model, site.node, event.node) for site in ctx.half_conversions()
            ):
                continue  # every ``.half()`` under ``if args.fp16:``, this backward under its ``else``
            # a GradScaler cannot unscale the gradients of float16 parameters
            # (``ValueError: Attempting to unscale FP16 gradients``: IR-Net's
            # ``.half()`` trainers, audit s193): the weights stay float32
            advice = (
                "keep the weights in float32 and run the forward under "
                "`torch.autocast(..., dtype=torch.float16)` with `torch.amp.GradScaler` "
                "(a GradScaler cannot unscale float16 parameters' gradients), or use bfloat16"
                if evidence in half_calls
                else "use `scaler.scale(loss).backward()` with `torch.amp.GradScaler`, or bfloat16"
            )
            yield Finding(
                event.node,
                "backward() of a float16 forward without a GradScaler: small gradients "
                f"underflow to 0 (float16 at line {model.line_of(evidence)}); {advice}",
                related=(RelatedNode("the float16 computation", evidence),),
            )


def _fp16_evidence(
    model: SemanticModel,
    ctx: ContextIndex,
    expr: cst.BaseExpression,
    half_calls: set[cst.Call],
    depth: int,
    at: cst.CSTNode,
) -> cst.CSTNode | None:
    """Where the loss ``expr`` was computed in float16: the fp16 autocast region
    around it (or around the assignment of the name), or a call of a .half() model
    inside it. Names are followed two levels (``out = model(x)``; ``loss = crit(out)``)."""
    candidates: list[cst.BaseExpression] = [expr]
    reaching = reaching_assignment(model, expr) if isinstance(expr, cst.Name) else None
    if reaching is not None:
        # ``loss = chord_crit(out, y)`` just above: an earlier ``loss`` of a
        # half model's loop does not reach this backward
        candidates = [reaching]
    elif isinstance(expr, cst.Name):
        bindings = model.bindings(expr) or []
        candidates = [
            b.node
            for b in bindings
            if b.kind == "assign"
            and isinstance(b.node, cst.BaseExpression)
            # ``if use_amp:`` autocast forward, ``else:`` a plain backward
            and not exclusive(model, b.node, at)
        ]
        if any(b.kind == "other" for b in bindings):
            # ``out1, out2 = net(a, b)``: the value a tuple target unpacks
            candidates += _unpacked_values(model, expr, at)
    for value in candidates:
        region = ctx.autocast_region(value)
        if region is not None and region.dtype == "float16":
            return region.node
        for call in calls_in(value):
            # a half model run under no_grad (a frozen feature extractor)
            # passes no gradient back in float16
            if call in half_calls and not ctx.in_no_grad(call):
                return call
        if depth < 2:
            for name in _names_nodes(value):
                if name is expr:
                    continue
                found = _fp16_evidence(model, ctx, name, half_calls, depth + 1, at)
                if found is not None:
                    return found
    return None


def _unpacked_values(
    model: SemanticModel, name: cst.Name, at: cst.CSTNode
) -> list[cst.BaseExpression]:
    """The values of ``a, b = value`` assignments binding ``name`` in the
    function of ``at`` (not in a branch exclusive with it)."""
    found: list[cst.BaseExpression] = []
    # the assignments of the scope ``at`` runs in, as the model's walk recorded them
    for node in model.assignments.get(model.scope_of(at).node, []):
        for target in node.targets:
            t = target.target
            if isinstance(t, (cst.Tuple, cst.List)) and any(
                isinstance(e.value, cst.Name) and e.value.value == name.value for e in t.elements
            ):
                if not exclusive(model, node.value, at):
                    found.append(node.value)
    return found


def _names_nodes(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

        def visit_Attribute(self, attr: cst.Attribute) -> bool:
            attr.value.visit(self)
            return False  # `x.attr`: the attribute name is not a variable

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False  # keyword names are not variables

    node.visit(_Names())
    return found
