"""``--fix`` never breaks working code and never loses what the user had
(issue 12: items 3, 4, 6, 8 for notebooks, 12 and 13).

* an added import is bound before every use (late ``import os``, notebooks);
* an edit saved while lossflint fixes the file wins;
* owner, group, hard links survive; read-only files and symlinks out of the
  project are left alone;
* temporary files are recognisable, never left by a failed write, and the
  next run removes those a SIGKILL left;
* a notebook whose JSON is too deep or holds a huge integer is LF900;
* ``# noqa`` and the shown source line follow Python's own line splitting.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import libcst as cst
import pytest

from lossflint import fixer, safe_write
from lossflint.analysis.model import SemanticModel
from lossflint.config import resolve_settings
from lossflint.diagnostics import InsertImport
from lossflint.edits import line_starts
from lossflint.fix_imports import import_edit, leading_block
from lossflint.fixer import fix_notebook
from lossflint.linter import RuleSet, lint_text
from lossflint.noqa import parse_noqa
from lossflint.notebook import lint_notebook
from lossflint.safe_write import NotWritten, remove_stale_temps, write_fixed
from lossflint.source import source_lines

ROOT = Path(__file__).resolve().parent.parent

# LF203 (log of sigmoid) has a safe fix that needs ``import torch.nn.functional as F``
NEEDS_F = "lq = torch.log(torch.sigmoid(x))\n"
# LF201 (log of softmax): a safe fix with no import
FIXABLE = "import torch\nx = torch.randn(4, 3)\nlp = torch.log(torch.softmax(x, dim=1))\n"
FIXED = "import torch\nx = torch.randn(4, 3)\nlp = torch.log_softmax(x, dim=1)\n"


def _settings(root: Path):  # type: ignore[no-untyped-def]
    settings = resolve_settings([str(root)], None, True)
    settings.root = root
    return settings


def _fix_files(paths: list[Path], root: Path) -> fixer.FixReport:
    return fixer.fix_files(paths, _settings(root), unsafe=False, write=True)


def _run_module(text: str) -> dict[str, object]:
    """Run fixed code as Python would (the test runs it, lossflint never does)."""
    namespace: dict[str, object] = {"__name__": "__fixed__"}
    exec(compile(text, "<fixed>", "exec"), namespace)
    return namespace


# --- 3: the added import is bound before every use ---------------------------------

LATE_IMPORT = (
    '"""Train a tiny model."""\n'
    "import torch\n"
    "\n"
    "x = torch.randn(4, 3)\n"
    f"{NEEDS_F}"
    "shape = tuple(lq.shape)\n"
    "\n"
    "import os\n"
)


def test_import_goes_before_the_first_use_not_after_a_late_import() -> None:
    outcome = fixer.fix_text(LATE_IMPORT, "t.py", RuleSet.default(), [], unsafe=False)
    assert outcome.applied == 1
    lines = outcome.text.splitlines()
    assert lines[:3] == [
        '"""Train a tiny model."""',
        "import torch",
        "import torch.nn.functional as F",
    ]
    assert lines.index("import torch.nn.functional as F") < lines.index("lq = F.logsigmoid(x)")
    pytest.importorskip("torch")
    assert _run_module(outcome.text)["shape"] == (4, 3)


def test_fixed_file_with_a_late_import_runs(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(LATE_IMPORT)
    report = _fix_files([path], tmp_path)
    assert report.applied == 1 and report.failed == []
    pytest.importorskip("torch")
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def _notebook(*sources: str, markdown_first: bool = True) -> bytes:
    cells: list[dict[str, object]] = []
    if markdown_first:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": ["# Title"]})
    for source in sources:
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source.splitlines(keepends=True),
            }
        )
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(nb, indent=1) + "\n").encode()


def _program(data: bytes) -> str:
    nb = json.loads(data)
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_notebook_import_goes_into_the_cell_that_runs_before_the_use() -> None:
    # the use is in cell 3; the only other import is in the last cell
    data = _notebook(
        "import torch\nx = torch.randn(4, 3)\n",
        f"{NEEDS_F}shape = tuple(lq.shape)\n",
        "import os\n",
    )
    result = fix_notebook(data, "nb.ipynb", RuleSet.default(), [], unsafe=False)
    assert result.applied == 1
    cells = json.loads(result.data)["cells"]
    assert "".join(cells[1]["source"]).startswith("import torch\nimport torch.nn.functional as F\n")
    assert "".join(cells[3]["source"]) == "import os\n"
    pytest.importorskip("torch")
    assert _run_module(_program(result.data))["shape"] == (4, 3)


def test_notebook_import_stays_after_a_pip_install_cell() -> None:
    data = _notebook(
        "!pip install torch\n%matplotlib inline\n",
        f"import torch\nx = torch.randn(4, 3)\n{NEEDS_F}",
        markdown_first=False,
    )
    result = fix_notebook(data, "nb.ipynb", RuleSet.default(), [], unsafe=False)
    cells = json.loads(result.data)["cells"]
    assert "".join(cells[0]["source"]) == "!pip install torch\n%matplotlib inline\n"
    assert "".join(cells[1]["source"]).startswith("import torch\nimport torch.nn.functional as F\n")


def _edit_for(source: str, imp: InsertImport):  # type: ignore[no-untyped-def]
    return import_edit(SemanticModel(cst.parse_module(source)), imp)


F_IMPORT = InsertImport("torch.nn.functional", "F")


def test_no_import_when_the_leading_block_already_binds_it() -> None:
    source = "from torch.nn import functional as F\nimport torch\ny = torch.log(x)\n"
    assert _edit_for(source, F_IMPORT) is None


def test_an_equivalent_import_only_after_the_use_still_gets_an_early_import() -> None:
    source = "import torch\ny = torch.log(x)\nimport torch.nn.functional as F\n"
    edit = _edit_for(source, F_IMPORT)
    assert edit is not None and edit.location.row == 2


def test_shebang_and_coding_cookie_stay_first() -> None:
    source = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\ny = 1\nimport torch\n"
    edit = _edit_for(source, F_IMPORT)
    assert edit is not None and edit.location.row == 4


def test_future_import_and_docstring_stay_first() -> None:
    source = '"""Doc."""\nfrom __future__ import annotations\nimport torch\ny = 1\n'
    module = cst.parse_module(source)
    assert len(leading_block(module)) == 3
    edit = _edit_for(source, F_IMPORT)
    assert edit is not None and edit.location.row == 4


# --- 4: an edit saved during --fix wins ---------------------------------------------


def test_edit_saved_between_read_and_write_is_kept(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    users_edit = FIXABLE + "print('saved by the editor meanwhile')\n"
    real_fix_bytes = fixer.fix_bytes

    def fix_while_the_user_saves(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_fix_bytes(*args, **kwargs)
        path.write_text(users_edit)
        return result

    monkeypatch.setattr(fixer, "fix_bytes", fix_while_the_user_saves)
    report = _fix_files([path], tmp_path)
    assert path.read_text() == users_edit
    assert report.failed == [
        f"{path.as_posix()}: fixes not written: "
        "the file changed on disk while lossflint was fixing it"
    ]
    assert report.applied == 0 and report.remaining  # exit code 1: findings remain
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_edit_saved_while_the_temporary_file_is_written_is_kept(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    real_fsync = os.fsync

    def fsync_while_the_user_saves(fd: int) -> None:
        real_fsync(fd)
        path.write_text("# the user's version\n")

    monkeypatch.setattr(safe_write.os, "fsync", fsync_while_the_user_saves)
    with pytest.raises(NotWritten, match="changed on disk"):
        write_fixed(path, FIXED.encode(), FIXABLE.encode(), tmp_path)
    monkeypatch.undo()
    assert path.read_text() == "# the user's version\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_changed_file_warning_and_exit_code_through_the_cli(
    tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    real_fix_bytes = fixer.fix_bytes

    def fix_while_the_user_saves(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_fix_bytes(*args, **kwargs)
        path.write_text(FIXABLE + "# edited\n")
        return result

    monkeypatch.setattr(fixer, "fix_bytes", fix_while_the_user_saves)
    code = fixer.fix_command(
        [path],
        _settings(tmp_path),
        stdin=None,
        unsafe=False,
        diff=False,
        output_format="concise",
        statistics=False,
        quiet=True,
        exit_zero=False,
    )
    err = capsys.readouterr().err
    assert code == 1
    warnings = [line for line in err.splitlines() if line.startswith("lossflint: warning:")]
    assert warnings == [
        f"lossflint: warning: {path.as_posix()}: fixes not written: "
        "the file changed on disk while lossflint was fixing it"
    ]
    assert path.read_text() == FIXABLE + "# edited\n"


# --- 6: metadata ---------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    os.chown(path, 4321, 8765)
    os.chmod(path, 0o640)
    report = _fix_files([path], tmp_path)
    assert report.applied == 1 and report.failed == []
    info = path.stat()
    assert path.read_text() == FIXED
    assert (info.st_uid, info.st_gid) == (4321, 8765)
    assert stat.S_IMODE(info.st_mode) == 0o640


def test_hard_links_keep_sharing_the_fixed_content(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    other = tmp_path / "backup" / "train.py"
    other.parent.mkdir()
    os.link(path, other)
    inode = path.stat().st_ino
    report = _fix_files([path], tmp_path)
    assert report.applied == 1 and report.failed == []
    assert path.read_text() == FIXED
    assert other.read_text() == FIXED
    assert path.stat().st_ino == inode and path.stat().st_nlink == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "train.py"]


def test_read_only_file_is_left_alone_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    os.chmod(path, 0o444)
    report = _fix_files([path], tmp_path)
    assert path.read_text() == FIXABLE
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert report.failed == [f"{path.as_posix()}: fixes not written: the file is read-only"]
    assert report.applied == 0 and report.remaining


def test_symlink_to_a_file_outside_the_project_is_not_written(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim.py"
    victim.write_text(FIXABLE)
    project = tmp_path / "project"
    project.mkdir()
    link = project / "link.py"
    link.symlink_to(victim)
    report = _fix_files([link], project)
    assert victim.read_text() == FIXABLE
    assert link.is_symlink()
    assert report.failed == [
        f"{link.as_posix()}: fixes not written: it is a symlink to "
        f"{os.path.realpath(victim)}, outside the project"
    ]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["victim.py"]


def test_symlink_inside_the_project_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(FIXABLE)
    link = tmp_path / "link.py"
    link.symlink_to("real.py")
    report = _fix_files([link], tmp_path)
    assert report.failed == []
    assert link.is_symlink() and (tmp_path / "real.py").read_text() == FIXED


# --- 13: temporary files --------------------------------------------------------------

TEMP_NAME = re.compile(r"^\.train\.py\.lossflint-[0-9]+-[A-Za-z0-9_]+\.tmp$")


def test_failed_replace_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    seen: list[str] = []

    def failing_replace(src: str, dst: object) -> None:
        seen.append(Path(src).name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_write.os, "replace", failing_replace)
    report = _fix_files([path], tmp_path)
    monkeypatch.undo()
    assert len(seen) == 1 and TEMP_NAME.match(seen[0]), seen
    assert report.failed == [f"{path.as_posix()}: fixes not written: No space left on device"]
    assert path.read_text() == FIXABLE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from lossflint import safe_write

    def die(src, dst):
        os.kill(os.getpid(), signal.SIGKILL)

    safe_write.os.replace = die
    path = Path(sys.argv[1])
    data = path.read_bytes()
    safe_write.write_fixed(path, data.replace(b"torch.log(torch.softmax", b"torch.log_softmax(("), data)
    """
)


