"""Project-level promises: generated docs are current, code is lint/type clean,
the fixtures show what the README says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lossflint.docsgen import rule_pages

ROOT = Path(__file__).resolve().parent.parent


def test_docs_rules_are_current():
    docs = ROOT / "docs" / "rules"
    pages = rule_pages()
    on_disk = {p.name for p in docs.glob("*.md")}
    assert on_disk == set(pages), "run `python -m lossflint.docsgen`"
    for name, text in pages.items():
        assert (docs / name).read_text(encoding="utf-8") == text, (
            f"docs/rules/{name} is stale: run `python -m lossflint.docsgen`"
        )


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_code_quality(tool):
    bin_dir = Path(sys.executable).parent
    exe = bin_dir / tool
    if not exe.exists():
        pytest.skip(f"{tool} not installed")
    args = [str(exe), "check", "lossflint", "tests"] if tool == "ruff" else [str(exe)]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_architecture_doc_exists():
    text = (ROOT / "docs" / "architecture.md").read_text()
    for module in ("analysis/model.py", "analysis/kinds.py", "linter.py", "rules/"):
        assert module in text
