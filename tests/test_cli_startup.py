"""``lossflint --version``, ``--help`` and ``lossflint server`` start without
loading the linter, the rule registry or libcst (the server's worker loads
them in its own process, after ``initialize`` was answered): the CLI module
imports what a command needs when the command runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("libcst", "lossflint.linter", "lossflint.registry", "lossflint.rules", "lossflint.config")

PROBE = """
import sys
from lossflint import cli
sys.argv = ["lossflint", *{args!r}]
try:
    cli.main()
except SystemExit:
    pass
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY", heavy, file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["server", "--help"]])
def test_light_commands_load_no_linter(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "HEAVY []" in done.stderr, done.stderr


def test_the_server_module_loads_no_linter() -> None:
    code = (
        "import sys, lossflint.cli, lossflint.server\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_output_formats_match_the_writers() -> None:
    from lossflint.cli import FORMATS
    from lossflint.output import FORMATS as WRITTEN

    assert FORMATS == WRITTEN
