"""Lint a small project written into a folder, as a user would from its root
(``lossflint check --no-cache --output-format json .``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def project_findings(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    """Write ``files`` (path → text) and a ``pyproject.toml`` under ``root``,
    lint it, and return (file name, row, code) per finding."""
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--no-cache", "--output-format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return [
        (Path(d["filename"]).name, d["location"]["row"], d["code"]) for d in json.loads(proc.stdout)
    ]
