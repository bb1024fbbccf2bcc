"""LF301 clip-grad-after-step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.loops import loops
from lossflint.diagnostics import Finding, RelatedNode, RelatedSite, Severity
from lossflint.examples import Invalid
from lossflint.project.events import InlinedEvent
from lossflint.registry import Rule
from lossflint.rules.training_loop.common import (
    elsewhere,
    iterations,
    related_elsewhere,
    short,
)
from lossflint.rules.training_loop.lf301_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.training_loop.lf301_basic_examples import BASIC_INVALID, BASIC_VALID

if TYPE_CHECKING:
    from lossflint.analysis.loops import LoopEvent
    from lossflint.analysis.model import SemanticModel


class ClipGradAfterStep(Rule):
    code = "LF301"
    name = "clip-grad-after-step"
    severity = Severity.ERROR
    summary = "gradient clipping after `optimizer.step()` (or before `backward()`) has no effect"
    needs = ("clip_grad",)
    what = """
Flags `clip_grad_norm_` / `clip_grad_value_` called after the last `optimizer.step()`
of a training iteration, or before its first `backward()`. Only events that run in
the same block are compared: a clip inside `if` and a step outside it are never
ordered against each other. A function of the same file called in the loop (a
`train_step` helper or method) counts as if its body were written there, when its
gradient events all run on every call; the clip is reported where it is written.
A function whose body is one iteration and that no loop of the file calls (an
ignite `train_step(engine, batch)`, a helper another module calls) is checked
as an iteration itself.
"""
    why = """
