"""The training-loop model (analysis/loops.py) and context regions (analysis/contexts.py)."""

from __future__ import annotations

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossflint.analysis import accumulation, train_mode
from lossflint.analysis.contexts import contexts
from lossflint.analysis.loops import loops, role_from_name
from lossflint.analysis.model import SemanticModel


def build(source: str) -> SemanticModel:
    return SemanticModel(cst.parse_module(source))


def assigned(model: SemanticModel, name: str) -> cst.BaseExpression:
    """The value of the (only) ``name = ...`` statement."""
    found: list[cst.BaseExpression] = []

    class _Find(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            target = node.targets[0].target
            if isinstance(target, cst.Name) and target.value == name:
                found.append(node.value)

    model.module.visit(_Find())
    assert len(found) == 1, name
    return found[0]


# --- contexts ---------------------------------------------------------------------

GRAD = """import torch

with torch.no_grad():
    a = f(x)
    with torch.enable_grad():
        b = g(x)
    def later():
        c = h(x)

@torch.no_grad()
def evaluate():
    d = m(x)

@torch.inference_mode
def predict():
    e = m(x)

with torch.set_grad_enabled(False):
    f1 = m(x)
with torch.inference_mode(False):
    f2 = m(x)
g1 = m(x)
"""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a", True),
        ("b", False),  # enable_grad re-enables
        ("c", False),  # a function defined in the block runs later
        ("d", True),
        ("e", True),  # bare decorator
        ("f1", True),
        ("f2", False),  # inference_mode(False) is a no-op
        ("g1", False),
    ],
)
def test_in_no_grad(name: str, expected: bool) -> None:
    model = build(GRAD)
    assert contexts(model).in_no_grad(assigned(model, name)) is expected


AUTOCAST = """import torch
from torch.cuda.amp import autocast

with torch.cuda.amp.autocast():
    a = f(x)
    with torch.autocast("cuda", enabled=False):
        b = f(x)
with torch.autocast("cpu"):
    c = f(x)
with torch.autocast("cuda"):
    d = f(x)
with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
    e = f(x)
with torch.amp.autocast("cpu", dtype=torch.float16):
    g = f(x)
with torch.autocast(device_type=device.type):
    h = f(x)
with autocast(enabled=use_amp):
    i = f(x)
with torch.cpu.amp.autocast():
    j = f(x)

@torch.autocast("cuda")
def forward(x):
    k = f(x)
m = f(x)
"""


@pytest.mark.parametrize(
    ("name", "dtype"),
    [
        ("a", "float16"),
        ("b", None),  # nested enabled=False
        ("c", "bfloat16"),
        ("d", "float16"),
        ("e", "bfloat16"),
        ("g", "float16"),
        ("h", "unknown"),  # the device is only known at run time
        ("i", "float16"),  # enabled=<flag>: the bug exists when the flag is on
        ("j", "bfloat16"),
        ("k", "float16"),
        ("m", None),
    ],
)
def test_autocast_dtype(name: str, dtype: str | None) -> None:
    model = build(AUTOCAST)
    assert contexts(model).autocast_dtype(assigned(model, name)) == dtype


def test_autocast_region_reports_enabled_flag() -> None:
    model = build(AUTOCAST)
    region = contexts(model).autocast_region(assigned(model, "i"))
    assert region is not None and region.enabled is None and region.dtype == "float16"


def test_grad_scaler() -> None:
    with_scaler = build("import torch\nscaler = torch.amp.GradScaler('cuda')\n")
    assert contexts(with_scaler).has_grad_scaler()
    disabled = build("import torch\nscaler = torch.cuda.amp.GradScaler(enabled=False)\n")
    assert not contexts(disabled).has_grad_scaler()
    passed_in = build(
        "def step(loss, scaler, opt):\n    scaler.scale(loss).backward()\n    scaler.step(opt)\n"
        "def other(loss):\n    loss.backward()\n"
    )
    ctx = contexts(passed_in)
    funcs = [n for n in passed_in.scopes if isinstance(n, cst.FunctionDef)]
    assert ctx.has_grad_scaler(funcs[0]) and not ctx.has_grad_scaler(funcs[1])
    assert not ctx.has_grad_scaler()


