"""Which files are unit tests: they build optimisers with arbitrary settings
and loaders over fixed noise on purpose (LF307, LF602 stay silent there)."""

from __future__ import annotations

from pathlib import PurePath


def is_test_path(path: str) -> bool:
    """``tests/…``, ``test/…``, ``test_*.py``, ``*_test.py``, ``conftest.py``."""
    parts = PurePath(path.replace("\\", "/")).parts
    if not parts:
        return False
    *folders, name = parts
    if any(folder in ("tests", "test") for folder in folders):
        return True
    return name.endswith(".py") and (
        name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    )
