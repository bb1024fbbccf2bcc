"""Positions computed per top-level statement (analysis/positions.py) are
those of libcst's whole-module position provider, node for node."""

from __future__ import annotations

from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from libcst.metadata import MetadataWrapper, PositionProvider

from lossflint.analysis.index import ModuleIndex

ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    "x = 1",  # no trailing newline
    "# header comment\n\n#!more\nimport torch\n\n\n# leading comment\ny = torch.log(p)\n",
    "a = 1; b = torch.log(a)\r\nif a:\r\n    c = [\r\n        1,\r\n    ]\r\n",  # \r\n
    "a = 1\rb = (2 +\r 3)\r",  # old Mac line ends
    "@decorator\n# between\n@other(1)\ndef f(x):\n    '''doc\n    string'''\n    return x\n",
    'class A:\n    s = """\n\n"""\n    def g(self): return 1\n\n\n\n# footer comment\n',
    "x = '\\\n'\nif x:\n\tpass\n\x0c\ny = 2\n",  # continuation, tab, form feed
    "async def f():\n    async with a as b:\n        await b\n\n# trailing\n\n",
]


def _compare(text: str) -> int:
    module = cst.parse_module(text)
    index = ModuleIndex(module)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = [n for n in index.parents if n in whole]
    for node in nodes:
        assert index.position(node) == whole[node], (type(node).__name__, text)
    return len(nodes)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts(text: str) -> None:
    assert _compare(text) > 0


def test_every_fixture_file() -> None:
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    assert len(files) > 20
    compared = 0
    for path in files:
        try:
            compared += _compare(path.read_text(encoding="utf-8"))
        except (cst.ParserSyntaxError, UnicodeDecodeError):
            continue  # the LF900 fixtures
    assert compared > 5000


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_programs(text: str) -> None:
    try:
        cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return
    _compare(text)


def test_only_the_statements_asked_for_are_resolved() -> None:
    text = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(50))
    module = cst.parse_module(text)
    index = ModuleIndex(module)
    assert not index.positions_used
    target = module.body[30]
    assert isinstance(target, cst.FunctionDef)
    assert index.position(target.name).start.line == 91
    assert index.positions_used
    assert list(index._positions._done) == [target]
