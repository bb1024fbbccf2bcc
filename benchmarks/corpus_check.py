#!/usr/bin/env python3
"""Run lossflint over real ML code: crashes, LF900 honesty, findings, fix safety.

    python benchmarks/corpus_check.py                     # download (pinned), unpack, check
    python benchmarks/corpus_check.py --src /work/corpus/src   # reuse an unpacked tree
    python benchmarks/corpus_check.py --src DIR --fix-safety   # also --fix --unsafe-fixes on a copy
    python benchmarks/corpus_check.py --corpus training --src /work/corpus-train

Two corpora (``--corpus``):

- ``library`` (the default): pinned wheels of ML libraries (``PACKAGES``), the
  steps below; report ``corpus-findings.md``, verdicts
  ``corpus-classification.toml``;
- ``training``: public training code (tutorials, course and book notebooks,
  research training scripts) listed in ``training-corpus.toml``, fetched by the
  developer and unpacked one folder per repository (``owner+name``); ``--src``
  is required. ``.py`` files **and notebooks** are linted (not those in folders
  ``lossflint check`` excludes by default); a notebook's lines
  are the lines of its code cells. LF900 diagnostics are findings too (each is
  classified), and the report adds false positives per 100k lines per rule;
  report ``training-findings.md``, verdicts ``training-classification.toml``.

It

1. downloads pinned wheels (``PACKAGES``) with ``pip download --no-deps`` into
   ``benchmarks/.cache/dist`` (skipped when present) and unpacks their ``.py``
   files into ``benchmarks/.cache/corpus-check/src`` (both gitignored), unless
   ``--src DIR`` names an unpacked tree (one folder per package);
2. lints every ``.py`` file with the full default rule set, as ``lossflint
   check`` does (its pre-filter skips files that mention nothing any rule needs
   and compile; ``--no-prefilter`` makes every rule see every file, several
   times slower), in ``--jobs`` worker processes, each file under a
   time limit; an exception, an internal error, a timeout or a diagnostic whose
   position is outside the file is a **crash**;
3. parses every file with CPython's ``ast`` for the running Python and compares:
   LF900 must be reported exactly for the files ``ast`` rejects;
4. prints files, lines, crashes, LF900, findings per rule and per 100k lines, and
   writes every finding to ``benchmarks/corpus-findings.md``, joined with the
   hand-made classification in ``benchmarks/corpus-classification.toml``
   (keyed by file, rule and the text of the line, so it survives line shifts);
   unclassified findings are listed as such;
5. with ``--fix-safety``: copies the files that have a fix into a temporary
   folder and runs ``lossflint check --fix --unsafe-fixes`` there (a
   subprocess), then checks that every changed file still parses, keeps its
   permission bits and line endings, that a second run changes nothing and
   that the ``--diff`` of a fresh copy applied with ``patch -p1`` gives the
   same bytes.

The exit code is 1 when there is a crash, an LF900 disagreement or a
fix-safety failure, else 0. Not part of the test suite (it takes minutes).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import platform
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from multiprocessing import Pool
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
DIST = CACHE / "dist"
SRC = CACHE / "corpus-check" / "src"
FINDINGS_MD = HERE / "corpus-findings.md"
CLASSIFICATION = HERE / "corpus-classification.toml"
TRAINING_MANIFEST = HERE / "training-corpus.toml"

#: the corpus: pinned wheels (pure Python, a wheel holds the package sources)
PACKAGES = (
    "transformers==4.46.3",
    "diffusers==0.31.0",
    "keras==3.6.0",
    "timm==1.0.11",
    "torchmetrics==1.6.0",
    "pytorch-lightning==2.4.0",
    "accelerate==1.1.1",
)
#: seconds one file may take before it counts as a crash (hang)
FILE_TIMEOUT = 300
VERDICTS = ("true-bug", "harmless", "false-positive")


@dataclass(frozen=True)
class Corpus:
    """What differs between the corpora: files, report, verdicts."""

    name: str
    title: str
    findings_md: Path
    classification: Path
    #: lint ``.ipynb`` files too (their lines = lines of code cells)
    notebooks: bool
    #: LF900 diagnostics are findings to classify (training code has real
    #: syntax errors: Python 2 prints, exercise blanks); the library corpus
    #: only checks them against ``ast``
    classify_lf900: bool
    #: ``pip download`` the pinned wheels when no ``--src`` is given
    downloads: bool


CORPORA = {
    "library": Corpus(
        "library", "Corpus findings", FINDINGS_MD, CLASSIFICATION, False, False, True
    ),
    "training": Corpus(
        "training",
        "Training-code corpus findings",
        HERE / "training-findings.md",
        HERE / "training-classification.toml",
        True,
        True,
        False,
    ),
}


# --- corpus ----------------------------------------------------------------------


def _wheel_for(spec: str) -> Path | None:
    name, version = spec.split("==")
    stem = name.replace("-", "_")
    found = sorted(DIST.glob(f"{stem}-{version}-*.whl"))
    return found[0] if found else None


def fetch() -> Path:
    """Download the pinned wheels (when missing) and unpack their .py files."""
    DIST.mkdir(parents=True, exist_ok=True)
    wanted = [p for p in PACKAGES if _wheel_for(p) is None]
    if wanted:
        print(f"downloading {len(wanted)} wheels ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--dest",
                str(DIST),
                *wanted,
            ],
            check=True,
        )
    for spec in PACKAGES:
        wheel = _wheel_for(spec)
        if wheel is None:
            raise SystemExit(f"corpus_check: no wheel for {spec} after pip download")
        target = SRC / wheel.stem
        if target.is_dir():
            continue
        tmp = SRC / f".{wheel.stem}.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                if member.endswith(".py") and ".." not in Path(member).parts:
                    zf.extract(member, tmp)
        tmp.rename(target)
    return SRC


def corpus_files(src: Path, notebooks: bool = False) -> list[Path]:
    """Every .py file; with ``notebooks`` also the .ipynb files, minus those
    ``lossflint check`` skips by default (``.ipynb_checkpoints``, ``build``, ...):
    the training corpus is read as a user would lint a cloned repository."""
    if not notebooks:
        return sorted(p for p in src.rglob("*.py") if p.is_file())
    from lossflint.config import DEFAULT_EXCLUDE

    return sorted(
        p
        for p in src.rglob("*")
        if p.suffix in (".py", ".ipynb")
        and p.is_file()
        and not set(p.relative_to(src).parts[:-1]) & set(DEFAULT_EXCLUDE)
    )


def training_manifest() -> list[dict[str, str]]:
    """The repositories of the training corpus (repo, commit, why)."""
    if not TRAINING_MANIFEST.is_file():
        return []
    data = tomllib.loads(TRAINING_MANIFEST.read_text(encoding="utf-8"))
    return list(data.get("repo", []))


# --- linting one file (in a worker) ------------------------------------------------

_RULESET: Any = None
_PREFILTER: Any = None


@dataclass
class FileResult:
    path: str
    package: str
    lines: int
    seconds: float
    ast_ok: bool
    ast_error: str = ""
    lf900: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    #: notebooks only: cells CPython rejects and cells with LF900 (0 = the
    #: notebook itself, e.g. invalid JSON)
    notebook: bool = False
    ast_bad_cells: list[int] = field(default_factory=list)
    lf900_cells: list[int] = field(default_factory=list)

    def lf900_disagrees(self) -> bool:
        if self.notebook:
            return sorted(set(self.ast_bad_cells)) != sorted(set(self.lf900_cells))
        return bool(self.lf900) == self.ast_ok


def _init_worker(prefilter: bool) -> None:
    global _RULESET, _PREFILTER
    from lossflint.linter import RuleSet
    from lossflint.prefilter import Prefilter

    _RULESET = RuleSet.default()
    _PREFILTER = Prefilter(_RULESET) if prefilter else None
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _timeout(signum: int, frame: Any) -> None:
    raise TimeoutError(f"file took more than {FILE_TIMEOUT}s")


def _ast_check(data: bytes) -> tuple[bool, str]:
    """Does CPython (this interpreter) accept the file?"""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<corpus>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return False, f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


# IPython-only lines, replaced by ``pass`` before CPython judges a cell: line
# magics and shell escapes (also assigned: ``x = !ls``) and help lines
_IPYTHON_LINE = re.compile(
    r"^[ \t]*([%!]|[A-Za-z_][\w.,\t ]*=[ \t]*[%!]|\?{1,2}[\w.]+[ \t]*$|[\w.]+\?{1,2}[ \t]*$)"
)


def _mask_ipython(text: str) -> list[str] | None:
    """A cell's lines as CPython should see them (IPython-only lines become
    ``pass``, a backslash-continued magic's next lines too, at the magic's
    indentation), or None for a cell magic cell (not Python)."""
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("%%"):
        return None
    out, continuing, indent = [], False, ""
    for line in lines:
        if not continuing and not _IPYTHON_LINE.match(line):
            out.append(line)
            continue
        if not continuing:
            indent = line[: len(line) - len(line.lstrip(" \t"))]
        out.append(indent + "pass")
        continuing = line.rstrip("\r").endswith("\\")
    return out


def _cell_ast_check(text: str) -> tuple[bool, str] | None:
    """CPython's verdict on a notebook cell (None: a cell magic cell). A line
    that only looks like a magic (``% x`` continuing a bracket) is put back when
    that makes the cell parse."""
    from lossflint.notebook import _ipython_dedent

    dedented = _ipython_dedent(text)
    if dedented is not None:  # IPython runs an indented cell dedented (leading_indent)
        text = dedented[0]
    masked = _mask_ipython(text)
    if masked is None:
        return None
    verdict = _ast_check("\n".join(masked).encode("utf-8"))
    if verdict[0]:
        return verdict
    original = text.split("\n")
    for row in [i for i, line in enumerate(masked) if line != original[i]][:20]:
        retry = masked.copy()
        retry[row] = original[row]
        if _ast_check("\n".join(retry).encode("utf-8"))[0]:
            return True, ""
    return verdict


def _notebook_cells(data: bytes) -> tuple[list[tuple[int, str]], str]:
    """(cell number, source) of the Python code cells, or an error for an unreadable file."""
    from lossflint.notebook import NotebookError, code_cells, is_python_notebook, load_notebook

    try:
        nb = load_notebook(data)
    except NotebookError as exc:
        return [], str(exc)
    if not is_python_notebook(nb):
        return [], ""
    return [(number, text) for number, _, text in code_cells(nb)], ""


def _check_notebook(data: bytes, result: FileResult) -> dict[int, list[str]]:
    """Count code-cell lines, judge every cell with CPython; the cells' lines by number."""
    from lossflint.source import source_lines

    result.notebook = True
    cells, error = _notebook_cells(data)
    if error:
        result.ast_ok, result.ast_error, result.ast_bad_cells = False, error, [0]
    sources: dict[int, list[str]] = {}
    for number, text in cells:
        sources[number] = source_lines(text)
        result.lines += len(sources[number])
        verdict = _cell_ast_check(text)
        if verdict is None:
            continue
        ok, why = verdict
        if not ok:
            result.ast_ok = False
            result.ast_bad_cells.append(number)
            result.ast_error += f"{'; ' if result.ast_error else ''}cell {number}: {why}"
    return sources


