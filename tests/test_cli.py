"""The ``lossflint check``/``rules``/``rule`` commands: flags, formats, config, errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

BUG = "import torch.nn.functional as F\nprobs = F.softmax(logits)\n"
LOG_BUG = "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n"
CLEAN = "import torch\nlp = torch.log_softmax(x, dim=1)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "train.py").write_text(BUG)
    (tmp_path / "pkg" / "loss.py").write_text(LOG_BUG)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def test_concise_output_sorted_and_exit_1(run_cli, project):
    code, out, err = run_cli("check", ".", cwd=project)
    assert code == 1
    assert out.splitlines() == [
        "pkg/loss.py:2:6: LF201 log of softmax output underflows to log(0) = -inf; use log_softmax",
        "pkg/train.py:2:9: LF110 `softmax` without `dim`: the axis is guessed from the input's "
        "rank (dim 0 for 1-D/3-D inputs); pass `dim=` explicitly",
    ]
    assert err.strip() == (
        "Found 2 problems.\n[*] 1 fixable with the `--fix` option "
        "(1 hidden fix can be enabled with the `--unsafe-fixes` option)."
    )


def test_default_path_is_cwd(run_cli, project):
    code, out, _ = run_cli("check", cwd=project)
    assert code == 1 and len(out.splitlines()) == 2


def test_clean_file_exit_0(run_cli, project):
    code, out, err = run_cli("check", "clean.py", cwd=project)
    assert (code, out) == (0, "")
    assert err.strip() == "All checks passed (1 file)."


def test_quiet_suppresses_summary(run_cli, project):
    code, out, err = run_cli("check", "-q", "clean.py", cwd=project)
    assert (code, out, err) == (0, "", "")


def test_exit_zero(run_cli, project):
    code, out, _ = run_cli("check", "--exit-zero", ".", cwd=project)
    assert code == 0 and out


def test_select_ignore_extend_select(run_cli, project):
    _, out, _ = run_cli("check", "--select", "LF2", ".", cwd=project)
    assert [line.split()[1] for line in out.splitlines()] == ["LF201"]
    _, out, _ = run_cli("check", "--ignore", "LF201", ".", cwd=project)
    assert [line.split()[1] for line in out.splitlines()] == ["LF110"]
    _, out, _ = run_cli("check", "--select", "LF110,LF201", "--ignore", "LF2", ".", cwd=project)
    assert [line.split()[1] for line in out.splitlines()] == ["LF201", "LF110"]
    (project / "n.py").write_text("x = 1  # noqa: LF110\n")
    _, out, _ = run_cli("check", "--extend-select", "LF901", "n.py", cwd=project)
    assert out == "n.py:1:8: LF901 unused noqa directive: LF110\n"
    _, out, _ = run_cli("check", "n.py", cwd=project)
    assert out == ""


def test_more_specific_select_beats_ignore(run_cli, project):
    _, out, _ = run_cli("check", "--select", "LF201", "--ignore", "LF2", ".", cwd=project)
    assert [line.split()[1] for line in out.splitlines()] == ["LF201"]


def test_unknown_code_is_one_line_exit_2(run_cli, project):
    code, out, err = run_cli("check", "--select", "LF999", ".", cwd=project)
    assert code == 2 and out == ""
    assert err == "lossflint: error: unknown rule code or prefix 'LF999' in --select\n"


def test_missing_path_exit_2(run_cli, project):
    code, out, err = run_cli("check", "nope.py", cwd=project)
    assert code == 2 and out == ""
    assert err == "lossflint: error: path does not exist: nope.py\n"


def test_unknown_option_is_one_line(run_cli, project):
    code, _, err = run_cli("check", "--bogus", cwd=project)
    assert code == 2
    assert err.startswith("lossflint: error: ") and err.count("\n") == 1
    assert "--bogus" in err


def test_bad_output_format(run_cli, project):
    code, _, err = run_cli("check", "--output-format", "xml", cwd=project)
    assert code == 2 and err.count("\n") == 1 and "xml" in err


def test_full_output_shows_source_caret_and_fix(run_cli, project):
    code, out, _ = run_cli("check", "--output-format", "full", "pkg/train.py", cwd=project)
    assert code == 1
    assert out.splitlines()[:5] == [
        "pkg/train.py:2:9: LF110 [warning] `softmax` without `dim`: the axis is guessed from "
        "the input's rank (dim 0 for 1-D/3-D inputs); pass `dim=` explicitly",
        "  |",
        "2 | probs = F.softmax(logits)",
        "  |         ^^^^^^^^^^^^^^^^^",
        "  = help (unsafe fix): add `dim=-1` (use `dim=1` for (N, C, H, W) inputs)",
    ]
    _, out2, _ = run_cli("check", "--show-source", "pkg/train.py", cwd=project)
    assert out2 == out


def test_json_output(run_cli, project):
    code, out, err = run_cli("check", "--output-format", "json", "pkg/train.py", cwd=project)
    assert code == 1 and err == ""
    (item,) = json.loads(out)
    assert item["code"] == "LF110"
    assert item["name"] == "softmax-without-dim"
    assert item["severity"] == "warning"
    assert item["filename"] == "pkg/train.py"
    assert item["location"] == {"row": 2, "column": 9}
    assert item["end_location"] == {"row": 2, "column": 26}
    assert item["fix"]["applicability"] == "unsafe"
    assert item["fix"]["edits"] == [
        {
            "content": "F.softmax(logits, dim=-1)",
            "location": {"row": 2, "column": 9},
            "end_location": {"row": 2, "column": 26},
        }
    ]
    assert item["url"].endswith("/docs/rules/LF110.md")


def test_json_empty_list_when_clean(run_cli, project):
    code, out, _ = run_cli("check", "--output-format", "json", "clean.py", cwd=project)
    assert code == 0 and json.loads(out) == []


def test_github_output(run_cli, project):
    code, out, _ = run_cli("check", "--output-format", "github", ".", cwd=project)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        "::error file=pkg/loss.py,line=2,col=6,endLine=2,endColumn=40,title=LF201::"
        "LF201 log of softmax output underflows to log(0) = -inf; use log_softmax"
    )
    assert lines[1].startswith("::warning file=pkg/train.py,line=2,col=9,")


def test_sarif_output(run_cli, project):
    code, out, _ = run_cli("check", "--output-format", "sarif", ".", cwd=project)
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "LF110" in ids and "LF201" in ids
    result = run["results"][0]
    assert result["ruleId"] == "LF201"
    assert rules[result["ruleIndex"]]["id"] == "LF201"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 6, "endLine": 2, "endColumn": 40}


def test_statistics(run_cli, project):
    (project / "more.py").write_text(BUG + "q = F.softmax(y)\n")
    code, out, _ = run_cli("check", "--statistics", ".", cwd=project)
    assert code == 1
    assert out.splitlines() == [
        "    3  LF110  [*] softmax-without-dim",
        "    1  LF201  [*] log-of-probabilities",
    ]


def test_config_select_and_cli_override(run_cli, project):
    (project / "pyproject.toml").write_text('[tool.lossflint]\nselect = ["LF110"]\n')
    _, out, _ = run_cli("check", ".", cwd=project)
    assert [line.split()[1] for line in out.splitlines()] == ["LF110"]
    _, out, _ = run_cli("check", "--select", "LF201", ".", cwd=project)
    assert [line.split()[1] for line in out.splitlines()] == ["LF201"]
    _, out, _ = run_cli("check", "--isolated", ".", cwd=project)
    assert len(out.splitlines()) == 2


def test_config_found_walking_up(run_cli, project):
    (project / "pyproject.toml").write_text('[tool.lossflint]\nignore = ["LF110"]\n')
    _, out, _ = run_cli("check", "train.py", cwd=project / "pkg")
    assert out == ""


def test_config_ignore_extend_select_per_file_ignores(run_cli, project):
    (project / "pyproject.toml").write_text(
        "[tool.lossflint]\n"
        'extend-select = ["LF901"]\n'
        '[tool.lossflint.per-file-ignores]\n"pkg/loss.py" = ["LF2"]\n'
    )
    _, out, _ = run_cli("check", ".", cwd=project)
    assert [line.split()[1] for line in out.splitlines()] == ["LF110"]


def test_config_exclude_and_extend_exclude(run_cli, project):
    (project / "pyproject.toml").write_text('[tool.lossflint]\nextend-exclude = ["pkg/loss.py"]\n')
    _, out, _ = run_cli("check", ".", cwd=project)
    assert [line.split(":")[0] for line in out.splitlines()] == ["pkg/train.py"]
    (project / "pyproject.toml").write_text('[tool.lossflint]\nexclude = ["pkg"]\n')
    _, out, _ = run_cli("check", ".", cwd=project)
    assert out == ""
    # named explicitly: linted, unless --force-exclude
    _, out, _ = run_cli("check", "pkg/train.py", cwd=project)
    assert out.startswith("pkg/train.py:2:9: LF110")
    code, out, _ = run_cli("check", "--force-exclude", "pkg/train.py", cwd=project)
    assert (code, out) == (0, "")


def test_explicit_config_path(run_cli, project, tmp_path_factory):
    other = tmp_path_factory.mktemp("cfg") / "lossflint.toml"
    other.write_text('select = ["LF201"]\n')
    _, out, _ = run_cli("check", "--config", str(other), ".", cwd=project)
    assert [line.split()[1] for line in out.splitlines()] == ["LF201"]
    code, _, err = run_cli("check", "--config", "missing.toml", ".", cwd=project)
    assert code == 2 and err == "lossflint: error: config file not found: missing.toml\n"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.lossflint]\nfoo = 1\n", "unknown key 'foo' in [tool.lossflint] of "),
        (
            '[tool.lossflint]\nselect = ["LF777"]\n',
            "unknown rule code or prefix 'LF777' in 'select' of ",
        ),
        ("[tool.lossflint]\nselect = 'LF1'\n", "'select' must be a list of strings in "),
        ("[tool.lossflint\nselect = 1\n", "cannot parse "),
        (
            "[tool.lossflint]\nrespect-gitignore = 1\n",
            "'respect-gitignore' must be true or false in ",
        ),
        (
            '[tool.lossflint.per-file-ignores]\n"a.py" = ["XX1"]\n',
            "unknown rule code or prefix 'XX1' in 'per-file-ignores' of ",
        ),
        ("[tool.lossflint.options.LF110]\nfoo = 1\n", "unknown option 'foo' for LF110 in "),
        ("[tool.lossflint.options.LF999]\nfoo = 1\n", "unknown rule code 'LF999' in [options] of "),
    ],
)
def test_bad_config_one_line_exit_2(run_cli, project, toml, message):
    (project / "pyproject.toml").write_text(toml)
    code, out, err = run_cli("check", ".", cwd=project)
    assert code == 2 and out == ""
    assert err.startswith("lossflint: error: " + message), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_gitignore_respected(run_cli, project):
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / ".gitignore").write_text("pkg/loss.py\n")
    _, out, _ = run_cli("check", ".", cwd=project)
    assert [line.split(":")[0] for line in out.splitlines()] == ["pkg/train.py"]
    (project / "pyproject.toml").write_text("[tool.lossflint]\nrespect-gitignore = false\n")
    _, out, _ = run_cli("check", ".", cwd=project)
    assert len(out.splitlines()) == 2


def test_default_excluded_folders(run_cli, project):
    for folder in (
        ".git",
        "venv",
        "__pycache__",
        "build",
        "dist",
        "node_modules",
        "myenv",
        "__MACOSX",
    ):
        (project / folder).mkdir(exist_ok=True)
        (project / folder / "x.py").write_text(BUG)
    (project / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    _, out, _ = run_cli("check", ".", cwd=project)
    assert sorted(line.split(":")[0] for line in out.splitlines()) == [
        "pkg/loss.py",
        "pkg/train.py",
    ]


def test_noqa(run_cli, project):
    (project / "n.py").write_text(
        "import torch.nn.functional as F\n"
        "a = F.softmax(x)  # noqa: LF110\n"
        "b = F.softmax(x)  # noqa\n"
        "c = F.softmax(x)  # noqa: LF201\n"
        "d = F.softmax(  # noqa: LF110\n    x,\n)\n"
    )
    _, out, _ = run_cli("check", "n.py", cwd=project)
    assert out == (
        "n.py:4:5: LF110 `softmax` without `dim`: the axis is guessed from the input's rank "
        "(dim 0 for 1-D/3-D inputs); pass `dim=` explicitly\n"
    )


def test_noqa_on_first_line_of_multiline_statement(run_cli, project):
    (project / "m.py").write_text(
        "import torch\nimport torch.nn.functional as F\n"
        "loss = (  # noqa: LF201\n    torch.log(\n        F.softmax(x, dim=1)\n    )\n)\n"
    )
    code, out, _ = run_cli("check", "m.py", cwd=project)
    assert (code, out) == (0, "")


def test_file_level_noqa(run_cli, project):
    (project / "pkg" / "train.py").write_text("# lossflint: noqa\n" + BUG)
    _, out, _ = run_cli("check", "pkg/train.py", cwd=project)
    assert out == ""


def test_syntax_error_is_lf900_and_run_goes_on(run_cli, project):
    (project / "broken.py").write_text("def f(:\n    pass\n")
    code, out, _ = run_cli("check", ".", cwd=project)
    assert code == 1
    assert "broken.py:1:7: LF900 cannot parse: invalid syntax" in out.splitlines()
    assert len(out.splitlines()) == 3


def test_encodings(run_cli, project):
    (project / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport torch.nn.functional as F\n# caf\xe9\np = F.softmax(x)\n"
    )
    (project / "bom.py").write_bytes(
        b"\xef\xbb\xbfimport torch.nn.functional as F\np = F.softmax(x)\n"
    )
    (project / "bad.py").write_bytes(b"x = '\xff\xfe'\n")
    (project / "cookie.py").write_bytes(b"# coding: klingon\nx = 1\n")
    (project / "nul.py").write_bytes(b"x = 1\x00\n")
    (project / "empty.py").write_bytes(b"")
    code, out, _ = run_cli(
        "check",
        "--select",
        "LF110,LF900",
        *[f for f in ("latin.py", "bom.py", "bad.py", "cookie.py", "nul.py", "empty.py")],
        cwd=project,
    )
    assert code == 1
    assert out.splitlines() == [
        "bad.py:1:6: LF900 cannot decode file as utf-8: invalid byte 0xff",
        "bom.py:2:5: LF110 `softmax` without `dim`: the axis is guessed from the input's rank "
        "(dim 0 for 1-D/3-D inputs); pass `dim=` explicitly",
        "cookie.py:1:1: LF900 unknown encoding: klingon",
        "latin.py:4:5: LF110 `softmax` without `dim`: the axis is guessed from the input's rank "
        "(dim 0 for 1-D/3-D inputs); pass `dim=` explicitly",
        "nul.py:1:1: LF900 source contains a NUL byte",
    ]


def test_unreadable_file(run_cli, project):
    if os.geteuid() == 0:
        pytest.skip("root can read anything")
    target = project / "secret.py"
    target.write_text("x = 1\n")
    target.chmod(0)
    code, out, _ = run_cli("check", "secret.py", cwd=project)
    assert code == 1 and "LF900 cannot read file" in out


def test_internal_error_reported_exit_2(project, monkeypatch, capsys):
    from lossflint import cli
    from lossflint.rules.numerics.lf201_log_of_probabilities import LogOfProbabilities

    def boom(self, model):
        raise ValueError("kaboom")
        yield  # pragma: no cover

    monkeypatch.setattr(LogOfProbabilities, "check", boom)
    monkeypatch.chdir(project)
    monkeypatch.setattr("sys.argv", ["lossflint", "check", "."])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "pkg/train.py:2:9: LF110" in captured.out  # other results kept
    assert (
        "lossflint: error: internal error in LF201 on pkg/loss.py: ValueError: kaboom"
        in captured.err
    )
    # the summary says the checks were cut short, never that they all passed
    assert "All checks passed" not in captured.err
    assert re.search(r"\d+ errors? stopped part of the checks \(see above\)\.", captured.err)


def test_rules_listing_formats(run_cli):
    code, out, _ = run_cli("rules")
    assert code == 0
    assert any(line.startswith("LF201  log-of-probabilities") for line in out.splitlines())
    assert "(off by default)" in out
    code, out, _ = run_cli("rules", "--format", "json")
    data = json.loads(out)
    assert {"code": "LF110", "name": "softmax-without-dim"}.items() <= data[
        [d["code"] for d in data].index("LF110")
    ].items()
    code, out, _ = run_cli("rules", "--format", "markdown")
    assert out.startswith("# Rules") and "| [LF201](LF201.md) | log-of-probabilities |" in out


def test_rule_explains(run_cli):
    code, out, _ = run_cli("rule", "LF201")
    assert code == 0
    assert out.startswith("# LF201 log-of-probabilities")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in out
    code, out, _ = run_cli("rule", "log-of-probabilities")
    assert code == 0 and out.startswith("# LF201")
    code, _, err = run_cli("rule", "LF999")
    assert code == 2 and err == "lossflint: error: unknown rule code 'LF999'\n"


def test_version_and_module_entry(run_cli):
    code, out, _ = run_cli("--version")
    assert code == 0 and out.startswith("lossflint, version ")


def test_console_script_installed():
    import sys

    exe = Path(sys.executable).parent / "lossflint"
    assert exe.exists()
    proc = subprocess.run([exe, "rule", "LF110"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("# LF110")