def test_temporary_file_of_a_killed_run_is_removed_by_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(path)], capture_output=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "train.py"]
    assert len(leftovers) == 1 and TEMP_NAME.match(leftovers[0]), leftovers
    # not ours, or next to a file this run does not fix: kept
    keep = [".train.py.abc123.tmp", ".other.py.lossflint-1-abc.tmp", "train.py.lossflint-1-a.tmp"]
    for name in keep:
        (tmp_path / name).write_text("x")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "lossflint",
            "check",
            "--isolated",
            "--no-cache",
            "--fix",
            "train.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert path.read_text() == FIXED
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["train.py", *keep])


def test_a_live_writers_temporary_file_is_kept_until_it_is_stale(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(FIXABLE)
    live = tmp_path / f".train.py.lossflint-{os.getpid()}-abcd1234.tmp"
    live.write_text("being written")
    assert remove_stale_temps(tmp_path, {"train.py"}) == []
    later = time.time() + safe_write.STALE_AFTER + 1
    assert remove_stale_temps(tmp_path, {"train.py"}, now=later) == [live]


def test_a_symlink_named_like_a_temporary_file_is_not_removed(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(FIXABLE)
    trap = tmp_path / ".train.py.lossflint-999999999-abc.tmp"
    trap.symlink_to(tmp_path / "train.py")
    assert remove_stale_temps(tmp_path, {"train.py"}) == []
    assert trap.is_symlink()


# --- 8: notebooks the json module cannot load -----------------------------------------


def _broken_notebooks(folder: Path) -> dict[str, bytes]:
    base = _notebook(FIXABLE).decode()
    deep = base[:-2] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
    huge = base[:-2] + ', "x": ' + "1" * 4400 + "}\n"
    files = {"deep.ipynb": deep.encode(), "huge.ipynb": huge.encode()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def test_unloadable_notebook_json_is_lf900(tmp_path: Path) -> None:
    files = _broken_notebooks(tmp_path)
    messages = {}
    for name, data in files.items():
        result = lint_notebook(data, name, RuleSet.default(), [])
        assert [d.code for d in result.diagnostics] == ["LF900"]
        messages[name] = result.diagnostics[0].message
    assert messages == {
        "deep.ipynb": "cannot read notebook: JSON nested too deeply",
        "huge.ipynb": f"cannot read notebook: a JSON number longer than {sys.get_int_max_str_digits()} digits",
    }


def test_fix_leaves_unloadable_notebooks_untouched_and_goes_on(tmp_path: Path) -> None:
    files = _broken_notebooks(tmp_path)
    (tmp_path / "train.py").write_text(FIXABLE)
    run = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--isolated", "--no-cache", "--fix", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in run.stderr
    assert run.returncode == 1, run.stderr
    assert sorted(re.findall(r"(\w+\.ipynb):1:1: LF900", run.stdout)) == [
        "deep.ipynb",
        "huge.ipynb",
    ]
    for name, data in files.items():
        assert (tmp_path / name).read_bytes() == data
    assert (tmp_path / "train.py").read_text() == FIXED


# --- 12: Python's line splitting ------------------------------------------------------

ODD_SEPARATORS = ["\x0c", "\x0b", "\x1c", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("sep", ODD_SEPARATORS)
def test_source_lines_split_only_where_python_does(sep: str) -> None:
    text = f"a = 1  # x{sep}y\r\nb = 'p{sep}q'\rc = 3\n"
    assert source_lines(text) == [f"a = 1  # x{sep}y", f"b = 'p{sep}q'", "c = 3"]
    assert "".join(source_lines(text, keepends=True)) == text


@pytest.mark.parametrize("sep", ODD_SEPARATORS)
@pytest.mark.parametrize("where", ["comment", "string"])
def test_noqa_after_an_odd_separator_applies_to_its_own_line(sep: str, where: str) -> None:
    middle = f"# note{sep}more\n" if where == "comment" else f"s = 'a{sep}b'\n"
    text = f"import torch\n{middle}lp = torch.log(torch.softmax(x, dim=1))  # noqa: LF201\n"
    assert list(parse_noqa(text)) == [3]
    result = lint_text(text, "t.py", RuleSet.default(), [])
    assert [d.code for d in result.diagnostics] == []
    # without the noqa the finding is there, on line 3
    bare = text.replace("  # noqa: LF201", "")
    found = lint_text(bare, "t.py", RuleSet.default(), []).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("LF201", 3)]


def _full_output(tmp_path: Path, name: str, data: bytes) -> str:
    (tmp_path / name).write_bytes(data)
    run = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--isolated", "--no-cache"]
        + ["--output-format", "full", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in run.stderr
    return run.stdout


ODD_LINES = "import torch\ns = 'a\x0cb\u2028c\x85d'\nlp = torch.log(torch.softmax(x, dim=1))\n"


def test_full_output_shows_the_cell_line_the_finding_is_on(tmp_path: Path) -> None:
    out = _full_output(tmp_path, "nb.ipynb", _notebook(ODD_LINES))
    assert "3 | lp = torch.log(torch.softmax(x, dim=1))" in out


def test_full_output_shows_the_line_the_finding_is_on(tmp_path: Path) -> None:
    out = _full_output(tmp_path, "t.py", ODD_LINES.encode())
    assert "3 | lp = torch.log(torch.softmax(x, dim=1))" in out


def test_fix_edits_land_right_in_a_file_with_cr_line_ends() -> None:
    text = "import torch\r# a\x0c comment\rx = net(b)\rlp = torch.log(torch.softmax(x, dim=1))\r"
    assert line_starts(text)[4] == text.index("lp =")
    outcome = fixer.fix_text(text, "t.py", RuleSet.default(), [], unsafe=False)
    assert (
        outcome.text
        == "import torch\r# a\x0c comment\rx = net(b)\rlp = torch.log_softmax(x, dim=1)\r"
    )


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the `patch` program")
def test_diff_with_a_form_feed_applies_with_patch(tmp_path: Path) -> None:
    text = "import torch\n# section\x0c\nlp = torch.log(torch.softmax(x, dim=1))\ns = 'a\u2028b'\n"
    diff = fixer.fix_bytes(text.encode(), "t.py", RuleSet.default(), [], unsafe=False).diff
    (tmp_path / "t.py").write_text(text)
    proc = subprocess.run(
        ["patch", "-p1", "--quiet"], input=diff.encode(), cwd=tmp_path, capture_output=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "t.py").read_text() == text.replace(
        "torch.log(torch.softmax(x, dim=1))", "torch.log_softmax(x, dim=1)"
    )


def test_failed_in_place_write_puts_the_original_back(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    os.link(path, tmp_path / "other.py")
    real_ftruncate = os.ftruncate
    calls: list[int] = []

    def disk_full_once(fd: int, length: int) -> None:
        calls.append(length)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        real_ftruncate(fd, length)

    monkeypatch.setattr(safe_write.os, "ftruncate", disk_full_once)
    report = _fix_files([path], tmp_path)
    monkeypatch.undo()
    assert calls == [len(FIXED), len(FIXABLE)]
    assert report.failed == [f"{path.as_posix()}: fixes not written: No space left on device"]
    assert path.read_text() == FIXABLE == (tmp_path / "other.py").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.py", "train.py"]


def test_owner_that_cannot_be_given_means_an_in_place_write(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # not root and the file belongs to someone else: a renamed new file would
    # change its owner, so the bytes go into the file's own inode
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    inode = path.stat().st_ino
    real_stat = os.stat

    def stat_as_if_foreign(target, *args, **kwargs):  # type: ignore[no-untyped-def]
        info = real_stat(target, *args, **kwargs)
        if str(target).endswith(".tmp"):
            values = list(info)
            values[stat.ST_UID] = info.st_uid + 1
            return os.stat_result(values)
        return info

    def refuse_chown(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(safe_write.os, "stat", stat_as_if_foreign)
    monkeypatch.setattr(safe_write.os, "chown", refuse_chown)
    report = _fix_files([path], tmp_path)
    monkeypatch.undo()
    assert report.failed == [] and report.applied == 1
    assert path.read_text() == FIXED and path.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]
