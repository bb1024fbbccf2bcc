"""The result cache: hits, invalidation, corruption, atomic writes, CLI flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lossflint.runner
from lossflint.cache import (
    ResultCache,
    cache_folder,
    diagnostic_from_json,
    diagnostic_to_json,
    namespace,
)
from lossflint.config import Settings
from lossflint.linter import InternalError, LintResult, lint_source
from lossflint.parallel import run_files
from lossflint.registry import all_rules

BUG = "import torch.nn.functional as F\nprobs = F.softmax(logits)\n"
LOG_BUG = "import torch\nlp = torch.log(torch.softmax(x, dim=1))\n"
CLEAN = "import torch\nlp = torch.log_softmax(x, dim=1)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text(BUG)
    (tmp_path / "b.py").write_text(LOG_BUG)
    (tmp_path / "c.py").write_text(CLEAN)
    return tmp_path


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the linter really analysed (in this process)."""
    seen: list[str] = []
    real = lossflint.runner.lint_text

    def counting(text: str, filename: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(Path(filename).name)
        return real(text, filename, *args, **kwargs)

    monkeypatch.setattr(lossflint.runner, "lint_text", counting)
    return seen


def _files(root: Path) -> list[Path]:
    return sorted(root.glob("*.py"))


def _run(root: Path, settings: Settings | None = None):  # type: ignore[no-untyped-def]
    settings = settings or Settings(root=root)
    cache = ResultCache.for_settings(settings)
    result = run_files(_files(root), settings, jobs=1, cache=cache, use_prefilter=False)
    return result, cache


def _rows(result) -> list[tuple[str, str, int, int]]:  # type: ignore[no-untyped-def]
    return [
        (Path(d.filename).name, d.code, d.location.row, d.location.column)
        for d in result.diagnostics
    ]


EXPECTED = [("a.py", "LF110", 2, 9), ("b.py", "LF201", 2, 6)]


def test_second_run_is_served_from_the_cache(project: Path, parses: list[str]) -> None:
    first, cache = _run(project)
    assert _rows(first) == EXPECTED
    assert (cache.hits, cache.misses) == (0, 3)
    assert parses == ["a.py", "b.py", "c.py"]
    parses.clear()
    second, cache = _run(project)
    assert second.diagnostics == first.diagnostics  # fixes and all
    assert (cache.hits, cache.misses) == (3, 0)
    assert parses == []


def test_changed_file_is_the_only_one_relinted(project: Path, parses: list[str]) -> None:
    _run(project)
    (project / "c.py").write_text(CLEAN + BUG.replace("probs", "more"))
    parses.clear()
    result, cache = _run(project)
    assert parses == ["c.py"]
    assert (cache.hits, cache.misses) == (2, 1)
    assert _rows(result) == [*EXPECTED, ("c.py", "LF110", 4, 8)]


def test_changed_config_relints_everything(project: Path, parses: list[str]) -> None:
    _run(project)
    parses.clear()
    settings = Settings(root=project, ignore=["LF110"])
    result, cache = _run(project, settings)
    assert sorted(parses) == ["a.py", "b.py", "c.py"]
    assert _rows(result) == [("b.py", "LF201", 2, 6)]
    # and the first configuration is still cached
    parses.clear()
    _run(project)
    assert parses == []


def test_rule_options_change_the_namespace(project: Path) -> None:
    plain = Settings(root=project)
    configured = Settings(root=project, options={"LF110": {"x": 1}})
    assert namespace(plain) != namespace(configured)
    assert namespace(plain) == namespace(Settings(root=project))


def test_corrupt_cache_file_is_ignored(project: Path, parses: list[str]) -> None:
    _, cache = _run(project)
    for garbage in ("{not json", '{"format": 1, "files": []}', "[]", '{"format": 99}'):
        cache.path.write_text(garbage)
        parses.clear()
        result, cache = _run(project)
        assert _rows(result) == EXPECTED
        assert len(parses) == 3
    # rewritten as a valid cache
    data = json.loads(cache.path.read_text())
    assert data["format"] == 1 and len(data["files"]) == 3


def test_damaged_entry_is_a_miss(project: Path, parses: list[str]) -> None:
    _, cache = _run(project)
    data = json.loads(cache.path.read_text())
    key = str((project / "a.py").resolve())
    data["files"][key]["diagnostics"] = [{"code": "LF110"}]  # fields missing
    cache.path.write_text(json.dumps(data))
    parses.clear()
    result, cache = _run(project)
    assert parses == ["a.py"]
    assert _rows(result) == EXPECTED


def test_results_with_internal_errors_are_not_cached(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = lossflint.runner.lint_text

    def broken(text, filename, *args, **kwargs):  # type: ignore[no-untyped-def]
        if filename.endswith("b.py"):
            return LintResult(errors=[InternalError("LF201", filename, "boom")])
        return real(text, filename, *args, **kwargs)

    monkeypatch.setattr(lossflint.runner, "lint_text", broken)
    result, _ = _run(project)
    assert [str(e) for e in result.errors] == [
        f"internal error in LF201 on {(project / 'b.py').as_posix()}: boom"
    ]
    monkeypatch.setattr(lossflint.runner, "lint_text", real)
    result, cache = _run(project)
    assert (cache.hits, cache.misses) == (2, 1)
    assert result.errors == [] and _rows(result) == EXPECTED


def test_atomic_write_leaves_no_temporary_files(project: Path) -> None:
    _, cache = _run(project)
    names = sorted(p.name for p in cache.folder.iterdir())
    assert names == [".gitignore", "CACHEDIR.TAG", cache.path.name]
    assert cache.folder == project / ".lossflint_cache"


def test_concurrent_writers_merge(project: Path) -> None:
    settings = Settings(root=project)
    one = ResultCache.for_settings(settings)
    two = ResultCache.for_settings(settings)  # both loaded before either saved
    one.store(project / "a.py", "1" * 64, [])
    two.store(project / "b.py", "2" * 64, [])
    one.save()
    two.save()
    keys = set(json.loads(one.path.read_text())["files"])
    assert keys == {str((project / "a.py").resolve()), str((project / "b.py").resolve())}


def test_entries_of_deleted_files_are_dropped(project: Path) -> None:
    _, cache = _run(project)
    (project / "c.py").unlink()
    (project / "d.py").write_text(CLEAN)
    _, cache = _run(project)
    keys = {Path(k).name for k in json.loads(cache.path.read_text())["files"]}
    assert keys == {"a.py", "b.py", "d.py"}


def test_cache_dir_setting_and_override(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(root=project, cache_dir="build/lf")
    assert cache_folder(settings) == project / "build/lf"
    monkeypatch.chdir(project)
    assert cache_folder(settings, "elsewhere") == project / "elsewhere"
    assert cache_folder(settings, "/abs/x") == Path("/abs/x")


def test_every_diagnostic_field_round_trips() -> None:
    """Real diagnostics of every rule's INVALID examples (fixes, related
    ranges, statement rows) survive JSON unchanged."""
    count = 0
    for rule in all_rules().values():
        for example in rule.INVALID:
            for diag in lint_source(example.source, "x.py"):
                data = json.loads(json.dumps(diagnostic_to_json(diag)))
                assert "filename" not in data
                assert diagnostic_from_json(data, "x.py") == diag
                count += 1
    assert count > 10


def test_cli_writes_and_reuses_cache(run_cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("check", ".", cwd=project)
    assert code == 1
    assert (project / ".lossflint_cache").is_dir()
    code2, out2, _ = run_cli("check", ".", cwd=project)
    assert (code2, out2) == (code, out)


def test_cli_no_cache_and_cache_dir(run_cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, _ = run_cli("check", "--no-cache", ".", cwd=project)
    assert code == 1 and not (project / ".lossflint_cache").exists()
    code, _, _ = run_cli("check", "--cache-dir", "cc", ".", cwd=project)
    assert code == 1 and (project / "cc" / "CACHEDIR.TAG").is_file()
    assert not (project / ".lossflint_cache").exists()


def test_cli_cache_dir_from_config(run_cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    (project / "pyproject.toml").write_text('[tool.lossflint]\ncache-dir = ".cache/lf"\n')
    sub = project / "sub"
    sub.mkdir()
    (sub / "e.py").write_text(BUG)
    code, _, _ = run_cli("check", ".", cwd=sub)  # config found upwards: root = project
    assert code == 1 and (project / ".cache" / "lf" / "CACHEDIR.TAG").is_file()


def test_unserialisable_diagnostic_is_not_cached(project: Path) -> None:
    from dataclasses import replace

    diag = lint_source(BUG, "a.py")[0]
    odd = replace(diag, message=object())  # type: ignore[arg-type]
    cache = ResultCache.for_settings(Settings(root=project))
    cache.store(project / "a.py", "0" * 64, [odd])
    assert cache.new == {}
    cache.store(project / "a.py", "0" * 64, [diag])
    assert list(cache.new) == [str((project / "a.py").resolve())]
