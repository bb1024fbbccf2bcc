#!/usr/bin/env python3
"""Benchmark ``lossflint check`` against TorchFix, Fixit and ruff on real ML code.

    python benchmarks/bench.py --quick          # small subset, well under a minute
    python benchmarks/bench.py --files 300      # a deterministic subset of 300 files
    python benchmarks/bench.py                  # the whole corpus (TorchFix: tens of minutes)

Run it with the interpreter lossflint is installed in. It

1. downloads pinned wheels of the packages in ``CORPUS`` with
   ``pip download --no-deps`` into ``benchmarks/.cache/dist`` (the only
   network access; skipped when present) and unpacks their sources into
   ``benchmarks/.cache/corpus``;
2. installs the peers (``PEERS``) into their own virtualenv,
   ``benchmarks/.cache/peers-venv``;
3. times, on the same list of files, each in a fresh subprocess:
   lossflint cold (``--no-cache``), warm (cache filled, nothing changed),
   after touching 1 % of the files, and each peer; median of ``--runs`` runs
   of wall and CPU seconds (CPU includes worker processes), files/s,
   lines/s and peak RSS (largest single process, from ``wait4``);
4. prints a Markdown section and writes (or, with ``--append``, appends) it
   to ``benchmarks/RESULTS.md``.

Touched files are restored afterwards. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
import venv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
DIST = CACHE / "dist"
CORPUS = CACHE / "corpus"
PEERS_VENV = CACHE / "peers-venv"
RESULTS = HERE / "RESULTS.md"

#: the corpus: pinned wheels (pure Python; a wheel holds the package sources)
PACKAGES = (
    "transformers==4.46.3",
    "diffusers==0.31.0",
    "keras==3.6.0",
    "timm==1.0.11",
    "torchmetrics==1.6.0",
    "pytorch-lightning==2.4.0",
    "accelerate==1.1.1",
)
#: the peers, pinned, installed into PEERS_VENV
PEERS = ("torchfix==0.7.0", "fixit==2.2.1", "ruff==0.17.6")
#: --quick: this many files of at most QUICK_MAX_LINES lines each
QUICK_FILES = 12
QUICK_MAX_LINES = 600


# --- corpus and peers ----------------------------------------------------------


def fetch_corpus() -> None:
    DIST.mkdir(parents=True, exist_ok=True)
    wanted = [p for p in PACKAGES if not _wheel_for(p)]
    if wanted:
        print(f"downloading {len(wanted)} wheels ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-d",
                str(DIST),
                *wanted,
            ],
            check=True,
        )
    for spec in PACKAGES:
        wheel = _wheel_for(spec)
        assert wheel is not None, spec
        target = CORPUS / wheel.stem
        if not target.is_dir():
            with zipfile.ZipFile(wheel) as archive:
                members = [m for m in archive.namelist() if m.endswith(".py")]
                archive.extractall(target, members)
    # the corpus lives inside this repository's ignored .cache: tell lossflint
    # not to apply our .gitignore to it
    (CORPUS / "pyproject.toml").write_text("[tool.lossflint]\nrespect-gitignore = false\n")


def _wheel_for(spec: str) -> Path | None:
    name, version = spec.split("==")
    stem = name.replace("-", "_")
    for wheel in DIST.glob(f"{stem}-{version}-*.whl"):
        return wheel
    return None


def install_peers() -> None:
    marker = PEERS_VENV / "installed.txt"
    if marker.is_file() and marker.read_text() == "\n".join(PEERS):
        return
    print("installing peers into their own venv ...", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=True).create(PEERS_VENV)
    subprocess.run(
        [str(PEERS_VENV / "bin" / "python"), "-m", "pip", "install", "-q", *PEERS], check=True
    )
    marker.write_text("\n".join(PEERS))


def snapshot_lossflint(snapshot: Path) -> dict[str, str]:
    """Copy the lossflint package being measured (with compiled bytecode, as
    an installed package has) and return the environment that runs it: the
    measured code cannot change under the benchmark, and the result cache's
    key (which includes the package's files) stays stable across runs."""
    import compileall

    import lossflint

    source = Path(lossflint.__file__).resolve().parent
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(source, snapshot / "lossflint", ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(snapshot, quiet=1)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(snapshot)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def corpus_files(limit: int | None, max_lines: int | None = None) -> list[Path]:
    files = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*.py"))
    if max_lines is not None:
        files = [f for f in files if (CORPUS / f).read_bytes().count(b"\n") <= max_lines]
    if limit is not None and limit < len(files):
        # a deterministic sample spread over every package
        files = sorted(random.Random(20261123).sample(files, limit))
    return files


# --- measuring -------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mib: float
    code: int


@dataclass
class Row:
    name: str
    samples: list[Sample] = field(default_factory=list)
    peer: bool = False

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss(self) -> float:
        return max(s.rss_mib for s in self.samples)


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """One run in a fresh process: wall, CPU (with waited-for children: the
    worker processes) and the largest resident set of any of its processes."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=null, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        tail = err.decode(errors="replace")[-600:]
        print(f"warning: {cmd[0]} exited {proc.returncode}: {tail}", file=sys.stderr)
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        code=proc.returncode,
    )


#: lossflint's CLI has no switch for project analysis: this runs the same
#: lint path (plan, pool, pre-filter) with it off, for the comparison row
NO_PROJECT = """
import sys
from lossflint.check_run import make_plan
from lossflint.config import SettingsResolver
from lossflint.parallel import run_files

plan = make_plan(sys.argv[1:], SettingsResolver())
for settings, files in plan.groups:
    run_files(files, settings, jobs=None, cache=None, progress=False, project=False)
"""


def run_benchmark(
    files: list[Path], runs: int, jobs: int | None, peers: list[str], cold_runs: int | None = None
) -> list[Row]:
    names = [f.as_posix() for f in files]
    lossflint = [sys.executable, "-m", "lossflint", "check", "-q", "--exit-zero"]
    if jobs is not None:
        lossflint += ["--jobs", str(jobs)]
    # per-size folders: benchmarks of different sizes may run side by side
    lf_cache = CACHE / f"lossflint-cache-{len(files)}"
    cached = [*lossflint, "--cache-dir", str(lf_cache)]
    peer_bin = PEERS_VENV / "bin"
    peer_cmds = {
        "TorchFix": [str(peer_bin / "torchfix"), *names],
        "Fixit": [str(peer_bin / "fixit"), "lint", *names],
        "ruff (--select ALL)": [
            str(peer_bin / "ruff"),
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "ALL",
            "--exit-zero",
            "-q",
            *names,
        ],
    }
    cold = Row("lossflint cold (--no-cache)")
    alone = Row("lossflint cold, project analysis off (API, no cache)")
    fill = Row("lossflint cold, writing the cache (1 run)")
    warm = Row("lossflint warm (cache, nothing changed)")
    touched_count = max(1, round(len(files) / 100))
    touch = Row(f"lossflint after touching 1 % ({touched_count} files)")
    others = [Row(n, peer=True) for n in peer_cmds if n.split()[0].lower() in peers]

    env = snapshot_lossflint(CACHE / f"lossflint-snapshot-{len(files)}")

    def step(row: Row, cmd: list[str]) -> None:
        sample = measure(cmd, CORPUS, env if cmd[0] == sys.executable else None)
        row.samples.append(sample)
        print(
            f"  {row.name}: {sample.wall:.2f}s wall, {sample.cpu:.2f}s CPU, "
            f"{sample.rss_mib:.0f} MiB",
            file=sys.stderr,
        )

    shutil.rmtree(lf_cache, ignore_errors=True)
    step(fill, [*cached, *names])
    step_size = max(1, len(files) // touched_count)
    touched = files[step_size // 2 :: step_size][:touched_count]  # spread over the packages
    originals = {f: (CORPUS / f).read_bytes() for f in touched}
    try:
        for i in range(runs):
            print(f"run {i + 1}/{runs}", file=sys.stderr)
            if cold_runs is None or i < cold_runs:
                step(cold, [*lossflint, "--no-cache", *names])
                step(alone, [sys.executable, "-c", NO_PROJECT, *names])
            step(warm, [*cached, *names])
            for path, data in originals.items():
                (CORPUS / path).write_bytes(
                    data + f"\n# touched by the benchmark, run {i}\n".encode()
                )
            step(touch, [*cached, *names])
            for row in others:
                step(row, peer_cmds[row.name])
    finally:
        for path, data in originals.items():
            (CORPUS / path).write_bytes(data)
    return [row for row in (cold, alone, fill, warm, touch, *others) if row.samples]


# --- report ------------------------------------------------------------------------


def prefilter_stats(files: list[Path]) -> tuple[int, int]:
    """(files the pre-filter would skip, files) with the default rules."""
    from lossflint.linter import RuleSet
    from lossflint.prefilter import Prefilter

    prefilter = Prefilter(RuleSet.default())
    skipped = 0
    for f in files:
        text = (CORPUS / f).read_text(encoding="utf-8", errors="replace")
        if prefilter.skips(text, str(f)):
            skipped += 1
    return skipped, len(files)


def report(
    label: str,
    files: list[Path],
    rows: list[Row],
    runs: int,
    jobs: int | None,
    cold_runs: int | None = None,
) -> str:
    import lossflint

    lines_total = sum((CORPUS / f).read_bytes().count(b"\n") for f in files)
    skipped, total = prefilter_stats(files)
    cold = rows[0]  # --no-cache, or the cache-filling run when there was none
    peers = {r.name: r for r in rows if r.peer}
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"## {label}",
        "",
        f"- date: {now}; machine: {os.cpu_count()} cores ({platform.machine()}), "
        f"Python {platform.python_version()}, lossflint {lossflint.__version__}"
        f" with `--jobs {jobs if jobs is not None else 'default (= cores)'}`",
        f"- files: {len(files)} ({lines_total:,} lines) of "
        + ", ".join(p.replace("==", " ") for p in PACKAGES),
        f"- runs: median of {runs}"
        + (
            f" ({cold_runs} for lossflint cold)"
            if cold_runs
            else " (lossflint cold: the one cache-filling run)"
            if cold_runs == 0
            else ""
        )
        + " (peak RSS: maximum over runs, largest single process)",
        f"- pre-filter: {skipped} of {total} files skipped before parsing (default rules)",
        "",
        "| tool / mode | wall s | CPU s | files/s | lines/s | peak RSS MiB "
        "| peer wall / lossflint cold wall | peer CPU / lossflint cold CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = f"{row.wall / cold.wall:.2f}×" if row.name in peers else ""
        cpu_ratio = f"{row.cpu / cold.cpu:.2f}×" if row.name in peers else ""
        out.append(
            f"| {row.name} | {row.wall:.2f} | {row.cpu:.2f} | {len(files) / row.wall:,.0f} | "
            f"{lines_total / row.wall:,.0f} | {row.rss:.0f} | {ratio} | {cpu_ratio} |"
        )
    codes = sorted({s.code for r in rows for s in r.samples})
    out += ["", f"Exit codes seen: {codes} (0 clean, 1 findings).", ""]
    return "\n".join(out)


HEADER = """# Benchmark results

Produced by `python benchmarks/bench.py` (see `benchmarks/README.md`). The
machine is shared with other jobs while measuring: timings are noisy, compare
numbers within one section only.

"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_FILES} files of at most {QUICK_MAX_LINES} lines, 3 runs",
    )
    parser.add_argument("--files", type=int, help="a deterministic subset of this many files")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cold-runs",
        type=int,
        help="runs of lossflint cold (default: --runs); e.g. 1 on the full corpus",
    )
    parser.add_argument("--jobs", type=int, help="lossflint --jobs (default: its own default)")
    parser.add_argument(
        "--peers",
        default="torchfix,fixit,ruff",
        help="comma-separated subset of torchfix,fixit,ruff ('' for none)",
    )
    parser.add_argument("--append", action="store_true", help="append to RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="only print the section")
    args = parser.parse_args()

    fetch_corpus()
    peers = [p.strip().lower() for p in args.peers.split(",") if p.strip()]
    if peers:
        install_peers()
    limit = QUICK_FILES if args.quick else args.files
    files = corpus_files(limit, QUICK_MAX_LINES if args.quick else None)
    if args.quick:
        label = f"Quick subset ({len(files)} files of at most {QUICK_MAX_LINES} lines)"
    elif limit is not None:
        label = f"Subset of {len(files)} files"
    else:
        label = f"Full corpus ({len(files)} files)"
    print(f"{label}: {args.runs} runs", file=sys.stderr)
    rows = run_benchmark(files, args.runs, args.jobs, peers, args.cold_runs)
    section = report(label, files, rows, args.runs, args.jobs, args.cold_runs)
    print(section)
    if not args.no_write:
        if args.append and RESULTS.is_file():
            RESULTS.write_text(RESULTS.read_text().rstrip("\n") + "\n\n" + section)
        else:
            RESULTS.write_text(HEADER + section)


if __name__ == "__main__":
    main()