def test_is_half() -> None:
    model = build(
        "import torch\nnet = Net().half()\nnet2 = Net()\nnet2.half()\n"
        "t = torch.zeros(3, dtype=torch.float16)\nu = x.to(torch.half)\nv = x.float()\n"
        "w = x.to('cuda')\nout = net(t)\nout2 = net2(x)\nb = torch.ones(2, dtype=torch.bfloat16)\n"
    )
    ctx = contexts(model)
    half = {n: ctx.is_half(assigned(model, n)) for n in ("t", "u", "v", "w", "out", "out2", "b")}
    assert half == {
        "t": True,
        "u": True,
        "v": False,
        "w": False,
        "out": True,  # calling a .half() model
        "out2": True,  # converted in place by the statement `net2.half()`
        "b": False,
    }
    # `net` is half through its binding; in-place conversions are remembered by key
    assert ctx.half_models == {"net2"}


def test_contexts_are_cached_on_the_model() -> None:
    model = build("import torch\n")
    assert contexts(model) is contexts(model)


# --- loops --------------------------------------------------------------------------

AMP_LOOP = """import torch
model = Net()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 0.01, total_steps=100)
scaler = torch.cuda.amp.GradScaler()
crit = torch.nn.CrossEntropyLoss()
for epoch in range(10):
    model.train()
    for i, (x, y) in enumerate(loader):
        with torch.autocast("cuda"):
            loss = crit(model(x), y)
        scaler.scale(loss).backward()
        if (i + 1) % 4 == 0:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
    model.eval()
    for p in model.parameters():
        p.grad = None
"""


def _describe(model: SemanticModel, events: list) -> list[tuple[str, int, bool, bool]]:
    return [(e.kind, model.line_of(e.node), e.conditional, e.nested) for e in events]


def test_batch_loop_events_in_order_with_conditions() -> None:
    model = build(AMP_LOOP)
    index = loops(model)
    outer, inner, params = index.loops
    assert model.line_of(inner.node) == 9
    assert _describe(model, inner.events) == [
        ("forward", 11, False, False),
        ("backward", 12, False, False),
        ("unscale", 14, True, False),
        ("clip", 15, True, False),
        ("step", 16, True, False),
        ("zero_grad", 18, True, False),
        ("sched_step", 19, True, False),
    ]
    assert inner.is_training and inner.is_iteration
    step = inner.of("step")[0]
    assert step.event.receiver == "optimizer" and step.event.scaled
    backward = inner.of("backward")[0]
    assert backward.event.scaled and backward.event.loss is not None
    assert model.code(backward.event.loss) == "loss"
    # the events under the same `if` are ordered among themselves, not with backward
    clip, zero = inner.of("clip")[0], inner.of("zero_grad")[0]
    assert index.comparable(clip, step) and index.comparable(step, zero)
    assert not index.comparable(backward, step)


def test_epoch_loop_sees_nested_events() -> None:
    model = build(AMP_LOOP)
    outer, inner, params = loops(model).loops
    assert outer.is_training and not outer.is_iteration  # the batch loop is the iteration
    assert inner.parent is outer and params.parent is outer
    kinds = [(e.kind, e.nested) for e in outer.events]
    assert ("train", False) in kinds and ("eval", False) in kinds
    assert ("step", True) in kinds
    grad_none = [e for e in outer.events if e.kind == "zero_grad" and model.line_of(e.node) == 22]
    assert len(grad_none) == 1 and grad_none[0].nested
    assert not params.is_training


def test_roles() -> None:
    model = build(AMP_LOOP)
    index = loops(model)

    def role(name: str) -> str | None:
        return index.role(cst.parse_expression(name))

    assert role("optimizer") == "optimizer"
    assert role("scheduler") == "scheduler"
    assert role("scaler") == "scaler"
    assert role("model") is None
    # by name when the file does not construct it
    assert [role_from_name(n) for n in ("opt_d", "gen_optimizer", "self.lr_scheduler")] == [
        "optimizer",
        "optimizer",
        "scheduler",
    ]
    assert [role_from_name(n) for n in ("env", "options", "optical", "self.model")] == [
        None,
        None,
        None,
        None,
    ]


