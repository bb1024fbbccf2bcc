"""``analysis/reaching.py``: the plain assignment every path to a use passes last."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lossflint.analysis.index import ModuleIndex
from lossflint.analysis.reaching import reaching_assignment


def _reaching(source: str) -> str | None:
    text = textwrap.dedent(source)
    module = cst.parse_module(text)
    model = ModuleIndex(module, "t.py", source=text)
    uses = [
        n
        for n in model.parents
        if isinstance(n, cst.Name)
        and n.value == "loss"
        and isinstance(model.parent(n), cst.Attribute)
        and model.parent(model.parent(n)) is not None
        and isinstance(model.parent(model.parent(n)), cst.Call)
    ]
    found = reaching_assignment(model, uses[-1])
    return module.code_for_node(found) if found is not None else None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("loss = a\nloss = b\nloss.backward()\n", "b"),
        ("loss = a\nprint(loss)\nloss.backward()\n", "a"),
        # a loop that never binds the name sees the value from before it
        ("loss = a\nfor i in r:\n    loss.backward()\n", "a"),
        # a later binding in the loop comes round on the next pass
        ("loss = a\nfor i in r:\n    loss.backward()\n    loss = b\n", None),
        ("loss = a\nwhile c:\n    loss.backward()\n    loss += b\n", None),
        ("loss = a\nfor loss in r:\n    loss.backward()\n", None),
        ("loss = a\nwith g:\n    loss.backward()\n", "a"),
        ("loss = a\nif c:\n    loss = b\nloss.backward()\n", None),
        ("loss = a\nx, loss = f()\nloss.backward()\n", None),
        ("for i in r:\n    loss = a\n    if c:\n        loss.backward()\n", "a"),
        ("def f():\n    loss.backward()\nloss = a\n", None),
        ("loss = a\nloss += b\nloss.backward()\n", None),
    ],
)
def test_the_binding_every_path_passes_last(source: str, expected: str | None) -> None:
    assert _reaching(source) == expected
