"""``ModuleIndex.source_key`` orders a module's nodes as their positions do,
without resolving any position (it runs on every lint: the data loaders two
branches build, the divisions LF206 reads)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from lossflint.analysis.model import SemanticModel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_source_key_sorts_calls_and_operations_as_their_positions_do() -> None:
    checked = 0
    for path in sorted(FIXTURES.rglob("*.py"))[:200]:
        try:
            module = cst.parse_module(path.read_text(encoding="utf-8"))
        except cst.ParserSyntaxError:
            continue
        model = SemanticModel(module, path.name)
        nodes = [n for n in model.parents if type(n) in (cst.Call, cst.BinaryOperation)]
        by_key = sorted(nodes, key=model.source_key)
        assert not model.positions_used  # no position resolved
        starts = [(model.position(n).start.line, model.position(n).start.column) for n in by_key]
        assert starts == sorted(starts), path
        checked += len(nodes)
    assert checked > 1000


def test_source_key_puts_outer_before_inner_and_a_statement_first() -> None:
    module = cst.parse_module("a = f(g(x))\nif y:\n    z = h(1) / k(2)\n")
    model = SemanticModel(module, "t.py")
    calls = [n for n in model.parents if type(n) is cst.Call]
    names = [cst.ensure_type(c.func, cst.Name).value for c in sorted(calls, key=model.source_key)]
    assert names == ["f", "g", "h", "k"]
    first, second = module.body
    assert model.source_key(first) < model.source_key(calls[0]) < model.source_key(second)