def test_optimizer_constructors_torch_and_keras() -> None:
    model = build(
        "import torch\nfrom tensorflow import keras\nimport tensorflow as tf\n"
        "a = torch.optim.SGD(p, lr=0.1)\nb = keras.optimizers.Adam(learning_rate=1e-3)\n"
        "c = tf.keras.optimizers.Adadelta()\nd = torch.optim.lr_scheduler.StepLR(a, 3)\n"
    )
    ctors = [(c.framework, c.name, c.family) for c in loops(model).optimizer_ctors]
    assert ctors == [
        ("torch", "SGD", "sgd"),
        ("keras", "Adam", "adaptive"),
        ("keras", "Adadelta", "unbounded"),
    ]


def test_closure_step_and_delegated_backward() -> None:
    model = build(
        "import torch\nopt = torch.optim.LBFGS(params)\nfor _ in range(5):\n"
        "    def closure():\n        opt.zero_grad()\n        loss = f()\n"
        "        loss.backward()\n        return loss\n    opt.step(closure)\n"
        "for batch in loader:\n    accelerator.backward(model(batch).loss)\n"
        "    self.manual_backward(loss2)\n    opt.step()\n"
    )
    first, second = loops(model).loops
    # the closure's events belong to the closure, not to the loop
    assert [e.kind for e in first.events] == ["step"]
    assert first.events[0].event.closure and not first.is_training
    backwards = second.of("backward")
    assert [b.event.managed for b in backwards] == [True, False]
    losses = [b.event.loss for b in backwards]
    assert [model.code(e) for e in losses if e is not None] == ["model(batch).loss", "loss2"]


def test_callee_kinds_follow_same_file_functions() -> None:
    model = build(
        "import torch\n\nclass T:\n    def clear(self):\n        self.opt.zero_grad()\n\n"
        "    def fit(self):\n        for x in data:\n            self.clear()\n"
        "            restore(self.model)\n            self.model(x).backward()\n"
        "            self.opt.step()\n\ndef restore(m):\n    m.train()\n"
    )
    (loop,) = loops(model).loops
    # self.clear() runs its zero_grad at the call (loop_callees.py); restore()'s
    # train() is no gradient event: it stays a kind reached through a call
    (zero,) = loop.of("zero_grad")
    assert zero.event.origin is not None and zero.node is not zero.event.origin
    assert loop.is_iteration and "train" in loop.callee_kinds


def test_lightning_training_step_is_not_a_loop() -> None:
    model = build(
        "import lightning as L\n\nclass M(L.LightningModule):\n"
        "    def training_step(self, batch, idx):\n        loss = self(batch)\n"
        "        return loss\n"
    )
    index = loops(model)
    assert index.loops == []
    assert [f.name.value for f in index.training_steps] == ["training_step"]


def test_loop_of_and_events_outside_loops() -> None:
    model = build("import torch\nloss.backward()\nfor x in d:\n    opt.step()\n")
    index = loops(model)
    assert [e.kind for e in index.events] == ["backward", "step"]
    assert index.loop_of(index.events[0].node) is None
    loop = index.loop_of(index.events[1].node)
    assert loop is not None and not loop.is_training


# --- accumulations (LF306) -------------------------------------------------------------

ACCUMULATING = """
import torch
def train_step(model, loader, loss_fn, opt):
    total, log = 0, []
    for x, y in loader:
        loss = loss_fn(model(x), y)
        total += loss
        log.append(loss.data[0])
        loss_val = loss.data.cpu()
        log.append(loss_val)
        log.append(float(loss))
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def test_detached_values_through_data_and_names() -> None:
    model = build(ACCUMULATING)
    found = {
        model.module.code_for_node(a.value): accumulation.detached(model, a.value)
        for a in accumulation.accumulations(model)
    }
    assert found == {
        "loss": False,
        "loss.data[0]": True,
        "loss_val": True,
        "float(loss)": True,
    }


def test_backpropagated_value_in_the_same_pass() -> None:
    model = build(ACCUMULATING)
    index = loops(model)
    (total,) = [a for a in accumulation.accumulations(model) if a.accumulator == "total"]
    assert accumulation.backpropagated_value(model, index, total.node, total.value)
    # rebound to a number somewhere in the scope: which binding is summed is unknown
    model = build(ACCUMULATING.replace("        opt.step()", "        loss = loss.item()"))
    (total,) = [a for a in accumulation.accumulations(model) if a.accumulator == "total"]
    assert not accumulation.backpropagated_value(model, loops(model), total.node, total.value)


def test_train_mode_through_module_returning_methods() -> None:
    source = """
