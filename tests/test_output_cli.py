"""Output of ``lossflint check`` as ruff users expect it (issue 17 item 5):
summary, --output-file, --show-fixes, colour, gitlab/junit, SARIF fixes,
--statistics json, stdin ``-``, --watch and --add-noqa."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lossflint.add_noqa import add_noqa_text
from lossflint.linter import RuleSet, lint_text

LOG_BUG = "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n"  # LF201, safe fix
SOFT_BUG = "import torch.nn.functional as F\np = F.softmax(x)\n"  # LF110, unsafe fix


def lossflint(
    *args: str, cwd: Path, stdin: str | bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env or {})
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        env=environ,
        timeout=120,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "log.py").write_text(LOG_BUG)
    (tmp_path / "soft.py").write_text(SOFT_BUG)
    return tmp_path


# --- summary -----------------------------------------------------------------------------


def test_summary_separates_fix_from_unsafe_fixes(project: Path):
    proc = lossflint("check", "--no-cache", ".", cwd=project)
    assert proc.stderr == (
        "Found 2 problems.\n[*] 1 fixable with the `--fix` option "
        "(1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )
    proc = lossflint("check", "--no-cache", "--unsafe-fixes", ".", cwd=project)
    assert proc.stderr == "Found 2 problems.\n[*] 2 fixable with the `--fix` option.\n"
    proc = lossflint("check", "--no-cache", "soft.py", cwd=project)
    assert proc.stderr == (
        "Found 1 problem.\n"
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )


# --- stdin -------------------------------------------------------------------------------


def test_dash_reads_stdin(project: Path):
    proc = lossflint("check", "-", cwd=project, stdin=LOG_BUG)
    assert proc.returncode == 1
    assert proc.stdout.startswith("-:2:6: LF201 ")
    proc = lossflint("check", "-", "--stdin-filename", "pkg/t.py", cwd=project, stdin=LOG_BUG)
    assert proc.stdout.startswith("pkg/t.py:2:6: LF201 ")


def test_stdin_that_is_not_utf8_is_one_line_exit_2(project: Path):
    proc = lossflint("check", "-", cwd=project, stdin=b'x = "\xff"\n')
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.startswith("lossflint: error: stdin is not valid utf-8: invalid byte 0xff")
    assert proc.stderr.count("\n") == 1
    proc = lossflint("check", "--stdin-filename", "n.ipynb", cwd=project, stdin=b'{"c": "\xff"}')
    assert proc.returncode == 2 and proc.stderr.startswith("lossflint: error: stdin is not UTF-8")


def test_dash_with_other_paths_is_a_usage_error(project: Path):
    proc = lossflint("check", "-", "log.py", cwd=project, stdin="")
    assert proc.returncode == 2 and "`-` reads stdin" in proc.stderr


# --- --output-file, --show-fixes, colour ---------------------------------------------------


def test_output_file(project: Path):
    proc = lossflint(
        "check", "--output-format", "json", "--output-file", "out/r.json", "log.py", cwd=project
    )
    assert proc.returncode == 2 and "cannot write --output-file" in proc.stderr
    proc = lossflint("check", "--output-format", "json", "-o", "r.json", "log.py", cwd=project)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert [d["code"] for d in json.loads((project / "r.json").read_text())] == ["LF201"]


def test_show_fixes_without_and_with_fix(project: Path):
    proc = lossflint("check", "--no-cache", "--show-fixes", ".", cwd=project)
    lines = proc.stdout.splitlines()
    assert lines[1] == "    fix: use log_softmax" or lines[1].startswith("    fix: ")
    assert lines[3].startswith("    unsafe fix: ")
    proc = lossflint("check", "--no-cache", "--fix", "--show-fixes", ".", cwd=project)
    assert "Fixed 1 problem:\n- log.py:\n    1 × LF201 (log-of-probabilities)\n" in proc.stderr


def test_colour_only_when_asked_or_on_a_terminal(project: Path):
    plain = lossflint("check", "--no-cache", "log.py", cwd=project)
    assert "\x1b[" not in plain.stdout + plain.stderr
    forced = lossflint("check", "--no-cache", "log.py", cwd=project, env={"FORCE_COLOR": "1"})
    assert forced.stdout.startswith("\x1b[1mlog.py:2:6\x1b[0m: \x1b[1m\x1b[31mLF201\x1b[0m ")
    assert "\x1b[" in forced.stderr
    both = lossflint("check", "log.py", cwd=project, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in both.stdout + both.stderr
    json_out = lossflint(
        "check", "--output-format", "json", "log.py", cwd=project, env={"FORCE_COLOR": "1"}
    )
    json.loads(json_out.stdout)


# --- formats -------------------------------------------------------------------------------


def test_gitlab_code_quality(project: Path):
    proc = lossflint("check", "--no-cache", "--output-format", "gitlab", ".", cwd=project)
    report = json.loads(proc.stdout)
    assert [r["check_name"] for r in report] == ["LF201", "LF110"]
    first = report[0]
    assert first["location"]["path"] == "log.py"
    assert first["location"]["positions"]["begin"] == {"line": 2, "column": 6}
    assert first["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert first["description"].startswith("LF201 log of softmax")
    assert len({r["fingerprint"] for r in report}) == 2
    # the fingerprint survives lines moving
    (project / "log.py").write_text("\n\n" + LOG_BUG)
    again = json.loads(
        lossflint("check", "--no-cache", "--output-format", "gitlab", ".", cwd=project).stdout
    )
    assert again[0]["fingerprint"] == first["fingerprint"]


def test_junit(project: Path):
    proc = lossflint("check", "--no-cache", "--output-format", "junit", ".", cwd=project)
    root = ET.fromstring(proc.stdout)
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "2", "2")
    suites = {s.get("name"): s for s in root}
    assert set(suites) == {"log.py", "soft.py"}
    case = suites["log.py"].find("testcase")
    assert case is not None and case.get("name") == "org.lossflint.LF201"
    failure = case.find("failure")
    assert failure is not None and failure.text and failure.text.startswith("line 2, col 6, ")
    (project / "log.py").unlink()
    (project / "soft.py").unlink()
    clean = ET.fromstring(lossflint("check", "--output-format", "junit", ".", cwd=project).stdout)
    assert clean.get("failures") == "0"


def test_sarif_fixes_and_help_uri(project: Path):
    proc = lossflint("check", "--no-cache", "--output-format", "sarif", ".", cwd=project)
    run = json.loads(proc.stdout)["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    (fix,) = by_rule["LF201"]["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "log.py"
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 2, "startColumn": 6, "endLine": 2, "endColumn": 40},
            "insertedContent": {"text": "torch.log_softmax(x, dim=1)"},
        }
    ]
    assert by_rule["LF110"]["fixes"][0]["description"]["text"].endswith("(unsafe fix)")
    rules = run["tool"]["driver"]["rules"]
    assert all(r["helpUri"].endswith(f"/docs/rules/{r['id']}.md") for r in rules)


def test_sarif_fix_applied_gives_the_fixed_file(project: Path):
    """The replacements, applied as a SARIF consumer would, are what --fix writes."""
    from lossflint.diagnostics import Edit, Location
    from lossflint.edits import apply_edits

    proc = lossflint("check", "--no-cache", "--output-format", "sarif", "log.py", cwd=project)
    (result,) = json.loads(proc.stdout)["runs"][0]["results"]
    edits = [
        Edit(
            r["insertedContent"]["text"],
            Location(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
            Location(r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]),
        )
        for r in result["fixes"][0]["artifactChanges"][0]["replacements"]
    ]
    expected = apply_edits(LOG_BUG, edits)
    lossflint("check", "--no-cache", "--fix", "log.py", cwd=project)
    assert (project / "log.py").read_text() == expected


def test_statistics_json(project: Path):
    (project / "more.py").write_text(SOFT_BUG)
    proc = lossflint(
        "check", "--no-cache", "--statistics", "--output-format", "json", ".", cwd=project
    )
    assert json.loads(proc.stdout) == [
        {"code": "LF110", "name": "softmax-without-dim", "count": 2, "fixable": True},
        {"code": "LF201", "name": "log-of-probabilities", "count": 1, "fixable": True},
    ]


# --- --add-noqa ----------------------------------------------------------------------------


def _lint(text: str) -> list:  # type: ignore[type-arg]
    return lint_text(text, "t.py", RuleSet.default(), []).diagnostics


def test_add_noqa_merges_and_is_idempotent(project: Path):
    path = project / "m.py"
    path.write_text(
        "import torch\nimport torch.nn.functional as F\n"
        "lp = torch.log(F.softmax(x))  # noqa: E501\n"
    )
    proc = lossflint("check", "--no-cache", "--add-noqa", "m.py", cwd=project)
    assert (proc.returncode, proc.stderr) == (0, "Added 1 noqa directive.\n")
    assert path.read_text().endswith("lp = torch.log(F.softmax(x))  # noqa: E501, LF110, LF201\n")
    again = lossflint("check", "--no-cache", "--add-noqa", "m.py", cwd=project)
    assert again.stderr == "Added 0 noqa directives.\n"
    assert lossflint("check", "--no-cache", "m.py", cwd=project).returncode == 0


def test_add_noqa_never_breaks_a_multiline_string():
    text = (
        "import torch.nn.functional as F\n"
        "z = g(\n"
        '    F.softmax(x), """doc\n'
        'more""")\n'
        'w = g(F.softmax(x), """doc\n'
        'more""")\n'
    )
    new, count, homeless = add_noqa_text(text, _lint(text))
    assert count == 1
    assert new.splitlines()[1] == "z = g(  # noqa: LF110"
    # no line the noqa logic reads for it can take a comment: reported, not written
    assert [(d.location.row, d.code) for d in homeless] == [(5, "LF110")]
    assert new.splitlines()[2:] == text.splitlines()[2:]
    compile(new, "t.py", "exec")
    assert [d.location.row for d in _lint(new)] == [5]


def test_add_noqa_keeps_line_endings():
    text = "import torch\r\nlp = torch.log(torch.softmax(x, dim=1))\r\n"
    new, count, _ = add_noqa_text(text, _lint(text))
    assert count == 1
    assert new == "import torch\r\nlp = torch.log(torch.softmax(x, dim=1))  # noqa: LF201\r\n"


# --- --watch -------------------------------------------------------------------------------


def test_watch_reruns_on_change_and_ctrl_c_exits_130(project: Path):
    (project / "soft.py").unlink()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lossflint", "check", "--no-cache", "--watch", "."],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        assert proc.stderr is not None and proc.stdout is not None
        while "watching for changes" not in proc.stderr.readline():
            assert time.monotonic() < deadline
        assert proc.stdout.readline().startswith("log.py:2:6: LF201")
        time.sleep(0.1)
        (project / "new.py").write_text(SOFT_BUG)
        lines = {proc.stdout.readline().split(":")[0] for _ in range(2)}
        assert lines == {"log.py", "new.py"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
