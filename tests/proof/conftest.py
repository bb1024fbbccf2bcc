"""Proof tests run the patterns lossflint flags with the real frameworks.

pytest imports every ``conftest.py`` of this (package-less) test tree as the
module ``conftest``; the last one imported wins ``sys.modules["conftest"]``, and
``tests/proof`` is collected before ``tests/test_*.py``. The top-level tests do
``from conftest import FIXTURES``, so this file re-exports the names of
``tests/conftest.py`` as well as providing ``require``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest


def _load_top_level() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("_lossflint_tests_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


globals().update(
    {
        k: v
        for k, v in vars(_load_top_level()).items()
        if not k.startswith("_") and k != "annotations"
    }
)


def require(module: str) -> ModuleType:
    """``importorskip``, unless CI demands the proof (LOSSFLINT_REQUIRE_PROOF=1)."""
    if os.environ.get("LOSSFLINT_REQUIRE_PROOF") == "1":
        return __import__(module)
    return pytest.importorskip(module)
