"""Finding the files to lint: recursion, excludes, ``.gitignore``.

Discovery never runs a command: ``.gitignore`` files are matched in-process
(:mod:`pathspec`), because git runs commands a repository configures
(``core.fsmonitor``, ...) and a linted tree may be anyone's. It never follows
a symlink out of the tree either: symlinked folders are not entered, and a
symlinked file whose target lies outside the project (or the folder walked)
is skipped. Only regular files are linted; anything else is a warning.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pathspec import GitIgnoreSpec

from lossflint.config import Settings

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")

#: an ignore file larger than this is not read (git's own limit is 100 MB;
#: a real one is a few kB, and a huge one is more likely an attack on memory)
MAX_IGNORE_FILE = 4 * 1024 * 1024


@dataclass(frozen=True)
class Discovery:
    files: list[Path]
    #: problems with paths the user named ("path does not exist: x"); exit 2
    errors: list[str]
    #: paths skipped, each with why (a folder that cannot be read, a symlink
    #: out of the tree, a file that is not a regular file, ...)
    warnings: list[str] = field(default_factory=list)


def shown(path: Path | str) -> str:
    """``path`` as printable text: bytes that are not UTF-8 (a file name on
    Linux can hold any) become ``\\xNN`` escapes instead of an encode error."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate escapes of undecodable bytes
        return False
    return True


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symlinks resolved, is ``root`` or below it.

    False when either cannot be resolved (a symlink loop): a write or a read
    through such a path is refused.
    """
    try:
        try:
            target = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:  # not there (yet): where it would be decides
            target = Path(os.path.realpath(path))
        base = Path(os.path.realpath(root))
    except (OSError, RuntimeError, ValueError):
        return False
    return target == base or base in target.parents


def _matches(path: Path, rel: str, patterns: list[str]) -> bool:
    """Whether the name or the root-relative path matches a pattern (or lies
    below a pattern with a ``/``); ``fnmatch`` semantics, compiled once."""
    either, below = _compiled(tuple(patterns))
    name, rel = os.path.normcase(path.name), os.path.normcase(rel)
    if either is not None and (either.match(name) or either.match(rel)):
        return True
    return below is not None and below.match(rel) is not None


@functools.lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    # one regular expression per kind instead of a fnmatch call per pattern
    # and entry (~40 default patterns: most of a warm run's discovery)
    either: list[str] = []
    below: list[str] = []
    for pattern in patterns:
        pat = os.path.normcase(pattern.rstrip("/"))
        either.append(fnmatch.translate(pat))
        if "/" in pat:
            below.append(fnmatch.translate(pat.lstrip("./") + "/*"))
    return (
        re.compile("|".join(either)) if either else None,
        re.compile("|".join(below)) if below else None,
    )


def _is_virtualenv(path: Path) -> bool:
    try:
        return (path / "pyvenv.cfg").is_file()
    except OSError:  # a folder we may not search: not one we can lint anyway
        return False


def _relative(path: Path, root: Path, resolved_root: Path | None = None) -> str:
    """``path`` relative to the project root, symlinks resolved (a walk passes
    the root resolved once)."""
    try:
        base = resolved_root if resolved_root is not None else root.resolve()
        return path.resolve().relative_to(base).as_posix()
    except (ValueError, RuntimeError, OSError):  # RuntimeError: a symlink loop
        return path.as_posix()


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def discover(paths: list[str], settings: Settings, force_exclude: bool = False) -> Discovery:
    patterns = [*settings.exclude, *settings.extend_exclude]
    files: list[Path] = []
    errors: list[str] = []
    warnings: list[str] = []
    for raw in paths:
        path = Path(raw)
        kind = _named_kind(path, raw, errors, warnings)
        if kind is None:
            continue
        if force_exclude and _excluded_with_parents(path, settings, patterns):
            continue
        if kind == "file":
            if force_exclude and settings.respect_gitignore and _git_ignored_path(path, warnings):
                continue
            files.append(path)
            continue
        files.extend(_walk(path, settings, patterns, warnings))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = Path(os.path.normpath(f))
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return Discovery(sorted(unique, key=lambda p: p.as_posix()), errors, warnings)


def _named_kind(path: Path, raw: str, errors: list[str], warnings: list[str]) -> str | None:
    """``"file"`` or ``"folder"`` for a path named on the command line, or
    None (after an error or a warning) when there is nothing to lint there.

    A named file may be a symlink to anywhere (the user chose it); it must
    still be a regular file: a FIFO would block the run forever and a device
    such as ``/dev/zero`` never ends.
    """
    if not _is_utf8(raw):
        warnings.append(f"skipping {shown(raw)}: the name is not valid UTF-8")
        return None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            warnings.append(f"skipping {shown(raw)}: broken symlink")
        else:
            errors.append(f"path does not exist: {raw}")
        return None
    except OSError as exc:
        # ELOOP (a symlink loop), EACCES on a parent folder, a name too long
        warnings.append(f"skipping {shown(raw)}: {_reason(exc)}")
        return None
    except ValueError:  # an embedded NUL byte
        errors.append(f"invalid path: {shown(raw)!r}")
        return None
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    if stat.S_ISREG(st.st_mode):
        return "file"
    warnings.append(f"skipping {shown(raw)}: not a regular file")
    return None


def _excluded_with_parents(path: Path, settings: Settings, patterns: list[str]) -> bool:
    rel = _relative(path, settings.root)
    current = Path(rel)
    while current.name:
        if _matches(current, current.as_posix(), patterns):
            return True
        current = current.parent
    return False


def _allowed_roots(top: Path, settings: Settings) -> list[Path]:
    """Where a symlinked file found in ``top`` may lead: the folder walked
    (the user named it) and the project root (the folder of the config)."""
    roots = []
    for candidate in (top, settings.root if settings.config_path is not None else None):
        if candidate is None:
            continue
        try:
            roots.append(Path(os.path.realpath(candidate)))
        except (OSError, RuntimeError, ValueError):
            continue
    return roots


def _walk(top: Path, settings: Settings, patterns: list[str], warnings: list[str]) -> list[Path]:
    found: list[Path] = []
    roots = _allowed_roots(top, settings)
    ignore: _Ignore | None = None
    if settings.respect_gitignore:
        ignore, top_ignored = _Ignore.for_folder(top, warnings)
        if top_ignored:
            return found
    stack: list[tuple[Path, _Ignore | None]] = [(top, ignore)]
    try:
        root: Path | None = settings.root.resolve()
    except (RuntimeError, OSError):
        root = None
    while stack:
        folder, ignore = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            warnings.append(f"skipping folder {shown(folder)}: {_reason(exc)}")
            continue
        if settings.respect_gitignore:
            ignore = _Ignore.entering(folder, entries, ignore, warnings)
        for entry in entries:
            path = Path(entry.path)
            try:
                # symlinked folders are not followed: no loops, no escaping the tree
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file()
                is_link = is_file and entry.is_symlink()
            except OSError:
                continue
            if is_dir:
                if not _is_utf8(entry.name):
                    warnings.append(f"skipping folder {shown(path)}: the name is not valid UTF-8")
                    continue
                rel = _relative(path, settings.root, root)
                if _matches(path, rel, patterns) or _is_virtualenv(path):
                    continue
                if entry.name.endswith(".egg-info"):
                    continue
                if ignore is not None and ignore.ignored(entry.name, is_dir=True):
                    continue
                stack.append((path, ignore.child(entry.name) if ignore is not None else None))
            elif is_file and entry.name.endswith(SOURCE_SUFFIXES):
                if not _is_utf8(entry.name):
                    warnings.append(f"skipping {shown(path)}: the name is not valid UTF-8")
                    continue
                if _matches(path, _relative(path, settings.root, root), patterns):
                    continue
                if ignore is not None and ignore.ignored(entry.name, is_dir=False):
                    continue
                if is_link and not any(is_inside(path, root) for root in roots):
                    warnings.append(f"skipping {shown(path)}: symlink to a file outside the tree")
                    continue
                found.append(path)
    return found


# --- .gitignore ------------------------------------------------------------------
#
# Semantics follow gitignore(5): the ``.gitignore`` of every folder from the
# repository root (the folder holding ``.git``) down, then
# ``$GIT_DIR/info/exclude``; a deeper file wins over a shallower one, and
# within a file the last matching pattern wins (``!`` re-includes). An ignored
# folder is not entered, so nothing below it can be re-included. A folder
# holding its own ``.git`` (a nested repository) starts over with its own rules.
# Not read: ``core.excludesFile`` (the user's global excludes) -- finding it
# means interpreting git config includes and environment; it only ever hides
# more files, never runs anything.


def _repo_root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def _read_ignore_file(path: Path, warnings: list[str]) -> GitIgnoreSpec | None:
    """The patterns of one ignore file, or None if there is none.

    Like git, a symlinked ignore file is not followed; a file that is not a
    regular file is not opened for reading in a way that could block.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None  # absent, a symlink, unreadable: no patterns from it
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_IGNORE_FILE:
            if stat.S_ISREG(st.st_mode):
                warnings.append(f"not reading {shown(path)}: larger than 4 MB")
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_IGNORE_FILE + 1)
    except OSError as exc:
        warnings.append(f"cannot read {shown(path)}: {_reason(exc)}")
        return None
    finally:
        os.close(fd)
    # undecodable bytes stay surrogate escapes, as os.scandir spells such names
    text = data.decode("utf-8", "surrogateescape")
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    try:
        spec = GitIgnoreSpec.from_lines(lines)
    except ValueError:
        # a line git would skip (a lone "!", a trailing backslash): keep the rest
        spec = GitIgnoreSpec.from_lines([line for line in lines if _valid_pattern(line)])
    return spec if len(spec) else None