import torch
for epoch in range(2):
    for x in data:
        opt.zero_grad()
        net(x).sum().backward()
        opt.step()
    net.eval().cpu()
    net.to(device).train()
"""
    model = build(source)
    (outer,) = [lp for lp in loops(model).loops if lp.parent is None]
    assert train_mode.restores_train_mode(outer)
    model = build(source.replace("net.to(device).train()", "net.to(device).eval()"))
    (outer,) = [lp for lp in loops(model).loops if lp.parent is None]
    assert not train_mode.restores_train_mode(outer)
    call = cst.parse_expression("self.net.cuda().half().train()")
    assert isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
    assert train_mode.module_receiver(call.func.value) == "self.net"


# --- fixtures end to end --------------------------------------------------------------


def _lint_fixture(name: str) -> list[tuple[int, int, str]]:
    from pathlib import Path

    from lossflint.linter import RuleSet, lint_text
    from lossflint.registry import all_rules

    path = Path(__file__).resolve().parent.parent / "fixtures" / name
    result = lint_text(path.read_text(encoding="utf-8"), name, RuleSet(list(all_rules())), [])
    assert not result.errors, result.errors
    return [(d.location.row, d.location.column, d.code) for d in result.diagnostics]


def test_fixture_amp_training_has_its_two_bugs() -> None:
    assert _lint_fixture("amp_training.py") == [(77, 17, "LF302"), (83, 9, "LF309")]


def test_fixture_amp_training_fixed_is_clean_for_every_rule() -> None:
    assert _lint_fixture("amp_training_fixed.py") == []


def test_lf307_thresholds_are_options() -> None:
    from lossflint.linter import RuleSet, lint_text

    source = "import torch\nopt = torch.optim.Adam(p, lr=0.5)\nsgd = torch.optim.SGD(p, lr=0.5)\n"

    def rows(options: dict[str, float]) -> list[int]:
        result = lint_text(source, "x.py", RuleSet(["LF307"], {"LF307": options}), [])
        return [d.location.row for d in result.diagnostics]

    assert rows({}) == [2]
    assert rows({"adaptive_max": 1.0}) == []
    assert rows({"sgd_max": 0.5}) == [2, 3]


WEIRD = 'import torch\nfrom torch import nn\nasync def f(loader, opt, model):\n    async for x in loader:\n        opt.zero_grad()\n        model(x).backward()\n        opt.step()\n    else:\n        opt.step()\nwhile (x := next(it)) is not None:\n    match x:\n        case {"loss": loss}:\n            loss.backward()\n            opt.step()\n        case _:\n            pass\n    try:\n        opt.step()\n    except* ValueError:\n        opt.zero_grad()\n    [l.backward() for l in losses]\n    (lambda: loss.backward())()\n    opt.step() if cond else sched.step()\n    cond and opt.zero_grad()\n    torch.nn.utils.clip_grad_norm_(*args)\n    p.grad = None; q.grad.data.zero_()\n    a = b = torch.optim.Adam(p, lr=1)\n    opt.step(); x.step\nfor x in y: pass\nelse: loss.backward()\nwith torch.no_grad(), torch.autocast("cuda", enabled=flag): (yield)\n@torch.no_grad\n@torch.autocast("cuda")\nclass C: pass\nnn.init.constant_(*a)\nnn.init.constant_(w.weight, val=x)\n'


def test_unusual_syntax_is_analysed_without_errors() -> None:
    from lossflint.linter import RuleSet, lint_text
    from lossflint.registry import all_rules

    codes = [c for c in all_rules() if c.startswith("LF3")]
    result = lint_text(WEIRD, "weird.py", RuleSet(codes), [])
    assert not result.errors, result.errors
    # only the literal lr=1 of Adam: comprehension/lambda/match/`and` events are
    # never ordered against the loop's direct events
    assert [(d.location.row, d.code) for d in result.diagnostics] == [(27, "LF307")]


def test_comprehension_events_run_per_element() -> None:
    model = build("for b in data:\n    [l.backward() for l in b]\n    opt.step()\n")
    (loop,) = loops(model).loops
    backward = loop.of("backward")[0]
    assert backward.nested and not backward.direct


# --- property: correctly ordered loops are never reported ------------------------------

ORDER_RULES = ["LF301", "LF302", "LF303", "LF304", "LF305", "LF309", "LF310"]


@st.composite
def correct_training_script(draw: st.DrawFn) -> str:
    scaled = draw(st.booleans())
    zero_at_end = draw(st.booleans())
    body = []
    if not zero_at_end:
        body.append("optimizer.zero_grad()")
    body.append("loss = F.cross_entropy(model(x), y)")
    body.append("scaler.scale(loss).backward()" if scaled else "loss.backward()")
    update = []
    if draw(st.booleans()):
        if scaled:
            update.append("scaler.unscale_(optimizer)")
        update.append("torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)")
    update.append("scaler.step(optimizer)" if scaled else "optimizer.step()")
    if scaled:
        update.append("scaler.update()")
    if draw(st.booleans()):
        update.append("scheduler.step()")
    if zero_at_end:
        update.append("optimizer.zero_grad()")
    accumulate = draw(st.booleans())
    lines = ["for i, (x, y) in enumerate(loader):"]
    lines += [f"    {s}" for s in body]
    if accumulate:
        lines.append("    if (i + 1) % 4 == 0:")
        lines += [f"        {s}" for s in update]
        if not zero_at_end and "optimizer.zero_grad()" in body:
            # with accumulation the clearing belongs to the update
            lines.remove("    optimizer.zero_grad()")
            lines.append("        optimizer.zero_grad()")
    else:
        lines += [f"    {s}" for s in update]
    epochs = draw(st.booleans())
    if epochs:
        lines = (
            ["for epoch in range(3):", "    model.train()"]
            + [f"    {line}" for line in lines]
            + ["    model.eval()", "    evaluate(model)"]
        )
    where = draw(st.sampled_from(["module", "function"]))
    if where == "function":
        lines = ["def fit(model, loader, optimizer, scheduler, scaler):"] + [
            f"    {line}" for line in lines
        ]
    head = [
        "import torch",
        "import torch.nn.functional as F",
        "model = torch.nn.Linear(4, 2)",
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)",
        "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1)",
        "scaler = torch.amp.GradScaler('cuda')",
    ]
    return "\n".join(head + lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(correct_training_script())
def test_correctly_ordered_loops_are_silent(source: str) -> None:
    from lossflint.linter import RuleSet, lint_text

    result = lint_text(source, "train.py", RuleSet(ORDER_RULES), [])
    assert not result.errors, result.errors
    assert result.diagnostics == [], source


# --- same-file functions called in a loop (analysis/loop_callees.py) ------------

HELPER = """
import torch
from torch.nn.utils import clip_grad_norm_

