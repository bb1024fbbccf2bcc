"""What ``lossflint check`` prints: findings (stdout or ``--output-file``),
the summary (stderr), and the exit code."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lossflint.check_run import Plan, Stdin
from lossflint.diagnostics import Applicability, Diagnostic
from lossflint.formats import colour_summary, colourise, statistics_json, wants_colour
from lossflint.output import FORMATTERS, format_statistics
from lossflint.registry import all_rules
from lossflint.runner import RunResult, read_regular_file

if TYPE_CHECKING:
    from lossflint.fixer import FixReport

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def plural(count: int, word: str, suffix: str = "s") -> str:
    return f"{count} {word}{'' if count == 1 else suffix}"


def summary(diagnostics: list[Diagnostic], files: int, unsafe_fixes: bool, errors: int = 0) -> str:
    """``Found N problems.`` and, as ruff says it, what ``--fix`` would apply
    and how many unsafe fixes ``--unsafe-fixes`` would add; a run some error
    cut short never says all checks passed."""
    stopped = f"{plural(errors, 'error')} stopped part of the checks (see above)."
    if not diagnostics:
        if errors:
            return f"No problems found in {plural(files, 'file')}, but {stopped}"
        return f"All checks passed ({plural(files, 'file')})."
    lines = [f"Found {plural(len(diagnostics), 'problem')}."]
    if errors:
        lines.append(stopped[0].upper() + stopped[1:])
    safe = sum(1 for d in diagnostics if _fix_kind(d) is Applicability.SAFE)
    unsafe = sum(1 for d in diagnostics if _fix_kind(d) is Applicability.UNSAFE)
    fixable, hidden = (safe + unsafe, 0) if unsafe_fixes else (safe, unsafe)
    more = f"{plural(hidden, 'hidden fix', 'es')} can be enabled with the `--unsafe-fixes` option"
    if fixable and hidden:
        lines.append(f"[*] {fixable} fixable with the `--fix` option ({more}).")
    elif fixable:
        lines.append(f"[*] {fixable} fixable with the `--fix` option.")
    elif hidden:
        lines.append(f"No fixes available ({more}).")
    return "\n".join(lines)


def _fix_kind(d: Diagnostic) -> Applicability | None:
    return d.fix.applicability if d.fix is not None and d.fix.edits else None


def source_lines(stdin: Stdin | None = None) -> Callable[[Diagnostic], list[str] | None]:
    """The lines of a finding's file (or cell), read once per file."""
    cache: dict[tuple[str, int | None], list[str] | None] = {}

    def lines(d: Diagnostic) -> list[str] | None:
        key = (d.filename, d.cell)
        if key not in cache:
            try:
                from lossflint.notebook import cell_lines
                from lossflint.source import decode_source, source_lines

                if stdin is not None and d.filename == stdin.name:
                    data = stdin.data
                else:
                    data = read_regular_file(Path(d.filename))
                if d.cell is not None:
                    cache[key] = cell_lines(data, d.cell)
                else:
                    cache[key] = source_lines(decode_source(data).text)
            except Exception:
                cache[key] = None
        return cache[key]

    return lines


def with_fix_lines(text: str, diagnostics: list[Diagnostic]) -> str:
    """Concise output with each finding's fix under it (``--show-fixes``)."""
    out = []
    lines = text.splitlines()
    for line, d in zip(lines, diagnostics, strict=False):
        out.append(line)
        if d.fix is not None and d.fix.edits:
            tag = "fix" if d.fix.applicability is Applicability.SAFE else "unsafe fix"
            out.append(f"    {tag}: {d.fix.message}")
    return "".join(f"{line}\n" for line in out)


def fixed_listing(fixed: dict[str, Counter[str]]) -> str:
    """``--fix --show-fixes``: what was fixed, per file and rule."""
    total = sum(sum(c.values()) for c in fixed.values())
    if not total:
        return ""
    rules = all_rules()
    lines = [f"Fixed {plural(total, 'problem')}:"]
    for filename in sorted(fixed):
        if not fixed[filename]:
            continue
        lines.append(f"- {filename}:")
        for code, count in sorted(fixed[filename].items()):
            name = rules[code].name if code in rules else ""
            lines.append(f"    {count} × {code} ({name})")
    return "\n".join(lines) + "\n"


@dataclass
class Report:
    output_format: str
    output_file: str | None
    statistics: bool
    quiet: bool
    exit_zero: bool
    show_fixes: bool
    unsafe_fixes: bool

    # --- output ---------------------------------------------------------------------

    def emit(self, text: str) -> None:
        """Findings go to ``--output-file`` (replaced) or stdout."""
        if self.output_file is not None:
            try:
                with open(self.output_file, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
            except OSError as exc:
                raise click.ClickException(
                    f"cannot write --output-file {self.output_file}: {exc.strerror or exc}"
                ) from exc
            return
        colour = (
            self.output_format in ("concise", "full")
            and not self.statistics
            and wants_colour(sys.stdout)
        )
        # color=True: click would strip the codes from output that is not a terminal
        click.echo(colourise(text) if colour else text, nl=False, color=colour or None)

    def note(self, text: str) -> None:
        """The summary and listings: stderr, unless ``--quiet``."""
        if self.quiet or not text:
            return
        colour = wants_colour(sys.stderr)
        if colour:
            text = colour_summary(text)
        click.echo(text.rstrip("\n"), err=True, color=colour or None)

    def render(
        self,
        diagnostics: list[Diagnostic],
        lines: Callable[[Diagnostic], list[str] | None] | None,
    ) -> str:
        if self.statistics:
            if self.output_format == "json":
                return statistics_json(diagnostics)
            return format_statistics(diagnostics)
        text: str = FORMATTERS[self.output_format](diagnostics, source_lines=lines)
        if self.show_fixes and self.output_format == "concise":
            text = with_fix_lines(text, diagnostics)
        return text

    @property
    def human(self) -> bool:
        return self.output_format in ("concise", "full") or self.statistics

    # --- a lint run ---------------------------------------------------------------

    def findings(self, result: RunResult, stdin: Stdin | None) -> int:
        for error in result.errors:
            click.echo(f"lossflint: error: {error}", err=True)
        diagnostics = result.diagnostics
        self.emit(self.render(diagnostics, source_lines(stdin)))
        if self.output_format in ("concise", "full") and not self.statistics:
            self.note(summary(diagnostics, result.files, self.unsafe_fixes, len(result.errors)))
        if result.errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if diagnostics and not self.exit_zero else EXIT_CLEAN

    # --- --fix / --diff -----------------------------------------------------------

    def fixes(self, plan: Plan, *, unsafe: bool, diff: bool) -> int:
        """Fix each group with its own settings; print as ``check --fix`` does."""
        from lossflint.fixer import FixReport, fix_bytes, fix_files
        from lossflint.fixer import summary as fix_summary
        from lossflint.linter import RuleSet

        before = _codes_by_file(plan) if self.show_fixes else {}
        report = FixReport()
        for settings, files in plan.groups:
            report.files += fix_files(files, settings, unsafe=unsafe, write=not diff).files
        fixed_stdin: str | None = None
        if plan.stdin is not None:
            stdin = plan.stdin
            ruleset = RuleSet(stdin.settings.enabled_codes(), stdin.settings.options)
            ignored = stdin.settings.ignored_for(stdin.path)
            piped = fix_bytes(stdin.data, stdin.name, ruleset, ignored, unsafe)
            report.files.append(piped)
            fixed_stdin = (piped.fixed or stdin.data).decode("utf-8", "replace")
        for message in report.failed:
            click.echo(f"lossflint: warning: {message}", err=True)
        for error in report.errors:
            click.echo(f"lossflint: error: {error}", err=True)
        count = len(report.files)
        if self.show_fixes:
            self.note(fixed_listing(_fixed_codes(before, report)))
        if diff:
            self.emit(report.diff)
            self.note(fix_summary(report, count, diff=True))
            if report.errors:
                return EXIT_ERROR
            return EXIT_FINDINGS if report.diff else EXIT_CLEAN
        remaining = report.remaining
        if fixed_stdin is not None:
            # the fixed source is the output; findings go to stderr
            click.echo(fixed_stdin, nl=False)
            click.echo(FORMATTERS["concise"](remaining), nl=False, err=True)
        else:
            self.emit(self.render(remaining, source_lines()))
        if self.output_format in ("concise", "full") and not self.statistics:
            text = fix_summary(report, count, diff=False)
            hidden = sum(1 for d in remaining if _fix_kind(d) is Applicability.UNSAFE)
            if hidden and not unsafe:
                text += (
                    f"\n{plural(hidden, 'hidden fix', 'es')} can be enabled with the "
                    "`--unsafe-fixes` option."
                )
            self.note(text)
        if report.errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if remaining and not self.exit_zero else EXIT_CLEAN


def _codes_by_file(plan: Plan) -> dict[str, Counter[str]]:
    from lossflint.check_run import lint_plan

    counts: dict[str, Counter[str]] = {}
    for d in lint_plan(plan, jobs=1, use_cache=False, cache_dir=None).diagnostics:
        counts.setdefault(d.filename, Counter())[d.code] += 1
    return counts


def _fixed_codes(before: dict[str, Counter[str]], report: FixReport) -> dict[str, Counter[str]]:
    """Per file, the codes the fixes removed: found before minus remaining."""
    fixed: dict[str, Counter[str]] = {}
    for file_fix in report.files:
        if file_fix.applied:
            left = Counter(d.code for d in file_fix.remaining)
            fixed[file_fix.filename] = before.get(file_fix.filename, Counter()) - left
    return fixed
