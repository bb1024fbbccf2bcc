"""The package layout holds: framework names live in ``analysis/apis``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from lossflint.analysis import apis
from lossflint.analysis.apis import ecosystem, keras, numpy, torch

PACKAGE = Path(__file__).resolve().parent.parent / "lossflint"
ANALYSIS = PACKAGE / "analysis"
CATALOGUE = ANALYSIS / "apis"

FRAMEWORK_NAME = re.compile(
    r"(torch|tensorflow|tf|keras|numpy|np|sklearn|lightning|pytorch_lightning|accelerate"
    r"|transformers|ignite)(\.\w+)+"
)


def _docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def framework_names(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant that is a framework dotted name,
    docstrings left out."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and FRAMEWORK_NAME.fullmatch(node.value)
    ]


def test_framework_names_are_found_outside_docstrings() -> None:
    source = '"""torch.nn.Module in a docstring."""\nX = {"torch.softmax", "softmax", "tf.x."}\n'
    assert framework_names(source) == [(2, "torch.softmax")]


def test_no_framework_name_in_analysis_outside_the_catalogue() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text}"
        for path in sorted(ANALYSIS.rglob("*.py"))
        if CATALOGUE not in path.parents
        for line, text in framework_names(path.read_text(encoding="utf-8"))
    ]
    assert not found, "framework names belong in lossflint/analysis/apis:\n" + "\n".join(found)


def test_a_table_several_frameworks_have_is_joined_in_the_catalogue() -> None:
    """``torch.SUM`` and ``keras.SUM`` are parts: ``apis.SUM`` must hold both
    (a star import would otherwise keep only the last one)."""
    modules = (torch, keras, numpy, ecosystem)
    lost = []
    for module in modules:
        for name, part in vars(module).items():
            if not name.isupper() or not isinstance(part, frozenset):
                continue
            joined = getattr(apis, name)
            if not part <= set(joined):
                lost.append(f"{module.__name__}.{name}")
    assert not lost, "not joined in apis/__init__: " + ", ".join(lost)
