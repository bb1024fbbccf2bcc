"""The Python API: lint a string, a notebook, or files and folders.

``lint_source`` and ``lint_paths`` read configuration as ``lossflint check``
does (the nearest ``.lossflint.toml`` / ``lossflint.toml`` /
``pyproject.toml`` with ``[tool.lossflint]`` above the path) unless given
``config=`` (a config file, a table of settings, or a :class:`Settings`) or
``isolated=True`` (defaults only). ``select``/``ignore``/``extend_select``
apply on top, as on the command line. Nothing is imported or run from the
code that is read; nothing is written.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lossflint.check_run import limit_sizes, lint_plan, make_plan
from lossflint.config import (
    ConfigError,
    Settings,
    SettingsResolver,
    apply_table,
    override,
    validate_selectors,
)
from lossflint.diagnostics import Diagnostic
from lossflint.linter import LintResult, RuleSet, lint_text
from lossflint.notebook import lint_notebook

ConfigArg = str | os.PathLike[str] | Mapping[str, Any] | Settings | None


def _resolver(
    config: ConfigArg,
    isolated: bool,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    extend_select: Iterable[str] | None,
) -> SettingsResolver:
    chosen = validate_selectors(list(select), "select=") if select is not None else None
    ignored = validate_selectors(list(ignore or ()), "ignore=")
    extra = validate_selectors(list(extend_select or ()), "extend_select=")

    adjust = override(chosen, ignored, extra)
    if isinstance(config, (Settings, Mapping)):
        if isinstance(config, Settings):
            fixed = dataclasses.replace(
                config,
                select=list(config.select),
                ignore=list(config.ignore),
                extend_select=list(config.extend_select),
            )
        else:
            fixed = Settings()
            apply_table(fixed, dict(config), "config=")
        adjust(fixed)
        return SettingsResolver.with_settings(fixed)
    path = os.fspath(config) if config is not None else None
    return SettingsResolver(path, isolated and path is None, adjust=adjust)


def _looks_like_notebook(text: str) -> bool:
    head = text.lstrip()[:1]
    if head != "{":
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("cells"), list)


def _raise_errors(result: LintResult) -> list[Diagnostic]:
    if result.errors:
        raise RuntimeError(str(result.errors[0]))
    return result.diagnostics


def lint_source(
    text: str,
    path: str | os.PathLike[str] = "<string>",
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    config: ConfigArg = None,
    isolated: bool = False,
) -> list[Diagnostic]:
    """The findings of ``text`` (Python source, or notebook JSON when
    ``path`` ends in ``.ipynb``), reported as ``path``, sorted.

    Raises ``ValueError`` for notebook JSON given a ``.py`` path (it would be
    read as one Python expression and report nothing), :class:`ConfigError`
    for unusable configuration, ``RuntimeError`` for an internal error.
    """
    filename = os.fspath(path)
    resolver = _resolver(config, isolated, select, ignore, extend_select)
    settings = resolver.for_path(Path(filename))
    ruleset = RuleSet(settings.enabled_codes(), settings.options)
    ignored = settings.ignored_for(Path(filename))
    if filename.endswith(".ipynb"):
        return _raise_errors(lint_notebook(text.encode("utf-8"), filename, ruleset, ignored))
    if _looks_like_notebook(text):
        raise ValueError(
            f"the text given for {filename!r} is notebook JSON (.ipynb), not Python: "
            "pass a path ending in .ipynb to lint it as a notebook"
        )
    return _raise_errors(lint_text(text, filename, ruleset, ignored))


def lint_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    config: ConfigArg = None,
    isolated: bool = False,
    force_exclude: bool = False,
    jobs: int | None = 1,
) -> list[Diagnostic]:
    """The findings of files and folders (``.py``, ``.pyi``, ``.ipynb``), as
    ``lossflint check PATHS`` finds them: folders walked with their excludes
    and ``.gitignore``, every file under its own config, no result cache.

    Raises ``FileNotFoundError`` for a path that does not exist,
    :class:`ConfigError` for unusable configuration, ``RuntimeError`` for an
    internal error.
    """
    targets = [os.fspath(p) for p in paths]
    resolver = _resolver(config, isolated, select, ignore, extend_select)
    plan = make_plan(targets, resolver, force_exclude=force_exclude)
    if plan.errors:
        raise FileNotFoundError(plan.errors[0])
    limit_sizes(plan)
    result = lint_plan(plan, jobs=jobs, use_cache=False, cache_dir=None)
    if result.errors:
        raise RuntimeError(str(result.errors[0]))
    return result.diagnostics


__all__ = ["ConfigError", "lint_paths", "lint_source"]
