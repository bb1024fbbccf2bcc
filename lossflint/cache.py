"""The result cache: diagnostics of unchanged files are not recomputed.

One JSON file per *namespace* under the cache folder (``.lossflint_cache/`` in
the project root, or ``cache-dir``). The namespace is a hash of everything
that changes results for every file: the lossflint version, the code of the
installed package (so an edited checkout never serves stale results), and
``Settings.fingerprint()`` (enabled rules, their options, per-file ignores).
Inside, entries are keyed by the file's absolute path and hold the sha256 of
its bytes and its diagnostics (without the file name, which depends on the
working directory and is put back on load).

Diagnostics are stored as JSON, never pickled: a cache folder is just files
in the project, and loading it must not execute anything. A file that cannot
be read or decoded as a valid cache is ignored (everything is re-linted).
Writes are atomic (temporary file + ``os.replace``) and merge with what other
runs wrote meanwhile, so concurrent runs never see a half-written file; at
worst one run's new entries are lost, which only costs a re-lint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from lossflint import __version__
from lossflint.config import Settings
from lossflint.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    Location,
    Related,
    Severity,
)

FORMAT = 1

_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by lossflint.\n"
)


def _code_fingerprint() -> str:
    """Name, size and mtime of every module of the installed package: a
    development checkout that changes a rule invalidates the cache."""
    package = Path(__file__).resolve().parent
    parts = []
    for path in sorted(package.rglob("*.py")):
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package).as_posix()}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def namespace(settings: Settings) -> str:
    """The key of everything that changes the results of every file."""
    # the root too: per-file-ignores patterns are relative to it
    parts = [str(FORMAT), __version__, _code_fingerprint(), settings.fingerprint()]
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


def _loc(d: dict[str, int]) -> Location:
    return Location(int(d["row"]), int(d["column"]))


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


def _fix(data: dict[str, Any] | None) -> Fix | None:
    if data is None:
        return None
    return Fix(
        Applicability(data["applicability"]),
        data["message"],
        tuple(
            Edit(e["content"], _loc(e["location"]), _loc(e["end_location"])) for e in data["edits"]
        ),
    )


def diagnostic_from_json(data: dict[str, Any], filename: str) -> Diagnostic:
    fields = dict(data)
    fields["filename"] = filename
    fields["severity"] = Severity(fields["severity"])
    fields["location"] = _loc(fields["location"])
    fields["end_location"] = _loc(fields["end_location"])
    fields["fix"] = _fix(fields.get("fix"))
    fields["related"] = tuple(
        Related(r["message"], _loc(r["location"]), _loc(r["end_location"]))
        for r in fields.get("related", ())
    )
    return Diagnostic(**fields)


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
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        files = data.get("files")
        if not isinstance(files, dict):
            return {}
        return files

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
            diagnostics = [diagnostic_from_json(d, filename) for d in entry["diagnostics"]]
        except (KeyError, TypeError, ValueError, AttributeError):
            self.misses += 1  # a damaged entry is a miss, not an error
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
            self.folder.mkdir(parents=True, exist_ok=True)
            self._mark_folder()
            merged = self._read()  # another run may have written meanwhile
            merged.update(self.new)
            # forget deleted files (one stat per entry not linted in this run)
            merged = {k: v for k, v in merged.items() if k in self.new or os.path.exists(k)}
            payload = json.dumps(
                {"format": FORMAT, "version": __version__, "files": merged},
                separators=(",", ":"),
            )
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            return
        self.entries = merged
        self.new = {}

    def _mark_folder(self) -> None:
        """Keep the cache out of git and backups, as ruff and pytest do."""
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Automatically created by lossflint.\n*\n", encoding="utf-8")
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(_TAG, encoding="utf-8")
