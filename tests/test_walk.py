"""analysis/walk.py walks syntax nodes in the order libcst's visitor does."""

from __future__ import annotations

from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from lossflint.analysis.walk import calls_in, descendants

ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    "@deco(a())\nclass C(b(), metaclass=m()):\n    @d()\n    def f(x=g(), /, y=h(), *a, z=i(), **k) -> r():\n        return j()\n",
    "v = a() if b() else c()\n",
    "try:\n    f()\nexcept g() as e:\n    h()\nelse:\n    i()\nfinally:\n    j()\n",
    "f(c(), k=a(), *b(), **d())\n",
    "lam = lambda x=a(): b(x)\n[c(i) for i in d() if e(i)]\n{f(): g() for k in h()}\n",
    "x: a() = b()\nwith c() as d, e():\n    f'{g()!r:{h()}}'\n",
]


def _visitor_order(node: cst.CSTNode) -> list[cst.CSTNode]:
    seen: list[cst.CSTNode] = []

    class _All(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            seen.append(n)
            return True

    node.visit(_All())
    return seen


def _same_order(text: str) -> None:
    module = cst.parse_module(text)
    ours = list(descendants(module))
    mine = set(map(id, ours))
    theirs = [n for n in _visitor_order(module) if id(n) in mine]
    assert [id(n) for n in ours] == [id(n) for n in theirs]
    calls = [n for n in _visitor_order(module) if isinstance(n, cst.Call)]
    assert calls_in(module) == calls


@pytest.mark.parametrize("text", TRICKY)
def test_tricky(text: str) -> None:
    _same_order(text)


def test_fixture_files() -> None:
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        try:
            _same_order(path.read_text(encoding="utf-8"))
        except (cst.ParserSyntaxError, UnicodeDecodeError):
            continue


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated(text: str) -> None:
    try:
        cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return
    _same_order(text)


def test_own_returns_skip_nested_functions_and_classes() -> None:
    from lossflint.analysis.walk import own_returns

    module = cst.parse_module(
        "def f(x):\n"
        "    if x:\n"
        "        return 1\n"
        "    def g():\n"
        "        return 2\n"
        "    class C:\n"
        "        def h(self):\n"
        "            return 3\n"
        "    for i in x:\n"
        "        return i\n"
        "    return\n"
    )
    func = module.body[0]
    assert isinstance(func, cst.FunctionDef)
    values = [module.code_for_node(r.value) if r.value else None for r in own_returns(func)]
    assert values == ["1", "i", None]


def test_an_import_without_as_binds_its_name() -> None:
    # ``from sklearn import metrics`` rebinds a notebook's ``metrics`` list (audit s157)
    from lossflint.analysis.walk import bound_names

    module = cst.parse_module("from sklearn import metrics\nimport os.path\nimport numpy as np\n")
    assert [sorted(bound_names(s)) for s in module.body] == [["metrics"], ["os"], ["np"]]


def _bound_by_one_walk(node: cst.CSTNode) -> set[str]:
    """What ``bound_names`` answers, by one plain walk of every node under
    ``node`` (the memo built from inner statements is what is checked)."""
    from lossflint.analysis.walk import descendants, names_bound_here

    found: set[str] = set()
    for inner in descendants(node):
        found |= names_bound_here(inner)
    return found


def test_bound_names_built_from_inner_statements_equal_one_walk() -> None:
    # each statement's names come from its inner statements' memo entries:
    # the same as walking everything under it, at every level, in any order
    from pathlib import Path

    from lossflint.analysis.walk import bound_names, descendants, forget_bound_names

    fixtures = sorted(Path(__file__).resolve().parent.parent.joinpath("fixtures").rglob("*.py"))
    assert fixtures
    checked = 0
    for path in fixtures:
        try:
            module = cst.parse_module(path.read_text(encoding="utf-8"))
        except (cst.ParserSyntaxError, UnicodeDecodeError):
            continue  # the fixtures of LF900
        forget_bound_names()
        nodes = [n for n in descendants(module) if isinstance(n, cst.BaseStatement)]
        # innermost first for half of the files, outermost first for the rest
        for node in reversed(nodes) if checked % 2 else nodes:
            assert bound_names(node) == _bound_by_one_walk(node), path
        checked += 1
    assert checked > 20
    nested = cst.parse_module(
        "def f(a):\n"
        "    for i, (x, y) in enumerate(a):\n"
        "        with open(x) as fh:\n"
        "            if (n := len(y)):\n"
        "                global G\n"
        "                del z\n"
        "                class C:\n"
        "                    w = [q for q in fh]\n"
    )
    forget_bound_names()
    assert bound_names(nested.body[0]) == {"f", "i", "x", "y", "fh", "n", "G", "z", "C", "w", "q"}
