"""Finding the files to lint: recursion, excludes, ``.gitignore``."""

from __future__ import annotations

import fnmatch
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lossflint.config import Settings

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass(frozen=True)
class Discovery:
    files: list[Path]
    #: problems with paths the user named ("path does not exist: x")
    errors: list[str]


def _matches(path: Path, rel: str, patterns: list[str]) -> bool:
    name = path.name
    for pattern in patterns:
        pat = pattern.rstrip("/")
        if fnmatch.fnmatch(name, pat) or fnmatch.fnmatch(rel, pat):
            return True
        if "/" in pat and fnmatch.fnmatch(rel, pat.lstrip("./") + "/*"):
            return True
    return False


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, RuntimeError, OSError):  # RuntimeError: a symlink loop
        return path.as_posix()


def discover(paths: list[str], settings: Settings, force_exclude: bool = False) -> Discovery:
    patterns = [*settings.exclude, *settings.extend_exclude]
    files: list[Path] = []
    errors: list[str] = []
    explicit: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            errors.append(f"path does not exist: {raw}")
            continue
        if path.is_file() or (path.exists() and not path.is_dir()):
            if force_exclude and _excluded_with_parents(path, settings, patterns):
                continue
            files.append(path)
            explicit.add(path)
            continue
        if force_exclude and _excluded_with_parents(path, settings, patterns):
            continue
        walked = _walk(path, settings, patterns)
        if settings.respect_gitignore:
            ignored = _git_ignored(walked, path)
            walked = [f for f in walked if f not in ignored]
        files.extend(walked)
    if settings.respect_gitignore and force_exclude and explicit:
        for folder in {f.parent for f in explicit}:
            named = [f for f in explicit if f.parent == folder]
            ignored = _git_ignored(named, folder)
            files = [f for f in files if f not in ignored]
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = Path(os.path.normpath(f))
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return Discovery(sorted(unique, key=lambda p: p.as_posix()), errors)


def _excluded_with_parents(path: Path, settings: Settings, patterns: list[str]) -> bool:
    rel = _relative(path, settings.root)
    current = Path(rel)
    while current.name:
        if _matches(current, current.as_posix(), patterns):
            return True
        current = current.parent
    return False


def _walk(top: Path, settings: Settings, patterns: list[str]) -> list[Path]:
    found: list[Path] = []
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue  # unreadable folder: nothing to lint there
        for entry in entries:
            path = Path(entry.path)
            rel = _relative(path, settings.root)
            try:
                # symlinked folders are not followed: no loops, no escaping the tree
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()
            except OSError:
                continue
            if is_dir:
                if _matches(path, rel, patterns) or _is_virtualenv(path):
                    continue
                if entry.name.endswith(".egg-info"):
                    continue
                stack.append(path)
            elif is_file and entry.name.endswith(SOURCE_SUFFIXES):
                if not _matches(path, rel, patterns):
                    found.append(path)
    return found


def _git_ignored(files: list[Path], where: Path) -> set[Path]:
    """Ask git which of ``files`` its ignore rules exclude (empty outside a repo).

    git itself is the reference implementation of .gitignore semantics, and
    one batched call costs a few milliseconds.
    """
    if not files:
        return set()
    absolute = {}
    for f in files:
        try:
            absolute[str(f.resolve())] = f
        except (RuntimeError, OSError):  # a symlink loop: git cannot say either
            continue
    payload = "\0".join(absolute) + "\0"
    try:
        result = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            cwd=where if where.is_dir() else where.parent,
            input=payload.encode(),
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if result.returncode not in (0, 1):
        return set()
    out = result.stdout.decode(errors="replace").split("\0")
    return {absolute[p] for p in out if p in absolute}
