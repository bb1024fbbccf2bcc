"""Bounds on what one file may cost: its size, its time, its memory.

Measured on a loaded 2-core machine (libcst 1.9): a 1 MB data literal takes
46 s and 415 MB to lint, a 500 kB one 31 s and 695 MB; 5 MB took 203 s and
2.5 GB, 50 MB ran out of memory. Files that big are generated (data tables,
protobufs), so they are skipped with a warning above ``max-file-size``
(default 1 MiB; ``0`` turns the limit off). Notebooks are not limited by
their file size, which is mostly outputs.

In worker processes (``-j`` > 1) a file also gets at most
:func:`file_timeout` seconds (``LOSSFLINT_FILE_TIMEOUT``, default 120) and
the process at most :data:`WORKER_MEMORY` bytes of address space more than
it started with; past either, that one file is reported as an internal error
and the run goes on.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

DEFAULT_MAX_FILE_SIZE = 1024 * 1024
DEFAULT_FILE_TIMEOUT = 120.0
WORKER_MEMORY = 4 * 1024**3

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024}
_UNITS.update({"m": 1024**2, "mb": 1024**2, "mib": 1024**2, "g": 1024**3, "gb": 1024**3})
_UNITS["gib"] = 1024**3
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")


def parse_size(value: object) -> int:
    """Bytes from ``1048576``, ``"512KB"``, ``"2 MB"`` (binary units: 1 KB =
    1024 bytes); ``0`` means no limit. ValueError with a readable reason."""
    problem = ValueError(
        f"must be a number of bytes or a size such as '512KB' or '2MB', not {value!r}"
    )
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise problem
    if isinstance(value, int):
        if value < 0:
            raise problem
        return value
    match = _SIZE.fullmatch(value)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise problem
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(size: int) -> str:
    if size >= 1024**2:
        return f"{size / 1024**2:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def is_limited(path: Path) -> bool:
    return path.suffix != ".ipynb"


def oversized(path: Path, limit: int) -> int | None:
    """The size of ``path`` when it is over ``limit`` (else None)."""
    if limit <= 0 or not is_limited(path):
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None  # reading it reports the problem
    return size if size > limit else None


def split_oversized(files: list[Path], limit: int) -> tuple[list[Path], list[tuple[Path, int]]]:
    """(files to lint, (file, size) of those skipped for their size)."""
    kept: list[Path] = []
    skipped: list[tuple[Path, int]] = []
    for path in files:
        size = oversized(path, limit)
        if size is None:
            kept.append(path)
        else:
            skipped.append((path, size))
    return kept, skipped


def skip_notice(name: str, size: int, limit: int) -> str:
    return (
        f"skipped {name}: {format_size(size)} is over max-file-size ({format_size(limit)}); "
        "raise max-file-size or exclude the file"
    )


def file_timeout() -> float:
    """Seconds one file may take in a worker process (0 or less: no limit)."""
    raw = os.environ.get("LOSSFLINT_FILE_TIMEOUT", "")
    try:
        return float(raw) if raw.strip() else DEFAULT_FILE_TIMEOUT
    except ValueError:
        return DEFAULT_FILE_TIMEOUT
