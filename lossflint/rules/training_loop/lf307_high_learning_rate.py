"""LF307 high-learning-rate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.calls import argument, has_star_args, literal_value
from lossflint.analysis.loops import loops
from lossflint.analysis.names import dotted_text
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Option, Rule

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class HighLearningRate(Rule):
    code = "LF307"
    name = "high-learning-rate"
    severity = Severity.WARNING
    summary = "learning rate above the usual range for this optimiser family"
    needs = ("optim",)
    options = {
        "adaptive_max": Option(
            0.1,
            float,
            "adaptive optimisers (Adam, AdamW, Adamax, NAdam, RAdam, RMSprop, Adagrad): "
            "report lr >= this. Their step is ~lr per parameter regardless of the gradient "
            "scale, so 0.1 already moves every weight by 0.1 per step; published settings "
            "are 1e-5..1e-2.",
        ),
        "sgd_max": Option(
            1.0,
            float,
            "SGD: report lr >= this. Large-batch recipes use up to ~0.8 with warmup "
            "(lr 0.1 per 256 images); lr >= 1 diverges for almost every loss.",
        ),
    }
    what = """
Flags the learning rate given to a torch optimiser (`torch.optim.Adam(params, lr=...)`,
positional or keyword) or a Keras optimiser (`keras.optimizers.Adam(learning_rate=...)`,
legacy `lr=`) when it is a number, a module-level constant, or a key of a module-level
config dict literal (`CONFIG = {"lr": 0.5}`; `CONFIG["lr"]`), and it is at least the
family's threshold: adaptive optimisers >= 0.1, SGD >= 1.0. Adadelta and LBFGS (lr ~ 1
is their normal setting) are never reported. String optimisers (`optimizer="adam"`)
have no learning rate to check.
"""
    why = """
Too large a learning rate is the classic cause of a loss that explodes and then turns
into NaN within the first hundred steps. For adaptive optimisers the step size is
about `lr` for every weight, so `lr=0.1` rewrites the weights each step.
"""
    example = """
    import torch

    model = torch.nn.Linear(10, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5)  # error: LF307
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)  # OK
    """
    INVALID = [
        Invalid(
            """
            import torch
            model = torch.nn.Linear(4, 2)
            optimizer = torch.optim.Adam(model.parameters(), lr=0.5)  # error: LF307 at `torch.optim.Adam(`
            """,
        ),
        Invalid(
            """
            from tensorflow import keras

            def build(model):
                model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.3), loss='mse')  # error: LF307 at `keras.optimizers.Adam(`
            """,
        ),
        Invalid(
            """
            import torch.optim as optim
            LR = 0.2

            def make(model):
                return optim.AdamW(model.parameters(), lr=LR)  # error: LF307 at `optim.AdamW(`
            """,
        ),
        Invalid(
            """
            import torch
            CONFIG = {"lr": 0.5, "epochs": 10}

            def make(model):
                return torch.optim.RMSprop(model.parameters(), lr=CONFIG["lr"])  # error: LF307 at `torch.optim.RMSprop(`
            """,
        ),
        Invalid(
            """
            import torch
            opt = torch.optim.SGD(net.parameters(), 2.0, momentum=0.9)  # error: LF307 at `torch.optim.SGD(`
            """,
        ),
        Invalid(
            """
            import tensorflow as tf
            opt = tf.keras.optimizers.SGD(lr=1.5)  # error: LF307 at `tf.keras.optimizers.SGD(`
            """,
        ),
    ]
    VALID = [
        """
        import torch
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        """,
        """
        import torch
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        """,
        # lr ~ 1 is normal for these
        """
        import torch
        opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
        opt2 = torch.optim.LBFGS(model.parameters(), lr=1)
        """,
        # a string optimiser has no lr
        """
        from tensorflow import keras
        model.compile(optimizer='adam', loss='mse')
        """,
        # unknown at lint time
        """
        import torch
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        """,
        # the config value is overwritten before use
        """
        import torch
        CONFIG = {"lr": 0.5}
        CONFIG["lr"] = 1e-4
        opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
        """,
        # a user class named Adam
        """
        class Adam:
            def __init__(self, params, lr):
                pass
        opt = Adam(params, lr=0.5)
        """,
        # a learning-rate schedule object
        """
        from tensorflow import keras
        sched = keras.optimizers.schedules.ExponentialDecay(0.5, 100, 0.9)
        opt = keras.optimizers.Adam(learning_rate=sched)
        """,
        # Keras SGD default-ish
        """
        import keras
        opt = keras.optimizers.SGD(0.01)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        index = loops(model)
        limits = {"adaptive": float(self.opts["adaptive_max"]), "sgd": float(self.opts["sgd_max"])}
        for ctor in index.optimizer_ctors:
            limit = limits.get(ctor.family)
            if limit is None:
                continue
            call = ctor.call
            if has_star_args(call):
                continue
            if ctor.framework == "torch":
                expr = argument(call, 1, "lr")
            else:
                expr = argument(call, 0, "learning_rate", "lr")
            if expr is None:
                continue
            resolved = _number(model, expr)
            if resolved is None:
                continue
            value, source = resolved
            if value < limit:
                continue
            family = "adaptive optimisers" if ctor.family == "adaptive" else "SGD"
            via = "" if source is None else f" (from line {model.line_of(source)})"
            yield Finding(
                call,
                f"learning rate {value:g}{via} for {ctor.name} is at or above {limit:g}, "
                f"high for {family}: the loss is likely to explode to NaN",
                related=() if source is None else (RelatedNode("the value", source),),
            )


