"""What lossflint reads, runs and writes (issue 12, part A).

- discovery never runs a command the linted tree configures (``git`` runs
  ``core.fsmonitor``): ``.gitignore`` is matched in-process, with git's
  semantics (checked against ``git check-ignore`` itself when git is there);
- a symlinked file leading out of the tree is neither read nor written;
- the cache never hides the project (``--cache-dir .``) and never serves a
  damaged entry;
- odd paths (names that are not UTF-8, unreadable folders, symlink loops,
  FIFOs, devices) and other people's broken ``pyproject.toml`` are one line
  each, never a traceback or a hang.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lossflint.cache import (
    FIELD_DECODERS,
    ResultCache,
    check_cache_folder,
    diagnostic_from_json,
)
from lossflint.config import ConfigError, Settings, resolve_settings
from lossflint.diagnostics import Diagnostic
from lossflint.discovery import discover, is_inside
from lossflint.linter import RuleSet
from lossflint.parallel import run_files
from lossflint.runner import NotRegularFile, lint_file, read_regular_file

BUG = "import torch.nn.functional as F\nprobs = F.softmax(logits)\n"
LOG_BUG = "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n"
FIXED = "import torch\nlp = torch.log_softmax(x, dim=1)\n"
BUG_LINE = (
    "bug.py:2:9: LF110 `softmax` without `dim`: the axis is guessed from the input's rank "
    "(dim 0 for 1-D/3-D inputs); pass `dim=` explicitly"
)

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def lossflint(*args: str, cwd: Path, timeout: float = 60, preexec_fn=None):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "lossflint", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


def _git_env(home: Path) -> dict[str, str]:
    """git without the user's global config or excludes."""
    env = dict(os.environ)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home), GIT_CONFIG_NOSYSTEM="1")
    return env