def train_step(model, opt, criterion, x, y):
    opt.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    {body}
    return {ret}

def fit(model, opt, criterion, loader):
    running = 0.0
    for x, y in loader:
        {call}
    return running
"""


def _codes(source: str) -> list[tuple[str, int]]:
    from lossflint.linter import RuleSet, lint_text

    result = lint_text(source, "t.py", RuleSet.default(), [])
    return [(d.code, d.location.row) for d in result.diagnostics if d.code.startswith("LF3")]


def test_a_helper_called_in_a_loop_is_ordered_as_if_inlined() -> None:
    body = "opt.step()\n    clip_grad_norm_(model.parameters(), 1.0)"
    source = HELPER.format(
        body=body, ret="loss", call="running += train_step(model, opt, criterion, x, y)"
    )
    # the clip inside the helper (line 10) and the accumulation of its loss (line 16)
    assert _codes(source) == [("LF301", 10), ("LF306", 16)]
    index = loops(build(source))
    (loop,) = index.loops
    assert [e.kind for e in loop.events] == ["zero_grad", "backward", "step", "clip"]
    assert [e.event.receiver for e in loop.of("step", "zero_grad")] == ["opt", "opt"]


def test_a_helpers_clip_under_an_if_is_inlined_too() -> None:
    # whenever the configured clip runs, it runs after the step: as in a loop
    # body written out (issue 14: "a clip after step() under an if")
    body = "opt.step()\n    if log:\n        clip_grad_norm_(model.parameters(), 1.0)"
    source = HELPER.format(
        body=body, ret="loss.item()", call="running += train_step(model, opt, criterion, x, y)"
    )
    assert _codes(source) == [("LF301", 11)]
    (loop,) = loops(build(source)).loops
    assert [e.kind for e in loop.events] == ["zero_grad", "backward", "step", "clip"]


@pytest.mark.parametrize(
    ("body", "ret", "call"),
    [
        # clipped in time, and the helper returns a number
        (
            "clip_grad_norm_(model.parameters(), 1.0)\n    opt.step()",
            "loss.item()",
            "running += train_step(model, opt, criterion, x, y)",
        ),
        # the loss is detached before it is returned
        (
            "opt.step()\n    loss = loss.detach()",
            "loss",
            "running += train_step(model, opt, criterion, x, y)",
        ),
    ],
)
def test_helpers_that_stay_silent(body: str, ret: str, call: str) -> None:
    assert _codes(HELPER.format(body=body, ret=ret, call=call)) == []


# --- LF309 stays silent for models that compute the same in both modes -----------

LF309_LOOP = """
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

