from __future__ import annotations

import faulthandler
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

#: no test may take longer: a hang (a server that stops answering, a child
#: holding a pipe open) ends the run with every thread's traceback instead of
#: stalling CI until its own limit kills it without a word
TEST_DEADLINE = float(os.environ.get("LOSSFLINT_TEST_DEADLINE", "600"))
_terminal: int | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _terminal
    # the terminal before pytest captures it: the traceback must not land in
    # a capture file that dies with the process
    _terminal = os.dup(2)


@pytest.fixture(autouse=True)
def _deadline():
    faulthandler.dump_traceback_later(TEST_DEADLINE, exit=True, file=_terminal or 2)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def run_cli():
    """Run ``python -m lossflint`` in a subprocess: (exit code, stdout, stderr)."""

    def run(*args: str, cwd: Path | str | None = None, stdin: str | None = None):
        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        proc = subprocess.run(
            [sys.executable, "-m", "lossflint", *args],
            cwd=cwd or ROOT,
            capture_output=True,
            text=True,
            input=stdin,
            env=env,
            timeout=120,
        )
        return proc.returncode, proc.stdout, proc.stderr

    return run
