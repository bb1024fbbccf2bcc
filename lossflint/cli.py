"""The ``lossflint`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lossflint import __version__
from lossflint.cache import check_cache_folder
from lossflint.config import ConfigError, Settings, resolve_settings, validate_selectors
from lossflint.diagnostics import Diagnostic
from lossflint.discovery import _excluded_with_parents, discover
from lossflint.file_limits import is_limited, parse_size, skip_notice, split_oversized
from lossflint.linter import RuleSet
from lossflint.output import FORMATS, FORMATTERS, format_statistics
from lossflint.registry import all_rules
from lossflint.runner import RunResult, display_name, lint_bytes, read_regular_file, run

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part for part in value.replace(" ", ",").split(",") if part)
    return out


def _fail(message: str) -> None:
    click.echo(f"lossflint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lossflint")
def cli() -> None:
    """Find the lines of ML training code that make the loss NaN or train the wrong thing."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(readable=False))
@click.option("--select", multiple=True, help="Codes or prefixes to enable (replaces config).")
@click.option("--ignore", multiple=True, help="Codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, help="Codes or prefixes to enable in addition.")
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    default="concise",
    show_default=True,
    help="How to print findings.",
)
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--show-source", is_flag=True, help="Show the source line (same as --output-format full)."
)
@click.option("--config", "config_path", type=click.Path(), help="Use this config file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option(
    "--stdin-filename",
    type=click.Path(),
    default=None,
    help="Read the source from stdin and report it as this path "
    "(config and per-file-ignores for that path apply).",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply exclude patterns to files named on the command line too.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per core; 1 lints in this process).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Result cache folder (default: cache-dir from config, .lossflint_cache).",
)
@click.option(
    "--max-file-size",
    metavar="SIZE",
    default=None,
    help="Skip files bigger than SIZE with a warning (bytes, or e.g. 512KB, 2MB; 0: no limit; "
    "default: max-file-size from config, 1MB).",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix/--diff: apply unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    show_source: bool,
    config_path: str | None,
    isolated: bool,
    quiet: bool,
    stdin_filename: str | None,
    force_exclude: bool,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    max_file_size: str | None,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
) -> None:
    """Lint PATHS (files or folders; default: the current folder)."""
    targets = list(paths) or ["."]
    warnings: list[str] = []
    try:
        # a piped buffer takes the config of the path it stands for
        where = [stdin_filename] if stdin_filename is not None else targets
        settings = resolve_settings(where, config_path, isolated, warnings)
        _apply_cli_selection(settings, select, ignore, extend_select)
        if max_file_size is not None:
            try:
                settings.max_file_size = parse_size(max_file_size)
            except ValueError as exc:
                raise ConfigError(f"--max-file-size {exc}") from exc
        if not no_cache:
            check_cache_folder(settings, cache_dir)
    except ConfigError as exc:
        _fail(str(exc))
        return
    stdin = _read_stdin(stdin_filename, paths)
    found = discover([] if stdin else targets, settings, force_exclude=force_exclude)
    if found.errors:
        _fail(found.errors[0])
    # too big to lint in reasonable time and memory: generated data, mostly
    limit = settings.max_file_size
    files, too_big = split_oversized(found.files, limit)
    warnings += [skip_notice(display_name(p), size, limit) for p, size in too_big]
    if stdin and stdin_filename and is_limited(Path(stdin_filename)) and 0 < limit < len(stdin[1]):
        warnings.append(skip_notice(stdin[0], len(stdin[1]), limit))
        stdin = None
    if not quiet:
        for warning in [*warnings, *found.warnings]:
            click.echo(f"lossflint: warning: {warning}", err=True)
    if fix or diff:
        from lossflint.fixer import fix_command

        if show_source and output_format == "concise":
            output_format = "full"
        piped = (*stdin, Path(stdin_filename)) if stdin and stdin_filename else None
        sys.exit(
            fix_command(
                files,
                settings,
                stdin=piped,
                unsafe=unsafe_fixes,
                diff=diff,
                output_format=output_format,
                statistics=statistics,
                quiet=quiet,
                exit_zero=exit_zero,
                source_lines=_source_lines(),
            )
        )
    result = run(
        files,
        settings,
        jobs=jobs,
        use_cache=not no_cache,
        cache_dir=cache_dir,
        progress=None,
    )
    if stdin is not None and stdin_filename is not None:
        _lint_stdin(result, stdin, Path(stdin_filename), settings, force_exclude)
    for error in result.errors:
        click.echo(f"lossflint: error: {error}", err=True)
    diagnostics = result.diagnostics
    if show_source and output_format == "concise":
        output_format = "full"
    if statistics:
        click.echo(format_statistics(diagnostics), nl=False)
    else:
        text = FORMATTERS[output_format](diagnostics, source_lines=_source_lines(stdin))
        click.echo(text, nl=False)
    if not quiet and output_format in ("concise", "full") and not statistics:
        click.echo(_summary(diagnostics, result.files), err=True)
    if result.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


