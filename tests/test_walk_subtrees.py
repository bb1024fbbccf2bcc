"""analysis/walk.py's subtree memo: every answer through a memo (one model's,
or the language server's shared one, kept across versions by node) is the
answer of a fresh walk -- the same nodes, in the same order -- whatever was
kept before, whatever was evicted; and the findings of a lint with the memo
shared across edited versions are those of a lint without it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossflint.analysis import index, walk
from lossflint.analysis.index import ModuleIndex
from lossflint.analysis.walk import SubtreeMemo, calls_in, descendants, memo_of, nodes_in
from lossflint.linter import RuleSet, lint_text
from lossflint.lsp.reparse import Reparser
from tests.random_edits import apply_edit, edits

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p for p in (ROOT / "fixtures").rglob("*.py") if "projects" not in p.parts and p.stat().st_size
)
RULES = RuleSet.default()
#: the types the analyses ask for, and two sets asked together
KINDS = [cst.Call, cst.Name, cst.Attribute, cst.Lambda, cst.Assign, cst.AssignTarget]
MIXES = [
    (cst.For, cst.While),
    (cst.Attribute, cst.Call, cst.Assign, cst.AnnAssign),
]


def _ids(nodes: Iterator[cst.CSTNode] | list[cst.CSTNode]) -> list[int]:
    return [id(n) for n in nodes]


def _check_node(memo: SubtreeMemo, node: cst.CSTNode) -> None:
    every = list(descendants(node))
    assert _ids(memo.get(node).nodes) == _ids(every[1:])
    for kind in KINDS:
        expected = [n for n in every if type(n) is kind]
        assert _ids(nodes_in(node, kind, memo=memo)) == _ids(expected)
    for kinds in MIXES:
        expected = [n for n in every if type(n) in kinds]
        assert _ids(nodes_in(node, *kinds, memo=memo)) == _ids(expected)
    assert _ids(calls_in(node, memo)) == _ids(n for n in every if type(n) is cst.Call)


def _modules() -> Iterator[cst.Module]:
    for path in FIXTURES:
        try:
            yield cst.parse_module(path.read_text(encoding="utf-8"))
        except (cst.ParserSyntaxError, UnicodeDecodeError):
            continue


@pytest.mark.parametrize("order", ["source", "inner first", "shuffled"])
def test_every_node_of_every_fixture(order: str) -> None:
    """Asked in source order (nothing kept below), inner nodes first (every
    child's subtree kept and spliced) and at random."""
    rng = random.Random(7)
    for module in _modules():
        nodes = list(descendants(module))
        if order == "inner first":
            nodes.reverse()
        elif order == "shuffled":
            rng.shuffle(nodes)
        memo = SubtreeMemo()
        for node in nodes:
            _check_node(memo, node)


def test_a_bounded_memo_evicts_and_answers_the_same() -> None:
    """A budget of a few hundred listed nodes: entries come and go, answers
    stay a fresh walk's."""
    rng = random.Random(3)
    for module in list(_modules())[:40]:
        memo = SubtreeMemo(size=16, held=300)
        nodes = list(descendants(module))
        for node in rng.sample(nodes, min(len(nodes), 150)):
            _check_node(memo, node)
            assert len(memo) <= 16
            assert memo.held <= 300 or len(memo) == 1
            assert memo.held == sum(len(s.nodes) for s in memo._items.values())


def test_a_module_keeps_its_statements() -> None:
    """A module's subtree is spliced from its statements' (kept for the next
    version, which shares most of them)."""
    module = cst.parse_module("def f(x):\n    return g(x)\n\nclass C:\n    y = h()\n")
    memo = SubtreeMemo(size=100)
    memo.get(module)
    for statement in module.body:
        assert statement in memo._items
    walked = memo.walked
    second = module.with_changes(body=[*module.body, cst.parse_statement("z = 1\n")])
    _check_node(memo, second)
    # the new module and the new statement: the old statements were kept
    assert memo.walked == walked + 2


def test_derived_is_built_once() -> None:
    memo = SubtreeMemo()
    node = cst.parse_module("a.b(c.d)\n")
    built: list[int] = []

    def count(under: walk.Subtree) -> int:
        built.append(1)
        return len(under.nodes)

    assert memo.get(node).derived(count) == memo.get(node).derived(count)
    assert len(built) == 1


def test_own_returns_while_shared_are_the_walks() -> None:
    """``own_returns`` through the shared memo (listed once per function node)
    gives the plain walk's returns: a nested def's, class's and lambda's
    left out, in source order -- for every function of every fixture, asked
    inner functions first and outer first."""
    before = walk._SHARED
    try:
        for module in _modules():
            funcs = [n for n in descendants(module) if type(n) is cst.FunctionDef]
            walk.stop_sharing_subtrees()
            expected = {id(f): _ids(walk.own_returns(f)) for f in funcs}
            for order in (funcs, funcs[::-1]):
                walk.share_subtrees()
                for func in order:
                    assert _ids(walk.own_returns(func)) == expected[id(func)]
                    assert _ids(walk.own_returns(func)) == expected[id(func)]
        nested = cst.parse_module(
            "def f(a=lambda: 1):\n"
            "    def g():\n        return 1\n"
            "    class C:\n        def m(self):\n            return 2\n"
            "    if a:\n        return 3\n"
            "    h = lambda: 4\n"
            "    return 5\n"
        ).body[0]
        assert isinstance(nested, cst.FunctionDef)
        walk.share_subtrees()
        assert [cst.Module([]).code_for_node(r.value) for r in walk.own_returns(nested)] == [
            "3",
            "5",
        ]
    finally:
        walk._SHARED = before


def test_memo_of_a_model() -> None:
    """One memo per model, or the shared one when the process shares."""
    before = walk._SHARED  # an earlier test's Runner() may have left one on
    walk.stop_sharing_subtrees()
    try:
        model = ModuleIndex(cst.parse_module("f(x)\n"))
        assert memo_of(model) is memo_of(model)
        assert memo_of(model) is not memo_of(ModuleIndex(cst.parse_module("f(x)\n")))
        shared = walk.share_subtrees()
        assert memo_of(model) is shared
    finally:
        walk._SHARED = before


@pytest.fixture
def shared() -> Iterator[SubtreeMemo]:
    before = walk._SHARED
    memo = walk.share_subtrees(size=512, held=20_000)
    try:
        yield memo
    finally:
        walk._SHARED = before


def _findings(text: str, module: cst.Module | None = None) -> list[object]:
    return list(lint_text(text, "t.py", RULES, [], module).diagnostics)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(FIXTURES),
    edits(["x", "\n", "    ", "pass\n", "model.eval()\n", "f(y)\n", "(", "0"], 4),
)
def test_edited_versions_lint_as_without_the_memo(
    shared: SubtreeMemo, path: Path, edits: list
) -> None:
    """The worker's case: versions of one text reparsed (unchanged statements
    are the same nodes), the memo shared and bounded; every version's
    findings are those of a lint with no memo at all."""
    text = path.read_text(encoding="utf-8")
    reparser = Reparser()
    versions = [text]
    for where, delete, insert, at_line_start in edits:
        text = apply_edit(text, where, delete, insert, at_line_start)
        versions.append(text)
    for version in versions:
        module = reparser.parse(version)
        if module is None:
            continue
        with_memo = _findings(version, module)
        walk.stop_sharing_subtrees()
        try:
            without = _findings(version)
        finally:
            walk._SHARED = shared
        assert with_memo == without


