"""Audit s17 (numerics): what a loss module's instance calls pass for its
``forward`` parameters (LF205 silent on an always-detached side), tensors
computed under ``no_grad``, probabilities clamped by conditional assignment
(LF203, LF202), and the hand-written sigmoid as a probability (LF203)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lossflint.analysis import numerics as num
from lossflint.analysis.gradients import Reach, gradients
from lossflint.analysis.model import SemanticModel
from lossflint.linter import RuleSet, lint_text

_PKT = """
import torch
import torch.nn as nn

class PKT(nn.Module):
    def __init__(self):
        super(PKT, self).__init__()

    def forward(self, f_s, f_t):
        s_norm = torch.sqrt(torch.sum(f_s ** 2, dim=1))
        t_norm = torch.sqrt(torch.sum(f_t ** 2, dim=1))
        return ((f_s / (s_norm + 1e-7)) - (f_t / (t_norm + 1e-7))).pow(2).mean()

"""
_TEACHER_SIDE = "torch.sqrt(torch.sum(f_t ** 2, dim=1))"
_STUDENT_SIDE = "torch.sqrt(torch.sum(f_s ** 2, dim=1))"


def _reach(source: str, expr: str) -> Reach:
    model = SemanticModel(cst.parse_module(textwrap.dedent(source)), "")
    for node in model.parents:
        if isinstance(node, cst.Call) and model.code(node) == expr:
            return gradients(model).reach(node)
    raise AssertionError(f"{expr!r} not found")


CALLERS = [
    (
        "detached at the only call",
        """
        crit = PKT()
        for x in loader:
            with torch.no_grad():
                t = teacher(x)
            loss = crit(student(x), t.detach())
            loss.backward()
        """,
        Reach.NO,
    ),
    (
        "computed under no_grad (a subscript of a model's output), instance moved with .cuda()",
        """
        crit = PKT().cuda()
        for x in loader:
            with torch.no_grad():
                t = teacher(x)[-1]
            loss = crit(student(x), t)
            loss.backward()
        """,
        Reach.NO,
    ),
    (
        "unpacked from a model's output under no_grad",
        """
        crit = PKT()
        for x in loader:
            with torch.no_grad():
                feat_t, logit_t = teacher(x)
            loss = crit(student(x), feat_t)
            loss.backward()
        """,
        Reach.NO,
    ),
    (
        "kept on a distiller module, called in its forward",
        """
        class Distiller(nn.Module):
            def __init__(self):
                super().__init__()
                self.kd = PKT()

            def forward(self, x):
                with torch.no_grad():
                    t = teacher(x)
                return self.kd(student(x), t)
        """,
        Reach.NO,
    ),
    (
        "constructed and called at once, keyword argument",
        """
        for x in loader:
            loss = PKT()(student(x), f_t=teacher(x).detach())
            loss.backward()
        """,
        Reach.NO,
    ),
    (
        "one call passes the teacher with its gradient",
        """
        crit = PKT()
        for x in loader:
            loss = crit(student(x), teacher(x).detach()) + crit(student(x), teacher(x))
            loss.backward()
        """,
        Reach.YES,
    ),
    (
        "a parameter read under no_grad is the parameter itself",
        """
        crit = PKT()
        for x in loader:
            with torch.no_grad():
                t = teacher.weight
            loss = crit(student(x), t)
            loss.backward()
        """,
        Reach.YES,
    ),
    (
        "the instance handed to a function: its calls are out of sight",
        """
        crit = PKT()
        crit(student(x), teacher(x).detach())
        train(student, crit)
        """,
        Reach.YES,
    ),
    (
        "an instance in a module list",
        """
        crit = PKT()
        crits = nn.ModuleList([crit])
        loss = crit(student(x), teacher(x).detach()) + crits[0](student(x), teacher(x))
        loss.backward()
        """,
        Reach.YES,
    ),
    (
        "a subclass: its instances run this forward",
        """
        class Sub(PKT):
            pass

        crit = Sub()
        loss = crit(student(x), teacher(x))
        loss.backward()
        """,
        Reach.YES,
    ),
    (
        "an attribute holder of a module that lists its children",
        """
        class Distiller(nn.Module):
            def __init__(self):
                super().__init__()
                self.kd = PKT()

            def forward(self, x):
                out = 0
                for m in self.children():
                    out = out + m(student(x), teacher(x))
                return out + self.kd(student(x), teacher(x).detach())
        """,
        Reach.YES,
    ),
    (
        "a Keras-style method that runs the model out of sight",
        """
        crit = PKT()
        crit.fit(x, y)
        loss = crit(student(x), teacher(x).detach())
        loss.backward()
        """,
        Reach.YES,
    ),
    (
        "no call of the class at all",
        "",
        Reach.YES,
    ),
]


@pytest.mark.parametrize(
    ("program", "expected"),
    [pytest.param(p, e, id=name) for name, p, e in CALLERS],
)
def test_teacher_side_reach(program: str, expected: Reach) -> None:
    source = _PKT + textwrap.dedent(program)
    assert _reach(source, _TEACHER_SIDE) is expected
    assert _reach(source, _STUDENT_SIDE) is Reach.YES


def test_lf205_only_on_the_student_side() -> None:
    source = _PKT + textwrap.dedent(CALLERS[0][1])
    result = lint_text(source, "t.py", RuleSet(["LF205"]), [])
    assert [d.location.row for d in result.diagnostics] == [10]


def _guarded(source: str, name: str) -> bool:
    model = SemanticModel(cst.parse_module(textwrap.dedent(source)), "")
    uses = [
        n
        for n in model.parents
        if isinstance(n, cst.Name)
        and n.value == name
        and isinstance(model.parent(n), cst.Arg)
        and "log" in model.code(model.parent(model.parent(n)))  # type: ignore[arg-type]
    ]
    assert uses, name
    return num.is_guarded(model, uses[-1])


GUARDS = [
    ("if p < eps:\n    p = eps", True),
    ("if p < 1e-7:\n    p = 1e-7", True),
    ("if p <= 0: p = 1e-12", True),
    ("if eps > p:\n    p = eps", True),
    ("if p == 0:\n    p = eps", True),
    ("if p[0, 0] < 1e-7:\n    p[0, 0] = 1e-7", True),
    ("p[p < eps] = eps", True),
    ("p[p <= 0] = 1e-8", True),
    ("if p < eps:\n    p = eps\nif 1 - p < eps:\n    p = 1 - eps", True),
    ("if p < 0:\n    p = eps", False),
    ("if p < 0.5:\n    p = 0", False),
    ("if p > 1 - eps:\n    p = 1 - eps", False),
    ("if p < eps:\n    p = eps\nelse:\n    p = p - 1", False),
    ("if p < eps:\n    print(p)", False),
    ("if q < eps:\n    q = eps", False),
    ("p[p < eps] = 0", False),
    ("p[q < eps] = eps", False),
    ("if p < eps:\n    p = eps\np = p - 1", False),
]


@pytest.mark.parametrize(("clamp", "expected"), GUARDS)
def test_clamp_by_conditional_assignment(clamp: str, expected: bool) -> None:
    source = (
        "import numpy as np\n\ndef f(p, q, y, eps=1e-7):\n"
        + textwrap.indent(clamp, "    ")
        + "\n    return np.log(p)\n"
    )
    assert _guarded(source, "p") is expected


def test_clamp_after_the_log_is_no_guard() -> None:
    source = """
    import numpy as np

    def f(p, eps=1e-7):
        out = np.log(p)
        if p < eps:
            p = eps
        return out
    """
    assert _guarded(source, "p") is False


@pytest.mark.parametrize(
    ("sigmoid", "found"),
    [
        ("1 / (1 + tf.exp(-z))", ["LF203"]),
        ("1.0 / (tf.exp(-z) + 1.0)", ["LF203"]),
        ("tf.exp(z) / (1 + tf.exp(z))", ["LF203"]),
        # not a sigmoid: a ratio of two distributions is still exempt
        ("new_p / old_p", []),
        ("1 / (2 + tf.exp(-z))", []),
    ],
)
def test_hand_written_sigmoid_is_a_probability(sigmoid: str, found: list[str]) -> None:
    source = (
        "import tensorflow as tf\n\ndef f(z, y):\n"
        f"    p = {sigmoid}\n"
        "    return -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))\n"
    )
    result = lint_text(source, "t.py", RuleSet(["LF201", "LF202", "LF203"]), [])
    assert [d.code for d in result.diagnostics] == found


def test_negated_later_only_where_that_value_reaches() -> None:
    source = """
    import tensorflow as tf

    like = y * tf.log(p) + (1 - y) * tf.log(1 - p)
    score = tf.reduce_mean(like)
    like = other
    loss = -tf.reduce_mean(like)
    """
    result = lint_text(textwrap.dedent(source), "t.py", RuleSet(["LF203"]), [])
    assert result.diagnostics == []
