"""The suite's own guard: a test that hangs ends the run with a traceback
(CI once stalled for its whole limit on a server test that waited forever)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_a_hanging_test_ends_the_run_with_its_traceback(tmp_path: Path) -> None:
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_hangs.py").write_text(
        "import time\n\n\ndef test_stuck():\n    time.sleep(120)\n"
    )
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_hangs.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "LOSSFLINT_TEST_DEADLINE": "1"},
        timeout=60,
    )
    assert time.monotonic() - start < 30
    assert proc.returncode != 0
    assert "Timeout" in proc.stderr and "in test_stuck" in proc.stderr