# --- the model's nodes by type (ModuleIndex.nodes_of_type) -----------------------------


def _check_types(model: ModuleIndex) -> None:
    every = list(model.parents)
    for kind in {type(n) for n in every}:
        assert _ids(model.nodes_of_type(kind)) == _ids(n for n in every if type(n) is kind)
    for kinds in [*MIXES, (cst.Call, cst.Assign, cst.AugAssign, cst.AnnAssign)]:
        assert _ids(model.nodes_of_type(*kinds)) == _ids(n for n in every if type(n) in kinds)


def test_nodes_of_type_in_the_walks_order() -> None:
    for module in _modules():
        _check_types(ModuleIndex(module))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(FIXTURES),
    edits(["x", "\n", "    ", "pass\n", "y += 1\n", "a.b = c\n", "(", "0"], 4),
)
def test_nodes_of_type_with_shared_walks(path: Path, edits: list) -> None:
    """Kept per top-level statement across reparsed versions (the worker):
    the same nodes, in the order of the version's own parent map."""
    text = path.read_text(encoding="utf-8")
    reparser = Reparser()
    before = index._SHARED_WALKS
    index.share_walks()
    try:
        for where, delete, insert, at_line_start in [(0, 0, "", False), *edits]:
            text = apply_edit(text, where, delete, insert, at_line_start)
            module = reparser.parse(text)
            if module is not None:
                _check_types(ModuleIndex(module))
    finally:
        index._SHARED_WALKS = before


def test_an_edit_lists_only_what_changed(shared: SubtreeMemo) -> None:
    """The worker's memo after a one-character edit in one of 30 training
    functions: the subtrees listed again are that function's (and the new
    module's), not every function's and loop's."""
    blocks = [
        f"def train{i}(model, loader, opt):\n"
        f"    for x, y in loader:\n"
        f"        loss = model(x).sum() * {i}\n"
        f"        loss.backward()\n"
        f"        opt.step()\n"
        f"    model.eval()\n"
        f"    with torch.no_grad():\n"
        f"        acc = (model(x).argmax(1) == y).float().mean()\n\n"
        for i in range(30)
    ]
    text = "import torch\n\n" + "".join(blocks)
    reparser = Reparser()
    first = _findings(text, reparser.parse(text))
    listed = shared.walked
    assert listed >= 30  # every function was asked about
    edited = text.replace("sum() * 7", "sum() * 8")
    assert _findings(edited, reparser.parse(edited)) == first
    assert shared.walked - listed <= 2


def test_the_worker_shares_subtrees() -> None:
    from lossflint.lsp.jobs import Runner

    before = walk._SHARED, index._SHARED_WALKS
    walk.stop_sharing_subtrees()
    try:
        Runner()
        assert walk._SHARED is not None
    finally:
        walk._SHARED, index._SHARED_WALKS = before


def test_an_interrupted_index_is_not_kept() -> None:
    """The worker cancels a lint by raising in its thread, anywhere: a by-type
    index cut short must not stay behind for the next versions."""

    class _Cut(list):  # type: ignore[type-arg]
        def __iter__(self) -> Iterator[cst.CSTNode]:
            for i, node in enumerate(list.__iter__(self)):
                if i == 3:
                    raise KeyboardInterrupt
                yield node

    nodes = list(descendants(cst.parse_module("f(a, b(c), d(e))\n")))
    under = walk.Subtree(_Cut(nodes))
    with pytest.raises(KeyboardInterrupt):
        under.positions_of(cst.Call)
    under.nodes = nodes
    assert _ids(under.of_type(cst.Call)) == _ids(n for n in nodes if type(n) is cst.Call)
