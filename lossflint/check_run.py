"""One ``lossflint check`` run: which files, under which settings, and their results.

Every file is linted with the settings of its own config file
(:class:`lossflint.config.SettingsResolver`): the files of a run are grouped
by config, and each group is linted (and cached, under a key that holds its
settings) on its own. The command line's ``--select``/``--ignore``/... apply
on top of every config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lossflint.cache import check_cache_folder
from lossflint.config import ConfigError, Settings, SettingsResolver
from lossflint.diagnostics import Diagnostic
from lossflint.discovery import _excluded_with_parents, discover
from lossflint.duplicate_findings import without_pointers_to_reported
from lossflint.file_limits import is_limited, skip_notice, split_oversized
from lossflint.linter import RuleSet
from lossflint.parallel import run
from lossflint.project.driver import ProjectSession
from lossflint.runner import RunResult, display_name, lint_bytes
from lossflint.source import DecodeError, decode_source


@dataclass
class Stdin:
    """The buffer piped in (``check -`` or ``--stdin-filename``)."""

    name: str  # as reported
    data: bytes
    path: Path  # the path it stands for (need not exist)
    settings: Settings


@dataclass
class Plan:
    """The files of a run, grouped by the settings that apply to them."""

    groups: list[tuple[Settings, list[Path]]] = field(default_factory=list)
    stdin: Stdin | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return sorted((f for _, files in self.groups for f in files), key=lambda p: p.as_posix())

    def settings_of(self, path: Path) -> Settings | None:
        for settings, files in self.groups:
            if path in files:
                return settings
        return None


def check_stdin(name: str, data: bytes) -> None:
    """Piped source that cannot be text is a usage error (exit 2), not a finding."""
    if name.endswith(".ipynb"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"stdin is not UTF-8 (invalid byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start}); a notebook is UTF-8 JSON"
            ) from exc
        return
    try:
        decode_source(data)
    except DecodeError as exc:
        if not str(exc).startswith("cannot decode file as"):
            return  # a NUL byte, an unknown codec: LF900, as for a file
        reason = str(exc).replace("cannot decode file as", "not valid")
        raise ConfigError(
            f"stdin is {reason} (line {exc.row}, column {exc.column}); "
            "pipe UTF-8, or declare the encoding (# -*- coding: ... -*-)"
        ) from exc


def make_plan(
    targets: list[str],
    resolver: SettingsResolver,
    *,
    force_exclude: bool = False,
    stdin: tuple[str, bytes] | None = None,
    stdin_path: str | None = None,
) -> Plan:
    """Discover the files of ``targets``, each under its own config.

    A folder is walked with the config that governs it; a file found there
    whose own config (one in a sub-folder) excludes it is dropped, its
    patterns read relative to that config's folder. Raises
    :class:`ConfigError` for a config that cannot be used.
    """
    plan = Plan()
    if stdin is not None:
        name, data = stdin
        path = Path(stdin_path) if stdin_path is not None else Path(os.getcwd()) / "-"
        settings = resolver.for_path(path)
        patterns = [*settings.exclude, *settings.extend_exclude]
        excluded = (
            stdin_path is not None
            and force_exclude
            and _excluded_with_parents(path, settings, patterns)
        )
        if not excluded:
            plan.stdin = Stdin(name, data, path, settings)
    found: list[tuple[Path, Settings]] = []
    for raw in targets:
        own = resolver.for_path(Path(raw))
        discovered = discover([raw], own, force_exclude=force_exclude)
        plan.errors += discovered.errors
        plan.warnings += discovered.warnings
        walked = os.path.isdir(raw)
        for path in discovered.files:
            settings = resolver.for_path(path, is_file=True) if walked else own
            if settings is not own and _excluded_with_parents(
                path, settings, [*settings.exclude, *settings.extend_exclude]
            ):
                continue
            found.append((path, settings))
    seen: set[Path] = set()
    by_settings: dict[int, tuple[Settings, list[Path]]] = {}
    for path, settings in sorted(found, key=lambda item: item[0].as_posix()):
        key = Path(os.path.normpath(path))
        if key in seen:
            continue
        seen.add(key)
        by_settings.setdefault(id(settings), (settings, []))[1].append(path)
    plan.warnings = resolver.warnings + plan.warnings
    resolver.warnings.clear()
    plan.groups = list(by_settings.values())
    return plan


def limit_sizes(plan: Plan) -> None:
    """Drop files over their config's ``max-file-size``, with a warning each."""
    groups = []
    for settings, files in plan.groups:
        kept, too_big = split_oversized(files, settings.max_file_size)
        limit = settings.max_file_size
        plan.warnings += [skip_notice(display_name(p), size, limit) for p, size in too_big]
        if kept:
            groups.append((settings, kept))
    plan.groups = groups
    stdin = plan.stdin
    if stdin is not None and is_limited(stdin.path):
        limit = stdin.settings.max_file_size
        if 0 < limit < len(stdin.data):
            plan.warnings.append(skip_notice(stdin.name, len(stdin.data), limit))
            plan.stdin = None


def check_caches(plan: Plan, cache_dir: str | None) -> None:
    """Each config's cache folder must be one lossflint may write (ConfigError)."""
    seen: set[int] = set()
    for settings, _ in plan.groups:
        if id(settings) not in seen:
            seen.add(id(settings))
            check_cache_folder(settings, cache_dir)


def lint_plan(
    plan: Plan,
    *,
    jobs: int | None,
    use_cache: bool,
    cache_dir: str | None,
) -> RunResult:
    out = RunResult()
    for settings, files in plan.groups:
        result = run(
            files, settings, jobs=jobs, use_cache=use_cache, cache_dir=cache_dir, progress=None
        )
        out.files += result.files
        out.diagnostics += result.diagnostics
        out.errors += result.errors
    if plan.stdin is not None:
        stdin = plan.stdin
        ruleset = RuleSet(stdin.settings.enabled_codes(), stdin.settings.options)
        ignored = stdin.settings.ignored_for(stdin.path)
        # the modules the buffer imports are read through its project, as for a file
        with ProjectSession.for_files([stdin.path]).linting(stdin.path):
            linted = lint_bytes(stdin.data, stdin.name, ruleset, ignored)
        out.files += 1
        out.diagnostics += linted.diagnostics
        out.errors += linted.errors
    out.diagnostics = without_pointers_to_reported(out.diagnostics)
    out.diagnostics.sort(key=Diagnostic.sort_key)
    out.errors.sort(key=lambda e: (e.filename, e.code, e.message))
    return out
