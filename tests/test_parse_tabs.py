"""A file CPython accepts but libcst's tokenizer refuses (an indentation of
a space and a tab, then nine spaces: CPython reads tabs with stops of 8) is
analysed with its indentation's tabs expanded instead of reported as LF900;
its findings keep their lines and offer no fix (the tree's code is not the
file's, so writing it would rewrite the user's indentation)."""

from __future__ import annotations

import ast
from pathlib import Path

from lossflint.linter import lint_source, parse_text

MIXED = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "\n"
    "\n"
    "def nll(logits, y):\n"
    " \tp = F.softmax(logits, dim=1)\n"
    " \tif p is not None:\n"
    "         return -torch.log(torch.softmax(logits, dim=1)).mean()\n"
    " \treturn None\n"
)


def test_cpython_accepts_the_text() -> None:
    ast.parse(MIXED)


def test_the_file_is_analysed_and_its_findings_keep_their_lines() -> None:
    found = lint_source(MIXED, "mixed.py")
    assert [(d.code, d.location.row) for d in found] == [("LF201", 8)]
    assert found[0].fix is None
    # the same code indented with spaces alone gets its fix
    plain = MIXED.replace(" \t", "        ")
    assert [d.fix is not None for d in lint_source(plain, "plain.py")] == [True]


def test_the_module_is_marked_as_not_the_text_s_own() -> None:
    module, own = parse_text(MIXED, "mixed.py")
    assert not own
    assert parse_text(MIXED.replace(" \t", "        "), "plain.py")[1]


def test_fix_leaves_the_file_as_it_was(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mixed.py"
    path.write_bytes(MIXED.encode())
    code, out, _ = run_cli(
        "check", "mixed.py", "--isolated", "--fix", "--unsafe-fixes", cwd=tmp_path
    )
    assert code == 1 and "LF201" in out
    assert path.read_bytes() == MIXED.encode()


def test_what_cpython_refuses_is_still_lf900() -> None:
    text = "def f():\n\tif x:\n        pass\n\treturn 1\n"  # inconsistent tabs and spaces
    try:
        ast.parse(text)
    except SyntaxError:
        pass
    else:  # pragma: no cover - depends on CPython's tab rules
        raise AssertionError("CPython should refuse this text")
    found = lint_source(text, "bad.py")
    assert [d.code for d in found] == ["LF900"]
