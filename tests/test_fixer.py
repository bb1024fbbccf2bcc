"""The fixer: before/after per fix, pass mechanics, files on disk, the CLI."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import libcst as cst
import pytest

from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.fixer import MAX_PASSES, fix_bytes, fix_text, parses
from lossflint.linter import RuleSet
from lossflint.registry import Rule
from lossflint.safe_write import write_fixed

LF2 = ["LF201", "LF202", "LF203", "LF204", "LF205", "LF206", "LF207", "LF208", "LF209"]


def _fix(source: str, unsafe: bool = False, codes: list[str] | None = None):
    return fix_text(source, "t.py", RuleSet(codes or LF2), [], unsafe)


# --- one before/after per fix ---------------------------------------------------------

BEFORE_AFTER = [
    pytest.param(
        "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n",
        "import torch\nlp = torch.log_softmax(x, dim=1)\n",
        False,
        id="LF201-log-softmax",
    ),
    pytest.param(
        "import torch\nlq = torch.log(1 - torch.sigmoid(z))\n",
        "import torch\nimport torch.nn.functional as F\nlq = F.logsigmoid(-z)\n",
        False,
        id="LF201-logsigmoid",
    ),
    pytest.param(
        "import torch\nh = torch.relu(x)\nl = torch.log(h)\n",
        "import torch\nh = torch.relu(x)\nl = torch.log(h.clamp_min(1e-7))\n",
        True,
        id="LF202-clamp",
    ),
    pytest.param(
        "import torch\nlse = torch.log(torch.sum(torch.exp(s), dim=1, keepdim=True))\n",
        "import torch\nlse = torch.logsumexp(s, dim=1, keepdim=True)\n",
        False,
        id="LF204-logsumexp",
    ),
    pytest.param(
        "import torch\nimport torch.nn.functional as nnf\nsp = torch.log(1 + torch.exp(a * b))\n",
        "import torch\nimport torch.nn.functional as nnf\nsp = nnf.softplus(a * b)\n",
        False,
        id="LF204-softplus-existing-alias",
    ),
    pytest.param(
        "import torch\np = x.exp() / x.exp().sum(dim=1, keepdim=True)\n",
        "import torch\np = torch.softmax(x, 1)\n",
        False,
        id="LF204-softmax",
    ),
    pytest.param(
        "import torch\nd = (((a - b) ** 2).sum(dim=-1)) ** 0.5\n",
        "import torch\nd = (((a - b) ** 2).sum(dim=-1) + 1e-12) ** 0.5\n",
        True,
        id="LF205-power",
    ),
    pytest.param(
        "import torch\nz = (a - b) / (a - b).norm(dim=-1, keepdim=True)\n",
        "import torch\nz = (a - b) / (a - b).norm(dim=-1, keepdim=True).clamp_min(1e-12)\n",
        True,
        id="LF206-norm",
    ),
    pytest.param(
        "import torch\nt = torch.acos(torch.cosine_similarity(a, b))\n",
        "import torch\nt = torch.acos(torch.cosine_similarity(a, b).clamp(-1 + 1e-7, 1 - 1e-7))\n",
        True,
        id="LF207-clamp",
    ),
    pytest.param(
        "import torch\nh = torch.maximum(torch.zeros_like(d), 1.0 - d)\n",
        "import torch\nh = torch.relu(1.0 - d)\n",
        False,
        id="LF209-relu",
    ),
]


@pytest.mark.parametrize(("before", "after", "unsafe"), BEFORE_AFTER)
def test_fix_before_after(before, after, unsafe):
    outcome = _fix(before, unsafe=unsafe)
    assert outcome.text == after
    assert outcome.applied == 1
    assert outcome.remaining == []
    assert outcome.failed == []
    again = _fix(outcome.text, unsafe=unsafe)
    assert again.text == after and again.applied == 0


def test_unsafe_fix_needs_the_flag():
    source = "import torch\nz = (a - b) / (a - b).norm(dim=-1, keepdim=True)\n"
    outcome = _fix(source, unsafe=False)
    assert outcome.text == source
    assert outcome.applied == 0
    assert [d.code for d in outcome.remaining] == ["LF206"]


# --- pass mechanics --------------------------------------------------------------------


def test_same_import_added_once_for_two_fixes():
    source = "import torch\na = torch.log(1 + torch.exp(x))\nb = torch.log(torch.sigmoid(y))\n"
    outcome = _fix(source)
    assert outcome.text == (
        "import torch\nimport torch.nn.functional as F\na = F.softplus(x)\nb = F.logsigmoid(y)\n"
    )
    assert outcome.applied == 2


def test_overlapping_fixes_are_applied_over_passes():
    source = "import torch\nh = torch.max(torch.zeros_like(d), torch.log(1 + torch.exp(z)))\n"
    outcome = _fix(source)
    assert outcome.text == (
        "import torch\nimport torch.nn.functional as F\nh = torch.relu(F.softplus(z))\n"
    )
    assert outcome.applied == 2
    assert outcome.remaining == []


def test_remaining_findings_are_reported():
    source = (
        "import torch\n"
        "def loss(p, y):\n"
        "    return -(y * torch.log(p)).sum()\n"
        "h = torch.max(torch.zeros_like(d), -d)\n"
    )
    outcome = _fix(source)
    assert outcome.applied == 1
    assert [(d.code, d.location.row) for d in outcome.remaining] == [("LF203", 3)]


class _BrokenFix(Rule):
    """A rule whose fix produces invalid Python (to test that it is dropped)."""

    code = "LF999"
    name = "broken-fix"
    severity = Severity.INFO
    summary = what = why = example = "test only"

    def check(self, model) -> Iterator[Finding]:
        for site in model.calls_to("torch.relu"):
            yield Finding(
                site.node,
                "broken",
                FixSpec(Applicability.SAFE, "break it", (NodeEdit(site.node, "relu(("),)),
            )


def _with_broken_rule() -> RuleSet:
    ruleset = RuleSet(["LF209"])
    ruleset.rules.append(_BrokenFix())
    return ruleset


def test_fix_that_breaks_the_parse_is_dropped_and_reported():
    source = "import torch\na = torch.relu(x)\nb = torch.max(torch.zeros_like(y), y)\n"
    outcome = fix_text(source, "t.py", _with_broken_rule(), [], unsafe=False)
    assert outcome.text == "import torch\na = torch.relu(x)\nb = torch.relu(y)\n"
    assert outcome.applied == 1
    # the new torch.relu(y) gets the broken fix too: each attempt is reported once
    assert outcome.failed == [
        "t.py:2:5: LF999 fix (break it) dropped: the result does not parse",
        "t.py:3:5: LF999 fix (break it) dropped: the result does not parse",
    ]
    assert parses(outcome.text)


def test_pass_bound():
    assert MAX_PASSES == 10


def test_noqa_suppressed_findings_are_not_fixed():
    source = "import torch\nh = torch.max(torch.zeros_like(d), -d)  # noqa: LF209\n"
    outcome = _fix(source)
    assert outcome.text == source and outcome.applied == 0


def test_ignored_codes_are_not_fixed():
    source = "import torch\nh = torch.max(torch.zeros_like(d), -d)\n"
    outcome = fix_text(source, "t.py", RuleSet(LF2), ["LF209"], unsafe=True)
    assert outcome.text == source and outcome.remaining == []


# --- bytes and files -----------------------------------------------------------------


def test_crlf_line_endings_are_kept():
    source = b"import torch\r\n\r\nsp = torch.log(1 + torch.exp(z))\r\n"
    result = fix_bytes(source, "t.py", RuleSet(LF2), [], unsafe=False)
    assert result.fixed == (
        b"import torch\r\nimport torch.nn.functional as F\r\n\r\nsp = F.softplus(z)\r\n"
    )


def test_bom_and_encoding_cookie_are_kept():
    source = "\ufeffimport torch\nh = torch.max(torch.zeros_like(d), -d)  # é\n".encode()
    result = fix_bytes(source, "t.py", RuleSet(LF2), [], unsafe=False)
    assert result.fixed == "\ufeffimport torch\nh = torch.relu(-d)  # é\n".encode()
    latin = "# -*- coding: latin-1 -*-\nimport torch\nh = torch.max(torch.zeros_like(d), -d)  # é\n"
    result = fix_bytes(latin.encode("latin-1"), "t.py", RuleSet(LF2), [], unsafe=False)
    assert result.fixed == latin.replace(
        "torch.max(torch.zeros_like(d), -d)", "torch.relu(-d)"
    ).encode("latin-1")


def test_unchanged_file_has_no_bytes():
    result = fix_bytes(b"import torch\nx = 1\n", "t.py", RuleSet(LF2), [], unsafe=True)
    assert result.fixed is None and result.diff == ""


def test_write_fixed_keeps_permissions_and_leaves_no_temp(tmp_path):
    path = tmp_path / "train.py"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o751)
    write_fixed(path, b"new\n", b"old\n", tmp_path)
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_write_fixed_through_a_symlink_inside_the_project_rewrites_the_target(tmp_path):
    target = tmp_path / "real.py"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_fixed(link, b"new\n", b"old\n", tmp_path)
    assert link.is_symlink()
    assert target.read_bytes() == b"new\n"


def test_fixed_text_parses_with_libcst():
    outcome = _fix("import torch\nlse = torch.log(torch.exp(s).sum(1))\n")
    cst.parse_module(outcome.text)
    assert outcome.text == "import torch\nlse = torch.logsumexp(s, 1)\n"


# --- CLI -------------------------------------------------------------------------------

TRAIN = (
    "import torch\n"
    "\n"
    "lse = torch.log(torch.exp(s).sum(dim=1))\n"
    "h = torch.max(torch.zeros_like(d), 1 - d)\n"
    "z = (a - b) / (a - b).norm(dim=-1, keepdim=True)\n"
)


def test_cli_diff_prints_and_writes_nothing(run_cli, tmp_path):
    path = tmp_path / "train.py"
    path.write_text(TRAIN)
    code, out, err = run_cli("check", "--isolated", "--diff", "train.py", cwd=tmp_path)
    assert code == 1
    assert out == (
        "--- a/train.py\n"
        "+++ b/train.py\n"
        "@@ -1,5 +1,5 @@\n"
        " import torch\n"
        " \n"
        "-lse = torch.log(torch.exp(s).sum(dim=1))\n"
        "-h = torch.max(torch.zeros_like(d), 1 - d)\n"
        "+lse = torch.logsumexp(s, dim=1)\n"
        "+h = torch.relu(1 - d)\n"
        " z = (a - b) / (a - b).norm(dim=-1, keepdim=True)\n"
    )
    assert err == "Would fix 2 problems (1 remaining).\n"
    assert path.read_text() == TRAIN


def test_cli_diff_without_fixes_exits_zero(run_cli, tmp_path):
    (tmp_path / "train.py").write_text("import torch\nx = torch.relu(y)\n")
    code, out, err = run_cli("check", "--isolated", "--diff", "train.py", cwd=tmp_path)
    assert (code, out, err) == (0, "", "No fixes to apply (0 remaining).\n")


def test_cli_fix_writes_safe_fixes_and_reports_the_rest(run_cli, tmp_path):
    path = tmp_path / "train.py"
    path.write_text(TRAIN)
    code, out, err = run_cli("check", "--isolated", "--fix", "train.py", cwd=tmp_path)
    assert code == 1
    assert out.startswith("train.py:5:5: LF206 division by a norm that can be 0")
    assert out.count("\n") == 1
    assert err == (
        "Found 3 problems (2 fixed, 1 remaining).\n"
        "1 hidden fix can be enabled with the `--unsafe-fixes` option.\n"
    )
    assert path.read_text() == (
        "import torch\n"
        "\n"
        "lse = torch.logsumexp(s, dim=1)\n"
        "h = torch.relu(1 - d)\n"
        "z = (a - b) / (a - b).norm(dim=-1, keepdim=True)\n"
    )
    # a second run changes nothing
    code, out2, err = run_cli("check", "--isolated", "--fix", "train.py", cwd=tmp_path)
    assert (code, out2) == (1, out)
    assert err == (
        "Found 1 problem (0 fixed, 1 remaining).\n"
        "1 hidden fix can be enabled with the `--unsafe-fixes` option.\n"
    )


def test_cli_unsafe_fixes(run_cli, tmp_path):
    path = tmp_path / "train.py"
    path.write_text(TRAIN)
    code, out, err = run_cli(
        "check", "--isolated", "--fix", "--unsafe-fixes", "train.py", cwd=tmp_path
    )
    assert (code, out, err) == (0, "", "Found 3 problems (3 fixed, 0 remaining).\n")
    assert path.read_text().endswith(
        "z = (a - b) / (a - b).norm(dim=-1, keepdim=True).clamp_min(1e-12)\n"
    )
    code, out, err = run_cli(
        "check", "--isolated", "--fix", "--unsafe-fixes", "train.py", cwd=tmp_path
    )
    assert (code, out, err) == (0, "", "All checks passed (1 file).\n")


def test_cli_fix_keeps_crlf_and_permissions(run_cli, tmp_path):
    path = tmp_path / "train.py"
    path.write_bytes(TRAIN.replace("\n", "\r\n").encode())
    os.chmod(path, 0o640)
    code, _, _ = run_cli("check", "--isolated", "--fix", "train.py", cwd=tmp_path)
    assert code == 1
    data = path.read_bytes()
    assert b"lse = torch.logsumexp(s, dim=1)\r\n" in data
    assert data.count(b"\r\n") == data.count(b"\n") == 5
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_cli_fix_from_stdin_prints_the_fixed_source(run_cli, tmp_path):
    code, out, err = run_cli(
        "check",
        "--isolated",
        "--fix",
        "--stdin-filename",
        "train.py",
        cwd=tmp_path,
        stdin="import torch\nh = torch.max(torch.zeros_like(d), -d)\n",
    )
    assert (code, out) == (0, "import torch\nh = torch.relu(-d)\n")
    assert err == "Found 1 problem (1 fixed, 0 remaining).\n"
    assert list(tmp_path.iterdir()) == []


def test_unwritable_file_is_reported_and_left_alone(tmp_path, monkeypatch):
    from lossflint import fixer
    from lossflint.config import resolve_settings

    path = tmp_path / "train.py"
    path.write_text(TRAIN)

    def refuse(target, data, original, root):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fixer, "write_fixed", refuse)
    settings = resolve_settings([str(tmp_path)], None, True)
    report = fixer.fix_files([path], settings, unsafe=False, write=True)
    assert report.applied == 0
    assert report.failed == [f"{path.as_posix()}: fixes not written: Permission denied"]
    assert [d.code for d in report.remaining] == ["LF204", "LF209", "LF206"]
    assert path.read_text() == TRAIN


def test_file_for_a_newer_python_is_checked_with_libcst():
    # PEP 701 nested quotes: CPython < 3.12 cannot compile this file at all
    source = (
        "import torch\n"
        "names = ['a']\n"
        'print(f"{", ".join(names)}")\n'
        "lp = torch.log(torch.softmax(x, dim=1))\n"
    )
    outcome = _fix(source)
    assert outcome.failed == []
    assert outcome.text.endswith("lp = torch.log_softmax(x, dim=1)\n")
