"""The result cache: diagnostics of unchanged files are not recomputed.

One JSON file per *namespace* under the cache folder (``.lossflint_cache/`` in
the project root, or ``cache-dir``). The namespace is a hash of everything
that changes results for every file: the lossflint version, the code of the
installed package (a digest of its files' bytes: an edited checkout never
serves stale results, and the same release installed twice agrees), and
``Settings.fingerprint()`` (enabled rules, their options, per-file ignores).
Inside, entries are keyed by the file's absolute path and hold the sha256 of
its bytes and its diagnostics (without the file name, which depends on the
working directory and is put back on load).

Diagnostics are stored as JSON, never pickled: a cache folder is just files
in the project, and loading it must not execute anything. A file that cannot
be read or decoded as a valid cache is ignored (everything is re-linted), and
an entry whose fields do not have exactly the types they were written with
(a truncated, hand-edited or deeply nested file) is a miss: re-linted and
rewritten, never served.

The folder is marked (``.gitignore`` with ``*``, ``CACHEDIR.TAG``) only when
lossflint created it; :func:`check_cache_folder` refuses a cache folder that
is the project, above it, or holds sources.

Writes are atomic (temporary file + ``os.replace``) and merge with what other
runs wrote meanwhile, so concurrent runs never see a half-written file; at
worst one run's new entries are lost, which only costs a re-lint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lossflint.atomic import write_text_atomic
from lossflint.code_digest import source_digest
from lossflint.config import ConfigError, Settings
from lossflint.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    Location,
    Related,
    Severity,
)
from lossflint.discovery import SOURCE_SUFFIXES
from lossflint.version import __version__

FORMAT = 1

_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by lossflint.\n"
)


def namespace(settings: Settings) -> str:
    """The key of everything that changes the results of every file."""
    # the root too: per-file-ignores patterns are relative to it
    parts = [str(FORMAT), __version__, source_digest(), settings.fingerprint()]
    text = "\0".join([*parts, str(settings.root.resolve())])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cache_folder(settings: Settings, override: str | None = None) -> Path:
    """``--cache-dir`` is relative to the working folder, the ``cache-dir``
    key to the folder of the config file that sets it (the project root)."""
    if override is not None:
        return Path(os.path.abspath(override))
    folder = Path(settings.cache_dir)
    if not folder.is_absolute():
        folder = settings.root / folder
    return folder


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- JSON (de)serialisation of diagnostics ---------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, Location):
        return {"row": value.row, "column": value.column}
    if isinstance(value, (Severity, Applicability)):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def diagnostic_to_json(diag: Diagnostic) -> dict[str, Any]:
    data = _encode(diag)
    del data["filename"]
    return data  # type: ignore[no-any-return]


class CorruptEntry(ValueError):
    """A cache entry that is not exactly what :func:`diagnostic_to_json` writes."""


#: no position in a real file comes near this; a bigger number is damage
_MAX_POSITION = 2**31
_DIAGNOSTIC_KEYS = frozenset(f.name for f in dataclasses.fields(Diagnostic) if f.name != "filename")
_CODE = re.compile(r"[A-Z]{1,8}[0-9]{1,4}")


def _int(value: Any, minimum: int = 0) -> int:
    # bool is an int to Python, never to the cache
    if type(value) is not int or not minimum <= value < _MAX_POSITION:
        raise CorruptEntry(f"not a position: {value!r}")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise CorruptEntry(f"not a string: {type(value).__name__}")
    return value


def _dict(value: Any, keys: frozenset[str] | set[str]) -> dict[str, Any]:
    if type(value) is not dict or set(value) != keys:
        raise CorruptEntry("not an object with the expected keys")
    return value


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise CorruptEntry("not a list")
    return value


def _loc(data: Any) -> Location:
    d = _dict(data, {"row", "column"})
    return Location(_int(d["row"]), _int(d["column"]))


def _fix(data: Any) -> Fix | None:
    if data is None:
        return None
    d = _dict(data, {"applicability", "message", "edits"})
    edits = []
    for raw in _list(d["edits"]):
        e = _dict(raw, {"content", "location", "end_location"})
        edits.append(Edit(_str(e["content"]), _loc(e["location"]), _loc(e["end_location"])))
    return Fix(Applicability(_str(d["applicability"])), _str(d["message"]), tuple(edits))


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise CorruptEntry("not a bool")
    return value


def _optional_int(value: Any) -> int | None:
    return None if value is None else _int(value, minimum=1)


def _code(value: Any) -> str:
    code = _str(value)
    if not _CODE.fullmatch(code):
        raise CorruptEntry(f"not a rule code: {code!r}")
    return code


def _related(value: Any) -> tuple[Related, ...]:
    related = []
    for raw in _list(value):
        r = _dict(raw, {"message", "location", "end_location", "filename"})
        filename = None if r["filename"] is None else _str(r["filename"])
        related.append(
            Related(_str(r["message"]), _loc(r["location"]), _loc(r["end_location"]), filename)
        )
    return tuple(related)


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    pairs = []
    for raw in _list(value):
        if len(_list(raw)) != 2:
            raise CorruptEntry("not a pair")
        pairs.append((_str(raw[0]), _str(raw[1])))
    return tuple(pairs)


#: how each field of a cached diagnostic is read back; every field of
#: :class:`Diagnostic` but ``filename`` needs one (a test checks it)
FIELD_DECODERS: dict[str, Callable[[Any], Any]] = {
    "code": _code,
    "name": _str,
    "message": _str,
    "severity": lambda v: Severity(_str(v)),
    "location": _loc,
    "end_location": _loc,
    "fix": _fix,
    "related": _related,
    "statement_row": _optional_int,
    "cell": _optional_int,
    "assumed": _pairs,
    "defers": _bool,
}


def diagnostic_from_json(data: Any, filename: str) -> Diagnostic:
    """The diagnostic of one cache entry; :class:`CorruptEntry` (a
    ``ValueError``) unless every field has exactly the type it was written with."""
    d = _dict(data, _DIAGNOSTIC_KEYS)
    fields = {}
    for name in _DIAGNOSTIC_KEYS:
        decode = FIELD_DECODERS.get(name)
        if decode is None:  # a new field nobody taught the cache: never guess
            raise CorruptEntry(f"no decoder for the field {name!r}")
        fields[name] = decode(d[name])
    return Diagnostic(filename=filename, **fields)


def _entry_shape_ok(key: Any, entry: Any) -> bool:
    """Cheap check of one entry of the file (the full one is on use): keys
    are absolute paths, values hold a sha256 and a list of diagnostics."""
    return (
        type(key) is str
        and "\0" not in key
        and type(entry) is dict
        and set(entry) == {"sha256", "diagnostics"}
        and type(entry["sha256"]) is str
        and type(entry["diagnostics"]) is list
    )


# --- the cache file ---------------------------------------------------------


class ResultCache:
    """Cached diagnostics of one namespace; load once, ``store`` results,
    ``save`` at the end of the run."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = folder
        self.path = folder / f"results-{key}.json"
        self.entries: dict[str, dict[str, Any]] = self._read()
        self.new: dict[str, dict[str, Any]] = {}
        #: observable counters (tests, ``--verbose`` style reporting)
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_settings(cls, settings: Settings, override: str | None = None) -> ResultCache:
        return cls(cache_folder(settings, override), namespace(settings))

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            with self.path.open("rb") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):  # RecursionError: nested too deeply
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        files = data.get("files")
        if not isinstance(files, dict):
            return {}
        return {k: v for k, v in files.items() if _entry_shape_ok(k, v)}

    @staticmethod
    def file_key(path: Path) -> str:
        return os.path.abspath(path)

    def get(self, path: Path, sha: str, filename: str) -> list[Diagnostic] | None:
        """The cached diagnostics of ``path`` if its content hash matches."""
        entry = self.entries.get(self.file_key(path))
        if not isinstance(entry, dict) or entry.get("sha256") != sha:
            self.misses += 1
            return None
        try:
            diagnostics = [diagnostic_from_json(d, filename) for d in _list(entry["diagnostics"])]
        except (KeyError, TypeError, ValueError):
            # a damaged entry is a miss, not an error; dropped so it is rewritten
            self.entries.pop(self.file_key(path), None)
            self.misses += 1
            return None
        self.hits += 1
        return diagnostics

    def store(self, path: Path, sha: str, diagnostics: list[Diagnostic]) -> None:
        try:
            encoded = [diagnostic_to_json(d) for d in diagnostics]
        except TypeError:
            return  # a field JSON cannot hold: that file is simply not cached
        self.new[self.file_key(path)] = {"sha256": sha, "diagnostics": encoded}

    def save(self) -> None:
        """Merge new entries into the file on disk (atomically); never raises
        for I/O problems: a cache that cannot be written is just not used."""
        if not self.new:
            return
        try:
            if self._make_folder() or self._is_ours():
                self._mark_folder()
            merged = self._read()  # another run may have written meanwhile
            merged.update(self.new)
            # forget deleted files (one stat per entry not linted in this run)
            merged = {k: v for k, v in merged.items() if k in self.new or os.path.exists(k)}
            payload = json.dumps(
                {"format": FORMAT, "version": __version__, "files": merged},
                separators=(",", ":"),
            )
            write_text_atomic(self.path, payload)
        except (OSError, ValueError, RecursionError):
            return
        self.entries = merged
        self.new = {}

    def _make_folder(self) -> bool:
        """Create the cache folder; whether this call created it."""
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.folder.mkdir()
        except FileExistsError:
            return False
        return True

    def _is_ours(self) -> bool:
        """Whether the folder holds the tag lossflint writes into folders it made."""
        return _is_lossflint_folder(self.folder)

    def _mark_folder(self) -> None:
        """Keep the cache out of git and backups, as ruff and pytest do.

        Only in a folder lossflint made: ``cache-dir = "."`` must not put a
        ``*`` .gitignore in the project (the next run would see no file).
        Never written through a symlink, never over an existing file.
        """
        _create(self.folder / ".gitignore", "# Automatically created by lossflint.\n*\n")
        _create(self.folder / "CACHEDIR.TAG", _TAG)


