"""The Python API: ``lossflint.lint_source`` and ``lossflint.lint_paths`` (issue 17 item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lossflint
from lossflint import ConfigError, lint_paths, lint_source
from lossflint.config import Settings
from tests.conftest import FIXTURES

LOG_BUG = "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n"
SOFT_BUG = "import torch.nn.functional as F\np = F.softmax(x)\n"
NOTEBOOK = json.dumps(
    {
        "cells": [
            {"cell_type": "markdown", "source": "# training"},
            {"cell_type": "code", "source": "import torch\n"},
            {"cell_type": "code", "source": "lp = torch.log(torch.softmax(x, dim=1))\n"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)


def where(diagnostics: list[lossflint.Diagnostic]) -> list[tuple[str, int | None, int, str]]:
    return [(d.filename, d.cell, d.location.row, d.code) for d in diagnostics]


def test_lint_source_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert where(lint_source(LOG_BUG, "t.py")) == [("t.py", None, 2, "LF201")]
    assert where(lint_source(LOG_BUG)) == [("<string>", None, 2, "LF201")]


def test_select_ignore_extend_select():
    text = LOG_BUG + SOFT_BUG
    assert [d.code for d in lint_source(text, "t.py", select=["LF1"], isolated=True)] == ["LF110"]
    assert [d.code for d in lint_source(text, "t.py", ignore=["LF2"], isolated=True)] == ["LF110"]
    extra = lint_source(text + "y = 1  # noqa: LF301\n", "t.py", extend_select=["LF901"])
    assert "LF901" in [d.code for d in extra]
    with pytest.raises(ConfigError, match="unknown rule code or prefix 'LF999'"):
        lint_source(text, "t.py", select=["LF999"])


def test_config_as_table_settings_or_file(tmp_path: Path):
    text = LOG_BUG + SOFT_BUG
    assert [d.code for d in lint_source(text, "t.py", config={"ignore": ["LF110"]})] == ["LF201"]
    table = {"per-file-ignores": {"legacy/*": ["LF2"]}}
    assert lint_source(LOG_BUG, "legacy/t.py", config=table) == []
    settings = Settings(ignore=["LF201"])
    assert [d.code for d in lint_source(text, "t.py", config=settings)] == ["LF110"]
    assert settings.ignore == ["LF201"]  # not changed by the call
    config = tmp_path / "lossflint.toml"
    config.write_text('select = ["LF201"]\n')
    assert [d.code for d in lint_source(text, "t.py", config=config)] == ["LF201"]
    with pytest.raises(ConfigError, match="unknown key 'sellect'"):
        lint_source(text, "t.py", config={"sellect": ["LF1"]})


def test_nearest_config_of_the_path_applies(tmp_path: Path):
    (tmp_path / "lossflint.toml").write_text('ignore = ["LF2"]\n')
    assert lint_source(LOG_BUG, tmp_path / "t.py") == []
    assert len(lint_source(LOG_BUG, tmp_path / "t.py", isolated=True)) == 1


def test_notebook_through_lint_source():
    found = lint_source(NOTEBOOK, "nb.ipynb", isolated=True)
    assert where(found) == [("nb.ipynb", 3, 1, "LF201")]


def test_notebook_json_with_a_py_path_is_an_error():
    with pytest.raises(ValueError, match=r"notebook JSON \(\.ipynb\), not Python"):
        lint_source(NOTEBOOK, "nb.py")
    # a Python file that is a dict literal is still Python
    assert lint_source('{"cells": 1}\n', "d.py") == []


def test_lint_paths_like_the_cli(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "t.py").write_text(LOG_BUG)
    (tmp_path / "a" / "lossflint.toml").write_text('ignore = ["LF2"]\n')
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "t.py").write_text(LOG_BUG)
    (tmp_path / "b" / "nb.ipynb").write_text(NOTEBOOK)
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "x.py").write_text(LOG_BUG)
    found = lint_paths([tmp_path / "b", tmp_path / "a", tmp_path / "venv" / "x.py"])
    names = [
        (Path(f).relative_to(tmp_path).as_posix(), c, r, code) for f, c, r, code in where(found)
    ]
    assert names == [
        ("b/nb.ipynb", 3, 1, "LF201"),
        ("b/t.py", None, 2, "LF201"),
        ("venv/x.py", None, 2, "LF201"),  # named explicitly
    ]
    assert lint_paths([tmp_path / "a"], isolated=True) != []
    with pytest.raises(FileNotFoundError, match="path does not exist"):
        lint_paths([tmp_path / "missing.py"])


def test_lint_paths_on_the_fixtures_matches_the_cli(run_cli):
    code, out, _ = run_cli("check", "--no-cache", "--output-format", "json", "fixtures")
    expected = [(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(out)]
    found = lint_paths([FIXTURES])
    got = [
        (Path(d.filename).relative_to(FIXTURES.parent).as_posix(), d.location.row, d.code)
        for d in found
    ]
    assert got == expected
