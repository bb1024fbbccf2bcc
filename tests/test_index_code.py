"""``ModuleIndex.code`` answers a plain name without the code generator:
the same text as libcst prints, for every name of every fixture."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from lossflint.analysis.model import SemanticModel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_code_of_every_name_is_what_libcst_prints() -> None:
    checked = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            module = cst.parse_module(path.read_text(encoding="utf-8"))
        except cst.ParserSyntaxError:
            continue
        model = SemanticModel(module, path.name)
        for node in model.parents:
            if type(node) is cst.Name:
                assert model.code(node) == module.code_for_node(node)
                checked += 1
    assert checked > 1000
    parenthesised = cst.parse_expression("(x)")
    assert SemanticModel(cst.parse_module("(x)\n"), "t.py").code(parenthesised) == "(x)"