def _number(
    model: SemanticModel, expr: cst.BaseExpression, depth: int = 0
) -> tuple[float, cst.CSTNode | None] | None:
    """A literal number, or one a module constant / config-dict literal gives."""
    if depth > 4:
        return None
    value = literal_value(expr)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), (expr if depth else None)
    if isinstance(expr, cst.Name):
        bound = _single_assignment(model, expr)
        if bound is None:
            return None
        found = _number(model, bound, depth + 1)
        return found
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        element = expr.slice[0].slice
        if not isinstance(element, cst.Index):
            return None
        key = literal_value(element.value)
        if not isinstance(key, str):
            return None
        container = _dict_literal(model, expr.value, depth)
        if container is None:
            return None
        for item in container.elements:
            if isinstance(item, cst.DictElement) and literal_value(item.key) == key:
                return _number(model, item.value, depth + 1)
    return None


def _single_assignment(model: SemanticModel, name: cst.Name) -> cst.BaseExpression | None:
    bindings = model.bindings(name)
    if not bindings or len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    node = bindings[0].node
    return node if isinstance(node, cst.BaseExpression) else None


def _dict_literal(model: SemanticModel, expr: cst.BaseExpression, depth: int) -> cst.Dict | None:
    if isinstance(expr, cst.Dict):
        return expr
    if isinstance(expr, cst.Subscript):
        # CONFIG["optim"]["lr"]
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        key = literal_value(expr.slice[0].slice.value)
        outer = _dict_literal(model, expr.value, depth + 1)
        if outer is None or not isinstance(key, str):
            return None
        for item in outer.elements:
            if isinstance(item, cst.DictElement) and literal_value(item.key) == key:
                return item.value if isinstance(item.value, cst.Dict) else None
        return None
    if not isinstance(expr, cst.Name):
        return None
    bound = _single_assignment(model, expr)
    if not isinstance(bound, cst.Dict) or _mutated(model, expr.value):
        return None
    return bound


def _mutated(model: SemanticModel, name: str) -> bool:
    """``CONFIG["lr"] = ...`` / ``CONFIG.update(...)`` anywhere in the file."""
    for node in model.parents:
        if isinstance(node, (cst.Assign, cst.AugAssign)):
            targets = (
                [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            )
            for target in targets:
                current: cst.BaseExpression = target
                while isinstance(current, cst.Subscript):
                    current = current.value
                    if isinstance(current, cst.Name) and current.value == name:
                        return True
    for site in model.method_calls("update", "setdefault", "pop", "__setitem__"):
        func = site.node.func
        if isinstance(func, cst.Attribute) and dotted_text(func.value) == name:
            return True
    return False
