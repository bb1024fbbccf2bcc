from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


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
