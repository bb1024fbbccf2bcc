"""``lossflint check --stdin-filename PATH``: lint a piped buffer as PATH."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES

LOG_BUG = "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n"
MSG = "LF201 log of softmax output underflows to log(0) = -inf; use log_softmax"


def test_reports_as_the_given_path(run_cli, tmp_path: Path):
    code, out, err = run_cli(
        "check", "--stdin-filename", "pkg/train.py", cwd=tmp_path, stdin=LOG_BUG
    )
    assert code == 1
    assert out == f"pkg/train.py:2:6: {MSG}\n"
    assert err.strip() == "Found 1 problem.\n[*] 1 fixable with the `--fix` option."
    assert not (tmp_path / "pkg").exists()  # the path need not exist


def test_buffer_not_the_file_on_disk(run_cli, tmp_path: Path):
    (tmp_path / "train.py").write_text("x = 1\n")
    code, out, _ = run_cli("check", "--stdin-filename", "train.py", cwd=tmp_path, stdin=LOG_BUG)
    assert (code, out) == (1, f"train.py:2:6: {MSG}\n")
    code, out, _ = run_cli("check", "--stdin-filename", "train.py", cwd=tmp_path, stdin="x = 1\n")
    assert (code, out) == (0, "")


def test_config_and_per_file_ignores_for_that_path(run_cli, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lossflint]\n[tool.lossflint.per-file-ignores]\n"legacy/*" = ["LF201"]\n'
    )
    code, out, _ = run_cli("check", "--stdin-filename", "legacy/a.py", cwd=tmp_path, stdin=LOG_BUG)
    assert (code, out) == (0, "")
    code, out, _ = run_cli("check", "--stdin-filename", "new/a.py", cwd=tmp_path, stdin=LOG_BUG)
    assert (code, out) == (1, f"new/a.py:2:6: {MSG}\n")


def test_config_found_from_the_path_not_cwd(run_cli, tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.lossflint]\nignore = ["LF2"]\n')
    code, out, _ = run_cli(
        "check", "--stdin-filename", "project/train.py", cwd=tmp_path, stdin=LOG_BUG
    )
    assert (code, out) == (0, "")


def test_force_exclude_skips_excluded_path(run_cli, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossflint]\nextend-exclude = ["gen"]\n')
    args = ("check", "--stdin-filename", "gen/a.py")
    assert run_cli(*args, cwd=tmp_path, stdin=LOG_BUG)[:2] == (1, f"gen/a.py:2:6: {MSG}\n")
    code, out, err = run_cli(*args, "--force-exclude", cwd=tmp_path, stdin=LOG_BUG)
    assert (code, out) == (0, "")
    assert err.strip() == "All checks passed (0 files)."


def test_json_and_full_formats_use_the_buffer(run_cli, tmp_path: Path):
    code, out, _ = run_cli(
        "check", "--stdin-filename", "t.py", "--output-format", "json", cwd=tmp_path, stdin=LOG_BUG
    )
    data = json.loads(out)
    assert [(d["filename"], d["code"], d["location"]) for d in data] == [
        ("t.py", "LF201", {"row": 2, "column": 6})
    ]
    code, out, _ = run_cli(
        "check", "--stdin-filename", "t.py", "--show-source", cwd=tmp_path, stdin=LOG_BUG
    )
    assert "2 | lp = torch.log(torch.softmax(x, dim=1))" in out


def test_syntax_error_from_stdin(run_cli, tmp_path: Path):
    code, out, _ = run_cli("check", "--stdin-filename", "t.py", cwd=tmp_path, stdin="def f(:\n")
    assert code == 1
    assert out.startswith("t.py:1:7: LF900 cannot parse")


def test_notebook_from_stdin(run_cli, tmp_path: Path):
    data = (FIXTURES / "notebook_training.ipynb").read_text()
    code, out, _ = run_cli(
        "check", "--stdin-filename", "nb.ipynb", "--select", "LF110,LF201", cwd=tmp_path, stdin=data
    )
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines()] == [
        "nb.ipynb:cell 2:10:24",
        "nb.ipynb:cell 9:2:20",
    ]


def test_paths_with_stdin_filename_is_a_usage_error(run_cli, tmp_path: Path):
    code, out, err = run_cli("check", "--stdin-filename", "t.py", "a.py", cwd=tmp_path, stdin="")
    assert code == 2 and out == ""
    assert err.strip() == "lossflint: error: --stdin-filename reads stdin: do not name PATHS too"
    code, _, _ = run_cli("check", "--stdin-filename", "t.py", "-", cwd=tmp_path, stdin="x = 1\n")
    assert code == 0
