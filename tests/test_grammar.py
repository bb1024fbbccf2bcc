"""Newer grammar: `match`, `except*`, PEP 695, PEP 701 f-strings, walrus in
comprehensions, `async` loops (fixtures in ``fixtures/grammar/``, each with a
``_clean`` twin). The 3.12-only forms are parsed by libcst even when the
running CPython (3.11) rejects them: they are analysed, never LF900.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from lossflint.linter import RuleSet, lint_text

GRAMMAR = Path(__file__).resolve().parent.parent / "fixtures" / "grammar"
RULES = RuleSet.default()

#: fixture -> the exact (code, row, column) findings, as `lossflint check` prints them
EXPECTED: dict[str, list[tuple[str, int, int]]] = {
    "async_loop.py": [("LF303", 24, 13)],  # no zero_grad in an `async for` loop
    "except_star.py": [("LF201", 13, 21)],  # log(softmax) inside a try with except*
    # inside a PEP 701 replacement field, and outside it
    "fstrings_pep701.py": [("LF201", 11, 24), ("LF201", 12, 10)],
    # every arm (the last is `case _:`) makes probabilities; softmax into nll_loss in one arm
    "match_arms.py": [("LF101", 25, 12), ("LF102", 33, 20)],
    "pep695.py": [("LF101", 24, 12)],  # in a generic function
    "walrus_comprehension.py": [("LF101", 10, 21), ("LF110", 15, 18)],
}
#: files only Python >= 3.12 compiles
NEWER_THAN_311 = {"pep695.py", "pep695_clean.py", "fstrings_pep701.py", "fstrings_pep701_clean.py"}


def _lint(name: str) -> list[tuple[str, int, int]]:
    text = (GRAMMAR / name).read_text(encoding="utf-8")
    result = lint_text(text, name, RULES, [])
    assert not result.errors, result.errors
    return [(d.code, d.location.row, d.location.column) for d in result.diagnostics]


def test_every_form_has_a_fixture_with_and_without_findings() -> None:
    names = {p.name for p in GRAMMAR.glob("*.py")}
    assert names == set(EXPECTED) | {n.replace(".py", "_clean.py") for n in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_at_exact_positions(name: str) -> None:
    assert _lint(name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(n.replace(".py", "_clean.py") for n in EXPECTED))
def test_clean_twins_have_no_findings(name: str) -> None:
    assert _lint(name) == []


@pytest.mark.parametrize("name", sorted(NEWER_THAN_311))
def test_newer_syntax_is_analysed_not_lf900(name: str) -> None:
    text = (GRAMMAR / name).read_text(encoding="utf-8")
    if sys.version_info < (3, 12):
        with pytest.raises(SyntaxError):
            ast.parse(text)  # the running CPython really rejects it ...
    codes = [c for c, _, _ in _lint(name)]
    assert "LF900" not in codes  # ... and lossflint analyses it anyway


def test_cli_on_the_grammar_fixtures(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("check", "--isolated", "--no-cache", str(GRAMMAR))
    assert code == 1
    rows = [line.split(" ")[:2] for line in out.splitlines()]
    expected = [
        [f"{GRAMMAR.as_posix()}/{name}:{row}:{col}:", c]
        for name, found in sorted(EXPECTED.items())
        for c, row, col in found
    ]
    assert rows == expected
    assert "LF900" not in out and "error" not in err


IF_ELSE = """\
import torch.nn.functional as F

def loss(kind, logits, y):
    if kind == "a":
        out = F.softmax(logits, dim=1)
    else:
        out = F.softmax(logits, dim=-1)
    return F.cross_entropy(out, y)
"""

MATCH_WILDCARD = """\
import torch.nn.functional as F

def loss(kind, logits, y):
    match kind:
        case "a":
            out = F.softmax(logits, dim=1)
        case _:
            out = F.softmax(logits, dim=-1)
    return F.cross_entropy(out, y)
"""

MATCH_NO_WILDCARD = """\
import torch.nn.functional as F

def loss(kind, logits, y):
    out = logits
    match kind:
        case "a":
            out = F.softmax(logits, dim=1)
        case "b":
            out = F.softmax(logits, dim=-1)
    return F.cross_entropy(out, y)
"""

MATCH_GUARDED_WILDCARD = """\
import torch.nn.functional as F

def loss(kind, logits, y, flag):
    out = logits
    match kind:
        case "a":
            out = F.softmax(logits, dim=1)
        case _ if flag:
            out = F.softmax(logits, dim=-1)
    return F.cross_entropy(out, y)
