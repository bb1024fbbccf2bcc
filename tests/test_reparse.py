"""lsp/reparse.py: a buffer parsed from reused statement trees is the buffer,
and lints as the whole parse does."""

from __future__ import annotations

from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from lossflint.linter import RuleSet, lint_text
from lossflint.lsp.reparse import Reparser

ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    "# header\n\nimport torch\n\n\n# about f\n@d\n# between\n@e(1)\ndef f(x):\n    return torch.log(torch.softmax(x, 1))\n    # indented trailing\n\n# footer\n",
    "a = (1,\n 2); b = 3\nc = 4\n",  # a statement starting on another's last line
    "if x:\n  y = 1\nelse:\n  y = 2\ndef g():\n    return 1\n",  # two indentations
    "def g():\n\treturn 1\nif x:\n    pass\n",  # tab first
    "x = 1\r\ny = 2\r\ndef h():\r\n    return 3\r\n",
    "x = 1\ny = 2\r\n",  # mixed line ends
    "x = 1\ndef k():\n    return 2",  # no trailing newline
    "class A:\n    '''doc'''\n\n\n\nz = A()\n",
]


def _same_findings(text: str, module: cst.Module) -> None:
    ruleset = RuleSet.default()
    assert lint_text(text, "t.py", ruleset, [], module).diagnostics == (
        lint_text(text, "t.py", ruleset, []).diagnostics
    )


#: the tricky texts only a whole parse reads: two indentations (the chunks'
#: defaults disagree), tabs then spaces, mixed line ends
WHOLE = {TRICKY[2], TRICKY[3], TRICKY[5]}


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts(text: str) -> None:
    module = Reparser().parse(text)
    if text in WHOLE:
        assert module is None
        return
    assert module is not None
    assert module.code == text
    _same_findings(text, module)


def test_chunks_are_reused_between_versions() -> None:
    functions = [
        f"def f{i}(x):\n    return torch.log(torch.softmax(x, {i}))\n\n" for i in range(30)
    ]
    text = "import torch\n\n" + "".join(functions)
    reparser = Reparser()
    first = reparser.parse(text)
    assert first is not None and first.code == text
    assert reparser.parsed == 31 and reparser.reused == 0
    edited = text.replace("softmax(x, 7)", "softmax(x, dim=7)")
    second = reparser.parse(edited)
    assert second is not None and second.code == edited
    assert (reparser.parsed, reparser.reused) == (1, 30)
    _same_findings(edited, second)


def test_mixed_indentation_is_parsed_whole() -> None:
    # f's block reads "  " alone, but the file's first indentation is "    ":
    # printed with the file's default it would not be the text
    text = "if x:\n    y = 1\ndef f():\n  return 1\n"
    module = Reparser().parse(text)
    assert module is None or module.code == text


def test_what_cpython_or_libcst_refuse_is_parsed_whole() -> None:
    reparser = Reparser()
    assert reparser.parse("x = 1\nprint 'a'\n") is None
    assert reparser.parse("x = 1\n" + "(" * 500 + ")" * 500 + "\n") is None


def test_fixture_files() -> None:
    reparser = Reparser()
    checked = 0
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        module = reparser.parse(text)
        if module is not None:
            assert module.code == text
            _same_findings(text, module)
            checked += 1
    assert checked > 20


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_programs(text: str) -> None:
    module = Reparser().parse(text)
    if module is not None:
        assert module.code == text


def test_kept_statement_positions_give_the_whole_parse_findings(monkeypatch) -> None:
    from lossflint.analysis import positions

    monkeypatch.setattr(positions, "_SHARED", positions.StatementCache())
    functions = [
        f"def f{i}(x):\n    y = torch.log(torch.softmax(x, {i}))\n    return y\n\n"
        for i in range(12)
    ]
    text = "import torch\n\n" + "".join(functions)
    reparser = Reparser()
    for version in (
        text,
        text.replace("softmax(x, 3)", "softmax(x, dim=3)"),  # same lines
        text.replace("    return y\n\ndef f5", "    z = 1\n    return y\n\ndef f5"),  # a line more
        text.replace("def f9(x):\n", "def f9(x):\n\n\n"),  # two more, further down
    ):
        module = reparser.parse(version)
        assert module is not None
        _same_findings(version, module)
