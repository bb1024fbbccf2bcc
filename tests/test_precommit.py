"""The pre-commit hook, run by the real pre-commit against this checkout.

pre-commit clones this repository at its committed HEAD, creates a virtualenv
and pip-installs lossflint into it (dependencies come from the package index),
so this test takes ~20-60 s; it is kept in the suite because the hook
definition is only proven by running it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml  # pre-commit's own dependency

from tests.conftest import ROOT

pytest.importorskip("pre_commit")

BUGGY = (
    "import torch\n"
    "import torch.nn as nn\n"
    "\n"
    "model = nn.Sequential(nn.Linear(20, 5), nn.Softmax(dim=1))\n"
    "probs = model(torch.randn(8, 20))\n"
    "penalty = (probs * torch.log(probs)).sum(1).mean()\n"
)
FIXED = (
    "import torch\n"
    "import torch.nn as nn\n"
    "\n"
    "model = nn.Sequential(nn.Linear(20, 5), nn.LogSoftmax(dim=1))\n"
    "log_probs = model(torch.randn(8, 20))\n"
    "penalty = (log_probs.exp() * log_probs).sum(1).mean()\n"
)


def _git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout


def _head() -> str | None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return None
    try:
        return _git("rev-parse", "HEAD", cwd=ROOT).strip()
    except subprocess.CalledProcessError:
        return None


def test_hook_manifest():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"lossflint", "lossflint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "jupyter"]
        assert hook["pass_filenames"] is True
        assert hook["require_serial"] is False
    assert hooks["lossflint"]["entry"] == "lossflint check --force-exclude"
    assert hooks["lossflint-fix"]["entry"] == "lossflint check --force-exclude --fix"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit store for the module: the hook's virtualenv is built once."""
    return tmp_path_factory.mktemp("pre-commit-store")


def _project(tmp_path: Path, hook: str) -> Path:
    head = _head()
    if head is None:
        pytest.skip("not a git checkout")
    committed = _git("show", f"{head}:.pre-commit-hooks.yaml", cwd=ROOT)
    assert "id: lossflint" in committed, "commit .pre-commit-hooks.yaml: pre-commit clones HEAD"
    project = tmp_path / "project"
    project.mkdir()
    _git("init", "-q", cwd=project)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT.as_posix()}\n    rev: {head}\n    hooks:\n      - id: {hook}\n"
    )
    return project


def _run(project: Path, store: Path) -> subprocess.CompletedProcess[str]:
    _git("add", ".", cwd=project)
    env = {**os.environ, "PRE_COMMIT_HOME": str(store), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_pre_commit_fails_on_bug_then_passes(tmp_path: Path, store: Path):
    project = _project(tmp_path, "lossflint")
    (project / "train.py").write_text(BUGGY)
    nb_cells = [{"cell_type": "code", "source": "import torch\np = torch.log(torch.softmax(x, 1))"}]
    (project / "nb.ipynb").write_text(json.dumps({"cells": nb_cells, "nbformat": 4}))
    (project / "notes.txt").write_text("torch.log(probs) is not python here\n")

    failed = _run(project, store)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "lossflint" in failed.stdout and "Failed" in failed.stdout
    assert "train.py:6:20: LF201 log of softmax output underflows to log(0) = -inf" in failed.stdout
    assert "nb.ipynb:cell 1:2:5: LF201" in failed.stdout  # types_or: jupyter
    assert "notes.txt" not in failed.stdout

    (project / "train.py").write_text(FIXED)
    (project / "nb.ipynb").unlink()
    passed = _run(project, store)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_fix_hook_fixes_then_passes(tmp_path: Path, store: Path):
    head = _head()
    if head is None or "--fix" not in _git("show", f"{head}:lossflint/cli.py", cwd=ROOT):
        pytest.skip("`check --fix` is not committed yet")
    project = _project(tmp_path, "lossflint-fix")
    script = project / "loss.py"
    script.write_text("import torch\n\nlp = torch.log(torch.softmax(x, dim=1))\n")
    first = _run(project, store)
    # pre-commit fails a hook that modified files, even when all was fixed
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert script.read_text() == "import torch\n\nlp = torch.log_softmax(x, dim=1)\n"
    second = _run(project, store)
    assert second.returncode == 0, second.stdout + second.stderr


# --- the README's snippet, verbatim ---------------------------------------------------


def readme_snippet() -> str:
    """The ``.pre-commit-config.yaml`` block of the README's Integrations section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("**pre-commit**")
    block = text[
        text.index("```yaml", start) + len("```yaml") : text.index(
            "```", text.index("```yaml", start) + 7
        )
    ]
    return textwrap.dedent(block).lstrip("\n")


def test_readme_rev_is_the_version_and_a_tag():
    from lossflint import __version__
    from lossflint.urls import REPOSITORY

    config = yaml.safe_load(readme_snippet())
    (repo,) = config["repos"]
    assert repo["repo"] == REPOSITORY  # the repository the rule links point at too
    assert repo["rev"] == f"v{__version__}"
    if _head() is None:
        pytest.skip("not a git checkout")
    if not _has_rev(repo["rev"]):
        # a clone of the branch alone carries no tags (CI's fresh clone may be one)
        pytest.skip(f"{repo['rev']} is not in this clone (tags not fetched)")
    kind = _git("cat-file", "-t", repo["rev"], cwd=ROOT).strip()
    assert kind == "tag", f"{repo['rev']} must be an annotated tag (docs/releasing.md)"


def _has_rev(rev: str) -> bool:
    try:
        _git("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", cwd=ROOT)
    except subprocess.CalledProcessError:
        return False
    return True


def test_readme_snippet_runs_with_real_pre_commit(tmp_path: Path, store: Path):
    """The snippet as users paste it; only the URL becomes this checkout."""
    if _head() is None:
        pytest.skip("not a git checkout")
    from lossflint.urls import REPOSITORY

    snippet = readme_snippet()
    assert REPOSITORY in snippet
    project = tmp_path / "project"
    project.mkdir()
    _git("init", "-q", cwd=project)
    config = snippet.replace(REPOSITORY, ROOT.as_posix())
    rev = yaml.safe_load(snippet)["repos"][0]["rev"]
    if not _has_rev(rev):  # a clone without tags: the same snippet at this commit
        config = config.replace(
            f"rev: {rev}", f"rev: {_git('rev-parse', 'HEAD', cwd=ROOT).strip()}"
        )
    (project / ".pre-commit-config.yaml").write_text(config)
    (project / "train.py").write_text(BUGGY)
    failed = _run(project, store)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "train.py:6:20: LF201" in failed.stdout