def check_file(args: tuple[str, str, str, bool]) -> FileResult:
    path, rel, package, classify_lf900 = args
    from lossflint.runner import lint_bytes

    data = Path(path).read_bytes()
    cell_text: dict[int, list[str]] = {}
    if rel.endswith(".ipynb"):
        result = FileResult(rel, package, 0, 0.0, True)
        cell_text = _check_notebook(data, result)
        lines_of: list[str] = []
    else:
        lines_of = data.decode("utf-8", "replace").splitlines()
        ok, why = _ast_check(data)
        result = FileResult(rel, package, len(lines_of), 0.0, ok, why)
    start = time.perf_counter()
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(FILE_TIMEOUT)
    try:
        linted = lint_bytes(data, rel, _RULESET, [], prefilter=_PREFILTER)
    except BaseException as exc:  # noqa: BLE001 - a crash is what we are looking for
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.crashes.append(
            f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exc(limit=-8))
        )
        return result
    finally:
        signal.alarm(0)
        result.seconds = time.perf_counter() - start
    for error in linted.errors:
        result.crashes.append(str(error))
    for d in linted.diagnostics:
        row, col = d.location.row, d.location.column
        # a position must be inside the file (or the cell): a row of it (or the
        # line after the last one when empty), a column up to the line end + 1
        # (a notebook-level LF900, e.g. invalid JSON, points into the JSON text)
        rows = lines_of if d.cell is None else cell_text.get(d.cell, [])
        line = rows[row - 1] if 1 <= row <= len(rows) else None
        if (d.cell is not None or not result.notebook) and (
            not (1 <= row <= max(len(rows), 1))
            or col < 1
            or col > (len(line) if line is not None else 0) + 1
        ):
            where = f"cell {d.cell} " if d.cell is not None else ""
            result.crashes.append(
                f"{d.code} at {where}{row}:{col} is outside the file ({d.message})"
            )
        if d.code == "LF900":
            result.lf900.append(f"{row}:{col}: {d.message}")
            if result.notebook:
                result.lf900_cells.append(d.cell or 0)
            if not classify_lf900:
                continue
        if line is None and result.notebook and d.cell is None:
            # the notebook file itself (invalid JSON): its raw line
            raw = data.decode("utf-8", "replace").splitlines()
            # (a JSON line can hold a whole base64 image: keep the key short)
            line = raw[row - 1].strip()[:100] if 1 <= row <= len(raw) else ""
        finding = {
            "path": rel,
            "row": row,
            "column": col,
            "code": d.code,
            "message": d.message,
            "fixable": d.fix is not None,
            "line": (line or "").strip(),
        }
        if d.cell is not None:
            finding["cell"] = d.cell
        result.findings.append(finding)
    return result