def _read_stdin(stdin_filename: str | None, paths: tuple[str, ...]) -> tuple[str, bytes] | None:
    """(display name, bytes) of the buffer piped in for ``--stdin-filename``."""
    if stdin_filename is None:
        return None
    if any(p != "-" for p in paths):
        _fail("--stdin-filename reads stdin: do not name PATHS too")
    data = sys.stdin.buffer.read()
    return display_name(Path(stdin_filename)), data


def _lint_stdin(
    result: RunResult,
    stdin: tuple[str, bytes],
    path: Path,
    settings: Settings,
    force_exclude: bool,
) -> None:
    """Lint the piped buffer as if it were ``path`` (which need not exist)."""
    patterns = [*settings.exclude, *settings.extend_exclude]
    if force_exclude and _excluded_with_parents(path, settings, patterns):
        return
    ruleset = RuleSet(settings.enabled_codes(), settings.options)
    linted = lint_bytes(stdin[1], stdin[0], ruleset, settings.ignored_for(path))
    result.files += 1
    result.diagnostics.extend(linted.diagnostics)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    result.errors.extend(linted.errors)


def _apply_cli_selection(
    settings: Settings,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
) -> None:
    if select:
        settings.select = validate_selectors(_split(select), "--select")
        settings.select_is_default = False
    if extend_select:
        settings.extend_select += validate_selectors(_split(extend_select), "--extend-select")
    if ignore:
        settings.ignore += validate_selectors(_split(ignore), "--ignore")


def _summary(diagnostics: list[Diagnostic], files: int) -> str:
    if not diagnostics:
        return f"All checks passed ({files} file{'s' if files != 1 else ''})."
    fixable = sum(1 for d in diagnostics if d.fix is not None)
    text = f"Found {len(diagnostics)} problem{'s' if len(diagnostics) != 1 else ''}"
    if fixable:
        text += f" ({fixable} with a suggested fix)"
    return text + "."


def _source_lines(stdin: tuple[str, bytes] | None = None):  # type: ignore[no-untyped-def]
    cache: dict[tuple[str, int | None], list[str] | None] = {}

    def lines(d: Diagnostic) -> list[str] | None:
        key = (d.filename, d.cell)
        if key not in cache:
            try:
                from lossflint.notebook import cell_lines
                from lossflint.source import decode_source

                if stdin is not None and d.filename == stdin[0]:
                    data = stdin[1]
                else:
                    data = read_regular_file(Path(d.filename))
                if d.cell is not None:
                    cache[key] = cell_lines(data, d.cell)
                else:
                    cache[key] = decode_source(data).text.splitlines()
            except Exception:
                cache[key] = None
        return cache[key]

    return lines


@cli.command("rules")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
)
def rules_command(fmt: str) -> None:
    """List every rule."""
    rules = all_rules()
    if fmt == "json":
        data = [
            {
                "code": code,
                "name": r.name,
                "severity": r.severity.value,
                "fix": r.fix_kind,
                "default_enabled": r.default_enabled,
                "summary": r.summary,
            }
            for code, r in rules.items()
        ]
        click.echo(json.dumps(data, indent=2))
    elif fmt == "markdown":
        click.echo(rules_markdown_index(), nl=False)
    else:
        width = max(len(r.name) for r in rules.values())
        for code, r in rules.items():
            fix = {"safe": "fix", "unsafe": "fix*", "none": ""}[r.fix_kind]
            off = "" if r.default_enabled else " (off by default)"
            click.echo(
                f"{code}  {r.name:<{width}}  {r.severity.value:<7}  {fix:<4}  {r.summary}{off}"
            )


def rules_markdown_index() -> str:
    lines = [
        "# Rules",
        "",
        "Generated by `lossflint rules --format markdown`; do not edit by hand.",
        "",
        "| code | name | severity | fix | summary |",
        "|---|---|---|---|---|",
    ]
    for code, r in all_rules().items():
        summary = r.summary + ("" if r.default_enabled else " (off by default)")
        lines.append(
            f"| [{code}]({code}.md) | {r.name} | {r.severity.value} | {r.fix_kind} | {summary} |"
        )
    return "\n".join(lines) + "\n"


@cli.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Explain one rule (e.g. ``lossflint rule LF101``)."""
    rules = all_rules()
    rule = rules.get(code.upper())
    if rule is None:
        by_name = {r.name: r for r in rules.values()}
        rule = by_name.get(code)
    if rule is None:
        _fail(f"unknown rule code {code!r}")
        return
    click.echo(rule.docs_markdown(), nl=False)


@cli.command("server")
def server_command() -> None:
    """Run the Language Server (LSP over stdio) for editors."""
    try:
        from lossflint.server import start
    except ImportError:
        _fail("`lossflint server` needs pygls: pip install 'lossflint[server]'")
        return
    start()


def main() -> None:
    """Entry point: click's usage errors become one line and exit code 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        click.echo(f"lossflint: error: {exc.format_message()}", err=True)
        sys.exit(EXIT_ERROR)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            sys.exit(130)  # Ctrl-C, which click turns into Abort
        click.echo("lossflint: aborted", err=True)
        sys.exit(EXIT_ERROR)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(EXIT_CLEAN)
