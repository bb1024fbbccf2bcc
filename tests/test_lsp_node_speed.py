"""The language server's worker switches libcst's node classes to C identity
and type checks (``lossflint/node_speed.py``): the answers must be the ones
libcst's own methods give."""

from __future__ import annotations

import subprocess
import sys

import libcst as cst

from lossflint import node_speed


def _classes() -> list[type]:
    found: list[type] = []
    todo: list[type] = [cst.CSTNode]
    while todo:
        klass = todo.pop()
        if klass not in found:
            found.append(klass)
            todo.extend(klass.__subclasses__())
    return found


def test_the_worker_enables_it() -> None:
    from lossflint.lsp.jobs import Runner

    Runner()
    assert node_speed.enabled()
    assert cst.Name.__hash__ is object.__hash__
    assert type(cst.Call).__instancecheck__ is type.__instancecheck__


def test_type_checks_answer_as_the_class_hierarchy_says() -> None:
    node_speed.enable()
    classes = _classes()
    module = cst.parse_module("import torch\nx = torch.log(f(a, *b)[0]) if y else {z: 1}\n")
    nodes: list[cst.CSTNode] = []
    todo: list[cst.CSTNode] = [module]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.children)
    assert len({type(n) for n in nodes}) > 20
    for node in nodes:
        for klass in classes:
            assert isinstance(node, klass) == (klass in type(node).__mro__)
            assert issubclass(type(node), klass) == (klass in type(node).__mro__)


def test_identity_semantics_kept() -> None:
    node_speed.enable()
    a, b = cst.Name("x"), cst.Name("x")
    assert a == a and a != b and not (a == b)
    assert len({a, b, a}) == 2
    assert {a: 1}[a] == 1 and b not in {a: 1}
    assert a.deep_equals(b)


def test_a_virtual_subclass_registered_later_is_seen() -> None:
    # in a fresh process: registering changes a libcst class for good
    code = (
        "import libcst as cst, abc\n"
        "from lossflint import node_speed\n"
        "node_speed.enable()\n"
        "class Odd: pass\n"
        "cst.BaseExpression.register(Odd)\n"
        "assert isinstance(Odd(), cst.BaseExpression)\n"
        "assert isinstance(Odd(), cst.CSTNode)\n"
        "assert type(cst.BaseExpression) is abc.ABCMeta\n"
        "assert not isinstance(cst.Pass(), cst.BaseExpression)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_off_by_default() -> None:
    code = (
        "import abc, libcst as cst, lossflint.linter\n"
        "from lossflint import node_speed\n"
        "assert not node_speed.enabled()\n"
        "assert type(cst.Name) is abc.ABCMeta\n"
        "assert cst.Name.__hash__ is not object.__hash__\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr
