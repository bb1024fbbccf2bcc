"""What the linting worker computes for a :class:`~lossflint.lsp.messages.Job`
(:meth:`Runner.run`).

Configuration is read for every job (edits to ``pyproject.toml`` apply at
once); the rule set is built once per configuration, and results are kept by
content (:class:`ResultCache`): saving, undoing back to a linted version and
the code actions of an unchanged buffer lint nothing again. A file's buffer is
linted in its project (:mod:`lossflint.lsp.project`): the modules it imports
are read as the editor shows them, and a kept result is served only while
the summaries it used hold.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

from lossflint import node_speed
from lossflint.analysis.index import share_walks
from lossflint.analysis.positions import share_statements
from lossflint.analysis.walk import share_subtrees
from lossflint.config import ConfigError, Settings, resolve_settings
from lossflint.diagnostics import Diagnostic
from lossflint.file_limits import is_limited, skip_notice
from lossflint.linter import LintResult, RuleSet, lint_text, parse
from lossflint.lsp.half_typed import mask_broken_lines, syntax_error
from lossflint.lsp.messages import FIX_ALL, NOTEBOOK, Job, Outcome
from lossflint.lsp.project import EditorProjects
from lossflint.lsp.reparse import Reparser
from lossflint.parse_guard import check as guard_check
from lossflint.project.driver import ProjectSession


def settings_for(job: Job) -> Settings:
    if job.path is not None:
        return resolve_settings([job.path], None, False)
    if job.root is not None:
        return resolve_settings([job.root], None, False)
    return resolve_settings([], None, True)


class ResultCache:
    """Outcomes by (kind, text, name, configuration), the most recent few."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], Outcome] = OrderedDict()

    @staticmethod
    def key(job: Job, settings: Settings) -> tuple[str, ...]:
        digest = hashlib.blake2b(job.text.encode("utf-8", "surrogatepass")).hexdigest()
        return (job.kind, digest, job.name, str(job.path), settings.fingerprint())

    def get(self, key: tuple[str, ...]) -> Outcome | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def clear(self) -> None:
        self._items.clear()

    def put(self, key: tuple[str, ...], outcome: Outcome) -> None:
        self._items[key] = outcome
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class Runner:
    """Runs jobs; keeps rule sets and results between them."""

    def __init__(self) -> None:
        self.rulesets: dict[str, RuleSet] = {}
        self.cache = ResultCache()
        self.projects = EditorProjects()
        self.reparser = Reparser()
        # the statements a new version shares with the last one keep their positions
        share_statements()
        # and the walks of the model's index (``analysis/index.py``)
        share_walks()
        # and what lies under each node the rules and analyses ask about
        # (``analysis/walk.py``: the calls in an unchanged function's body)
        share_subtrees()
        # nodes hash, compare and type-check in C in this process (a fifth of a lint)
        node_speed.enable()

    def ruleset(self, settings: Settings) -> RuleSet:
        key = settings.fingerprint()
        if key not in self.rulesets:
            self.rulesets[key] = RuleSet(settings.enabled_codes(), settings.options)
        return self.rulesets[key]

    def run(self, job: Job) -> Outcome:
        try:
            settings = settings_for(job)
        except ConfigError as exc:
            return Outcome(config_error=str(exc))
        where = Path(job.path) if job.path is not None else Path(job.root or ".") / job.name
        if job.kind != NOTEBOOK and is_limited(where) and settings.max_file_size > 0:
            size = len(job.text.encode("utf-8", "surrogatepass"))
            if size > settings.max_file_size:
                return Outcome(notices=[skip_notice(where.name, size, settings.max_file_size)])
        key = ResultCache.key(job, settings)
        session = self.session(job)
        cached = self.cache.get(key)
        if cached is not None and (
            not cached.deps or (session is not None and session.still_valid(cached.deps))
        ):
            return replace(cached, lints=0)
        ruleset = self.ruleset(settings)
        ignored = settings.ignored_for(where)
        with session.linting(where) if session is not None else nullcontext() as context:
            if job.kind == FIX_ALL:
                outcome = fix_all(job.text, job.name, ruleset, ignored)
            elif job.kind == NOTEBOOK:
                outcome = lint_notebook_json(job.text, job.name, ruleset, ignored)
            else:
                outcome = lint_buffer(job.text, job.name, ruleset, ignored, self.reparser)
        if session is not None:
            outcome.deps = session.deps(context)
        self.cache.put(key, outcome)
        return outcome

    def session(self, job: Job) -> ProjectSession | None:
        """The project of a file's buffer (None for a buffer that is no file)."""
        if job.path is None:
            return None
        overlays = dict(job.overlays)
        if job.kind != NOTEBOOK:
            overlays[job.path] = job.text  # an import cycle back to it reads the buffer
        try:
            return self.projects.session(job.path, overlays)
        except (OSError, ValueError):
            return None  # a path the file system refuses: linted on its own


def _notices(result: LintResult) -> list[str]:
    return [str(error) for error in result.errors]


def lint_buffer(
    text: str,
    name: str,
    ruleset: RuleSet,
    ignored: list[str],
    reparser: Reparser | None = None,
) -> Outcome:
    """Findings of a Python buffer; a buffer that does not parse is linted
    with its broken lines masked (:mod:`lossflint.lsp.half_typed`), and its
    LF900 is added. ``reparser`` keeps the trees of unchanged statements
    between versions."""

    def lint_version(text: str) -> LintResult:
        # the trees of the statements this version shares with the last are reused
        module = reparser.parse(text) if reparser is not None else None
        return lint_text(text, name, ruleset, ignored, module)

    report = ruleset.report_syntax and not any("LF900".startswith(i) for i in ignored)
    if report:
        # lint first: CPython's parser is asked only when libcst failed
        result = lint_version(text)
        syntax = [d for d in result.diagnostics if d.code == "LF900"]
        if not syntax or guard_check(text) is not None or syntax_error(text) is None:
            # (too deep for libcst, or syntax only libcst reads: as the lint says)
            return Outcome(result.diagnostics, notices=_notices(result), lints=1)
    else:
        if guard_check(text) is not None or syntax_error(text) is None:
            result = lint_version(text)
            return Outcome(result.diagnostics, notices=_notices(result), lints=1)
        parsed = parse(text, name)
        if not isinstance(parsed, Diagnostic):  # a newer Python's syntax
            result = lint_version(text)
            return Outcome(result.diagnostics, notices=_notices(result), lints=1)
        syntax = []
    masked = mask_broken_lines(text)
    if masked is None:
        return Outcome(syntax, lints=1 if report else 0)
    masked_text, rows = masked
    result = lint_version(masked_text)
    kept = [_outside(d, set(rows)) for d in result.diagnostics]
    diagnostics = sorted([d for d in kept if d is not None] + syntax, key=Diagnostic.sort_key)
    return Outcome(diagnostics, notices=_notices(result), masked_rows=tuple(rows), lints=1)


def _outside(diag: Diagnostic, rows: set[int]) -> Diagnostic | None:
    """``diag`` unless it is on a masked row; its fix dropped when the fix
    would edit one."""
    if diag.code == "LF900" or diag.location.row in rows:
        return None
    fix = diag.fix
    if fix is not None and any(
        row in rows
        for edit in fix.edits
        for row in range(edit.location.row, edit.end_location.row + 1)
    ):
        return replace(diag, fix=None)
    return diag


def lint_notebook_json(text: str, name: str, ruleset: RuleSet, ignored: list[str]) -> Outcome:
    from lossflint.notebook import lint_notebook

    result = lint_notebook(text.encode("utf-8", "surrogatepass"), name, ruleset, ignored)
    return Outcome(result.diagnostics, notices=_notices(result), lints=1)


def fix_all(text: str, name: str, ruleset: RuleSet, ignored: list[str]) -> Outcome:
    """The buffer with every safe fix applied (as ``lossflint check --fix``)."""
    from lossflint.fixer import fix_text

    if syntax_error(text) is not None and isinstance(parse(text, name), Diagnostic):
        return Outcome()  # nothing is fixed in a buffer that does not parse
    outcome = fix_text(text, name, ruleset, ignored, unsafe=False)
    fixed = outcome.text if outcome.applied and outcome.text != text else None
    return Outcome(
        fixed_text=fixed,
        notices=[*outcome.failed, *(str(e) for e in outcome.errors)],
        lints=outcome.applied + 1,
    )
