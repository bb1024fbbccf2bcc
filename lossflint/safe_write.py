"""Writing a fixed file back without losing anything the user had.

``check --fix`` read a file, computed new bytes, and now replaces the file.
Before it does, :func:`write_fixed` makes sure the replace is still right:

* the file on disk still holds the bytes that were fixed (an edit saved
  while lossflint was working is never overwritten: :class:`NotWritten`);
* a path through a symlink whose target lies outside the project is never
  written, nor is a read-only file, nor anything that is not a regular file;
* the new bytes go to a temporary file next to the target, named
  ``.<name>.lossflint-<pid>-<random>.tmp``, which is flushed to disk and then
  renamed over the target (atomic: a crash leaves the old or the new file).
  The temporary file gets the target's owner, group and permission bits.
* a file with several hard links, or whose owner cannot be given to a new
  file, is written in place instead (after the temporary copy is complete),
  so every link keeps seeing the same inode.

A run killed with SIGKILL cannot remove its temporary file; the next run
removes such leftovers next to the files it fixes (:func:`remove_stale_temps`):
only names of exactly that pattern whose process is gone or that are older
than :data:`STALE_AFTER` seconds.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import time
from pathlib import Path

#: a temporary file whose process is still alive is someone's ongoing write;
#: after this many seconds it is a leftover whatever its pid (pids get reused)
STALE_AFTER = 600.0

_TEMP_TAG = ".lossflint-"
_TEMP = re.compile(r"^\.(?P<stem>.+)\.lossflint-(?P<pid>[0-9]{1,10})-[A-Za-z0-9_]+\.tmp$")
# room for ".", the tag, a pid, the random part and ".tmp" within NAME_MAX
_MAX_STEM = 200


class NotWritten(Exception):
    """The fixed bytes were not written; the message says why (one line)."""


def temp_stem(name: str) -> str:
    """The part of a temporary file's name that names its target file."""
    if len(name.encode("utf-8", "surrogateescape")) <= _MAX_STEM:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return name[:100] + "~" + digest


def is_inside(path: Path, root: Path) -> bool:
    """``path`` is ``root`` or below it (both already resolved)."""
    return path == root or root in path.parents


def leads_outside(path: Path, root: Path) -> bool:
    """``path`` goes through a symlink (itself or a folder) to a file
    outside ``root``."""
    target = Path(os.path.realpath(path))
    if target == Path(os.path.abspath(path)):
        return False
    return not is_inside(target, Path(os.path.realpath(root)))


def write_fixed(path: Path, data: bytes, original: bytes, root: Path | None = None) -> None:
    """Replace the content of ``path`` (read as ``original``) by ``data``.

    Raises :class:`NotWritten` when the file must be left alone (changed on
    disk since it was read, read-only, a symlink out of ``root``, not a
    regular file) and ``OSError`` when writing failed; in both cases the file
    is unchanged and no temporary file is left behind."""
    target = Path(os.path.realpath(path))
    if root is not None and leads_outside(path, root):
        raise NotWritten(f"it is a symlink to {target}, outside the project")
    before = os.stat(target)
    if not stat.S_ISREG(before.st_mode):
        raise NotWritten("not a regular file")
    if before.st_mode & 0o222 == 0 or not os.access(target, os.W_OK):
        raise NotWritten("the file is read-only")
    fd, tmp = tempfile.mkstemp(
        dir=target.parent,
        prefix=f".{temp_stem(target.name)}{_TEMP_TAG}{os.getpid()}-",
        suffix=".tmp",
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # the last moment before the replace: an edit saved since the read wins
        now = _unchanged_since_read(target, original)
        in_place = now.st_nlink > 1 or not _give_metadata(tmp, now)
        if in_place:
            _write_in_place(target, data, original)
        else:
            os.replace(tmp, target)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass  # renamed over the target


def _unchanged_since_read(target: Path, original: bytes) -> os.stat_result:
    """The target's current status, if its content is still ``original``."""
    changed = NotWritten("the file changed on disk while lossflint was fixing it")
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise changed from exc
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(handle.fileno())
        if not stat.S_ISREG(now.st_mode) or now.st_size != len(original):
            raise changed
        current = handle.read(len(original) + 1)
    if current != original:
        raise changed
    return now


def _give_metadata(tmp: str, like: os.stat_result) -> bool:
    """Give ``tmp`` the owner, group and permission bits of ``like``; False
    when the owner cannot be given (not root): then write in place."""
    mine = os.stat(tmp)
    if (mine.st_uid, mine.st_gid) != (like.st_uid, like.st_gid):
        try:
            os.chown(tmp, like.st_uid, like.st_gid)
        except OSError:
            return False
    # after chown, which clears the set-id bits
    os.chmod(tmp, stat.S_IMODE(like.st_mode))
    return True


def _write_in_place(target: Path, data: bytes, original: bytes) -> None:
    """Overwrite the target's own inode (hard links and owner stay); if that
    fails half-way (disk full), put the original bytes back."""
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        try:
            _write_all(fd, data)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
        except OSError:
            os.lseek(fd, 0, os.SEEK_SET)
            _write_all(fd, original)
            os.ftruncate(fd, len(original))
            raise
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def remove_stale_temps(folder: Path, names: set[str], now: float | None = None) -> list[Path]:
    """Remove temporary files a killed lossflint run left next to the files
    ``names`` in ``folder``; returns what was removed."""
    stems = {temp_stem(name) for name in names}
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None or match.group("stem") not in stems:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        pid = int(match.group("pid"))
        if _process_alive(pid) and now - info.st_mtime < STALE_AFTER:
            continue  # another run is writing it right now
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    except (OverflowError, OSError):
        return False
    return True
