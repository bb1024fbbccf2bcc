"""The flake8 plugin, run through the real flake8 in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

pytest.importorskip("flake8")

LOG_BUG = "import torch\n\nlp = torch.log(torch.softmax(x, dim=1))\n"
NOQA = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "\n"
    "a = torch.log(torch.softmax(x, dim=1))  # noqa: LF201\n"
    "b = torch.log(torch.softmax(x, dim=1))  # noqa: E501\n"
    "c = F.softmax(x)  # noqa\n"
    "d = (  # noqa: LF110\n"  # lossflint: a noqa on the statement's first line counts
    "    F.softmax(x)\n"
    ")\n"
    "e = F.softmax(x)\n"
)


def flake8(*args: str, cwd: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=LF", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout.splitlines()


def lossflint(*args: str, cwd: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--output-format", "concise", "-q", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout.splitlines()


def test_plugin_is_registered():
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True, timeout=60
    )
    assert "lossflint" in proc.stdout


def test_fixtures_identical_to_lossflint_check():
    files = [p.relative_to(ROOT).as_posix() for p in sorted(FIXTURES.glob("*.py"))]
    # flake8 does not run plugins on a file that does not parse (it says E999)
    expected = [line for line in lossflint(*files, cwd=ROOT) if ": LF900 " not in line]
    assert expected, "the fixtures must have findings"
    assert flake8(*files, cwd=ROOT) == expected


def test_buggy_file_positions(tmp_path: Path):
    (tmp_path / "train.py").write_text(LOG_BUG)
    out = flake8("train.py", cwd=tmp_path)
    assert out == [
        "train.py:3:6: LF201 log of softmax output underflows to log(0) = -inf; use log_softmax"
    ]
    assert out == lossflint("train.py", cwd=tmp_path)


def test_noqa_through_flake8(tmp_path: Path):
    (tmp_path / "n.py").write_text(NOQA)
    out = flake8("n.py", cwd=tmp_path)
    assert [line.split(": ")[0] + " " + line.split()[1] for line in out] == [
        "n.py:5:5 LF201",
        "n.py:10:5 LF110",
    ]
    assert out == lossflint("n.py", cwd=tmp_path)


def test_disable_noqa_reports_everything(tmp_path: Path):
    (tmp_path / "n.py").write_text(NOQA)
    rows = [line.split(":")[1] for line in flake8("--disable-noqa", "n.py", cwd=tmp_path)]
    assert rows == ["4", "5", "6", "8", "10"]


def test_lossflint_config_applies(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.lossflint]\n"
        'ignore = ["LF110"]\n'
        "[tool.lossflint.per-file-ignores]\n"
        '"legacy/*" = ["LF2"]\n'
    )
    (tmp_path / "legacy").mkdir()
    both = LOG_BUG + "import torch.nn.functional as F\np = F.softmax(x)\n"
    (tmp_path / "train.py").write_text(both)
    (tmp_path / "legacy" / "old.py").write_text(both)
    out = flake8("train.py", "legacy/old.py", cwd=tmp_path)
    # LF110 is ignored by the config everywhere, LF2 under legacy/
    assert [line.split()[1] for line in out] == ["LF201"]
    assert out[0].startswith("train.py:3:6: ")
    assert out == lossflint("train.py", "legacy/old.py", cwd=tmp_path)


def test_flake8_select_filters_on_top(tmp_path: Path):
    (tmp_path / "train.py").write_text(
        LOG_BUG + "import torch.nn.functional as F\np = F.softmax(x)\n"
    )
    out = flake8("--ignore=LF201", "train.py", cwd=tmp_path)
    assert [line.split()[1] for line in out] == ["LF110"]


def test_bad_config_is_reported(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossflint]\nselect = ["XX9"]\n')
    (tmp_path / "train.py").write_text(LOG_BUG)
    out = flake8("train.py", cwd=tmp_path)
    assert len(out) == 1
    assert out[0].startswith("train.py:1:1: LF900 lossflint configuration error: unknown rule")
