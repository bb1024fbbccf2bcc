"""``lossflint check --watch``: lint, then re-lint whenever a file changes.

Polls modification times (no dependency, works on every platform and in
containers where inotify is not forwarded): every :data:`INTERVAL` seconds
the files are discovered again, so new and deleted files count, and so do
the config files. Ctrl-C ends it (exit code 130).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import click

from lossflint.check_run import Plan
from lossflint.config import ConfigError

INTERVAL = 0.5

Snapshot = tuple[tuple[str, int, int], ...]


def snapshot(plan: Plan) -> Snapshot:
    """(path, mtime in ns, size) of every file and config file of ``plan``."""
    paths: set[Path] = set(plan.files)
    paths.update(s.config_path for s, _ in plan.groups if s.config_path is not None)
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(sorted(out))


def watch_loop(
    make_plan: Callable[[], Plan],
    run_once: Callable[[Plan], None],
    first: Plan,
    interval: float = INTERVAL,
) -> None:
    plan = first
    while True:
        click.echo(f"[{time.strftime('%H:%M:%S')}] lossflint: checking...", err=True)
        run_once(plan)
        click.echo("lossflint: watching for changes (Ctrl-C to stop)", err=True)
        seen = snapshot(plan)
        last_error = ""
        while True:
            time.sleep(interval)
            try:
                candidate = make_plan()
            except ConfigError as exc:
                # a config being edited may be broken for a moment: say so once, wait
                if str(exc) != last_error:
                    click.echo(f"lossflint: error: {exc}", err=True)
                    last_error = str(exc)
                continue
            last_error = ""
            now = snapshot(candidate)
            if now != seen:
                plan = candidate
                break
