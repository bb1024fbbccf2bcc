"""The process pool (``--jobs``), deterministic output, worker errors, progress."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import lossflint.runner
from lossflint.config import Settings
from lossflint.parallel import (
    MIN_FILES_FOR_POOL,
    Progress,
    _chunks,
    default_jobs,
    progress_wanted,
    run_files,
)

BUG = "import torch.nn.functional as F\nprobs = F.softmax(logits)\n"
LOG_BUG = "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n"
PLAIN = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def many(tmp_path: Path) -> list[Path]:
    files = []
    for i in range(MIN_FILES_FOR_POOL + 6):
        path = tmp_path / f"m{i:02d}.py"
        path.write_text([BUG, LOG_BUG, PLAIN, "x = (1,\n"][i % 4])
        files.append(path)
    return files


def _rows(result) -> list[tuple[str, str, int, int]]:  # type: ignore[no-untyped-def]
    return [
        (Path(d.filename).name, d.code, d.location.row, d.location.column)
        for d in result.diagnostics
    ]


def test_pool_gives_the_same_sorted_output_as_one_process(many: list[Path]) -> None:
    settings = Settings(root=many[0].parent)
    serial = run_files(many, settings, jobs=1)
    # reversed input: the output order must not depend on it or on scheduling
    pooled = run_files(list(reversed(many)), settings, jobs=2)
    assert pooled.diagnostics == serial.diagnostics
    assert pooled.errors == serial.errors == []
    assert pooled.files == len(many)
    rows = _rows(serial)
    assert rows[:4] == [
        ("m00.py", "LF110", 2, 9),
        ("m01.py", "LF201", 2, 6),
        ("m03.py", "LF900", 1, 5),
        ("m04.py", "LF110", 2, 9),
    ]
    assert len(rows) == 20  # 26 files: 7 LF110 + 7 LF201 + 6 LF900


def test_internal_errors_from_workers_are_reported(
    many: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(text, filename, *args, **kwargs):  # type: ignore[no-untyped-def]
        if filename.endswith("m05.py"):
            raise ValueError("kaboom")
        return real(text, filename, *args, **kwargs)

    real = lossflint.runner.lint_text
    # workers are forked after this, so they inherit the patch
    monkeypatch.setattr(lossflint.runner, "lint_text", explode)
    result = run_files(many, Settings(root=many[0].parent), jobs=2)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.filename.endswith("m05.py") and "ValueError: kaboom" in error.message
    # the other files are still reported
    assert ("m04.py", "LF110", 2, 9) in _rows(result)


def test_cli_exit_2_on_internal_error_in_worker(
    many: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from lossflint.cli import cli

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("worker bug")

    monkeypatch.setattr(lossflint.runner, "lint_text", explode)
    monkeypatch.chdir(many[0].parent)
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--jobs", "2", "."])
    assert result.exit_code == 2
    assert "RuntimeError: worker bug" in result.output


def test_cli_jobs_must_be_positive(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.py").write_text(BUG)
    code, out, err = run_cli("check", "--jobs", "0", ".", cwd=tmp_path)
    assert code == 2 and out == "" and "--jobs" in err


def test_cli_jobs_output_identical(run_cli, many: list[Path]) -> None:  # type: ignore[no-untyped-def]
    root = many[0].parent
    one = run_cli("check", "--no-cache", "--jobs", "1", ".", cwd=root)
    two = run_cli("check", "--no-cache", "--jobs", "2", ".", cwd=root)
    assert one == two and one[0] == 1


def test_chunks_cover_every_file_once() -> None:
    items = [(i, Path(f"f{i}.py")) for i in range(1000)]
    chunks = _chunks(items, 2)
    assert [x for chunk in chunks for x in chunk] == items
    assert max(len(c) for c in chunks) == 63  # ceil(1000 / 16)
    assert len(_chunks(items[:5], 4)) == 5


def test_default_jobs_is_positive() -> None:
    assert default_jobs() >= 1


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("LOSSFLINT_NO_PROGRESS", raising=False)
    assert progress_wanted(1000, _Tty())
    assert not progress_wanted(1000, io.StringIO())  # piped
    assert not progress_wanted(10, _Tty())  # small runs finish before it helps
    monkeypatch.setenv("CI", "true")
    assert not progress_wanted(1000, _Tty())


def test_progress_line() -> None:
    stream = _Tty()
    bar = Progress(3, stream)
    bar.advance()
    bar.advance(2)  # the last update is always written
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\rlossflint: 1/3 files")
    assert "\rlossflint: 3/3 files" in text
    assert text.endswith("\r\033[K")


def test_run_files_progress_goes_to_stderr_only(
    many: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    run_files(many, Settings(root=many[0].parent), jobs=1, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert f"lossflint: {len(many)}/{len(many)} files" in err