{model}

opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    for x, y in loader:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
"""

_PLAIN_NET = """
class Net(nn.Module):
    def __init__(self, hidden: int = 64):
        super().__init__()
        self.hidden = hidden
        self.fc1 = nn.Linear(4, hidden)
        self.fc2 = nn.Linear(hidden, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))
{extra}
model = Net()
"""


@pytest.mark.parametrize(
    ("model", "fires"),
    [
        (_PLAIN_NET.format(extra=""), False),
        (
            "model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))",
            False,
        ),
        ("model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 3))", True),
        ("model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))", True),
        ("model = nn.Sequential(nn.Linear(4, 8), nn.TransformerEncoderLayer(8, 2))", True),
        ("model = nn.Sequential(nn.LSTM(4, 8, 2, dropout=0.3))", True),
        ("model = torchvision.models.resnet18()", True),
        (
            _PLAIN_NET.format(
                extra="\n    def extra(self, x):\n        return F.dropout(x, 0.5, self.training)\n"
            ),
            True,
        ),
        # a module handed in and run: it may hold dropout
        (
            _PLAIN_NET.format(extra="")
            .replace("self.hidden = hidden", "self.body = body")
            .replace("hidden: int = 64", "hidden: int = 64, body=None")
            .replace("self.fc1(x)", "self.fc1(self.body(x))"),
            True,
        ),
        # ... handed in and never run (kept for a caller that never comes), or
        # a size kept beside the layers (audit s123's GCN layers): nothing to switch
        (
            _PLAIN_NET.format(extra="")
            .replace("self.hidden = hidden", "self.body = body")
            .replace("hidden: int = 64", "hidden: int = 64, body=None"),
            False,
        ),
        # a same-file helper builds the layers: batch norms there change in eval mode
        (
            _PLAIN_NET.format(extra="").replace("nn.Linear(4, hidden)", "make_layers(hidden)")
            + "\ndef make_layers(n):\n    return nn.Sequential(nn.Linear(4, n), nn.BatchNorm1d(n))\n",
            True,
        ),
        # ... and plain linear layers there do not
        (
            _PLAIN_NET.format(extra="").replace("nn.Linear(4, hidden)", "make_layers(hidden)")
            + "\ndef make_layers(n):\n    return nn.Sequential(nn.Linear(4, n), nn.ReLU())\n",
            False,
        ),
    ],
)
def test_lf309_and_what_eval_mode_changes(model: str, fires: bool) -> None:
    from lossflint.linter import RuleSet, lint_text

    source = LF309_LOOP.format(model=model)
    codes = [d.code for d in lint_text(source, "t.py", RuleSet.default(), []).diagnostics]
    assert ("LF309" in codes) is fires


# --- step functions: a body that is one iteration, with no loop of its own --------

STEP_FUNCTION = """
import torch
from ignite.engine import Engine


