"""The caches' keys hash lossflint's own files by content, not by mtime."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lossflint import code_digest


def test_the_digest_follows_content_not_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "analysis").mkdir()
    module = tmp_path / "analysis" / "kinds.py"
    module.write_text("x = 1\n")
    (tmp_path / "rules.py").write_text("y = 2\n")
    monkeypatch.setattr(code_digest, "PACKAGE", tmp_path)
    whole, analysis = code_digest.source_digest(), code_digest.source_digest("analysis")
    os.utime(module, (1, 1))  # installed again, later: same bytes, other times
    assert code_digest.source_digest() == whole
    assert code_digest.source_digest("analysis") == analysis
    (tmp_path / "rules.py").write_text("y = 3\n")
    assert code_digest.source_digest() != whole
    assert code_digest.source_digest("analysis") == analysis  # a rule is not the analysis
    module.write_text("x = 2\n")
    assert code_digest.source_digest("analysis") != analysis


def test_a_renamed_module_changes_the_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(code_digest, "PACKAGE", tmp_path)
    before = code_digest.source_digest()
    (tmp_path / "a.py").rename(tmp_path / "b.py")
    assert code_digest.source_digest() != before