def _create(path: Path, text: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _is_lossflint_folder(folder: Path) -> bool:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(folder / "CACHEDIR.TAG", flags)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, len(_TAG) + 1)
    except OSError:
        return False
    finally:
        os.close(fd)
    return head.decode("utf-8", "replace").strip() == _TAG.strip()


# --- where the cache may live -------------------------------------------------

#: how many entries of an existing cache folder are looked at for sources
_SCAN_LIMIT = 20_000


def check_cache_folder(settings: Settings, override: str | None = None) -> Path:
    """The cache folder of a run, or :class:`ConfigError` when it would put
    the cache over the project: the project folder itself, a folder above
    it, or a folder holding Python sources (not one lossflint made)."""
    raw = override if override is not None else settings.cache_dir
    where = "--cache-dir" if override is not None else "cache-dir"
    if not raw or "\0" in raw:
        raise ConfigError(f"{where} must be a non-empty path without NUL bytes")
    folder = cache_folder(settings, override)
    try:
        real = Path(os.path.realpath(folder))
        root = Path(os.path.realpath(settings.root))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{where} {_shown(folder)}: {exc}") from exc
    if real == root:
        raise ConfigError(
            f"{where} {_shown(folder)} is the project folder; "
            "give the cache a folder of its own (e.g. .lossflint_cache)"
        )
    if real in root.parents:
        raise ConfigError(f"{where} {_shown(folder)} is above the project folder {_shown(root)}")
    if override is None and root not in real.parents:
        # the config file belongs to the linted repository: it may not make
        # lossflint write elsewhere on the machine
        raise ConfigError(
            f"{where} {_shown(folder)} is outside the project folder {_shown(root)}; "
            "a cache elsewhere is chosen on the command line (--cache-dir)"
        )
    if os.path.lexists(real) and not real.is_dir():
        raise ConfigError(f"{where} {_shown(folder)} is not a folder")
    if real.is_dir() and not _is_lossflint_folder(real):
        source = _first_source(real)
        if source is not None:
            raise ConfigError(
                f"{where} {_shown(folder)} holds Python sources ({_shown(source)}); "
                "give the cache a folder of its own"
            )
    return folder


def _first_source(folder: Path) -> Path | None:
    seen = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames:
            if name.endswith(SOURCE_SUFFIXES):
                return Path(dirpath) / name
        seen += len(filenames) + len(dirnames)
        if seen > _SCAN_LIMIT:
            return None
    return None


def _shown(path: Path) -> str:
    return os.fsencode(path).decode("utf-8", "backslashreplace")
