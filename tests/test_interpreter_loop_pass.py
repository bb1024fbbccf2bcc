"""A loop body's second pass is skipped when it would repeat the first
(``Interpreter._second_pass_repeats``; value kinds, and data flow after a
first pass that recorded nothing): everything the analyses record must be
what running the second pass records."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossflint.analysis.data_flow import DataFacts
from lossflint.analysis.kinds import KindAnalysis
from lossflint.analysis.model import SemanticModel

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p for p in (ROOT / "fixtures").rglob("*.py") if "projects" not in p.parts and p.stat().st_size
)


class _EveryPass(KindAnalysis):
    SKIPS_REPEATED_PASS = False


class _EveryDataPass(DataFacts):
    SKIPS_REPEATED_PASS = False


class _CountingData(DataFacts):
    skipped = 0

    def _second_pass_repeats(self, before: dict[str, Any], after: dict[str, Any]) -> bool:
        found = super()._second_pass_repeats(before, after)
        type(self).skipped += found
        return found


class _Counting(KindAnalysis):
    skipped = 0

    def _second_pass_repeats(self, before: dict[str, Any], after: dict[str, Any]) -> bool:
        found = super()._second_pass_repeats(before, after)
        type(self).skipped += found
        return found


def _state(kinds: KindAnalysis) -> dict[str, Any]:
    return {
        "values": [(id(k), v) for k, v in kinds.values.items()],
        "losses": [
            (id(k), c.functional, id(c.input_expr), id(c.target_expr), id(c.ctor), c.where)
            for k, c in kinds.loss_calls.items()
        ],
        "returns": {id(k): v for k, v in kinds._returns.items()},
        "pins": {id(k): v for k, v in kinds._pins.items()},
        "captures": {id(k): v for k, v in kinds._captures.items()},
        "views": {id(k): v for k, v in kinds._views.items()},
        "globals": kinds._globals,
        "unpinnable": {id(f) for f in kinds._unpinnable},
    }


def _data_state(facts: DataFacts) -> dict[str, Any]:
    return {
        "values": [(id(k), v) for k, v in facts.values.items()],
        "loaders": [
            (id(k), id(v.call), v.ordered, v.explicit, id(v.shuffle_arg))
            for k, v in facts.loaders.items()
        ],
        "leaks": [(id(x.fit), id(x.split), x.how, x.scaler) for x in facts.leaks],
        "fits": [(v, id(c)) for v, c in facts.lightning_fits],
        "next": [(id(k), v) for k, v in facts.next_calls.items()],
        "slices": [(id(k), [(a, b, id(c)) for a, b, c in v]) for k, v in facts._slices.items()],
        "adapted": [(k, id(c), key) for k, (c, key) in facts._adapted.items()],
        "returns": {id(k): v for k, v in facts._returns.items()},
        "pins": {id(k): v for k, v in facts._pins.items()},
        "captures": {id(k): v for k, v in facts._captures.items()},
        "globals": facts._globals,
    }


def _check(text: str) -> None:
    try:
        module = cst.parse_module(text)
    except Exception:
        return
    model = SemanticModel(module, "t.py")
    assert _state(KindAnalysis(model)) == _state(_EveryPass(model))
    assert _data_state(DataFacts(model)) == _data_state(_EveryDataPass(model))


STRESS = """
import torch
import torch.nn.functional as F

def calls_a_local_bound_later(x, y):
    for step in range(3):
        if step:
            z = act(x)
        act = F.softmax
        loss = F.nll_loss(torch.log(act(x, 1)), y)
        total = loss if step else 0.0
    return total

def imports_inside(x):
    for _ in range(2):
        s = softmax(x, 1)
        from torch.nn.functional import softmax
    return s

def with_nested(x):
    def helper():
        return probs
    for _ in range(2):
        out = helper()
        probs = torch.softmax(x, 1)
    probs = torch.softmax(x, 1)
    return helper(), out

def import_with_fallback(x):
    for _ in range(2):
        s = softmax(x, 1)
        try:
            from torch.nn.functional import softmax
        except ImportError:
            softmax = None
    return s

def global_name(x):
    global shared
    for _ in range(2):
        y = shared
        shared = torch.softmax(x, 1)
    return y

def nested_loops(model, loader, opt):
    crit = torch.nn.CrossEntropyLoss()
    for epoch in range(2):
        for xb, yb in loader:
            out = model(xb)
            loss = crit(torch.softmax(out, 1), yb)
            loss.backward()
            opt.step()
            last = loss
    return last

for i in range(3):
    module_level = torch.softmax(torch.randn(2, 3), 1)
    later = F.nll_loss(module_level, torch.tensor([0, 1]))

from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset
import pytorch_lightning as pl

def data_in_loops(X, y, model, opt):
    for fold in range(3):
        X_tr, X_te = train_test_split(X_scaled)
        scaler = StandardScaler()
        X_scaled = scaler.fit_transform(X)
        head = X_scaled[:100]
        tail = X_scaled[100:]
    for epoch in range(2):
        loader = DataLoader(TensorDataset(X, y), batch_size=8)
        for xb, yb in loader:
            model(xb).sum().backward()
            opt.step()
        batch = next(iter(loader))
    trainer = pl.Trainer()
    for _ in range(2):
        trainer.fit(model, loader)
    return batch

def quiet_loops(xs):
    total = 0
    for x in xs:
        for y in xs:
            total = total + x * y
    return total
"""


def test_the_skip_happens_and_changes_nothing() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from lsp_bench import generate

    for text in (STRESS, generate(300)):
        _check(text)
        _Counting.skipped = _CountingData.skipped = 0
        model = SemanticModel(cst.parse_module(text), "t.py")
        _Counting(model)
        _CountingData(model)
        assert _Counting.skipped > 0
        assert _CountingData.skipped > 0


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixtures_record_what_every_pass_records(path: Path) -> None:
    _check(path.read_text(encoding="utf-8"))


PIECES = [
    "    for q in range(2):\n",
    "        s = StandardScaler().fit_transform(w)\n",
    "        a, b = train_test_split(s)\n",
    "        w = DataLoader(v, shuffle=False)\n",
    "        u = next(iter(w))\n",
    "        p = s[:10]\n",
    "        w = F.softmax(w, 1)\n",
    "        v = w(1)\n",
    "    global g\n",
    "    def inner():\n        return w\n",
    "import torch.nn.functional as F\n",
    "w = 1\n",
    "        return w\n",
    "        break\n",
    "    while w:\n",
    "        w = torch.log(v)\n",
]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from([*FIXTURES[:8], None]),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10**6), st.sampled_from(PIECES)),
        min_size=1,
        max_size=6,
    ),
)
def test_random_loops_record_what_every_pass_records(path: Path | None, edits: list) -> None:
    text = path.read_text(encoding="utf-8") if path is not None else STRESS
    for where, insert in edits:
        where = where % (len(text) + 1)
        where = text.rfind("\n", 0, where) + 1
        text = text[:where] + insert + text[where:]
    _check(text)