Clipping rewrites `.grad`. After the step the update has already used the
unclipped gradients (and the next `zero_grad()` throws the clipped ones away);
before `backward()` there are no gradients of this batch yet. Either way the
clipping that was meant to prevent exploding updates does nothing.
"""
    example = """
    import torch
    from torch.nn.utils import clip_grad_norm_


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            clip_grad_norm_(model.parameters(), 1.0)  # error: LF301 (too late)


    def train_fixed(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)  # OK: between backward and step
            optimizer.step()
    """
    use_instead = """
    from torch.nn.utils import clip_grad_norm_


    def train(model, loader, optimizer, criterion):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    """
    references = (
        (
            "PyTorch: torch.nn.utils.clip_grad_norm_",
            "https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_norm_.html",
        ),
    )
    INVALID = [
        # a step helper of the same file, called once per batch
        Invalid(
            """
            import torch
            from torch.nn.utils import clip_grad_norm_

            class Trainer:
                def train_step(self, x, y):
                    self.optimizer.zero_grad()
                    loss = self.criterion(self.model(x), y)
                    loss.backward()
                    self.optimizer.step()
                    clip_grad_norm_(self.model.parameters(), 1.0)  # error: LF301 at `clip_grad_norm_(`
                    return loss.item()

                def fit(self, loader):
                    for x, y in loader:
                        self.train_step(x, y)
            """
        ),
        Invalid(
            """
            import torch

            def train(model, loader, optimizer, criterion):
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # error: LF301 at `torch.nn.utils.clip_grad_norm_(`
            """,
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Trainer:
                def __init__(self, model):
                    self.model = model
                    self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

                def fit(self, loader):
                    for x, y in loader:
                        self.optimizer.zero_grad()
                        nn.utils.clip_grad_value_(self.model.parameters(), 0.5)  # error: LF301 at `nn.utils.clip_grad_value_(`
                        loss = self.model(x).mean()
                        loss.backward()
                        self.optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch
            from torch.nn.utils import clip_grad_norm_
            model = torch.nn.Linear(4, 1)
            opt = torch.optim.Adam(model.parameters())
            for epoch in range(3):
                for x, y in data:
                    opt.zero_grad()
                    torch.nn.functional.mse_loss(model(x), y).backward()
                    opt.step()
                    clip_grad_norm_(model.parameters(), max_norm=1.0)  # error: LF301 at `clip_grad_norm_(`
            """,
        ),
        Invalid(
            """
            import torch
            from torch.nn.utils import clip_grad_norm_

            def fit(model, loader, optimizer, accum=4):
                for i, (x, y) in enumerate(loader):
                    loss = model(x, y)
                    loss.backward()
                    if (i + 1) % accum == 0:
                        optimizer.step()
                        clip_grad_norm_(model.parameters(), 1.0)  # error: LF301 at `clip_grad_norm_(`
                        optimizer.zero_grad()
            """,
        ),
        *AUDIT_INVALID,
        *BASIC_INVALID,
    ]
    VALID = [
        *AUDIT_VALID,
        *BASIC_VALID,
    ]

    def _elsewhere(
        self,
        model: SemanticModel,
        at: cst.CSTNode,
        step_at: cst.CSTNode,
        clip_far: InlinedEvent | None,
        step_far: InlinedEvent | None,
    ) -> Finding:
        """The clip or the step (or both) is written in another module's
        function that the loop calls: the message names that place."""
        line = model.line_of(at)
        if clip_far is not None and step_far is not None and at is step_at:
            head = (
                f"gradients clipped at {clip_far.describe()}, after the optimizer step at "
                f"{step_far.file}:{step_far.line} (`{short(model, at)}` runs both in the loop "
                f"at line {line})"
            )
        elif clip_far is not None:
            head = (
                f"gradients clipped at {clip_far.describe()} (run by `{short(model, at)}` at "
                f"line {line}) after `{short(model, step_at)}` (line {model.line_of(step_at)})"
            )
        else:
            assert step_far is not None
            head = (
                f"gradients clipped after the optimizer step at {step_far.describe()} (run by "
                f"`{short(model, step_at)}` at line {model.line_of(step_at)})"
            )
        related: list[RelatedNode | RelatedSite] = []
        if clip_far is not None:
            related.append(related_elsewhere("the clip", clip_far))
        if step_far is not None:
            related.append(related_elsewhere("the step", step_far))
        else:
            related.append(RelatedNode("the step", step_at))
        return Finding(
            at,
            f"{head}: the update already used the unclipped gradients; clip between "
            "backward() and step()",
            related=tuple(related),
        )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        reported: set[cst.CSTNode] = set()
        index = loops(model)
        # a helper that steps then clips (``optimizer_step(opt, model)``) is
        # checked where it is written, whichever module's loop calls it
        helpers = [(index, helper) for helper in index.update_functions]
        for index, loop in [*iterations(model, step_functions=True), *helpers]:
            steps = loop.of("step")
            backwards = loop.of("backward")
            for clip in loop.of("clip"):
                later_steps = [s for s in steps if s.order > clip.order]
                later_backwards = [b for b in backwards if b.order > clip.order]
                # a backward in the other arm of an ``if`` (hedwig's BERT path)
                # never runs before this clip
                earlier_backwards = [
                    b for b in backwards if b.order < clip.order and not index.exclusive(b, clip)
                ]
                before = [s for s in steps if index.always_before(s, clip) and not s.event.closure]
                again = _stepped_again(before, later_steps, later_backwards, backwards, clip)
                if again is not None and (clip.event.origin or clip.node) not in reported:
                    at = clip.event.origin or clip.node
                    reported.add(at)
                    first = before[-1].event.origin or before[-1].node
                    second = again.event.origin or again.node
                    yield Finding(
                        at,
                        f"gradients clipped after `{short(model, first)}` (line "
                        f"{model.line_of(first)}): that update already used the unclipped "
                        f"gradients, and `{short(model, second)}` (line "
                        f"{model.line_of(second)}) applies them a second time; clip between "
                        "backward() and a single step()",
                        related=(
                            RelatedNode("the first step", first),
                            RelatedNode("the second step", second),
                        ),
                    )
                    continue
                if before and not later_steps and not later_backwards:
                    step = before[-1]
                    # an event of a same-file function called in the loop is
                    # reported where it is written (once, whichever loop calls it)
                    at = clip.event.origin or clip.node
                    step_at = step.event.origin or step.node
                    if at in reported:
                        continue
                    reported.add(at)
                    clip_far = elsewhere(model, loop, clip)
                    step_far = elsewhere(model, loop, step)
                    if _one_helper(clip_far, step_far):
                        continue  # its own file reports it, at the clip
                    if clip_far is not None or step_far is not None:
                        yield self._elsewhere(model, at, step_at, clip_far, step_far)
                        continue
                    via = ""
                    if clip.event.origin is not None:
                        via = (
                            f" (`{short(model, clip.node)}` runs it in the loop at line "
                            f"{model.line_of(clip.node)})"
                        )
                    yield Finding(
                        at,
                        f"gradients clipped after `{short(model, step_at)}` "
                        f"(line {model.line_of(step_at)}){via}: the update already used the "
                        "unclipped gradients; clip between backward() and step()",
                        related=(RelatedNode("the step", step_at),),
                    )
                    continue
                # a backward in the clip's block or one holding it (``if args.clip
                # > 0: clip(...)`` then ``loss.backward()``) follows every clip
                after = [
                    b
                    for b in later_backwards
                    if clip.chain[: len(b.chain)] == b.chain and not earlier_backwards
                ]
                if after and any(s.order > after[0].order for s in later_steps):
                    backward = after[0]
                    yield Finding(
                        clip.node,
                        "gradients clipped before `backward()` "
                        f"(line {model.line_of(backward.node)}): this batch's gradients do "
                        "not exist yet; clip between backward() and step()",
                        related=(RelatedNode("the backward", backward.node),),
                    )


def _one_helper(clip: InlinedEvent | None, step: InlinedEvent | None) -> bool:
    """The step and the clip after it are both written in one function of
    another module (a step function, or a helper that steps then clips)."""
    return (
        clip is not None and step is not None and (clip.file, clip.where) == (step.file, step.where)
    )


def _stepped_again(
    before: list[LoopEvent],
    later_steps: list[LoopEvent],
    later_backwards: list[LoopEvent],
    backwards: list[LoopEvent],
    clip: LoopEvent,
) -> LoopEvent | None:
    """The step after a clip of the optimiser that stepped just before it,
    with no backward in between (Point-MAE's segmentation loop: step, clip,
    step on the same gradients): the first update was unclipped."""
    if not before or later_backwards:
        return None
    if any(before[-1].order < b.order < clip.order for b in backwards):
        return None  # step, backward, clip, step: the clip is of new gradients
    receiver = before[-1].event.receiver
    if receiver is None:
        return None
    return next(
        (s for s in later_steps if s.event.receiver == receiver and not s.event.closure), None
    )