def _git(*args: str, cwd: Path, home: Path, stdin: str | None = None) -> str:
    assert GIT is not None
    proc = subprocess.run(
        [GIT, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=_git_env(home),
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _found(root: Path, settings: Settings | None = None, *paths: str) -> list[str]:
    settings = settings or Settings(root=root)
    found = discover(list(paths) or [str(root)], settings)
    assert found.errors == []
    return [p.resolve().relative_to(root.resolve()).as_posix() for p in found.files]


# --- 1. no command from the tree ---------------------------------------------------


@needs_git
@pytest.mark.parametrize(
    "args",
    [
        (".",),
        ("--isolated", "."),
        ("--force-exclude", "a.py", "ignored.py"),
        ("--isolated", "--force-exclude", "--no-cache", "a.py", "ignored.py"),
    ],
)
def test_fsmonitor_of_the_linted_repo_is_never_run(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Regression: discovery ran ``git check-ignore`` in the tree, and git ran
    the repository's ``core.fsmonitor`` command (an unpacked archive with a
    ``.git/`` is enough to run code on ``lossflint check .``)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    marker = tmp_path / "pwned"
    _git("init", "-q", cwd=repo, home=tmp_path)
    _git("config", "core.fsmonitor", f"touch {marker}; false", cwd=repo, home=tmp_path)
    _write(repo, {"a.py": LOG_BUG, "ignored.py": LOG_BUG, ".gitignore": "ignored.py\n"})
    proc = lossflint(*args, cwd=repo)
    assert not marker.exists(), "lossflint ran a command configured by the linted repo"
    assert proc.returncode == 1, proc.stderr
    # the ignore rules still apply
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == ["a.py"]


#: standard-library names a repository's top level may hold (``json.py``,
#: ``select.py`` for feature selection, ``random.py``): modules the tool, its
#: dependencies or its worker processes import after start-up
SHADOWED = ("json", "ast", "tokenize", "bisect", "random", "select", "tempfile", "hashlib", "queue")


@pytest.mark.parametrize("args", [("--no-cache", "."), ("--no-cache", "--jobs", "2", ".")])
def test_modules_of_the_linted_tree_are_never_imported(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    """Regression: ``python -m lossflint`` puts the working directory first on
    ``sys.path``; run from a repository holding ``json.py`` or ``tokenize.py``,
    the tool imported (ran) them in place of the standard library's."""
    repo = tmp_path / "repo"
    marker = tmp_path / "pwned"
    code = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    _write(repo, {f"{name}.py": code for name in SHADOWED})
    _write(repo, {f"m{i}.py": LOG_BUG for i in range(8)})
    proc = lossflint(*args, cwd=repo)
    assert not marker.exists(), f"lossflint imported the tree's {marker.read_text().split()}"
    assert proc.returncode == 1, proc.stderr
    assert sorted({line.split(":")[0] for line in proc.stdout.splitlines() if ":" in line}) == [
        f"m{i}.py" for i in range(8)
    ]


def test_discovery_has_no_subprocess(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not git, not anything: discovery starts no process at all."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"discovery started a process: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    (tmp_path / ".git").mkdir()
    _write(tmp_path, {"a.py": BUG, "b.py": BUG, ".gitignore": "b.py\n"})
    assert _found(tmp_path) == ["a.py"]
    found = discover([str(tmp_path / "b.py")], Settings(root=tmp_path), force_exclude=True)
    assert found.files == []


# --- 1. gitignore semantics --------------------------------------------------------

ROOT_IGNORE = """\
# a comment, then a blank line

*.log.py
build/
/top.py
docs/*.py
!docs/keep.py
out/
!out/keep.py
**/gen_*.py
cache.py/
imp*.py
\\#hash.py
"""
ROOT_IGNORE += "trailing.py   \n"  # unescaped trailing spaces are not part of the pattern

SEMANTICS_TREE = {
    ".gitignore": ROOT_IGNORE,
    "sub/.gitignore": "local.py\n!important.py\n/anchored.py\n",
    "sub/deeper/.gitignore": "!x.log.py\n",
    "a.py": "",
    "top.py": "",
    "sub/top.py": "",
    "x.log.py": "",
    "sub/deeper/x.log.py": "",
    "build/b.py": "",
    "sub/build/b.py": "",
    "build.py": "",
    "docs/d.py": "",
    "docs/keep.py": "",
    "docs/inner/d.py": "",
    "out/keep.py": "",
    "out/o.py": "",
    "gen_a.py": "",
    "sub/gen_b.py": "",
    "cache.py": "",
    "important.py": "",
    "sub/important.py": "",
    "local.py": "",
    "sub/local.py": "",
    "sub/anchored.py": "",
    "sub/deeper/anchored.py": "",
    "excluded.py": "",
    "sub/excluded.py": "",
    "#hash.py": "",
    "trailing.py": "",
}

#: what git lists as not ignored (checked against git below when it is there)
SEMANTICS_KEPT = [
    "a.py",
    "build.py",
    "cache.py",  # "cache.py/" only matches a folder
    "docs/inner/d.py",  # "docs/*.py" has a slash: anchored, one level
    "docs/keep.py",  # re-included
    "local.py",  # sub/.gitignore applies below sub only
    "sub/deeper/anchored.py",  # "/anchored.py" in sub/ is anchored to sub/
    "sub/deeper/x.log.py",  # re-included by the deeper file
    "sub/important.py",  # "imp*.py" above, "!important.py" deeper wins
    "sub/top.py",  # "/top.py" is anchored to the root
]


@pytest.fixture
def semantics_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    _write(repo, SEMANTICS_TREE)
    (repo / ".git" / "info").mkdir(parents=True)
    (repo / ".git" / "info" / "exclude").write_text("excluded.py\n")
    return repo


def test_gitignore_semantics(semantics_repo: Path) -> None:
    assert _found(semantics_repo) == SEMANTICS_KEPT


@needs_git
def test_gitignore_semantics_agree_with_git(semantics_repo: Path, tmp_path: Path) -> None:
    shutil.rmtree(semantics_repo / ".git")
    _git("init", "-q", cwd=semantics_repo, home=tmp_path)
    (semantics_repo / ".git" / "info").mkdir(exist_ok=True)
    (semantics_repo / ".git" / "info" / "exclude").write_text("excluded.py\n")
    candidates = sorted(n for n in SEMANTICS_TREE if n.endswith(".py"))
    out = _git(
        "check-ignore",
        "--no-index",
        "--stdin",
        cwd=semantics_repo,
        home=tmp_path,
        stdin="\n".join(candidates) + "\n",
    )
    kept_by_git = sorted(set(candidates) - set(out.splitlines()))
    assert kept_by_git == SEMANTICS_KEPT
    assert _found(semantics_repo) == kept_by_git


def test_gitignore_of_parent_folders_applies_to_a_walked_subfolder(semantics_repo: Path) -> None:
    settings = Settings(root=semantics_repo)
    assert _found(semantics_repo, settings, str(semantics_repo / "sub")) == [
        "sub/deeper/anchored.py",
        "sub/deeper/x.log.py",
        "sub/important.py",
        "sub/top.py",
    ]
    # a named folder that is itself ignored: nothing in it (as with git before)
    assert _found(semantics_repo, settings, str(semantics_repo / "build")) == []


def test_an_ignored_folder_is_not_entered(tmp_path: Path) -> None:
    """Nothing below an ignored folder can be re-included, and its
    ``.gitignore`` is not read."""
    (tmp_path / ".git").mkdir()
    _write(
        tmp_path,
        {
            ".gitignore": "out/\n!out/keep.py\n",
            "out/.gitignore": "!*\n",
            "out/keep.py": "",
            "a.py": "",
        },
    )
    assert _found(tmp_path) == ["a.py"]


def test_gitignore_only_inside_a_repository(tmp_path: Path) -> None:
    """Outside a repository (no ``.git`` above), ``.gitignore`` means nothing
    to git, and nothing to lossflint."""
    _write(tmp_path, {".gitignore": "b.py\n", "a.py": "", "b.py": ""})
    assert _found(tmp_path) == ["a.py", "b.py"]


def test_nested_repository_has_its_own_rules(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "inner" / ".git" / "info").mkdir(parents=True)
    (tmp_path / "inner" / ".git" / "info" / "exclude").write_text("x.py\n")
    _write(
        tmp_path,
        {
            ".gitignore": "/inner/y.py\n",
            "inner/.gitignore": "z.py\n",
            "inner/x.py": "",
            "inner/y.py": "",
            "inner/z.py": "",
            "x.py": "",
        },
    )
    assert _found(tmp_path) == ["inner/y.py", "x.py"]


def test_worktree_gitdir_file_info_exclude(tmp_path: Path) -> None:
    """``.git`` may be a file (``gitdir: ...``, a worktree or submodule)."""
    gitdir = tmp_path / "store" / "worktrees" / "w"
    gitdir.mkdir(parents=True)
    (gitdir / "commondir").write_text("../..\n")
    (tmp_path / "store" / "info").mkdir()
    (tmp_path / "store" / "info" / "exclude").write_text("b.py\n")
    work = tmp_path / "work"
    _write(work, {".git": f"gitdir: {gitdir}\n", "a.py": "", "b.py": ""})
    assert _found(work) == ["a.py"]


def test_respect_gitignore_false_and_force_exclude(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _write(tmp_path, {".gitignore": "b.py\nsub/\n", "a.py": "", "b.py": "", "sub/c.py": ""})
    assert _found(tmp_path, Settings(root=tmp_path, respect_gitignore=False)) == [
        "a.py",
        "b.py",
        "sub/c.py",
    ]
    settings = Settings(root=tmp_path)
    named = [str(tmp_path / "b.py"), str(tmp_path / "sub" / "c.py"), str(tmp_path / "a.py")]
    # named files are linted, ignored or not, unless --force-exclude
    assert len(discover(named, settings).files) == 3
    assert [p.name for p in discover(named, settings, force_exclude=True).files] == ["a.py"]


def test_odd_gitignore_lines_do_not_void_the_file(tmp_path: Path) -> None:
    """A line git skips (a lone ``!``, a trailing backslash) leaves the rest."""
    (tmp_path / ".git").mkdir()
    _write(tmp_path, {".gitignore": "!\nb.py\nc\\\n", "a.py": "", "b.py": ""})
    assert _found(tmp_path) == ["a.py"]


def test_symlinked_gitignore_is_not_followed(tmp_path: Path) -> None:
    """As git does (since 2.32): a ``.gitignore`` symlink is not read."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    _write(repo, {"a.py": ""})
    (tmp_path / "rules").write_text("*\n")
    (repo / ".gitignore").symlink_to(tmp_path / "rules")
    assert _found(repo) == ["a.py"]


# --- 2. symlinks out of the tree ----------------------------------------------------


@pytest.fixture
def escaping(tmp_path: Path) -> Path:
    """``tree/link.py`` -> ``elsewhere/victim.py`` (outside ``tree``)."""
    _write(tmp_path, {"elsewhere/victim.py": LOG_BUG, "tree/bug.py": BUG})
    (tmp_path / "tree" / "link.py").symlink_to(tmp_path / "elsewhere" / "victim.py")
    return tmp_path


def test_symlink_out_of_the_tree_is_neither_read_nor_fixed(escaping: Path) -> None:
    """Regression: the target was linted, and ``--fix`` rewrote it."""
    tree = escaping / "tree"
    proc = lossflint("--isolated", "--no-cache", ".", cwd=tree)
    assert (proc.returncode, proc.stdout.splitlines()) == (1, [BUG_LINE])
    assert proc.stderr.splitlines()[0] == (
        "lossflint: warning: skipping link.py: symlink to a file outside the tree"
    )
    proc = lossflint("--isolated", "--fix", ".", cwd=tree)
    assert "Traceback" not in proc.stderr
    assert (escaping / "elsewhere" / "victim.py").read_text() == LOG_BUG


def test_symlink_named_on_the_command_line_is_read(escaping: Path) -> None:
    proc = lossflint("--isolated", "--no-cache", "link.py", cwd=escaping / "tree")
    assert proc.returncode == 1
    assert proc.stdout.startswith("link.py:2:6: LF201")


def test_symlink_inside_the_project_is_read(escaping: Path) -> None:
    """A link to a file elsewhere in the project (the folder of the config)
    is inside the tree, even when only a subfolder is walked."""
    _write(escaping, {"pyproject.toml": "[tool.lossflint]\n", "tree/sub/x.py": ""})
    (escaping / "tree" / "sub" / "shared.py").symlink_to(escaping / "tree" / "bug.py")
    settings = resolve_settings([str(escaping / "tree" / "sub")], None, False)
    found = discover([str(escaping / "tree" / "sub")], settings)
    assert sorted(p.name for p in found.files) == ["shared.py", "x.py"]
    assert found.warnings == []
    # the project root bounds it: elsewhere/ is inside the project too
    found = discover([str(escaping / "tree")], settings)
    assert sorted(p.name for p in found.files) == ["bug.py", "link.py", "shared.py", "x.py"]


def test_is_inside(escaping: Path) -> None:
    tree = escaping / "tree"
    assert is_inside(tree / "bug.py", tree)
    assert is_inside(tree, tree)
    assert not is_inside(tree / "link.py", tree)
    assert is_inside(tree / "link.py", escaping)
    (tree / "loop.py").symlink_to("loop.py")
    assert not is_inside(tree / "loop.py", tree)


# --- 5. the cache folder -------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _write(tmp_path, {"bug.py": BUG, "pkg/mod.py": "x = 1\n"})
    return tmp_path


@pytest.mark.parametrize("where", ["option", "config"])
def test_cache_dir_dot_is_refused_and_does_not_hide_the_project(project: Path, where: str) -> None:
    """Regression: the cache's ``.gitignore`` (``*``) landed in the project and
    the next run checked 0 files with exit 0."""
    (project / ".git").mkdir()
    if where == "option":
        args: tuple[str, ...] = ("--cache-dir", ".", ".")
        expected = "lossflint: error: --cache-dir "
    else:
        (project / "pyproject.toml").write_text('[tool.lossflint]\ncache-dir = "."\n')
        args = (".",)
        expected = "lossflint: error: cache-dir "
    proc = lossflint(*args, cwd=project)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(expected) and proc.stderr.count("\n") == 1
    assert "is the project folder" in proc.stderr
    assert not (project / ".gitignore").exists()
    assert not (project / "CACHEDIR.TAG").exists()
    proc = lossflint("--no-cache", ".", cwd=project)
    assert proc.stdout.splitlines() == [BUG_LINE]


def test_cache_dir_above_the_project_or_holding_sources_is_refused(project: Path) -> None:
    proc = lossflint("--cache-dir", "..", ".", cwd=project)
    assert proc.returncode == 2 and "is above the project folder" in proc.stderr
    proc = lossflint("--cache-dir", "pkg", ".", cwd=project)
    assert proc.returncode == 2 and "holds Python sources" in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert not (project / "pkg" / ".gitignore").exists()
    settings = Settings(root=project, cache_dir="pkg")
    with pytest.raises(ConfigError):
        check_cache_folder(settings)
    with pytest.raises(ConfigError, match="is not a folder"):
        check_cache_folder(Settings(root=project, cache_dir="bug.py"))
    assert check_cache_folder(Settings(root=project)) == project / ".lossflint_cache"


def test_existing_folder_not_made_by_lossflint_is_not_marked(project: Path) -> None:
    (project / "mine").mkdir()
    (project / "mine" / "notes.txt").write_text("keep\n")
    proc = lossflint("--cache-dir", "mine", ".", cwd=project)
    assert proc.returncode == 1, proc.stderr
    names = sorted(p.name for p in (project / "mine").iterdir())
    assert names[0] == "notes.txt" and names[1].startswith("results-") and len(names) == 2
    # a folder it made is marked, as before
    proc = lossflint("--cache-dir", "made/here", ".", cwd=project)
    assert proc.returncode == 1
    assert (project / "made" / "here" / ".gitignore").is_file()
    assert not (project / "made" / ".gitignore").exists()


def test_cache_markers_are_not_written_through_a_symlink(project: Path, tmp_path: Path) -> None:
    """A tree may ship its own ``.lossflint_cache`` with a dangling
    ``.gitignore`` symlink: lossflint must not create the target."""
    cache = project / ".lossflint_cache"
    cache.mkdir()
    (cache / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by lossflint.\n"
    )
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    (cache / ".gitignore").symlink_to(outside)
    proc = lossflint(".", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert not outside.exists()


def test_nul_byte_in_cache_dir_is_one_line(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.lossflint]\ncache-dir = "a\\u0000b"\n')
    proc = lossflint(".", cwd=project)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("lossflint: error: 'cache-dir' must be a non-empty path")
    assert proc.stderr.count("\n") == 1


# --- 8. corrupt cache entries ------------------------------------------------------


def _cached_run(root: Path):  # type: ignore[no-untyped-def]
    settings = Settings(root=root)
    cache = ResultCache.for_settings(settings)
    files = sorted(root.glob("*.py"))
    result = run_files(files, settings, jobs=1, cache=cache, use_prefilter=False)
    rows = [(Path(d.filename).name, d.code, d.location.row, d.message) for d in result.diagnostics]
    return rows, cache


@pytest.fixture
def cached(project: Path) -> Path:
    (project / "other.py").write_text(LOG_BUG)
    return project


def _rewrite(cache: ResultCache, change) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(cache.path.read_text())
    change(data["files"])
    cache.path.write_text(json.dumps(data))


def _first_diag(files: dict, name: str) -> dict:  # type: ignore[type-arg]
    key = next(k for k in files if k.endswith(os.sep + name))
    return files[key]["diagnostics"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: d["location"].update(row=True), id="bool-row"),
        pytest.param(lambda d: d["location"].update(row=1.0), id="float-row"),
        pytest.param(lambda d: d["location"].update(row="1"), id="string-row"),
        pytest.param(lambda d: d["location"].update(row=-4), id="negative-row"),
        pytest.param(lambda d: d.update(message=["x"]), id="list-message"),
        pytest.param(lambda d: d.update(code="<script>"), id="not-a-code"),
        pytest.param(lambda d: d.update(extra=1), id="extra-key"),
        pytest.param(lambda d: d.update(related="ab"), id="string-related"),
        pytest.param(lambda d: d.update(fix={"applicability": "safe"}), id="partial-fix"),
        pytest.param(lambda d: d.update(cell=False), id="bool-cell"),
    ],
)
def test_damaged_entry_is_recomputed_never_served(cached: Path, damage) -> None:  # type: ignore[no-untyped-def]
    """Regression: a damaged entry whose values could be coerced (``True`` as
    a row, a list as a message) was served as a diagnostic."""
    expected, cache = _cached_run(cached)
    _rewrite(cache, lambda files: damage(_first_diag(files, "other.py")))
    rows, cache = _cached_run(cached)
    assert rows == expected
    assert (cache.hits, cache.misses) == (1, 1)
    # and it was rewritten: the next run is all hits
    rows, cache = _cached_run(cached)
    assert rows == expected and (cache.hits, cache.misses) == (2, 0)


def test_deeply_nested_cache_file_is_ignored(cached: Path) -> None:
    """Regression: ``RecursionError`` from ``json.load`` was not caught."""
    expected, cache = _cached_run(cached)
    depth = 200_000
    cache.path.write_text('{"format": 1, "files": {"x": ' + "[" * depth + "]" * depth + "}}")
    rows, cache = _cached_run(cached)
    assert rows == expected and cache.misses == 2


@pytest.mark.parametrize(
    "garbage",
    [
        lambda files, mod: files.update({"/a\0b.py": {"sha256": "0", "diagnostics": []}}),
        lambda files, mod: files.update({mod: {"sha256": 1, "diagnostics": []}}),
        lambda files, mod: files.update({mod: []}),
        lambda files, mod: files.update({mod: {"sha256": "0", "diagnostics": {"a": 1}}}),
    ],
    ids=["nul-in-key", "int-sha", "list-entry", "dict-diagnostics"],
)
def test_entries_of_the_wrong_shape_are_dropped(cached: Path, garbage) -> None:  # type: ignore[no-untyped-def]
    """An entry of another file (still there, not linted in this run) that is
    not what lossflint writes is dropped, not carried over forever."""
    expected, cache = _cached_run(cached)
    mod = str(cached / "pkg" / "mod.py")
    _rewrite(cache, lambda files: garbage(files, mod))
    (cached / "bug.py").write_text(BUG + "\n")  # something new: the file is rewritten
    rows, cache = _cached_run(cached)
    assert rows == expected
    data = json.loads(cache.path.read_text())
    assert mod not in data["files"]
    assert all("\0" not in k and isinstance(v["sha256"], str) for k, v in data["files"].items())


def test_truncated_cache_file_is_ignored(cached: Path) -> None:
    expected, cache = _cached_run(cached)
    text = cache.path.read_text()
    for cut in (1, len(text) // 2, len(text) - 1):
        cache.path.write_text(text[:cut])
        rows, _ = _cached_run(cached)
        assert rows == expected


def test_every_diagnostic_field_has_a_cache_decoder() -> None:
    """A field added to ``Diagnostic`` must be taught to the cache, or every
    entry would be a miss (never a wrong hit)."""
    names = {f.name for f in dataclasses.fields(Diagnostic)} - {"filename"}
    assert names <= set(FIELD_DECODERS)


def test_diagnostic_from_json_is_strict() -> None:
    good: dict[str, object] = {
        "code": "LF110",
        "name": "n",
        "message": "m",
        "severity": "error",
        "location": {"row": 1, "column": 1},
        "end_location": {"row": 1, "column": 2},
        "fix": None,
        "related": [],
        "statement_row": None,
        "cell": None,
        "assumed": [],
        "defers": False,
    }
    fields = {f.name for f in dataclasses.fields(Diagnostic)}
    good = {k: v for k, v in good.items() if k in fields}
    assert diagnostic_from_json(good, "x.py").location.row == 1
    for key, bad in [("severity", "fatal"), ("statement_row", 0), ("name", None), ("defers", 1)]:
        with pytest.raises(ValueError):
            diagnostic_from_json({**good, key: bad}, "x.py")


# --- 8. odd paths and foreign config files -------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "bug.py").write_text(BUG)
    return tmp_path


def test_file_name_that_is_not_utf8(tree: Path) -> None:
    """Regression: a traceback (UnicodeEncodeError) on a name with byte 0xff."""
    os.close(os.open(os.path.join(os.fsencode(tree), b"\xff.py"), os.O_CREAT | os.O_WRONLY))
    os.mkdir(os.path.join(os.fsencode(tree), b"d\xfe"))
    proc = lossflint("--isolated", "--no-cache", ".", cwd=tree)
    assert (proc.returncode, proc.stdout.splitlines()) == (1, [BUG_LINE])
    assert proc.stderr.splitlines()[:2] == [
        "lossflint: warning: skipping folder d\\xfe: the name is not valid UTF-8",
        "lossflint: warning: skipping \\xff.py: the name is not valid UTF-8",
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--isolated", b"\xff.py", "bug.py"],
        cwd=tree,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    assert proc.stderr.startswith(b"lossflint: warning: skipping \\xff.py: the name is not valid")


def _drop_capabilities() -> None:
    from tests.test_bad_input import _drop_file_permission_override

    _drop_file_permission_override()


def _unreadable_folder(folder: Path):  # type: ignore[no-untyped-def]
    folder.chmod(0)
    if os.geteuid() != 0:
        return None
    if not sys.platform.startswith("linux"):
        pytest.skip("root on a non-Linux system reads any folder")
    probe = subprocess.run(
        [sys.executable, "-c", f"import os; os.listdir({str(folder)!r})"],
        preexec_fn=_drop_capabilities,
        capture_output=True,
    )
    if probe.returncode == 0:
        pytest.skip("cannot drop the capabilities that let root read a mode-000 folder")
    return _drop_capabilities


def test_unreadable_subfolder_is_a_warning(tree: Path) -> None:
    _write(tree, {"locked/x.py": LOG_BUG})
    preexec = _unreadable_folder(tree / "locked")
    try:
        proc = lossflint("--isolated", "--no-cache", ".", cwd=tree, preexec_fn=preexec)
    finally:
        (tree / "locked").chmod(0o755)
    assert (proc.returncode, proc.stdout.splitlines()) == (1, [BUG_LINE]), proc.stderr
    assert proc.stderr.splitlines()[0] == (
        "lossflint: warning: skipping folder locked: Permission denied"
    )


def test_symlink_loop_as_the_first_path(tree: Path) -> None:
    """Regression: ``RuntimeError: Symlink loop`` from ``find_config``."""
    (tree / "loop").symlink_to("loop")
    proc = lossflint("loop", "bug.py", cwd=tree)
    assert (proc.returncode, proc.stdout.splitlines()) == (1, [BUG_LINE])
    assert proc.stderr.splitlines()[0] == (
        "lossflint: warning: skipping loop: Too many levels of symbolic links"
    )
    (tree / "dangling").symlink_to("nowhere")
    proc = lossflint("dangling", "bug.py", cwd=tree)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == "lossflint: warning: skipping dangling: broken symlink"


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe[tool]\n", b'tool = "x"\n', b"[tool\n", b"[project]\nname = '\xe9'\n"],
    ids=["utf16-bom", "tool-not-a-table", "broken", "latin1"],
)
def test_foreign_broken_pyproject_above_is_skipped(tree: Path, content: bytes) -> None:
    """Regression: any undecodable ``pyproject.toml`` above the files was a
    traceback (``tool = "x"`` too), though it may not be ours at all."""
    (tree / "pyproject.toml").write_bytes(content)
    (tree / "src").mkdir()
    (tree / "src" / "bug.py").write_text(BUG)
    proc = lossflint("--no-cache", ".", cwd=tree / "src")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stdout.splitlines() == [BUG_LINE]
    warning = proc.stderr.splitlines()[0]
    assert warning.startswith(
        f"lossflint: warning: {'' if b'tool =' in content else 'cannot parse '}"
    )
    assert warning.endswith("; skipped (it holds no lossflint settings)")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[tool.lossflint]\nselect = ['\xff']\n", "cannot parse "),
        (b'tool = "lossflint"\n', "'tool' must be a table in "),
        (b"[tool.lossflint\n", "cannot parse "),
    ],
)
def test_our_broken_pyproject_is_an_error(tree: Path, content: bytes, message: str) -> None:
    (tree / "pyproject.toml").write_bytes(content)
    proc = lossflint(".", cwd=tree)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("lossflint: error: " + message)
    assert proc.stderr.count("\n") == 1


# --- 9. special files ----------------------------------------------------------------


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail instead of hanging if a read blocks."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("blocked reading a special file")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_device_named_on_the_command_line(tree: Path) -> None:
    """Regression: a FIFO blocked forever; a link to ``/dev/zero`` ran out of memory."""
    os.mkfifo(tree / "pipe.py")
    (tree / "zero.py").symlink_to("/dev/zero")
    proc = lossflint("--isolated", "pipe.py", "zero.py", "bug.py", cwd=tree, timeout=30)
    assert (proc.returncode, proc.stdout.splitlines()) == (1, [BUG_LINE])
    assert proc.stderr.splitlines()[:2] == [
        "lossflint: warning: skipping pipe.py: not a regular file",
        "lossflint: warning: skipping zero.py: not a regular file",
    ]
    # found in a folder: not a source file, silently not linted
    proc = lossflint("--isolated", ".", cwd=tree, timeout=30)
    assert (proc.returncode, proc.stdout.splitlines()) == (1, [BUG_LINE])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_reading_a_special_file_never_blocks(tree: Path, alarm: None) -> None:
    """The last guard, for a file replaced by a FIFO after discovery."""
    os.mkfifo(tree / "pipe.py")
    with pytest.raises(NotRegularFile):
        read_regular_file(tree / "pipe.py")
    with pytest.raises(NotRegularFile):
        read_regular_file(Path("/dev/zero"))
    assert read_regular_file(tree / "bug.py") == BUG.encode()
    ruleset = RuleSet(Settings().enabled_codes(), {})
    result = lint_file(tree / "pipe.py", ruleset, Settings(root=tree))
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("LF900", "cannot read file: not a regular file")
    ]


def test_config_cannot_send_the_cache_outside_the_project(project: Path, tmp_path: Path) -> None:
    """The config file belongs to the linted repository: its ``cache-dir`` may
    not make lossflint write elsewhere on the machine (``--cache-dir`` may)."""
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    (project / "pyproject.toml").write_text(f'[tool.lossflint]\ncache-dir = "{elsewhere}"\n')
    proc = lossflint(".", cwd=project)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "outside the project folder" in proc.stderr
    assert not elsewhere.exists()
    # a symlinked cache folder shipped with the tree is the same escape
    (project / "pyproject.toml").unlink()
    (project / ".lossflint_cache").symlink_to(elsewhere, target_is_directory=True)
    elsewhere.mkdir()
    proc = lossflint(".", cwd=project)
    assert proc.returncode == 2 and "outside the project folder" in proc.stderr
    assert list(elsewhere.iterdir()) == []
    proc = lossflint("--cache-dir", str(elsewhere), ".", cwd=project)
    assert proc.returncode == 1, proc.stderr
