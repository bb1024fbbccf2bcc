"""LF314 anomaly-detection-left-on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.gradients import gradients
from lossflint.diagnostics import Finding, Severity
from lossflint.examples import Invalid
from lossflint.project.callers import imports_training
from lossflint.registry import Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class AnomalyDetectionLeftOn(Rule):
    code = "LF314"
    name = "anomaly-detection-left-on"
    severity = Severity.INFO
    summary = "autograd anomaly detection switched on outside a debugging guard"
    needs = ("anomaly",)
    what = """
Flags `torch.autograd.set_detect_anomaly(True)` and `torch.autograd.detect_anomaly()`
that are not inside an `if` (other than `if __name__ == "__main__":`) or a function
whose name says it debugs or tests. In a project, a model module's `__main__`
self-test that trains nothing (no backward, optimiser or fit in the file, no
word of training in the project modules it imports) is silent too: no backward
pass runs to be slowed.
"""
    why = """
Anomaly mode records a traceback for every autograd node and checks every backward
result for NaN: training runs several times slower. It is a debugging tool that is
easy to leave on after the NaN was found.
"""
    example = """
    import argparse

    import torch

    args = argparse.ArgumentParser().parse_args()
    torch.autograd.set_detect_anomaly(True)  # error: LF314
    if args.debug:
        torch.autograd.set_detect_anomaly(True)  # OK: behind a debug flag
    """
    use_instead = """
    import argparse

    import torch

    args = argparse.ArgumentParser().parse_args()
    if args.debug:
        torch.autograd.set_detect_anomaly(True)
    """
    references = (
        (
            "PyTorch: anomaly detection",
            "https://pytorch.org/docs/stable/autograd.html#anomaly-detection",
        ),
    )
    INVALID = [
        Invalid(
            """
            import torch
            torch.autograd.set_detect_anomaly(True)  # error: LF314 at `torch.autograd.set_detect_anomaly(`
            """,
        ),
        # the model chosen by name, the whole run in anomaly mode (SAHP, audit s218)
        Invalid(
            """
            from torch import autograd

            if MODEL_TOKEN == "sahp":
                with autograd.detect_anomaly():  # error: LF314 at `autograd.detect_anomaly(`
                    model = train_eval(build("sahp"), data)
            """,
        ),
        Invalid(
            """
            import torch

            def train_step(model, x):
                with torch.autograd.detect_anomaly():  # error: LF314 at `torch.autograd.detect_anomaly(`
                    model(x).mean().backward()
            """,
        ),
        Invalid(
            """
            from torch.autograd import set_detect_anomaly

            if __name__ == '__main__':
                set_detect_anomaly(mode=True)  # error: LF314 at `set_detect_anomaly(`
                main()
            """,
        ),
        Invalid(
            """
            import contextlib

            import torch

            # the flag decides something else: anomaly mode stays on
            def train(model, x, cfg):
                ctx = contextlib.nullcontext() if cfg.quiet else contextlib.nullcontext()
                with ctx, torch.autograd.detect_anomaly():  # error: LF314 at `torch.autograd.detect_anomaly(`
                    model(x).mean().backward()
            """,
        ),
    ]
    VALID = [
        """
        import torch
        if args.debug:
            torch.autograd.set_detect_anomaly(True)
        """,
        # a run mode chosen by name, and that mode is debugging
        """
        import torch
        if args.mode == "debug":
            torch.autograd.set_detect_anomaly(True)
        """,
        """
        import torch
        torch.autograd.set_detect_anomaly(False)
        """,
        """
        import torch
        torch.autograd.set_detect_anomaly(args.detect_anomaly)
        """,
        """
        import torch

        def debug_step(model, x):
            with torch.autograd.detect_anomaly():
                model(x).mean().backward()
        """,
        """
        def set_detect_anomaly(flag):
            pass
        set_detect_anomaly(True)
        """,
        """
        import contextlib

        import torch

        # behind a flag in a conditional expression (allRank's main.py)
        def train(model, x, cfg):
            ctx = torch.autograd.detect_anomaly() if cfg.detect_anomaly else contextlib.nullcontext()
            with ctx:
                model(x).mean().backward()
        """,
        """
        import torch

        def test_gradients(model, x):
            torch.autograd.set_detect_anomaly(True)
            model(x).sum().backward()
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls_to(*apis.ANOMALY_SETTERS, *apis.ANOMALY_CONTEXT):
            call = site.node
            if site.qualname in apis.ANOMALY_SETTERS:
                if literal_value(argument(call, 0, "mode")) is not True:
                    continue
            if self._guarded(model, call) or _no_backward_follows(model, call):
                continue
            yield Finding(
                call,
                "autograd anomaly detection left on: every backward pass runs several times "
                "slower; enable it only behind a debug flag",
            )

    @staticmethod
    def _guarded(model: SemanticModel, call: cst.Call) -> bool:
        for ancestor in model.ancestors(call):
            if (
                isinstance(ancestor, cst.If)
                and not _is_main_guard(model, ancestor.test)
                and not _model_choice(model, ancestor.test)
            ):
                return True
            # ``detect_anomaly() if cfg.detect_anomaly else nullcontext()``
            if isinstance(ancestor, cst.IfExp) and not model.within(call, ancestor.test):
                return True
            if isinstance(ancestor, cst.FunctionDef):
                name = ancestor.name.value.lower()
                if "debug" in name or "anomaly" in name or name.startswith("test"):
                    return True
        return False


def _model_choice(model: SemanticModel, test: cst.BaseExpression) -> bool:
    """``if MODEL_TOKEN == "sahp":`` -- a name compared with a string, no word
    of debugging in it: which model the run trains, not a debug switch (SAHP's
    ``main_func.py``, audit s218)."""
    if not (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Equal)
        and isinstance(test.comparisons[0].comparator, cst.SimpleString)
    ):
        return False
    return not _DEBUG_WORDS.search(model.code(test).lower())


_DEBUG_WORDS = re.compile(r"debug|anomal|detect|nan|check|sanity|verbose|profil")


def _is_main_guard(model: SemanticModel, test: cst.BaseExpression) -> bool:
    return "__name__" in model.code(test) and "__main__" in model.code(test)


def _no_backward_follows(model: SemanticModel, call: cst.Call) -> bool:
    """A ``__main__`` self-test of a model module that only runs a forward
    pass: the file trains nothing and the project modules it imports have no
    word of training (in a project only: a snippet's ``main()`` may train)."""
    if not any(
        isinstance(a, cst.If) and _is_main_guard(model, a.test) for a in model.ancestors(call)
    ):
        return False
    return not gradients(model).trains_here and imports_training(own=False) is False