def main(model, loader):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10)

    def train_step(engine, batch):
        x, y = batch
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        {body}
        return loss.item()

    Engine(train_step).run(loader, max_epochs=3)
"""


@pytest.mark.parametrize(
    ("body", "codes"),
    [
        ("scheduler.step()\n        optimizer.step()", [("LF310", 15)]),
        (
            "optimizer.step()\n        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
            [("LF301", 16)],
        ),
        # the right order
        (
            "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n        optimizer.step()\n        scheduler.step()",
            [],
        ),
        # the plain step
        ("optimizer.step()", []),
    ],
)
def test_a_step_function_is_an_iteration(body: str, codes: list[tuple[str, int]]) -> None:
    assert _codes(STEP_FUNCTION.format(body=body)) == codes


def test_a_helper_no_loop_calls_is_a_step_function() -> None:
    # called outside any loop of the file (by a trainer elsewhere): its body is one
    # iteration, and the clip after its step is reported there
    body = "opt.step()\n    clip_grad_norm_(model.parameters(), 1.0)"
    assert _codes(HELPER.format(body=body, ret="loss", call="pass")) == [("LF301", 10)]


STEP_APPEND = """
import torch
from ignite.engine import Engine


def main(model, loader):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []

    def train_step(engine, batch):
        {local}x, y = batch
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        {append}
        return loss.item()

    Engine(train_step).run(loader, max_epochs=3)
"""


@pytest.mark.parametrize(
    ("local", "append", "codes"),
    [
        ("", "losses.append(loss)", [("LF306", 16)]),  # the closure's list outlives the call
        ("", "losses.append(loss.item())", []),
        ("losses = []\n        ", "losses.append(loss)", []),  # a list of this call only
    ],
)
def test_a_step_function_appending_its_loss(local: str, append: str, codes: list) -> None:
    assert _codes(STEP_APPEND.format(local=local, append=append)) == codes


def test_a_manual_lightning_step_keeping_its_losses() -> None:
    source = """
import lightning as L
import torch


class Lit(L.LightningModule):
    def training_step(self, batch, idx):
        opt = self.optimizers()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(self(batch[0]), batch[1])
        self.manual_backward(loss)
        opt.step()
        self.train_losses.append(loss)
"""
    assert _codes(source) == [("LF306", 13)]


@pytest.mark.parametrize(
    ("local", "append"),
    [
        # the loss is detached before it is kept (whichever binding reaches is unknown)
        ("", "loss = loss.detach()\n        losses.append(loss)"),
        # the list is emptied on every call: it holds one iteration's graph, not all
        ("", "losses.clear()\n        losses.append(loss)"),
    ],
)
def test_a_step_function_keeping_no_graph_across_calls(local: str, append: str) -> None:
    assert _codes(STEP_APPEND.format(local=local, append=append)) == []


def test_a_step_method_resetting_its_list_or_detaching_is_silent() -> None:
    source = """
import torch.nn.functional as F


class Trainer:
    def reset_step(self, x, y):
        self.parts = []
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        self.parts.append(loss)
        loss.backward()
        self.optimizer.step()

    def detached_name(self, x, y):
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        loss = loss.detach()
        self.losses.append(loss)

    def kept(self, x, y):
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        self.losses.append(loss)
"""
    assert _codes(source) == [("LF306", 27)]


def test_a_loss_detached_by_rebinding_in_a_loop_is_silent() -> None:
    source = """
import torch.nn.functional as F


def train(model, optimizer, loader):
    losses = []
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        loss = loss.detach()
        losses.append(loss)
    return losses
