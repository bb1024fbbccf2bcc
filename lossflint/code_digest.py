"""A digest of lossflint's own source files, for the keys of its caches.

Content, not modification times: two CI jobs that installed the same
lossflint (at different times, so with different mtimes) must compute the
same key to share a cache, and an edited development checkout must not.
Hashing the package's ~200 files costs about 10 ms, as much as stat-ing them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def source_digest(*subfolders: str) -> str:
    """sha256 over the path and bytes of every ``.py`` file of the package
    (or only of ``subfolders`` of it); an unreadable file counts as absent."""
    digest = hashlib.sha256()
    folders = [PACKAGE / sub for sub in subfolders] if subfolders else [PACKAGE]
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            digest.update(path.relative_to(PACKAGE).as_posix().encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()
