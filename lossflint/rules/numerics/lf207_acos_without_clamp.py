"""LF207 acos-without-clamp."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis import apis
from lossflint.analysis import numerics as num
from lossflint.analysis.calls import argument, literal_value
from lossflint.analysis.gradients import Reach, gradients
from lossflint.diagnostics import Finding, FixSpec, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.numerics.fixes import EPS_ACOS, method_fix, tf_call_fix

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class AcosWithoutClamp(Rule):
    code = "LF207"
    name = "acos-without-clamp"
    severity = Severity.WARNING
    summary = "`acos`/`asin` of a cosine similarity without clamping to (-1, 1)"
    fix_kind = "unsafe"
    needs = ("acos", "asin", "arccos", "arcsin")
    about_its_value = True
    what = """
Flags `acos`/`asin` (`torch.acos`, `x.acos()`, `torch.arccos`, `tf.math.acos`,
...) of a cosine similarity: `F.cosine_similarity(a, b)`, a sum/dot/matmul with
`F.normalize`d vectors (one side is enough: the other is normalised by the
caller, or acos of it is worse), or `dot / (a.norm() * b.norm())`, inline or through
variables, when it is not clamped strictly inside (-1, 1). A clamp to exactly
`[-1, 1]` is still reported: it fixes the value, not the infinite gradient.
Only where a gradient can flow: silent in evaluation code (angle-error
metrics under `no_grad`, detached or NumPy values, metric classes), where
the harm is at most a NaN in a reported number; unknown (a snippet, a library
function never called in the file) fires.
"""
    why = """
Rounding makes the cosine of nearly parallel vectors 1.0000001: `acos` of it is
NaN. Even at exactly ±1 the derivative `-1/sqrt(1 - x²)` is infinite, so the
gradient is NaN for identical embeddings (ArcFace-style angular losses).
"""
    example = """
    import torch
    import torch.nn.functional as F

    theta = torch.acos(F.cosine_similarity(a, b))  # error: LF207
    theta_ok = torch.acos(F.cosine_similarity(a, b).clamp(-1 + 1e-7, 1 - 1e-7))  # OK
    """
    use_instead = """
    import torch
    import torch.nn.functional as F

    theta = torch.acos(F.cosine_similarity(a, b).clamp(-1 + 1e-7, 1 - 1e-7))
    """
    references = (
        ("PyTorch: torch.acos", "https://pytorch.org/docs/stable/generated/torch.acos.html"),
        (
            "PyTorch: torch.nn.functional.cosine_similarity",
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.cosine_similarity.html",
        ),
    )
    fix_safety = """
