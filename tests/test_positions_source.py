"""Positions of a module whose source text is known: top-level statements'
first lines come from CPython's parser instead of a code generation of
everything above them (analysis/positions.py, ``_starts_from_source``); they
must be the position provider's, node for node, and the fast path must really
be taken (or refuse, and the printed count be used)."""

from __future__ import annotations

import random
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from libcst.metadata import CodePosition, MetadataWrapper, PositionProvider

from lossflint.analysis import positions
from lossflint.analysis.index import ModuleIndex

ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    "x = 1",
    "# header\n\n#!more\nimport torch\n\n\n# leading comment\ny = torch.log(p)\n",
    "a = 1; b = torch.log(a)\r\nif a:\r\n    c = [\r\n        1,\r\n    ]\r\n",
    "a = 1\rb = (2 +\r 3)\r# c\r\rz = 3\r",
    "x = 1\n\n# lead\n@decorator\n# between\n@other(1)\ndef f(x):\n    '''doc\n    string'''\n    return x\n",
    'class A:\n    s = """\n\n"""\n    def g(self): return 1\n\n\n\n# footer comment\n',
    "x = '\\\n'\nif x:\n\tpass\n\x0c\ny = 2\n",
    "async def f():\n    async with a as b:\n        await b\n\n# trailing\n\n",
    "(\n    a\n) = 1\n(\n  b\n)\nx = 1;\n",
    "try:\n    pass\nexcept* E:\n    pass\n\n\n@ d\nclass C: pass\n",
    "match p:\n    case [x, *_]:\n        pass\n    case _:\n        pass\ny = [\n1]\n",
    # statements inside classes and functions, printed on their own
    "class A:\n    # lead\n\n    x = 1; y = (\n  2)\n    @property\n    # between\n    @d(1)\n"
    "    def f(self):\n        '''doc\n\n'''\n        return g(self)\n\n    class B:\n"
    "        def h(self): return 1\n",
    "def outer():\n  def inner():\n      return [\n1]\n  async def a():\n   await b\n  return inner\n",
    "class C:\n    @(\n        d\n    )\n    def f(self):\n        pass\n    def g(self): pass\n",
    # loops, branches, with and try bodies, printed on their own
    "def f(xs):\n    for x in xs:\n        # c\n        if x:\n            y = g(x)\n        elif x:\n"
    "            pass\n        else:\n            z = 1\n    else:\n        w = 2\n"
    "    while True:\n        with a as b, c:\n            try:\n                q = b\n"
    "            except E:\n                r = 1\n            finally:\n                s = 2\n",
    "async def f():\n    async for x in y:\n        async with z:\n            await x\n"
    "    for i in r: j = i\n    if a: b = 1\n",
    "class \\\n  Odd:\n    def \\\n    m(self): pass\n    async  def\tn(self): pass\n",
    "if x:\n\tdef f():\n\t\treturn 1\n\tclass K:\n\t\tpass\n",
    "try:\n    pass\nexcept* E:\n    def h(): pass\nelse:\n    class D: pass\n",
]


def _compare(text: str) -> int:
    """Every node's position, asked outer nodes first, inner nodes first
    (each then printed with the innermost statement around it, or read off
    the source for a definition's name) and in a random order."""
    module = cst.parse_module(text)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = [n for n in ModuleIndex(module, source=text).parents if n in whole]
    shuffled = list(nodes)
    random.Random(len(text)).shuffle(shuffled)
    for order in (nodes, nodes[::-1], shuffled):
        index = ModuleIndex(module, source=text)
        for node in order:
            assert index.position(node) == whole[node], (type(node).__name__, text)
    return len(nodes)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_with_their_source(text: str) -> None:
    assert _compare(text) > 0


@pytest.mark.parametrize("text", TRICKY)
def test_the_source_gives_the_printed_line_starts(text: str) -> None:
    module = cst.parse_module(text)
    fast = positions._starts_from_source(module, text)
    assert fast is not None  # none of these needs the printed count
    assert fast == positions.LazyPositions(module, {})._line_starts()


