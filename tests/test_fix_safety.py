"""Fix safety at scale: ``check --fix --unsafe-fixes`` on a copy of every
fixture, through the CLI. Every changed file still parses, a second run
changes nothing, ``--diff`` applied with ``patch -p1`` gives the same bytes,
permission bits and CRLF line endings are kept, a fix whose result would not
parse leaves the file untouched and is reported, and a SIGKILL in the middle
of a run leaves every file either original or fully fixed.

(The same checks on a copy of the real-library corpus: ``python
benchmarks/corpus_check.py --fix-safety``.)
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest

from lossflint.diagnostics import Applicability, Finding, FixSpec, NodeEdit, Severity
from lossflint.registry import Rule

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

pytestmark = pytest.mark.skipif(shutil.which("patch") is None, reason="needs the `patch` program")


def lossflint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--isolated", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _has_fix_option() -> bool:
    out = lossflint("--help", cwd=ROOT).stdout
    return "--fix" in out and "--unsafe-fixes" in out and "--diff" in out


requires_fix = pytest.mark.skipif(not _has_fix_option(), reason="`check --fix` is not there yet")


def _cpython_parses(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<f>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _copy_fixtures(dest: Path) -> dict[str, bytes]:
    """Every fixture (scripts, grammar forms, the notebook), plus a CRLF copy
    and two files with unusual permission bits; returns the original bytes."""
    dest.mkdir()
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".ipynb"):
            target = dest / path.relative_to(FIXTURES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    crlf = (FIXTURES / "mnist_mlp.py").read_bytes().replace(b"\n", b"\r\n")
    (dest / "mnist_mlp_crlf.py").write_bytes(crlf)
    os.chmod(dest / "mnist_mlp.py", 0o754)
    os.chmod(dest / "mnist_mlp_crlf.py", 0o600)
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in _files(dest)}


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".ipynb"))


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in _files(root)
    }


@pytest.fixture(scope="module")
def fixed_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The fixtures after one ``--fix --unsafe-fixes`` run (shared, read only)."""
    if not _has_fix_option():
        pytest.skip("`check --fix` is not there yet")
    root = tmp_path_factory.mktemp("fixsafety") / "tree"
    originals = _copy_fixtures(root)
    proc = lossflint("--fix", "--unsafe-fixes", "--exit-zero", ".", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return root, originals


@requires_fix
def test_fix_changes_files_and_every_changed_file_parses(fixed_tree) -> None:  # type: ignore[no-untyped-def]
    root, originals = fixed_tree
    changed = [rel for rel, data in originals.items() if (root / rel).read_bytes() != data]
    # the scripts with fixable findings really were fixed
    assert {"mnist_mlp.py", "mnist_mlp_crlf.py", "grammar/except_star.py"} <= set(changed)
    for rel in changed:
        after = (root / rel).read_bytes()
        if rel.endswith(".ipynb"):
            continue  # cells are checked by the notebook tests
        cst.parse_module(after.decode("utf-8"))
        if _cpython_parses(originals[rel]):
            assert _cpython_parses(after), rel


@requires_fix
def test_second_run_changes_nothing(fixed_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, _ = fixed_tree
    again = tmp_path / "again"
    shutil.copytree(root, again)
    before = _snapshot(again)
    proc = lossflint("--fix", "--unsafe-fixes", "--exit-zero", ".", cwd=again)
    assert proc.returncode == 0 and "fixed" in proc.stderr
    assert ", 0 fixed," in proc.stderr or "(0 fixed" in proc.stderr
    assert _snapshot(again) == before
    diff = lossflint("--diff", "--unsafe-fixes", ".", cwd=again)
    assert (diff.returncode, diff.stdout) == (0, "")


@requires_fix
def test_diff_applied_with_patch_gives_the_same_bytes(fixed_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, _ = fixed_tree
    fresh = tmp_path / "fresh"
    _copy_fixtures(fresh)
    before = _snapshot(fresh)
    # bytes, not text: universal newlines would turn the CRLF file's lines into LF
    diff = subprocess.run(
        [
            sys.executable,
            "-m",
            "lossflint",
            "check",
            "--isolated",
            "--no-cache",
            "--diff",
            "--unsafe-fixes",
            ".",
        ],
        cwd=fresh,
        capture_output=True,
        timeout=300,
    )
    assert diff.returncode == 1 and diff.stdout.startswith(b"--- a/")
    assert b"\r\n" in diff.stdout  # the CRLF file's lines keep their CR in the diff
    assert _snapshot(fresh) == before  # --diff writes nothing
    patched = subprocess.run(
        ["patch", "-p1", "--no-backup-if-mismatch", "--binary"],
        input=diff.stdout,
        cwd=fresh,
        capture_output=True,
    )
    assert patched.returncode == 0, patched.stdout + patched.stderr
    assert {k: v[0] for k, v in _snapshot(fresh).items()} == {
        k: v[0] for k, v in _snapshot(root).items()
    }


@requires_fix
def test_permissions_and_crlf_are_kept(fixed_tree) -> None:  # type: ignore[no-untyped-def]
    root, originals = fixed_tree
    assert stat.S_IMODE((root / "mnist_mlp.py").stat().st_mode) == 0o754
    assert stat.S_IMODE((root / "mnist_mlp_crlf.py").stat().st_mode) == 0o600
    after = (root / "mnist_mlp_crlf.py").read_bytes()
    assert after != originals["mnist_mlp_crlf.py"]
    assert after.count(b"\n") == after.count(b"\r\n")  # no bare LF crept in
    # the CRLF copy is fixed exactly like the LF file
    assert after == (root / "mnist_mlp.py").read_bytes().replace(b"\n", b"\r\n")


@requires_fix
def test_fixes_in_python_312_syntax_are_applied(tmp_path: Path) -> None:
    """A file in 3.12 syntax (libcst parses it, the running CPython may not)
    gets its fixes: the fixed text is not required to compile with an older
    CPython (regression: the fixes used to be "dropped: the result does not
    parse" on 3.11)."""
    shutil.copyfile(FIXTURES / "grammar" / "fstrings_pep701.py", tmp_path / "f.py")
    proc = lossflint("--fix", ".", cwd=tmp_path)
    assert "dropped" not in proc.stderr
    assert "torch.log(torch.softmax" not in (tmp_path / "f.py").read_text()


class _BrokenFix(Rule):
    """A fix that produces invalid Python, to see the file left alone."""

    code = "LF998"
    name = "broken-fix-for-safety-test"
    severity = Severity.INFO
    summary = what = why = example = "test only"

    def check(self, model) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
        for site in model.calls_to("torch.softmax"):
            yield Finding(
                site.node,
                "broken",
                FixSpec(Applicability.SAFE, "break it", (NodeEdit(site.node, "softmax(("),)),
            )


def test_file_whose_fix_would_not_parse_is_untouched_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lossflint import fixer
    from lossflint.config import resolve_settings
    from lossflint.linter import RuleSet

    path = tmp_path / "train.py"
    original = b"import torch\r\np = torch.softmax(x, dim=1)\r\n"
    path.write_bytes(original)
    os.chmod(path, 0o640)
    real = RuleSet

    def with_broken_rule(codes, options=None):  # type: ignore[no-untyped-def]
        ruleset = real(codes, options)
        ruleset.rules.append(_BrokenFix())
        return ruleset

    monkeypatch.setattr(fixer, "RuleSet", with_broken_rule)
    settings = resolve_settings([str(tmp_path)], None, True)
    code = fixer.fix_command(
        [path],
        settings,
        stdin=None,
        unsafe=True,
        diff=False,
        output_format="concise",
        statistics=False,
        quiet=False,
        exit_zero=False,
    )
    err = capsys.readouterr().err
    assert code == 1
    assert path.read_bytes() == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert (
        f"lossflint: warning: {path.as_posix()}:2:5: LF998 fix (break it) dropped: "
        "the result does not parse"
    ) in err.splitlines()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]  # no temp file left


@requires_fix
def test_sigkill_during_a_fix_run_leaves_no_half_written_file(tmp_path: Path) -> None:
    source = (FIXTURES / "mnist_mlp.py").read_bytes()
    one = tmp_path / "one"
    one.mkdir()
    (one / "t.py").write_bytes(source)
    assert lossflint("--fix", "--unsafe-fixes", "--exit-zero", ".", cwd=one).returncode == 0
    fixed = (one / "t.py").read_bytes()
    assert fixed != source

    many = tmp_path / "many"
    many.mkdir()
    count = 150
    for i in range(count):
        (many / f"t{i:03}.py").write_bytes(source)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lossflint",
            "check",
            "--isolated",
            "--no-cache",
            "--fix",
            "--unsafe-fixes",
            ".",
        ],
        cwd=many,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # wait until the run is writing (some file fixed), then kill it mid-run
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if any(p.read_bytes() == fixed for p in many.glob("t*.py")):
                break
            time.sleep(0.02)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    states = {"original": 0, "fixed": 0}
    for i in range(count):
        data = (many / f"t{i:03}.py").read_bytes()
        assert data in (source, fixed), f"t{i:03}.py is neither the original nor the fixed file"
        states["original" if data == source else "fixed"] += 1
    assert proc.returncode == -signal.SIGKILL, "the run ended before the kill: make it longer"
    assert states["fixed"] >= 1 and states["original"] >= 1, states
    # at most the one temporary file being written at the kill is left, named
    # so that the next run knows it as its own (tests/test_safety_fix.py)
    leftovers = [p.name for p in many.iterdir() if not p.name.endswith(".py")]
    ours = re.compile(r"^\.t[0-9]{3}\.py\.lossflint-[0-9]+-[A-Za-z0-9_]+\.tmp$")
    assert len(leftovers) <= 1 and all(ours.match(n) for n in leftovers), leftovers