Unsafe: the fix clamps the argument to `[-1 + 1e-7, 1 - 1e-7]` (TensorFlow:
`tf.clip_by_value`), which changes angles below ~5e-4 rad.
"""
    INVALID = [
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            theta = torch.acos(F.cosine_similarity(a, b))  # error: LF207 at `torch.acos(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            theta = torch.acos(F.cosine_similarity(a, b).clamp(-1 + 1e-7, 1 - 1e-7))  # error: LF207 at `torch.acos(`
            """,
        ),
        Invalid(
            """
            import torch.nn.functional as F

            def angle(a, b):
                cos = (F.normalize(a, dim=-1) * F.normalize(b, dim=-1)).sum(-1)
                return cos.acos()  # error: LF207 at `cos.acos(`
            """,
            fixed="""
            import torch.nn.functional as F

            def angle(a, b):
                cos = (F.normalize(a, dim=-1) * F.normalize(b, dim=-1)).sum(-1)
                return cos.clamp(-1 + 1e-7, 1 - 1e-7).acos()  # error: LF207 at `cos.acos(`
            """,
        ),
        # the cosine comes from a helper that normalises its parameters first
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            def pairwise_cosine(a, b):
                a = F.normalize(a, dim=-1)
                b = F.normalize(b, dim=-1)
                return (a * b).sum(dim=-1)

            def angular_loss(anchor, positive, margin=0.2):
                theta = torch.acos(pairwise_cosine(anchor, positive))  # error: LF207
                return F.relu(theta - margin).mean()
            """
        ),
        Invalid(
            """
            import tensorflow as tf
            na = tf.math.l2_normalize(a, axis=1)
            nb = tf.math.l2_normalize(b, axis=1)
            ang = tf.math.acos(tf.reduce_sum(na * nb, axis=1))  # error: LF207 at `tf.math.acos(`
            """,
            fixed="""
            import tensorflow as tf
            na = tf.math.l2_normalize(a, axis=1)
            nb = tf.math.l2_normalize(b, axis=1)
            ang = tf.math.acos(tf.clip_by_value(tf.reduce_sum(na * nb, axis=1), -1 + 1e-7, 1 - 1e-7))  # error: LF207 at `tf.math.acos(`
            """,
        ),
        Invalid(
            """
            import torch
            cos = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1))
            t = torch.arcsin(cos.clamp(-1, 1))  # error: LF207 at `torch.arcsin(`
            """
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F
            w = F.normalize(W, dim=1)
            x = F.normalize(e, dim=1)
            theta = torch.acos(x @ w.T)  # error: LF207 at `torch.acos(`
            """,
            fixed="""
            import torch
            import torch.nn.functional as F
            w = F.normalize(W, dim=1)
            x = F.normalize(e, dim=1)
            theta = torch.acos((x @ w.T).clamp(-1 + 1e-7, 1 - 1e-7))  # error: LF207 at `torch.acos(`
            """,
        ),
        # an ArcFace head: the class weights are normalised here, the
        # embeddings by the model that calls it (H10 p08)
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class ArcMargin(nn.Module):
                def forward(self, emb, labels):
                    cos = emb @ F.normalize(self.W, dim=1).t()
                    theta = torch.acos(cos)  # error: LF207 at `torch.acos(`
                    return F.cross_entropy(30.0 * torch.cos(theta + 0.5), labels)
            """
        ),
        # the target class's cosines, picked by indexing or ``tf.gather_nd``
        # (InsightFace_TF's ArcFace variants, audit s168)
        Invalid(
            """
            import tensorflow as tf
            import torch
            import torch.nn.functional as F

            def margin(x, w, y):
                cos = F.linear(F.normalize(x), F.normalize(w))
                return torch.acos(cos[torch.arange(x.size(0)), y])  # error: LF207 at `torch.acos(`

            def tf_margin(emb, w, idx):
                cos_t = tf.matmul(tf.nn.l2_normalize(emb, axis=1), tf.nn.l2_normalize(w, axis=0))
                return tf.acos(tf.gather_nd(cos_t, idx))  # error: LF207 at `tf.acos(`
            """
        ),
    ]
    VALID = [
        # an angle-error metric under no_grad: no gradient to be infinite
        """
        import torch
        import torch.nn.functional as F
        with torch.no_grad():
            err = torch.acos(F.cosine_similarity(pred, gt)).mean()
        """,
        """
        import torch
        import torch.nn.functional as F
        t = torch.acos(F.cosine_similarity(a, b).clamp(-1 + 1e-7, 1 - 1e-7))
        """,
        """
        import torch
        import torch.nn.functional as F
        c = torch.clamp(F.cosine_similarity(a, b), -0.9999, 0.9999)
        t = c.acos()
        """,
        # not a cosine: an arbitrary tensor
        """
        import torch
        t = torch.acos(x)
        """,
        # math.acos of a Python float
        """
        import math
        t = math.acos(c / (n1 * n2))
        """,
        # NumPy data
        """
        import numpy as np
        t = np.arccos(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
        """,
        # a user function named acos
        """
        import torch.nn.functional as F
        def acos(x):
            return x
        t = acos(F.cosine_similarity(a, b))
        """,
        # a shadowed F
        """
        import torch
        import torch.nn.functional as F
        def f(F, a, b):
            return torch.acos(F.cosine_similarity(a, b))
        """,
        # a scaled cosine is kept inside (-1, 1)
        """
        import torch
        import torch.nn.functional as F
        t = torch.acos(0.999 * F.cosine_similarity(a, b))
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for qualname, framework in apis.ACOS_BY_FRAMEWORK.items():
            for site in model.calls_to(qualname):
                arg = argument(site.node, 0, "input", "x")
                if arg is not None and len(site.node.args) == 1:
                    finding = self._check(model, site.node, arg, framework)
                    if finding is not None:
                        yield finding
        for site in model.method_calls(*apis.ACOS_METHODS):
            func = site.node.func
            if site.node.args or not isinstance(func, cst.Attribute):
                continue
            finding = self._check(model, site.node, func.value, "torch")
            if finding is not None:
                yield finding

    def _check(
        self, model: SemanticModel, node: cst.Call, arg: cst.BaseExpression, framework: str
    ) -> Finding | None:
        resolved = num.resolve(model, arg)
        bounds = num.clamp_bounds(model, resolved)
        clamped_to_one = False
        if bounds is not None:
            values = [literal_value(b) for b in bounds if b is not None]
            if not values or not all(isinstance(v, (int, float)) and abs(v) >= 1 for v in values):
                return None
            clamped_to_one = True
            info = num.call_info(model, resolved)
            assert info is not None
            inner = (
                info.receiver
                if info.receiver is not None
                else argument(resolved, 0, "input", "t", "a")  # type: ignore[arg-type]
            )
            if inner is None:
                return None
            resolved = num.resolve(model, inner)
        if not num.is_cosine(model, resolved):
            return None
        if framework == "numpy" and not num.is_tensor_expr(model, resolved):
            return None
        if num.where_guarded(model, node, arg):
            return None
        if gradients(model).reach(node) is Reach.NO:
            return None  # evaluation code (angle metrics): see `what`
        if clamped_to_one:
            return Finding(
                node=node,
                message="acos/asin of a cosine clamped to exactly [-1, 1]: the value is "
                "finite but the gradient is infinite at ±1 (NaN for identical vectors); "
                "clamp to [-1 + eps, 1 - eps]",
            )
        bound = f"-1 + {EPS_ACOS}, 1 - {EPS_ACOS}"
        message = f"clamp to [{bound}]"
        fix: FixSpec | None = None
        if framework == "torch":
            fix = method_fix(model, arg, f"clamp({bound})", message)
        elif framework == "tensorflow":
            fix = tf_call_fix(model, arg, "clip_by_value", f", {bound}", message)
        return Finding(
            node=node,
            message="acos/asin of a cosine similarity without clamp: rounding pushes it "
            "past ±1 (NaN) and the gradient is infinite at ±1; clamp to [-1 + eps, 1 - eps]",
            fix=fix,
        )