"""


def _codes(text: str) -> list[tuple[str, int]]:
    return [(d.code, d.location.row) for d in lint_text(text, "m.py", RULES, []).diagnostics]


def test_if_else_joins_to_probabilities() -> None:
    assert _codes(IF_ELSE) == [("LF101", 8)]


def test_match_wildcard_arm_is_like_else() -> None:
    """Regression: the fall-through environment was always joined in, even
    when a ``case _:`` (or a bare capture ``case x:``) without a guard makes
    the match exhaustive, so the same code as :data:`IF_ELSE` written with
    ``match`` was silent."""
    assert _codes(MATCH_WILDCARD) == [("LF101", 9)]


def test_match_without_wildcard_may_fall_through() -> None:
    """No arm matched: ``out`` keeps its logits value, the join is unknown."""
    assert _codes(MATCH_NO_WILDCARD) == []


def test_guarded_wildcard_may_fall_through() -> None:
    assert _codes(MATCH_GUARDED_WILDCARD) == []


def test_python2_except_with_a_variable_is_lf900() -> None:
    """``except Exception, msg:`` (person-reid-triplet-loss-baseline, audit
    R65): libcst reads it as 3.14's ``except A, B:``; it is Python 2 code,
    reported beside the file's findings (LynnHo's TF1 GANs, harness R28)."""
    text = (
        "import torch\ntry:\n    load()\nexcept Exception, msg:\n    print(msg)\n"
        "p = torch.log(torch.softmax(z, 1))\n"
    )
    found = lint_text(text, "utils.py", RULES, []).diagnostics
    # the rest of the file is analysed all the same
    assert [(d.code, d.location.row, d.location.column) for d in found] == [
        ("LF900", 4, 8),
        ("LF201", 6, 5),
    ]
    assert "except X as e" in found[0].message


def test_async_keyword_of_old_torch_is_lf900_with_its_cause() -> None:
    """``x.cuda(async=True)`` (PyTorch 0.3, rethinking-network-pruning, audit
    R75): the message names the reserved word and the keyword to use."""
    text = "import torch\nx = torch.zeros(3)\ny = x.cuda(async=True)\n"
    found = lint_text(text, "train.py", RULES, []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF900", 3)]
    assert "non_blocking=True" in found[0].message
    other = lint_text("def f(:\n    pass\n", "train.py", RULES, []).diagnostics
    assert "async" not in other[0].message


def test_the_rest_of_a_file_with_the_old_async_keyword_is_checked() -> None:
    """PyTorch 0.3's ``.cuda(async=True)`` ran before Python 3.7: LF900 at the
    keyword, and the training loop around it is still read (audit s149: TRN's
    only training loop was hidden by it); no fix is written from that tree."""
    text = (
        "import torch\nimport torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "for x, y in loader:\n"
        "    x = x.cuda(async=True)\n"
        "    loss = criterion(model(x), y)\n"
        "    loss.backward()\n"
    )
    found = lint_text(text, "train.py", RULES, []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF900", 6), ("LF101", 7)]
    assert found[0].message.endswith("; the rest is checked")
    assert all(d.fix is None for d in found)


def test_unparenthesised_exception_classes_are_analysed() -> None:
    """Python 3.14's ``except ValueError, TypeError:`` names two classes."""
    text = (
        "import torch\n"
        "try:\n    load()\nexcept ValueError, TypeError:\n    pass\n"
        "p = torch.log(torch.softmax(z, 1))\n"
    )
    found = lint_text(text, "utils.py", RULES, []).diagnostics
    assert [d.code for d in found] == ["LF201"]


