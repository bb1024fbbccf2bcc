"""LF601 and LF602 build the data facts (a second run of the interpreter over
the whole module) only when a module can give them a finding
(``data_flow.may_leak``, ``data_flow.may_load_in_order``). The pre-checks
must never change a finding: every rule example and fixture gives the same
diagnostics with them and with them forced on."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from lossflint.analysis import data_flow
from lossflint.analysis.model import SemanticModel
from lossflint.linter import RuleSet, lint_text
from lossflint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
RULESET = RuleSet(["LF601", "LF602"])


def _sources() -> list[tuple[str, str]]:
    found = []
    for code, rule in all_rules().items():
        for kind in ("VALID", "INVALID"):
            for index, example in enumerate(getattr(rule, kind)):
                source = example if isinstance(example, str) else example.source
                found.append((f"{code}-{kind}-{index}", source))
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        try:
            found.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return found


def _findings(source: str) -> list[tuple[str, int, int, str]]:
    result = lint_text(source, "example.py", RULESET, [])
    return [(d.code, d.location.row, d.location.column, d.message) for d in result.diagnostics]


def test_the_prechecks_change_no_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = _sources()
    assert len(sources) > 500
    with_prechecks = [_findings(source) for _, source in sources]
    monkeypatch.setattr(data_flow, "may_leak", lambda model: True)
    monkeypatch.setattr(data_flow, "may_load_in_order", lambda model: True)
    rule_module = sys.modules[all_rules()["LF601"].__module__]
    monkeypatch.setattr(rule_module, "may_leak", lambda model: True)
    fired = 0
    for (name, source), found in zip(sources, with_prechecks, strict=True):
        assert _findings(source) == found, name
        fired += bool(found)
    assert fired > 10  # the comparison covers sources that do fire


def _model(source: str) -> SemanticModel:
    return SemanticModel(cst.parse_module(source), "train.py", source=source)


LOADER = "from torch.utils.data import DataLoader\n"


@pytest.mark.parametrize(
    "source",
    [
        LOADER + "dl = DataLoader(ds, batch_size=8)\n",
        LOADER + "dl = DataLoader(ds, 8, False)\n",
        LOADER + "make = DataLoader\ndl = make(ds)\n",
        LOADER + "make = functools.partial(DataLoader, batch_size=8)\n",
        LOADER + "class Loader(DataLoader):\n    pass\n",
        "from torch.utils.data import DataLoader as DL\ndl = DL(ds, shuffle=True)\n",
        "import torch.utils.data as tud\ndl = tud.DataLoader(ds)\n",
    ],
)
def test_a_loader_that_may_keep_its_order_runs_the_data_facts(source: str) -> None:
    assert data_flow.may_load_in_order(_model(source))


@pytest.mark.parametrize(
    "source",
    [
        "import torch\nx = 1\n",
        LOADER + "def f(loader: DataLoader) -> Optional[DataLoader]:\n"
        "    assert isinstance(loader, DataLoader)\n"
        "    return DataLoader(ds, batch_size=8, shuffle=True)\n",
        LOADER + "a = DataLoader(ds, sampler=RandomSampler(ds))\nb = DataLoader(*args)\n",
        # a shuffle not known to be False is taken as shuffled (precision first)
        LOADER + "dl = DataLoader(ds, shuffle=cfg.shuffle)\n",
    ],
)
def test_loaders_that_surely_shuffle_need_no_data_facts(source: str) -> None:
    assert not data_flow.may_load_in_order(_model(source))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from sklearn.preprocessing import StandardScaler as S\ns = S()\n", True),
        ("import sklearn.preprocessing as pp\nscale = pp.MinMaxScaler\n", True),
        ("norm = keras.layers.Normalization()\n", True),
        ("z = (x - x.mean()) / x.std()\n", True),
        ("z = (x - x.min()) / (x.max() - x.min())\n", True),
        ("import torch\nloss = criterion(out, y)\nm = out.mean()\n", False),
        ("layer = BatchNormalization()\n", False),
    ],
)
def test_leaks_are_looked_for_only_where_a_fit_can_be(source: str, expected: bool) -> None:
    assert data_flow.may_leak(_model(source)) is expected
