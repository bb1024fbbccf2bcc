"""Which module-level names code changes in place (project/mutations.py):
a name bound by the scope that changes it is that scope's own."""

from __future__ import annotations

import ast
import textwrap

import pytest

from lossflint.project import items
from lossflint.project.mutations import changed_in_place


def changed(source: str) -> set[str]:
    return changed_in_place(ast.parse(textwrap.dedent(source)))


@pytest.mark.parametrize(
    "source, expected",
    [
        ("CFG = {}\ndef f():\n    CFG['lr'] = 1\n", {"CFG"}),
        ("def f(cfg):\n    cfg['lr'] = 1\n", set()),  # a parameter
        ("def f():\n    tokens = []\n    tokens.append(1)\n", set()),  # a local
        ("def f():\n    global R\n    R = {}\n    R['k'] = 1\n", {"R"}),
        # the enclosing function's, through ``nonlocal``
        ("def f():\n    d = {}\n    def g():\n        nonlocal d\n        d['a'] = 1\n", set()),
        ("def f():\n    d = {}\n    def g():\n        d['a'] = 1\n", set()),  # a closure's
        ("def f():\n    def g():\n        E['x'] = 1\n", {"E"}),
        # a class body's names are its own, not its methods'
        ("class C:\n    K = []\n    K.append(1)\n", set()),
        ("class C:\n    K = []\n    def m(self):\n        K.append(2)\n", {"K"}),
        ("f = lambda z: z.update(a=1) or W.update(b=2)\n", {"W"}),
        ("def f(xs):\n    [y.append(1) for y in xs]\n", set()),  # a comprehension's target
        ("@register(REG.setdefault('a', []))\ndef f():\n    pass\n", {"REG"}),
        ("def f(a=D.pop('x')):\n    pass\n", {"D"}),  # a default: the module evaluates it
        ("for item in ITEMS:\n    item.append(1)\n", {"item"}),  # a module-level loop variable
        ("def f():\n    del TABLE['k']\n", {"TABLE"}),
        (
            "def f():\n    try:\n        pass\n    except E as err:\n        err.args.append(1)\n",
            set(),
        ),
        ("def f():\n    import collections as c\n    c.x.append(1)\n", set()),
    ],
)
def test_changed_in_place(source: str, expected: set[str]) -> None:
    assert changed(source) == expected


def test_a_local_named_like_a_module_name_does_not_keep_its_function_in_an_item() -> None:
    # ``tokens`` is a local of the big class's method: the small class that
    # reads the module's ``tokens`` does not need the big class
    filler = "".join(f"        x{i} = {i}\n" for i in range(200))
    source = (
        "tokens = ['a']\n\n\n"
        "class Small:\n    def get(self):\n        return tokens\n\n\n"
        "class Big:\n    def run(self):\n        tokens = []\n        tokens.append(1)\n" + filler
    )
    plan = items.item_plan(source)
    assert plan is not None
    text = items.item_text(plan, "Small")
    assert text is not None and "class Big" not in text
    # a function changing the module's ``tokens`` is kept with its reader
    plan = items.item_plan(source.replace("        tokens = []\n", "        global tokens\n"))
    assert plan is not None
    assert items.item_text(plan, "Small") is None  # keeps Big: most of the module
