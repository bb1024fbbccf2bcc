"""Words of a Python file's code: what decides whether a project function is
used other than called (``project/code_words.py``)."""

from __future__ import annotations

import pytest

from lossflint.project.code_words import code_text, code_words

TEXT = '''"""Docs mention nll(p, y) and nll."""
import losses
# nll(p, y) in a comment
loss = losses.nll(p, y)  # nll again
fn = getattr(losses, "nll")
msg = f"{nll(p, y)}"
note = 'not nll'
raw = r"nll \\d"
long = """nll
nll"""
'''


def test_comments_and_prose_strings_are_not_code() -> None:
    # the call, the exact-name string, the f-string's expression
    assert code_words(TEXT, "nll") == 3
    assert code_words(TEXT, "losses") == 3
    assert code_words(TEXT, "absent") == 0


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("x = '#'  # nll\nnll(x)\n", 1),
        ("s = 'it''s'\nnll(s)\n", 1),
        ('s = "a \\" nll"\nnll(s)\n', 1),
        ("s = b'nll'\n", 1),  # exactly the name: getattr-style use counts
        ("s = 'nll(x)'\n", 0),
        ("s = 'unterminated nll\n", 1),  # not a string the scanner knows: kept
        # a value compared, not a reference (galerkin-transformer's decoder_type, audit s136)
        ("if kind == 'nll':\n    pass\n", 0),
        ("if 'nll' != kind:\n    pass\n", 0),
        ("ok = kind=='nll' or getattr(m, 'nll')\n", 1),
        # a flag's choices (thuml/CDAN's method, audit s155), unless names are looked up
        ("p.add_argument('loss', choices=['nll', 'mse'])\n", 0),
        ("p.add_argument('loss', choices=('nll',))\nf = getattr(losses, a.loss)\n", 1),
        ("p.add_argument('nll', type=str)\n", 1),
        # ``model.eval()`` is a method, not a name lookup (thuml/CDAN)
        ("p.add_argument('loss', choices=['nll'])\nmodel.eval()\n", 0),
    ],
)
def test_scanner_edges(text: str, count: int) -> None:
    assert code_words(text, "nll") == count


def test_text_without_quotes_or_comments_is_itself() -> None:
    text = "a = nll(b)\n"
    assert code_text(text) is text


def test_project_texts_count_code_words_of_python_files_only() -> None:
    from lossflint.project.callers import ProjectTexts

    py = "step(x)  # step(y) again\n'''step(z)'''\n"
    nb = '{"cells": [{"source": ["step(x)  # step(y)"]}]}'
    texts = ProjectTexts(root="/p", files={"/p/a.py": py, "/p/b.ipynb": nb})
    pattern = r"\bstep\b"
    assert texts.count("/p/a.py", py, pattern, code=True) == 1
    assert texts.count("/p/a.py", py, pattern, code=True) == 1  # kept, same answer
    assert texts.count("/p/a.py", py, pattern) == 3
    # a notebook's text is JSON: every string would be "prose", so it is read whole
    assert texts.count("/p/b.ipynb", nb, pattern, code=True) == 2
    # a file not listed (unsaved editor text) is counted the same way, not kept
    assert texts.count("/p/c.py", py, pattern, code=True) == 1
