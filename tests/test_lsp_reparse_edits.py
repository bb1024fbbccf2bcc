"""lsp/reparse.py between versions: after an edit only the text around it is
read again (CPython's ``ast`` included), and a module built that way lints
exactly as the whole parse of the same text, whatever the edit."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossflint.diagnostics import Diagnostic
from lossflint.linter import RuleSet, lint_text
from lossflint.lsp import reparse
from lossflint.lsp.jobs import lint_buffer
from lossflint.lsp.reparse import Reparser
from tests.random_edits import apply_edit, edits

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p for p in (ROOT / "fixtures").rglob("*.py") if "projects" not in p.parts and p.stat().st_size
)
RULES = RuleSet.default()

#: what an edit inserts: plain typing, and what moves statement boundaries
#: (new lines, indentation, block openers, clauses, decorators, brackets,
#: strings, continuations, comments, other line ends)
PIECES = [
    "x",
    "0",
    " ",
    "\n",
    "\n\n",
    "    ",
    "\t",
    ":",
    "(",
    ")",
    "[",
    "'",
    '"""',
    "\\",
    "\\\n",
    "#",
    "# note\n",
    "pass\n",
    "else:\n",
    "    pass\n",
    "def h():\n",
    "@d\n",
    "if y:\n",
    "import torch\n",
    ";",
    "\r\n",
    "\r",
]


def _findings(text: str, module: cst.Module | None = None) -> list[Diagnostic]:
    return lint_text(text, "t.py", RULES, [], module).diagnostics


def _check_version(reparser: Reparser, text: str) -> None:
    module = reparser.parse(text)
    if module is None:
        return  # the caller parses it whole
    # as libcst prints its whole parse (a line holding only a backslash is
    # lost either way)
    try:
        whole = cst.parse_module(text).code
    except Exception:
        whole = text
    assert module.code == whole
    assert _findings(text, module) == _findings(text)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(FIXTURES),
    edits(PIECES, 5),
)
def test_random_edits_lint_as_the_whole_parse(path: Path, edits: list) -> None:
    text = path.read_text(encoding="utf-8")
    reparser = Reparser()
    _check_version(reparser, text)
    for where, delete, insert, at_line_start in edits:
        text = apply_edit(text, where, delete, insert, at_line_start)
        _check_version(reparser, text)


def test_every_fixture_edited_at_each_statement() -> None:
    """One edit in each top-level statement of every fixture, in turn: each
    version reparsed around its edit and linted as the whole parse."""
    incremental = 0
    for path in FIXTURES:
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.splitlines(keepends=True)
        reparser = Reparser()
        reparser.parse(text)
        for statement in tree.body[:: max(len(tree.body) // 6, 1)]:
            row = statement.lineno - 1
            line = lines[row]
            if not line.endswith("\n") or line.rstrip().endswith("\\"):
                continue
            edited = "".join([*lines[:row], line.rstrip("\n") + "  # edited\n", *lines[row + 1 :]])
            _check_version(reparser, edited)
            incremental += reparser.incremental
    assert incremental > 40


def test_only_the_edited_statement_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    functions = [
        f"def f{i}(x):\n    y = torch.log(torch.softmax(x, {i}))\n    return y\n\n"
        for i in range(40)
    ]
    text = "import torch\n\n" + "".join(functions)
    reparser = Reparser()
    assert reparser.parse(text) is not None
    read: list[int] = []
    real_parse = ast.parse

    def counting_parse(source: str) -> ast.Module:
        read.append(len(source))
        return real_parse(source)

    monkeypatch.setattr(reparse.ast, "parse", counting_parse)
    for version in (
        text.replace("softmax(x, 7)", "softmax(x, dim=7)"),  # inside a statement
        text.replace("    return y\n\ndef f9", "    z = 1\n    return y\n\ndef f9"),  # its end
        text.replace("def f20(x):\n", "# about f20\ndef f20(x):\n"),  # a comment above
        text.replace("def f30(x):\n", "@d\ndef f30(x):\n"),  # a decorator
        text + "print(1)\n",  # a statement at the end
        text.replace(functions[12], ""),  # a statement deleted
    ):
        assert reparser.parse(text) is not None  # the version before: the first text
        read.clear()
        module = reparser.parse(version)
        assert module is not None and module.code == version
        assert reparser.incremental
        assert sum(read) < len(version) / 10, version
        assert _findings(version, module) == _findings(version)


def test_statements_of_the_same_text_are_distinct_nodes() -> None:
    """Two top-level chunks of one text (``print()`` twice, a function
    pasted twice) must not be the same node objects in one module: every
    analysis keys its facts by node, and the second copy's findings were lost."""
    block = "def f(x, y):\n    return F.nll_loss(torch.softmax(x, 1), y)\n\n"
    text = "import torch\nimport torch.nn.functional as F\n\n" + block * 3 + "print()\nprint()\n"
    reparser = Reparser()
    reparser.parse(text)
    for version in (text, text + "\n", block + text):
        module = reparser.parse(version)
        assert module is not None
        assert len({id(s) for s in module.body}) == len(module.body)
        found = _findings(version, module)
        assert found == _findings(version)
        assert len([d for d in found if d.code == "LF102"]) == 3 + (version.startswith("def"))


def test_a_line_holding_only_a_backslash_is_parsed_whole() -> None:
    """libcst's tree loses such a line: positions below it would move up one
    (found by the random edits: LF302 reported a line too high)."""
    text = (ROOT / "fixtures" / "amp_training.py").read_text(encoding="utf-8")
    reparser = Reparser()
    reparser.parse(text)
    edited = "\\\n" + text
    found = lint_buffer(edited, "t.py", RULES, [], reparser).diagnostics
    assert found == _findings(edited)
    assert found and found[0].location.row == _findings(text)[0].location.row + 1


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # an else that belongs to the if above: only the whole text says so
        ("if x:\n    y = 1\n\nz = 2\n", "if x:\n    y = 1\nelse:\n    z = 2\n"),
        # a line indented under the function above
        ("def f():\n    return 1\n\nz = 2\n", "def f():\n    return 1\n    z = 2\n"),
        # a string opened above runs into the statements below
        ("a = 1\nb = 2\nc = 3\n", 'a = 1\nb = """\nc = 3\n"""\n'),
        # a continuation joins the next line
        ("a = 1\nb = 2\nc = 3\n", "a = 1\nb = 2 + \\\n3\nc = 3\n"),
        # "\r" before a kept chunk's "\n": one line end, not two
        ("a = 1\nb = 2\nc = 3\n", "a = 1\nb = 2\r\nc = 3\n"),
    ],
)
def test_edits_that_move_statement_boundaries(before: str, after: str) -> None:
    reparser = Reparser()
    reparser.parse(before)
    module = reparser.parse(after)
    if module is not None:
        assert module.code == after
        assert _findings(after, module) == _findings(after)
