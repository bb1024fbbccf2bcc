"""Proof tests run the patterns lossflint flags with the real frameworks."""

from __future__ import annotations

import os
from types import ModuleType

import pytest


def require(module: str) -> ModuleType:
    """``importorskip``, unless CI demands the proof (LOSSFLINT_REQUIRE_PROOF=1)."""
    if os.environ.get("LOSSFLINT_REQUIRE_PROOF") == "1":
        return __import__(module)
    return pytest.importorskip(module)
