"""Exclude patterns are matched by one compiled expression with fnmatch's meaning."""

from __future__ import annotations

import fnmatch
import random
from pathlib import Path

from lossflint.config import Settings
from lossflint.discovery import _matches


def _reference(path: Path, rel: str, patterns: list[str]) -> bool:
    """The rule as stated: the name or the relative path matches a pattern,
    or the path lies below a pattern holding a ``/``."""
    for pattern in patterns:
        pat = pattern.rstrip("/")
        if fnmatch.fnmatch(path.name, pat) or fnmatch.fnmatch(rel, pat):
            return True
        if "/" in pat and fnmatch.fnmatch(rel, pat.lstrip("./") + "/*"):
            return True
    return False


def test_compiled_patterns_match_like_fnmatch() -> None:
    patterns = [*Settings().exclude, "src/gen/", "./build/*", "*.pyi", "a/b", "[ab]*.py", "foo?"]
    names = ["a", "b", "x.py", "venv", ".git", "build", "src", "gen", "a.py", "foo1", "y.pyi"]
    rng = random.Random(20261201)
    for _ in range(3000):
        rel = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4)))
        for chosen in (patterns, [], ["a/b"], ["*.py"], ["src/gen/"]):
            assert _matches(Path(rel), rel, chosen) == _reference(Path(rel), rel, chosen), (
                rel,
                chosen,
            )


def test_examples() -> None:
    assert _matches(Path("src/gen/x.py"), "src/gen/x.py", ["src/gen/"])
    assert _matches(Path("pkg/venv"), "pkg/venv", ["venv"])
    assert not _matches(Path("pkg/x.py"), "pkg/x.py", ["src/gen/", "venv"])
    assert not _matches(Path("x.py"), "x.py", [])