"""
    assert _codes(source) == []


def test_lf309_train_mode_restored_through_apply() -> None:
    # `model.apply(lambda m: m.train())` puts every submodule back in train mode;
    # `model.training = True` sets only the top module's flag (its dropout stays off)
    restored = LF309_LOOP.format(model="model = nn.Sequential(nn.Dropout(0.2))").replace(
        "    for x, y in loader:", "    model.apply(lambda m: m.train())\n    for x, y in loader:"
    )
    flagged = restored.replace("model.apply(lambda m: m.train())", "model.training = True")
    assert _codes(restored) == []
    assert _codes(flagged) == [("LF309", 16)]


AMP_STEP = """
import torch
from torch.nn.utils import clip_grad_norm_


def unscale_grads(scaler, opt):
    {unscale}


def train_step(model, opt, scaler, x):
    opt.zero_grad()
    with torch.autocast("cuda"):
        loss = model(x).mean()
    scaler.scale(loss).backward()
    unscale_grads(scaler, opt)
    clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(opt)
    scaler.update()
"""


@pytest.mark.parametrize(
    ("unscale", "sure"),
    [
        # the step function's same-file helper unscales before the clip
        ("scaler.unscale_(opt)", True),
        # ... only sometimes: which order runs is unknown, the function is left alone
        ("if scaler.is_enabled():\n        scaler.unscale_(opt)", False),
    ],
)
def test_a_step_function_inlines_its_same_file_helpers(unscale: str, sure: bool) -> None:
    source = AMP_STEP.format(unscale=unscale)
    index = loops(build(source))
    if sure:
        (step,) = index.step_functions
        kinds = [e.kind for e in step.events]
        assert kinds == ["zero_grad", "backward", "unscale", "clip", "step"]
        assert [e.event.receiver for e in step.of("unscale")] == ["opt"]
    else:
        assert index.step_functions == []
    assert _codes(source) == []  # no LF302: the clip comes after the unscale


FOREIGN_MODEL = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 10)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.fc(self.drop(x))


def load_model(path):
    model = Net()
    model.load_state_dict(torch.load(path))
    model.eval()
    return model
"""


@pytest.mark.parametrize(
    ("build_it", "fires"),
    [
        ("from models import Net\nmodel = Net()", True),
        # another module's loader hands it out: it may have called eval() (this one does)
        ("from models import load_model\nmodel = load_model('ckpt.pt')", False),
    ],
)
def test_lf603_on_a_model_of_another_module(tmp_path, build_it: str, fires: bool) -> None:
    import subprocess
    import sys

    (tmp_path / "models.py").write_text(FOREIGN_MODEL)
    (tmp_path / "predict.py").write_text(
        f"import torch\n{build_it}\nwith torch.no_grad():\n"
        "    pred = model(torch.randn(4, 10)).argmax(1)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--isolated", "--no-cache", "--exit-zero"]
        + ["--select", "LF603", "--output-format", "concise", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ("predict.py:5:12: LF603" in proc.stdout) is fires, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("max_norm", "clips"),
    [
        ("1.0", True),
        ("float('inf')", False),
        ("max_norm=math.inf", False),
        ("np.inf", False),
        ("torch.inf", False),
    ],
)
def test_a_clip_at_an_infinite_norm_only_measures(max_norm: str, clips: bool) -> None:
    source = (
        "import math\nimport numpy as np\nimport torch\n\n"
        "def fit(model, opt, loader):\n    for x in loader:\n"
        "        opt.zero_grad()\n        model(x).mean().backward()\n        opt.step()\n"
        f"        torch.nn.utils.clip_grad_norm_(model.parameters(), {max_norm})\n"
    )
    (loop,) = loops(build(source)).loops
    assert bool(loop.of("clip")) is clips
    assert _codes(source) == ([("LF301", 10)] if clips else [])


def test_a_helper_called_with_star_args_keeps_unknown_receivers() -> None:
    # `clear(*pair, flag)`: which parameter `flag` fills is unknown
    source = """
def clear(opt, flag):
    opt.zero_grad()


def fit(model, opt, loader, pair, flag):
    for x in loader:
        clear(*pair, flag)
        model(x).mean().backward()
        opt.step()
"""
    (loop,) = loops(build(source)).loops
    assert [e.event.receiver for e in loop.of("zero_grad")] == [None]
