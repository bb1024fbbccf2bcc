"""The ``lossflint`` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lossflint.version import __version__

if TYPE_CHECKING:
    from lossflint.check_run import Plan
    from lossflint.config import Settings

# Each command imports what it needs when it runs: ``lossflint --version``,
# ``lossflint server`` (whose worker loads the linter in its own process) and
# ``--help`` load neither the linter nor libcst (tests/test_cli_startup.py).

#: the --output-format choices, as ``lossflint.output.FORMATS`` (not imported
#: from there for --version: tests/test_cli_startup.py keeps them equal)
FORMATS = ("concise", "full", "json", "sarif", "github", "gitlab", "junit")

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
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the findings to this file instead of stdout.",
)
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--show-source", is_flag=True, help="Show the source line (same as --output-format full)."
)
@click.option(
    "--show-fixes",
    is_flag=True,
    help="Show each finding's fix; with --fix, list what was fixed.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(),
    help="Use this config file (pyproject.toml or lossflint.toml form) for every file, "
    "instead of each file's nearest one.",
)
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
    help="Skip Python files bigger than SIZE with a warning (bytes, or e.g. 512KB, 2MB; 0: no "
    "limit; default: max-file-size from config, 1MB). Notebooks are not limited by their file "
    "size, which is mostly outputs.",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix/--diff: apply unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option(
    "--add-noqa",
    is_flag=True,
    help="Add `# noqa: LFxxx` to every line with a finding (merging with existing codes).",
)
@click.option("--watch", is_flag=True, help="Re-run whenever a file changes (Ctrl-C stops).")
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    output_format: str,
    output_file: str | None,
    statistics: bool,
    exit_zero: bool,
    show_source: bool,
    show_fixes: bool,
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
    add_noqa: bool,
    watch: bool,
) -> None:
    """Lint PATHS (files or folders; default: the current folder; `-`: stdin)."""
    from lossflint import node_speed
    from lossflint.check_run import (
        check_caches,
        check_stdin,
        limit_sizes,
        lint_plan,
        make_plan,
    )
    from lossflint.config import ConfigError, SettingsResolver
    from lossflint.report import Report
    from lossflint.runner import display_name

    # the command's own process: libcst's nodes may hash and type-check in C
    # (the Python API and the flake8 plugin leave their caller's libcst alone)
    node_speed.enable()
    targets = list(paths) or ["."]
    reads_stdin = stdin_filename is not None or "-" in targets
    if stdin_filename is not None and any(p != "-" for p in paths):
        _fail("--stdin-filename reads stdin: do not name PATHS too")
    if "-" in targets and len(targets) > 1:
        _fail("`-` reads stdin: do not name other PATHS too")
    if reads_stdin and (add_noqa or watch):
        _fail(f"{'--add-noqa' if add_noqa else '--watch'} works on files, not on stdin")
    if add_noqa and (fix or diff):
        _fail("--add-noqa cannot be combined with --fix or --diff")
    if watch and (fix or diff or add_noqa):
        _fail("--watch only lints: it cannot be combined with --fix, --diff or --add-noqa")
    if show_source and output_format == "concise":
        output_format = "full"
    report = Report(
        output_format=output_format,
        output_file=output_file,
        statistics=statistics,
        quiet=quiet,
        exit_zero=exit_zero,
        show_fixes=show_fixes,
        unsafe_fixes=unsafe_fixes,
    )
    try:
        adjust = _cli_adjustment(select, ignore, extend_select, max_file_size)
        stdin: tuple[str, bytes] | None = None
        if reads_stdin:
            name = display_name(Path(stdin_filename)) if stdin_filename is not None else "-"
            data = sys.stdin.buffer.read()
            check_stdin(name, data)
            stdin = (name, data)

        def plan() -> Plan:
            # a new resolver each time: --watch sees edited config files
            resolver = SettingsResolver(config_path, isolated, adjust=adjust)
            made = make_plan(
                [] if reads_stdin else targets,
                resolver,
                force_exclude=force_exclude,
                stdin=stdin,
                stdin_path=stdin_filename,
            )
            if made.errors:
                raise ConfigError(made.errors[0])
            limit_sizes(made)
            if not no_cache:
                check_caches(made, cache_dir)
            return made

        first = plan()
    except ConfigError as exc:
        _fail(str(exc))
        return
    if not quiet:
        for warning in first.warnings:
            click.echo(f"lossflint: warning: {warning}", err=True)
    if watch:
        from lossflint.watch import watch_loop

        def once(current: Plan) -> None:
            result = lint_plan(current, jobs=jobs, use_cache=not no_cache, cache_dir=cache_dir)
            report.findings(result, None)

        watch_loop(plan, once, first)
        return
    if add_noqa:
        from lossflint.add_noqa import add_noqa_to_plan

        added, problems = add_noqa_to_plan(first)
        for problem in problems:
            click.echo(f"lossflint: warning: {problem}", err=True)
        if not quiet:
            click.echo(f"Added {added} noqa directive{'s' if added != 1 else ''}.", err=True)
        sys.exit(EXIT_CLEAN)
    if fix or diff:
        sys.exit(report.fixes(first, unsafe=unsafe_fixes, diff=diff))
    result = lint_plan(first, jobs=jobs, use_cache=not no_cache, cache_dir=cache_dir)
    sys.exit(report.findings(result, first.stdin))


def _cli_adjustment(
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    max_file_size: str | None,
) -> Callable[[Settings], None]:
    """What the command line changes in every config (validated once, here)."""
    from lossflint.config import ConfigError, override, validate_selectors
    from lossflint.file_limits import parse_size

    chosen = validate_selectors(_split(select), "--select") if select else None
    extra = validate_selectors(_split(extend_select), "--extend-select")
    ignored = validate_selectors(_split(ignore), "--ignore")
    size: int | None = None
    if max_file_size is not None:
        try:
            size = parse_size(max_file_size)
        except ValueError as exc:
            raise ConfigError(f"--max-file-size {exc}") from exc

    return override(chosen, ignored, extra, size)


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
    from lossflint.registry import all_rules
    from lossflint.urls import rule_url

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
                "url": rule_url(code),
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
    from lossflint.registry import all_rules

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
    from lossflint.registry import all_rules

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