def _valid_pattern(line: str) -> bool:
    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


def _info_exclude(root: Path, warnings: list[str]) -> GitIgnoreSpec | None:
    git = root / ".git"
    if not git.is_dir():
        # a worktree or submodule: ``.git`` is a file "gitdir: <path>"
        try:
            first = git.read_text(encoding="utf-8", errors="replace")[:4096].splitlines()
        except OSError:
            return None
        if not first or not first[0].startswith("gitdir:"):
            return None
        git = root / first[0][len("gitdir:") :].strip()
        try:
            common = (git / "commondir").read_text(encoding="utf-8").strip()
            git = git / common
        except (OSError, UnicodeDecodeError):
            pass
    return _read_ignore_file(git / "info" / "exclude", warnings)


@dataclass(frozen=True)
class _Ignore:
    """The ignore rules in force in one folder of a repository."""

    #: this folder relative to the repository root ("" at the root)
    rel: str
    #: (folder relative to the root, its patterns), shallowest first
    layers: tuple[tuple[str, GitIgnoreSpec], ...]

    def _path(self, name: str) -> str:
        return f"{self.rel}/{name}" if self.rel else name

    def ignored(self, name: str, is_dir: bool) -> bool:
        """Whether the entry ``name`` of this folder is ignored."""
        return self._ignored(self._path(name), is_dir)

    def _ignored(self, rel: str, is_dir: bool) -> bool:
        for base, spec in reversed(self.layers):
            if base:
                if not rel.startswith(base + "/"):
                    continue
                sub = rel[len(base) + 1 :]
            else:
                sub = rel
            result = spec.check_file(sub + "/" if is_dir else sub)
            if result.include is not None:
                return result.include
        return False

    def child(self, name: str) -> _Ignore:
        return _Ignore(self._path(name), self.layers)

    def with_file(self, folder: Path, warnings: list[str]) -> _Ignore:
        spec = _read_ignore_file(folder / ".gitignore", warnings)
        if spec is None:
            return self
        return _Ignore(self.rel, (*self.layers, (self.rel, spec)))

    @classmethod
    def repository(cls, root: Path, warnings: list[str]) -> _Ignore:
        exclude = _info_exclude(root, warnings)
        # info/exclude ranks below every .gitignore: it is the first layer
        return cls("", (("", exclude),) if exclude is not None else ())

    @classmethod
    def for_folder(cls, folder: Path, warnings: list[str]) -> tuple[_Ignore | None, bool]:
        """The rules in force on entering ``folder`` (its own ``.gitignore``
        not yet read), and whether ``folder`` itself is ignored."""
        try:
            absolute = Path(os.path.realpath(folder))
        except (OSError, RuntimeError, ValueError):
            return None, False
        root = _repo_root(absolute)
        if root is None:
            return None, False
        ignore = cls.repository(root, warnings)
        current = root
        for part in absolute.relative_to(root).parts:
            ignore = ignore.with_file(current, warnings)
            if ignore.ignored(part, is_dir=True):
                return ignore, True
            ignore = ignore.child(part)
            current = current / part
        return ignore, False

    @classmethod
    def entering(
        cls,
        folder: Path,
        entries: list[os.DirEntry[str]],
        outer: _Ignore | None,
        warnings: list[str],
    ) -> _Ignore | None:
        """The rules for the entries of ``folder``, given its listing."""
        names = {e.name for e in entries}
        ignore = outer
        if ".git" in names and (outer is None or outer.rel):
            ignore = cls.repository(folder, warnings)  # a nested repository
        if ignore is None or ".gitignore" not in names:
            return ignore
        return ignore.with_file(folder, warnings)


def _git_ignored_path(path: Path, warnings: list[str]) -> bool:
    """Whether the ignore rules exclude ``path`` (a file named on the command
    line, for ``--force-exclude``)."""
    ignore, folder_ignored = _Ignore.for_folder(path.parent, warnings)
    if ignore is None:
        return False
    if folder_ignored:
        return True
    return ignore.with_file(path.parent, warnings).ignored(path.name, is_dir=False)
