"""analysis/index.py's shared walks (the language server's worker): a
version's unchanged top-level statements are not walked again, their walks
are spliced in, and the index is exactly the one a whole walk builds -- the
same parents, scopes, bindings, calls and assignments, in the same order --
whatever the edit; the findings are the whole parse's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossflint.analysis import index
from lossflint.analysis.index import ModuleIndex, SharedWalks
from lossflint.linter import RuleSet, lint_text
from lossflint.lsp.reparse import Reparser
from tests.random_edits import apply_edit, edits

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p for p in (ROOT / "fixtures").rglob("*.py") if "projects" not in p.parts and p.stat().st_size
)
RULES = RuleSet.default()
PIECES = [
    "x",
    "0",
    "\n",
    "    ",
    ":",
    "(",
    ")",
    "'",
    "pass\n",
    "else:\n",
    "    pass\n",
    "def h():\n",
    "    global x\n",
    "    nonlocal x\n",
    "    yield x\n",
    "x = 1\n",
    "z = f(x)\n",
    "class C:\n",
    "import torch\n",
    "from torch import nn\n",
    "lambda q: q(1)\n",
    "@d\n",
]


def _shape(model: ModuleIndex) -> dict[str, Any]:
    """Everything the walk found, by node identity, in order."""

    def scope(s: index.Scope) -> tuple[Any, ...]:
        return (
            s.kind,
            id(s.node),
            id(s.parent.node) if s.parent is not None else None,
            [(k, [(b.kind, id(b.node), b.qualname) for b in v]) for k, v in s.bindings.items()],
            sorted(s.globals),
            sorted(s.nonlocals),
        )

    return {
        "parents": [(id(k), id(v)) for k, v in model.parents.items()],
        "scopes": [(id(k), scope(v)) for k, v in model.scopes.items()],
        "module": scope(model.module_scope),
        "calls": [(id(c.node), id(c.scope.node), c.qualname) for c in model.calls],
        "generators": sorted(id(g) for g in model.generators),
        "assignments": [(id(k), [id(a) for a in v]) for k, v in model.assignments.items()],
    }


@pytest.fixture
def shared() -> Iterator[SharedWalks]:
    walks = index.share_walks()
    try:
        yield walks
    finally:
        index.stop_sharing_walks()


def _check(walks: SharedWalks, reparser: Reparser, text: str) -> None:
    module = reparser.parse(text)
    if module is None:
        try:
            module = cst.parse_module(text)
        except Exception:
            return
    spliced = ModuleIndex(module, "t.py")
    index.stop_sharing_walks()
    try:
        whole = ModuleIndex(module, "t.py")
        expected = lint_text(text, "t.py", RULES, []).diagnostics
    finally:
        index._SHARED_WALKS = walks
    assert _shape(spliced) == _shape(whole)
    assert lint_text(text, "t.py", RULES, [], module).diagnostics == expected


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(FIXTURES),
    edits(PIECES, 4),
)
def test_random_edits_index_as_a_whole_walk(shared: SharedWalks, path: Path, edits: list) -> None:
    text = path.read_text(encoding="utf-8")
    reparser = Reparser()
    _check(shared, reparser, text)
    for where, delete, insert, at_line_start in edits:
        text = apply_edit(text, where, delete, insert, at_line_start)
        _check(shared, reparser, text)


def test_module_level_oddities(shared: SharedWalks) -> None:
    """Bindings a function makes in the module's scope (``global``), a
    module-level ``global``, the same name bound by several statements."""
    text = (
        "import torch\n"
        "global g\n"
        "x = 1\n"
        "def f():\n"
        "    global x, y\n"
        "    x = torch.ones(1)\n"
        "    y = lambda q: q(x)\n"
        "    def inner():\n"
        "        nonlocal_ = [v for v in range(3)]\n"
        "        yield nonlocal_\n"
        "    return inner\n"
        "x = f()\n"
        "class C:\n"
        "    x = 2\n"
        "    def m(self):\n"
        "        return x\n"
        "y = C().m()\n"
    )
    reparser = Reparser()
    _check(shared, reparser, text)
    _check(shared, reparser, text.replace("x = 2", "x = 3"))
    _check(shared, reparser, text.replace("    global x, y\n", ""))


def test_only_edited_statements_are_walked_again(shared: SharedWalks) -> None:
    functions = [
        f"def f{i}(x):\n    return torch.log(torch.softmax(x, {i}))\n\n" for i in range(40)
    ]
    text = "import torch\n\n" + "".join(functions)
    reparser = Reparser()
    ModuleIndex(reparser.parse(text) or cst.parse_module(text))
    walked = shared.walked
    edited = text.replace("softmax(x, 7)", "softmax(x, 8)")
    _check(shared, reparser, edited)
    assert shared.walked - walked == 1