def test_the_rest_of_a_python_2_file_with_print_statements_is_checked() -> None:
    """``print x`` is LF900 (it never ran on Python 3), and the training code
    around it is still read as ``print(x)`` would be (DanQ, the capsule-network
    tutorials: audits s156/s159); no fix is written from that tree."""
    text = (
        "import torch\nimport torch.nn as nn\n"
        "model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "for x, y in loader:\n"
        "    loss = criterion(model(x), y)\n"
        "    print 'loss', loss\n"
        "    print\n"
        "    loss.backward()\n"
    )
    found = lint_text(text, "train.py", RULES, []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF101", 6), ("LF900", 7)]
    assert found[1].message.endswith("; the rest is checked")
    assert all(d.fix is None for d in found)
    # another syntax error is not taken for a print statement
    other = lint_text("print 'a'\ndef f(:\n    pass\n", "t.py", RULES, []).diagnostics
    assert [d.code for d in other] == ["LF900"]


def test_a_python_2_print_with_a_comment_is_read_as_a_call() -> None:
    """A trailing comment (mememoji's ``print 'X_train shape: ', X.shape  #
    (n_sample, 1, 48, 48)``, audit s161) is not part of the call; a ``#`` in a
    string is no comment; a string left open is not read as a statement."""
    tail = "p = torch.log(torch.softmax(z, 1))\n"
    for line in (
        "print 'X_train shape: ', x.shape  # (n_sample, 1, 48, 48)\n",
        "print '#%d done' % i  # count (#)\n",
        "print \"it's\", '''#''', i # 'quoted'\n",
    ):
        found = lint_text("import torch\n" + line + tail, "t.py", RULES, []).diagnostics
        assert [d.code for d in found] == ["LF900", "LF201"], line
        assert found[0].message.endswith("; the rest is checked")
    for line in ("print 'open  # never closed\n",):
        found = lint_text("import torch\n" + line + tail, "t.py", RULES, []).diagnostics
        assert [d.code for d in found] == ["LF900"], line


def test_a_python_2_print_after_a_colon_and_in_an_old_handler() -> None:
    """``if verbose: print 'Saved'`` (alpr-unconstrained) and ``except
    Exception, ex:`` then ``print Exception, ":", ex`` (captcha-break, audit
    s163): the rest of the file is still read, one LF900 for the handler."""
    tail = "p = torch.log(torch.softmax(z, 1))\n"
    one_line = "import torch\ndef save(verbose=0):\n\tif verbose: print 'Saved'\n" + tail
    found = lint_text(one_line, "t.py", RULES, []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF900", 3), ("LF201", 4)]
    assert found[0].message.endswith("; the rest is checked")
    handler = (
        "import torch\ntry:\n    load()\nexcept Exception, ex:\n"
        '    print Exception, ":", ex\n' + tail
    )
    found = lint_text(handler, "t.py", RULES, []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF900", 4), ("LF201", 6)]
    assert "except X as e" in found[0].message
    assert found[0].message.endswith("; the rest is checked")


def test_a_python_2_print_of_a_list_and_one_continued_by_a_backslash() -> None:
    """``print [k for k in missing]`` spread over two lines, and ``print '...'
    \\`` continued by a backslash (ACoL's and SPG's ``utils/``, audit s227):
    read as calls, so the rest of the file is checked."""
    tail = "p = torch.log(torch.softmax(z, 1))\n"
    for lines in (
        "print [k for k in model_dict.keys() if k not in a.keys()+\n       b.keys()]\n",
        "print 'names of %s not available: %s'\\\n      %(str(name), ','.join(keys))\n",
        "print [k for k in keys]\n",
    ):
        found = lint_text("import torch\n" + lines + tail, "t.py", RULES, []).diagnostics
        assert [d.code for d in found] == ["LF900", "LF201"], lines
        assert found[0].message.endswith("; the rest is checked")
    # a backslash on the print's last line reaching the end of the file: left alone
    found = lint_text("import torch\nprint 'a' \\\n", "t.py", RULES, []).diagnostics
    assert [d.code for d in found] == ["LF900"]


def test_async_as_a_parameter_and_old_prints_together_are_read() -> None:
    """``def forward(self, x, async=True)`` passing ``async=async`` on
    (geomapnet's ``vidloc.py``, audit s234), and a file holding both a
    Python 2 print and ``.cuda(async=True)``: the rest of the file is checked,
    with one LF900 at the first error."""
    tail = "p = torch.log(torch.softmax(z, 1))\n"
    parameter = (
        "import torch\n"
        "def forward(x, cuda=False, async=True):\n"
        "    return x.cuda(async=async)\n" + tail
    )
    found = lint_text(parameter, "t.py", RULES, []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF900", 2), ("LF201", 4)]
    assert "rename the parameter" in found[0].message
    assert found[0].message.endswith("; the rest is checked")
    both = "import torch\nprint 'start'\nx = torch.zeros(3).cuda(async=True)\n" + tail
    found = lint_text(both, "t.py", RULES, []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF900", 2), ("LF201", 4)]
    assert found[0].message.endswith("; the rest is checked")
    # ``async def`` is not renamed: a real error elsewhere is not hidden
    other = lint_text("async def f():\n    pass\nprint 'a'\ndef g(:\n", "t.py", RULES, [])
    assert [d.code for d in other.diagnostics] == ["LF900"]


def test_a_python_2_print_of_a_string_holding_a_bracket_is_read() -> None:
    """``print "n=" + str(n) + ") took: " + str(t)``: the bracket in the string
    is no bracket (WaqasSultani's anomaly detector, audit s236)."""
    text = (
        "import torch\n"
        "p = torch.log(torch.softmax(z, 1))\n"
        'print "iteration=" + str(n) + ") took: " + str(t)\n'
        "print 'open [ in a string', [k for k in keys]\n"
    )
    found = lint_text(text, "t.py", RULES, []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF201", 2), ("LF900", 3)]
    assert found[1].message.endswith("; the rest is checked")