# --- classification ----------------------------------------------------------------


def finding_key(f: dict[str, Any]) -> str:
    return f"{f['path']}|{f['code']}|{f['line']}"


def load_classification(path: Path = CLASSIFICATION) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for entry in data.get("finding", []):
        verdict = entry.get("verdict", "")
        if verdict not in VERDICTS:
            raise SystemExit(f"corpus_check: bad verdict {verdict!r} for {entry.get('key')}")
        out[entry["key"]] = entry
    return out


# --- fix safety --------------------------------------------------------------------


def _parses(data: bytes) -> bool:
    import libcst as cst

    from lossflint.source import decode_source

    try:
        text = decode_source(data).text
        cst.parse_module(text)
    except Exception:
        return False
    return _ast_check(data)[0]


def _newlines(data: bytes) -> tuple[int, int]:
    """(CRLF count, bare LF count)."""
    crlf = data.count(b"\r\n")
    return crlf, data.count(b"\n") - crlf


def _lossflint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--isolated", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def fix_safety(src: Path, rels: list[str], controls: list[str]) -> tuple[list[str], str]:
    """Run --fix --unsafe-fixes on a copy of ``rels`` (+ control files)."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lossflint-fixsafety-") as tmpname:
        tmp = Path(tmpname)
        work, fresh = tmp / "work", tmp / "fresh"
        for rel in [*rels, *controls]:
            for base in (work, fresh):
                dest = base / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src / rel, dest)
        originals = {rel: (src / rel).read_bytes() for rel in [*rels, *controls]}
        modes = {rel: stat.S_IMODE((src / rel).stat().st_mode) for rel in originals}
        first = _lossflint("--fix", "--unsafe-fixes", "--exit-zero", ".", cwd=work)
        if first.returncode not in (0, 1):
            problems.append(f"--fix exited {first.returncode}: {first.stderr[-2000:]}")
        warned = [line for line in first.stderr.splitlines() if "dropped" in line]
        changed = 0
        for rel, before in originals.items():
            after = (work / rel).read_bytes()
            if after == before:
                continue
            changed += 1
            if not _parses(after):
                problems.append(f"{rel}: fixed file does not parse")
            if stat.S_IMODE((work / rel).stat().st_mode) != modes[rel]:
                problems.append(f"{rel}: permission bits changed")
            crlf_b, lf_b = _newlines(before)
            crlf_a, lf_a = _newlines(after)
            if (crlf_b > 0 and lf_b == 0 and lf_a) or (lf_b > 0 and crlf_b == 0 and crlf_a):
                problems.append(f"{rel}: line endings changed")
        second = _lossflint("--diff", "--unsafe-fixes", ".", cwd=work)
        if second.stdout:
            problems.append(f"second run would change more:\n{second.stdout[:3000]}")
        diff = _lossflint("--diff", "--unsafe-fixes", ".", cwd=fresh)
        if diff.stdout:
            patched = subprocess.run(
                ["patch", "-p1", "-s", "--no-backup-if-mismatch"],
                input=diff.stdout,
                cwd=fresh,
                capture_output=True,
                text=True,
            )
            if patched.returncode != 0:
                problems.append(f"patch -p1 failed: {patched.stdout}{patched.stderr}"[:3000])
        for rel in originals:
            if (fresh / rel).read_bytes() != (work / rel).read_bytes():
                problems.append(f"{rel}: --diff + patch differs from --fix")
        summary = (
            f"{len(originals)} files copied ({len(rels)} with a fix), {changed} changed by --fix, "
            f"{len(warned)} fixes dropped as unparsable, {len(problems)} problems"
        )
        print(f"fix safety: {summary}", file=sys.stderr)
        for line in warned:
            print(f"  {line}", file=sys.stderr)
    return problems, summary


# --- report ------------------------------------------------------------------------


def _git_head() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def _now() -> str:
    return f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where(f: dict[str, Any]) -> str:
    """path:row:column, or path[cell N]:row:column in a notebook."""
    cell = f"[cell {f['cell']}]" if f.get("cell") is not None else ""
    return f"{f['path']}{cell}:{f['row']}:{f['column']}"


def summarise(
    results: list[FileResult],
    seconds: float,
    classification: dict[str, dict[str, str]],
    fix_problems: list[str] | None,
    fix_summary: str = "",
    started: str = "",
    head: str = "",
    corpus: Corpus = CORPORA["library"],
) -> tuple[str, dict[str, Any]]:
    files = len(results)
    lines = sum(r.lines for r in results)
    per100k = 100_000 / max(lines, 1)
    crashes = [(r.path, c) for r in results for c in r.crashes]
    lf900 = [r for r in results if r.lf900]
    disagree = [r for r in results if r.lf900_disagrees()]
    findings = [f for r in results for f in r.findings]
    by_rule = Counter(f["code"] for f in findings)
    packages: dict[str, list[FileResult]] = defaultdict(list)
    for r in results:
        packages[r.package].append(r)
    verdicts = Counter(
        classification[finding_key(f)]["verdict"]
        if finding_key(f) in classification
        else "unclassified"
        for f in findings
    )
    fps = verdicts["false-positive"]
    stats = {
        "files": files,
        "lines": lines,
        "crashes": len(crashes),
        "lf900": len(lf900),
        "lf900_disagreements": len(disagree),
        "findings": len(findings),
        "by_rule": dict(sorted(by_rule.items())),
        "verdicts": dict(verdicts),
        "false_positives_per_100k_lines": round(fps * per100k, 3),
        "seconds": round(seconds, 1),
    }
    training = corpus.name == "training"
    if training:
        stats["notebooks"] = sum(1 for r in results if r.notebook)
        stats["notebook_lines"] = sum(r.lines for r in results if r.notebook)
        stats["false_positives_by_rule"] = {
            code: sum(
                1
                for f in findings
                if f["code"] == code
                and classification.get(finding_key(f), {}).get("verdict") == "false-positive"
            )
            for code in sorted(by_rule)
        }
    out: list[str] = []
    w = out.append
    if training:
        w(f"# {corpus.title}")
        w("")
        w(
            "Generated by `python benchmarks/corpus_check.py --corpus training --src DIR` "
            "(see `benchmarks/README.md`); the"
        )
        w(
            f"verdicts come from `benchmarks/{corpus.classification.name}`, written by "
            "reading the code. LF900 diagnostics"
        )
        w("are findings here (classified like the others). False-positive classes and recall")
        w("observations: `benchmarks/training-fp-classes.md`.")
    else:
        w("# Corpus findings")
        w("")
        w("Generated by `python benchmarks/corpus_check.py` (see `docs/robustness.md`); the")
        w(
            "verdicts come from `benchmarks/corpus-classification.toml`, written by reading the code."
        )
    w("")
    w(
        f"- run: {started or _now()} UTC, lossflint at `{head or _git_head()}`, "
        f"Python {platform.python_version()}, {seconds:.0f}s wall"
    )
    if training:
        repos = training_manifest()
        present = {r.package for r in results}
        w(
            f"- corpus: {len(present)} repositories of `benchmarks/training-corpus.toml` "
            "(repository and commit there)"
        )
        missing = [r["repo"] for r in repos if r["repo"].replace("/", "+") not in present]
        if missing and results:
            w(f"- in the manifest but not in the unpacked tree: {', '.join(missing)}")
        nb = [r for r in results if r.notebook]
        w(
            f"- **files: {files}** ({files - len(nb)} .py, {len(nb)} notebooks), "
            f"**lines: {lines:,}** ({sum(r.lines for r in nb):,} of them in notebook code cells)"
        )
    else:
        w(f"- corpus: {', '.join(p.replace('==', ' ') for p in PACKAGES)}")
        w(f"- **files: {files}**, **lines: {lines:,}**")
    w(
        f"- **crashes: {len(crashes)}** (exceptions, internal errors, timeouts, positions "
        "outside the file)"
    )
    w(
        f"- **LF900: {len(lf900)}**; files where LF900 and CPython's `ast` disagree: "
        f"**{len(disagree)}**"
    )
    w(
        f"- **findings: {len(findings)}** ({len(findings) * per100k:.2f} per 100k lines): "
        + ", ".join(f"{v} {k}" for k, v in sorted(verdicts.items()))
    )
    w(f"- **false positives: {fps} = {fps * per100k:.2f} per 100k lines** (target ≤ 1)")
    if fix_problems is not None:
        w(f"- fix safety (`--fix-safety`): {fix_summary or f'{len(fix_problems)} problems'}")
    w("")
    w("## Findings per rule")
    w("")
    if training:
        w(
            "| rule | findings | per 100k lines | true bug | harmless | false positive "
            "| FP per 100k lines | unclassified |"
        )
        w("|---|---|---|---|---|---|---|---|")
    else:
        w("| rule | findings | per 100k lines | true bug | harmless | false positive |")
        w("|---|---|---|---|---|---|")
    for code, n in sorted(by_rule.items()):
        v = Counter(
            classification.get(finding_key(f), {}).get("verdict", "unclassified")
            for f in findings
            if f["code"] == code
        )
        row = (
            f"| {code} | {n} | {n * per100k:.2f} | {v['true-bug']} | {v['harmless']} | "
            f"{v['false-positive']} |"
        )
        if training:
            row += f" {v['false-positive'] * per100k:.2f} | {v['unclassified']} |"
        w(row)
    if training:
        w(
            f"| **all** | {len(findings)} | {len(findings) * per100k:.2f} | "
            f"{verdicts['true-bug']} | {verdicts['harmless']} | {fps} | {fps * per100k:.2f} | "
            f"{verdicts['unclassified']} |"
        )
    w("")
    w("## Per repository" if training else "## Per package")
    w("")
    w(f"| {'repository' if training else 'package'} | files | lines | findings | LF900 | crashes |")
    w("|---|---|---|---|---|---|")
    for name, rs in sorted(packages.items()):
        w(
            f"| {name} | {len(rs)} | {sum(r.lines for r in rs):,} | "
            f"{sum(len(r.findings) for r in rs)} | {sum(1 for r in rs if r.lf900)} | "
            f"{sum(len(r.crashes) for r in rs)} |"
        )
    w("")
    w("## Crashes")
    w("")
    if not crashes:
        w("None.")
    for path, text in crashes:
        w(f"- `{path}`:")
        w("")
        w("  ```")
        for line in text.splitlines()[-12:]:
            w(f"  {line}")
        w("  ```")
    w("")
    w("## LF900 (syntax errors)")
    w("")
    w(
        "LF900 must be reported exactly for the files CPython's `ast` rejects "
        f"(Python {platform.python_version()})."
    )
    w("")
    if not lf900 and not disagree:
        w("None: every file parses, and lossflint agrees.")
    for r in lf900:
        w(f"- `{r.path}`: {'; '.join(r.lf900)} (ast: {r.ast_error or 'accepts'})")
    for r in disagree:
        if r.notebook:
            w(
                f"- **disagreement** `{r.path}`: LF900 in cells {sorted(set(r.lf900_cells))}, "
                f"ast rejects cells {sorted(set(r.ast_bad_cells))} ({r.ast_error or 'accepts'})"
            )
            continue
        w(
            f"- **disagreement** `{r.path}`: LF900 {r.lf900 or 'absent'}, "
            f"ast {r.ast_error or 'accepts'}"
        )
    if fix_problems:
        w("")
        w("## Fix safety problems")
        w("")
        for p in fix_problems:
            w(f"- {_md_cell(p)}")
    fp_entries = [
        (f, classification[finding_key(f)])
        for f in findings
        if classification.get(finding_key(f), {}).get("verdict") == "false-positive"
    ]
    w("")
    w("## False positives")
    w("")
    if not fp_entries:
        w("None.")
    for f, c in fp_entries:
        w(f"### {f['code']} at `{_where(f)}`")
        w("")
        w(c.get("reason", ""))
        if c.get("reproducer"):
            w("")
            w("Minimal reproducer (should produce no finding):")
            w("")
            w("```python")
            w(c["reproducer"].rstrip("\n"))
            w("```")
        w("")
    w("")
    w("## Every finding")
    w("")
    w("| location | rule | message | verdict | reason |")
    w("|---|---|---|---|---|")

    def order(f: dict[str, Any]) -> tuple[str, str, int, int, int]:
        return (f["code"], f["path"], f.get("cell") or 0, f["row"], f["column"])

    for f in sorted(findings, key=order):
        c = classification.get(finding_key(f), {})
        w(
            f"| `{_where(f)}` | {f['code']} | {_md_cell(f['message'])} "
            f"| {c.get('verdict', '**unclassified**')} | {_md_cell(c.get('reason', ''))} |"
        )
    return "\n".join(out) + "\n", stats


# --- main --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus",
        choices=sorted(CORPORA),
        default="library",
        help="which corpus: its report and verdict files (default: library)",
    )
    parser.add_argument(
        "--src", type=Path, help="an unpacked corpus (one folder per package or repository)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--no-prefilter",
        action="store_true",
        help="run every rule on every file (the CLI skips files its pre-filter rules out)",
    )
    parser.add_argument("--limit", type=int, help="only the first N files (a smoke run)")
    parser.add_argument(
        "--revision",
        help="the lossflint revision to name in the report (default: this checkout's git HEAD;"
        " give it when lossflint is imported from elsewhere, e.g. PYTHONPATH=<snapshot>)",
    )
    parser.add_argument("--fix-safety", action="store_true", help="also check --fix on a copy")
    parser.add_argument("--no-write", action="store_true", help="do not write the .md file")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    parser.add_argument(
        "--from-json", type=Path, help="re-render the report from a previous --json (no linting)"
    )
    args = parser.parse_args(argv)

    corpus = CORPORA[args.corpus]
    if not args.from_json and args.src is None and not corpus.downloads:
        parser.error(f"--corpus {corpus.name} needs --src (the unpacked repositories)")
    if args.src is not None and not args.src.is_dir():
        parser.error(f"--src {args.src}: not a folder")
    classification = load_classification(corpus.classification)
    start = time.perf_counter()
    if args.from_json:
        raw = json.loads(args.from_json.read_text())
        if raw.get("corpus", "library") != corpus.name:
            parser.error(f"{args.from_json} is a run of the {raw.get('corpus', 'library')} corpus")
        results = [FileResult(**r) for r in raw["results"]]
        seconds = raw["seconds"]
        src = Path(raw["src"])
        started, head = raw.get("started", ""), args.revision or raw.get("head", "")
    else:
        started, head = _now(), args.revision or _git_head()
        src = (args.src or fetch()).resolve()
        files = corpus_files(src, corpus.notebooks)
        if args.limit:
            files = files[: args.limit]
        work = [
            (
                str(p),
                p.relative_to(src).as_posix(),
                p.relative_to(src).parts[0],
                corpus.classify_lf900,
            )
            for p in files
        ]
        print(f"linting {len(work)} files with {args.jobs} processes ...", file=sys.stderr)
        results = []
        with Pool(args.jobs, initializer=_init_worker, initargs=(not args.no_prefilter,)) as pool:
            for i, r in enumerate(pool.imap_unordered(check_file, work, chunksize=4), 1):
                results.append(r)
                if r.crashes:
                    print(f"CRASH {r.path}: {r.crashes[0].splitlines()[0]}", file=sys.stderr)
                if i % 250 == 0:
                    print(
                        f"  {i}/{len(work)} files, {time.perf_counter() - start:.0f}s",
                        file=sys.stderr,
                    )
        results.sort(key=lambda r: r.path)
        seconds = time.perf_counter() - start
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "corpus": corpus.name,
                    "src": str(src),
                    "seconds": seconds,
                    "started": started,
                    "head": head,
                    "results": [asdict(r) for r in results],
                }
            )
        )
    fix_problems: list[str] | None = None
    fix_summary = ""
    if args.from_json and "fix_problems" in raw:
        fix_problems, fix_summary = raw["fix_problems"], raw.get("fix_summary", "")
    if args.fix_safety:
        fixable = sorted({f["path"] for r in results for f in r.findings if f["fixable"]})
        controls = [r.path for r in results if not r.findings and not r.lf900][::97][:40]
        fix_problems, fix_summary = fix_safety(src, fixable, controls)
        if args.json:
            saved = json.loads(args.json.read_text())
            saved.update(fix_problems=fix_problems, fix_summary=fix_summary)
            args.json.write_text(json.dumps(saved))
    text, stats = summarise(
        results, seconds, classification, fix_problems, fix_summary, started, head, corpus
    )
    if not args.no_write:
        corpus.findings_md.write_text(text, encoding="utf-8")
    slowest = sorted(results, key=lambda r: -r.seconds)[:5]
    print(json.dumps(stats, indent=2))
    print("slowest: " + ", ".join(f"{r.path} {r.seconds:.1f}s" for r in slowest), file=sys.stderr)
    bad = stats["crashes"] or stats["lf900_disagreements"] or (fix_problems or [])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
