"""The result cache of a project run: what a warm run costs and when it re-lints.

A cached result records the content hash of every module whose summary it
used; a run where none of those bytes changed serves it without loading a
summary or parsing anything. When a dependency's bytes changed, the summaries
decide (a comment does not re-lint the importers, a changed fact does).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lossflint.cache import ResultCache
from lossflint.config import Settings
from lossflint.parallel import run_files
from lossflint.project import driver, store
from lossflint.project.driver import ProjectRun, ResultDeps
from lossflint.project.layout import Layout, Module

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "softmax_model", root)
    return root


class Spy:
    """Counts summaries loaded and computed by every store of the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loaded: list[str] = []
        self.computed: list[str] = []
        self.runs: list[ProjectRun] = []
        load, compute = store.SummaryStore._load, store.SummaryStore._compute
        run_init = ProjectRun.__init__

        def _load(this: store.SummaryStore, module: Module, *args: object) -> object:
            self.loaded.append(module.rel)
            return load(this, module, *args)  # type: ignore[arg-type]

        def _compute(this: store.SummaryStore, module: Module, *args: object) -> object:
            self.computed.append(module.rel)
            return compute(this, module, *args)  # type: ignore[arg-type]

        def init(this: ProjectRun, *args: object, **kwargs: object) -> None:
            run_init(this, *args, **kwargs)  # type: ignore[arg-type]
            self.runs.append(this)

        monkeypatch.setattr(store.SummaryStore, "_load", _load)
        monkeypatch.setattr(store.SummaryStore, "_compute", _compute)
        monkeypatch.setattr(ProjectRun, "__init__", init)

    def reset(self) -> None:
        self.loaded.clear()
        self.computed.clear()


def lint(root: Path, jobs: int = 1) -> list[str]:
    cache = ResultCache(root / ".lossflint_cache", "test")
    result = run_files([root / "train.py"], Settings(root=root), jobs=jobs, cache=cache)
    assert not result.errors
    return [f"{d.location.row}:{d.location.column} {d.code}" for d in result.diagnostics]


def test_a_warm_run_loads_no_summary(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    assert lint(root) == ["14:16 LF101", "15:23 LF101"]
    assert "models/net.py" in spy.computed
    spy.reset()
    assert lint(root) == ["14:16 LF101", "15:23 LF101"]
    # nothing changed: the modules' bytes are hashed, no summary is read or made
    assert spy.loaded == [] and spy.computed == []


def test_the_record_holds_the_bytes_of_each_dependency(root: Path) -> None:
    lint(root)
    (deps_file,) = (root / ".lossflint_cache").glob("deps-*.json")
    record = json.loads(deps_file.read_text())["files"][str(root / "train.py")]
    assert record["deps"].keys() == record["files"].keys()
    net = (root / "models" / "net.py").read_bytes()
    assert record["files"]["models/net.py"] == store.file_sha(net)


def test_a_comment_in_a_dependency_is_checked_through_its_summary(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    lint(root)
    net = root / "models" / "net.py"
    net.write_text(net.read_text() + "# a comment\n")
    spy.reset()
    assert lint(root) == ["14:16 LF101", "15:23 LF101"]
    # the changed module is re-summarised; its summary is the same, so the
    # result is served (train.py is not linted again)
    assert spy.computed == ["models/net.py"]
    spy.reset()
    assert lint(root) == ["14:16 LF101", "15:23 LF101"]
    assert spy.loaded == []  # the new bytes were recorded: warm again


def test_a_changed_fact_re_lints_the_importer(root: Path) -> None:
    assert lint(root) == ["14:16 LF101", "15:23 LF101"]
    net = root / "models" / "net.py"
    net.write_text(
        net.read_text().replace("F.softmax(self.head(hidden), dim=1)", "self.head(hidden)")
    )
    assert lint(root) == []
    assert lint(root) == []


def test_a_deleted_dependency_is_not_taken_for_unchanged(root: Path) -> None:
    assert lint(root) == ["14:16 LF101", "15:23 LF101"]
    (root / "models" / "net.py").unlink()
    assert lint(root) == []


def test_a_record_without_contents_falls_back_to_the_summaries(root: Path) -> None:
    """Records of the earlier format (deps only) stay usable."""
    folder = root / ".lossflint_cache"
    folder.mkdir()
    record = ResultDeps(folder, "ns", root)
    record.store(str(root / "train.py"), "a" * 64, {"models/net.py": "b" * 64})
    (root / "x.py").write_text("")
    record.store(str(root / "x.py"), "a" * 64, {"m.py": "b" * 64}, {"m.py": "c" * 64})
    record.store(str(root / "y.py"), "a" * 64, {"m.py": "b" * 64}, {"other.py": "c" * 64})
    record.save()
    again = ResultDeps(folder, "ns", root)
    assert again.contents(str(root / "train.py"), "a" * 64) is None
    assert again.contents(str(root / "x.py"), "a" * 64) == {"m.py": "c" * 64}
    # contents that do not cover the deps are not kept
    assert again.contents(str(root / "y.py"), "a" * 64) is None


@pytest.mark.parametrize(
    "record",
    [
        {"sha256": "a", "deps": {"m.py": "b"}, "files": {"n.py": "c"}},
        {"sha256": "a", "deps": {"m.py": "b"}, "files": {"m.py": 1}},
        {"sha256": "a", "deps": {"m.py": "b"}, "files": ["m.py"]},
        {"sha256": "a", "deps": {"m.py": "b"}, "files": {"m.py": ""}},
        {"sha256": "a", "deps": {"m.py": "b"}, "files": {"m.py": "c"}, "extra": 1},
    ],
)
def test_damaged_records_are_ignored(tmp_path: Path, record: dict[str, object]) -> None:
    path = ResultDeps(tmp_path, "ns", tmp_path).path
    payload = {"format": driver.DEPS_FORMAT, "root": str(tmp_path), "files": {"/x.py": record}}
    path.write_text(json.dumps(payload))
    assert ResultDeps(tmp_path, "ns", tmp_path).get("/x.py", "a") is None


def test_workers_record_the_bytes_too(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The contents travel back from worker processes with each result."""
    monkeypatch.setattr("lossflint.parallel.MIN_FILES_FOR_POOL", 1)
    spy = Spy(monkeypatch)
    assert lint(root, jobs=2) == ["14:16 LF101", "15:23 LF101"]
    spy.reset()
    assert lint(root, jobs=2) == ["14:16 LF101", "15:23 LF101"]
    assert spy.loaded == []


def test_an_unreadable_dependency_has_a_token(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    summaries = store.SummaryStore(layout)
    assert summaries.content_token("missing.py") == store.UNREADABLE
    (tmp_path / "m.py").write_text("x = 1\n")
    assert summaries.content_token("m.py") == store.file_sha(b"x = 1\n")
    assert summaries.content_tokens(["m.py"]) is None  # not read by this store yet