def test_a_decorator_starting_on_a_later_line_is_printed_instead() -> None:
    text = "x = 1\n@(\n    d\n)\ndef f(): pass\n"
    module = cst.parse_module(text)
    assert positions._starts_from_source(module, text) is None
    assert _compare(text) > 0


def test_a_source_that_is_not_the_module_s_is_refused() -> None:
    module = cst.parse_module("a = 1\nb = 2\n")
    assert positions._starts_from_source(module, "a = 1\n") is None
    assert positions._starts_from_source(module, "a = (\n") is None


def test_the_statements_above_are_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(50))
    module = cst.parse_module(text)
    printed: list[cst.CSTNode] = []
    original = cst.Module.code_for_node

    def counting(self: cst.Module, node: cst.CSTNode) -> str:
        printed.append(node)
        return original(self, node)

    monkeypatch.setattr(cst.Module, "code_for_node", counting)
    # a process that shares printed statements (the language server's worker,
    # or a test of it run before this one) prints to fill that cache
    monkeypatch.setattr(positions, "_SHARED", None)
    index = ModuleIndex(module, source=text)
    last = module.body[-1]
    assert index.position(last).start.line == 148
    assert printed == []


def test_a_method_is_printed_without_the_rest_of_its_class() -> None:
    methods = "".join(f"    def m{i}(self, x):\n        return x + {i}\n\n" for i in range(40))
    text = f"import torch\n\n\nclass Big:\n{methods}"
    module = cst.parse_module(text)
    index = ModuleIndex(module, source=text)
    big = module.body[1]
    assert isinstance(big, cst.ClassDef) and isinstance(big.body, cst.IndentedBlock)
    method = big.body.body[30]
    assert isinstance(method, cst.FunctionDef) and isinstance(method.body, cst.IndentedBlock)
    returned = method.body.body[0]
    assert index.position(method.name).start.line == 5 + 3 * 30
    assert index.position(returned).start == CodePosition(6 + 3 * 30, 8)
    # the method's name is read off the source; only the returned line is printed
    assert big not in index._positions._done
    assert set(index._positions._done) == {returned}


def test_every_fixture_file_with_its_source() -> None:
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    compared = 0
    for path in files:
        try:
            compared += _compare(path.read_text(encoding="utf-8"))
        except (cst.ParserSyntaxError, UnicodeDecodeError):
            continue
    assert compared > 5000


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_programs_with_their_source(text: str) -> None:
    try:
        module = cst.parse_module(text)
    except Exception:
        return
    fast = positions._starts_from_source(module, text)
    if fast is not None:
        assert fast == positions.LazyPositions(module, {})._line_starts()


def test_cpython_s_warnings_about_the_code_are_not_shown(recwarn: pytest.WarningsRecorder) -> None:
    text = 'p = "\\d+"\nx = "a"()\n'
    module = cst.parse_module(text)
    assert positions._starts_from_source(module, text) is not None
    assert not [w for w in recwarn if issubclass(w.category, (SyntaxWarning, DeprecationWarning))]


def test_a_line_in_a_loop_is_printed_without_the_rest_of_its_function() -> None:
    lines = "".join(f"        y{i} = x + {i}\n" for i in range(40))
    text = f"def train(xs):\n    for x in xs:\n        if x:\n            z = f(x)\n{lines}"
    module = cst.parse_module(text)
    index = ModuleIndex(module, source=text)
    train = module.body[0]
    assert isinstance(train, cst.FunctionDef) and isinstance(train.body, cst.IndentedBlock)
    loop = train.body.body[0]
    assert isinstance(loop, cst.For) and isinstance(loop.body, cst.IndentedBlock)
    branch = loop.body.body[0]
    assert isinstance(branch, cst.If) and isinstance(branch.body, cst.IndentedBlock)
    line = branch.body.body[0]
    assert index.position(line).start == CodePosition(4, 12)
    assert index.position(train.name).start == CodePosition(1, 4)
    assert set(index._positions._done) == {line}
