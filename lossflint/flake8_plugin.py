"""flake8 plugin: ``flake8 --select=LF`` reports what ``lossflint check`` reports.

Registered in the ``flake8.extension`` entry-point group under the prefix
``LF``. flake8 hands over the file's lines; lossflint lints that text with its
own configuration (the nearest ``.lossflint.toml``, ``lossflint.toml`` or
``pyproject.toml`` with ``[tool.lossflint]`` above each file, as ``lossflint
check`` finds it: ``select``/``ignore``, ``per-file-ignores`` and rule
``options`` all apply), and flake8's ``--select``/``--ignore`` filter on top.

``# noqa`` is honoured by both: lossflint drops what its own directives
suppress (so a ``# noqa`` on the first line of a multi-line statement and a
file-level ``# lossflint: noqa: LF201`` work as in ``lossflint check``), and
flake8 applies its own handling to the rest; both read codes as prefixes
(``# noqa: LF2``).
With ``flake8 --disable-noqa`` lossflint ignores the directives too.

Columns: flake8 expects 0-based columns from plugins and prints them 1-based,
so the printed ``row:col`` equals ``lossflint check``'s.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lossflint.config import ConfigError, Settings, find_config, load_settings
from lossflint.linter import RuleSet, lint_text
from lossflint.project.driver import ProjectSession
from lossflint.project.layout import find_root
from lossflint.version import __version__

# same length, so positions do not move, and no longer a noqa comment
_NOQA = re.compile(r"(#\s*)(noqa)", re.IGNORECASE)


def _neutralise_noqa(text: str) -> str:
    return _NOQA.sub(lambda m: m.group(1) + "n0qa", text)


class LossflintChecker:
    """A flake8 "tree" plugin that does not use the tree: lossflint parses
    the text itself (with libcst, which keeps the positions it reports)."""

    name = "lossflint"
    version = __version__

    _disable_noqa = False
    # config file (or None) -> (settings, ruleset): built once per process
    _configs: dict[Path | None, tuple[Settings, RuleSet]] = {}
    #: project root -> its session: imported project modules are read for facts
    _sessions: dict[Path, ProjectSession] = {}

    def __init__(self, tree: Any, lines: list[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        cls._disable_noqa = bool(getattr(options, "disable_noqa", False))

    @classmethod
    def _session_for(cls, path: Path) -> ProjectSession:
        """One project session (summary store) per project root and process:
        flake8 runs a process per CPU and hands each many files."""
        root = find_root([path])
        session = cls._sessions.get(root)
        if session is None:
            session = cls._sessions[root] = ProjectSession.for_files([path], root=root)
        return session

    @classmethod
    def _settings_for(cls, path: Path) -> tuple[Settings, RuleSet]:
        config = find_config(path)
        if config not in cls._configs:
            settings = load_settings(config)
            cls._configs[config] = (
                settings,
                RuleSet(settings.enabled_codes(), settings.options),
            )
        return cls._configs[config]

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        stdin = self.filename in ("stdin", "-", None)
        path = Path.cwd() / "stdin.py" if stdin else Path(self.filename)
        try:
            settings, ruleset = self._settings_for(path)
        except ConfigError as exc:
            yield 1, 0, f"LF900 lossflint configuration error: {exc}", type(self)
            return
        text = "".join(self.lines)
        if self._disable_noqa:
            text = _neutralise_noqa(text)
        ignored = [] if stdin else settings.ignored_for(path)
        if stdin:
            result = lint_text(text, self.filename, ruleset, ignored)
        else:
            # the modules this file imports are read through the project
            with self._session_for(path).linting(path):
                result = lint_text(text, self.filename, ruleset, ignored)
        for error in result.errors:
            raise RuntimeError(str(error))
        for d in result.diagnostics:
            yield d.location.row, d.location.column - 1, f"{d.code} {d.message}", type(self)
