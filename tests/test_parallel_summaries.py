"""Workers of a run without a cache folder share summaries through the supervisor."""

from __future__ import annotations

import hashlib
import shutil
import threading
from multiprocessing import Pipe
from pathlib import Path

import pytest

from lossflint import parallel
from lossflint.config import Settings
from lossflint.parallel import run_files
from lossflint.project.layout import Layout
from lossflint.project.store import SummaryStore
from lossflint.project.summary import ModuleSummary, STensor, summary_hash
from lossflint.project.summary_cache import CachedSummary
from lossflint.project.summary_exchange import ExchangeClient, SummaryExchange

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


def _entry(rel: str) -> CachedSummary:
    summary = ModuleSummary(file=rel, names={"value": STensor("PROBS")})
    return CachedSummary(summary, {}, summary_hash(summary))


def _serve(exchange: SummaryExchange, conn: object, count: int) -> threading.Thread:
    def loop() -> None:
        for _ in range(count):
            message = conn.recv()  # type: ignore[attr-defined]
            reply, entry = exchange.handle(message)
            if reply:
                conn.send(entry)  # type: ignore[attr-defined]

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def test_what_one_worker_hands_over_another_gets() -> None:
    exchange = SummaryExchange()
    mine, theirs = Pipe()
    other_mine, other_theirs = Pipe()
    first = _serve(exchange, theirs, 2)
    client = ExchangeClient(mine)
    assert client.get("m.py", "a" * 64) is None
    client.put("m.py", "a" * 64, _entry("m.py").summary, {})
    first.join(5)
    second = _serve(exchange, other_theirs, 1)
    assert ExchangeClient(other_mine).get("m.py", "a" * 64) == _entry("m.py")
    second.join(5)
    assert (exchange.asked, exchange.served) == (2, 1)


def test_the_first_entry_handed_over_wins() -> None:
    exchange = SummaryExchange()
    one = _entry("m.py")
    two = CachedSummary(ModuleSummary(file="m.py"), {}, summary_hash(ModuleSummary(file="m.py")))
    exchange.handle(("summary!", "m.py", "a", one))
    exchange.handle(("summary!", "m.py", "a", two))
    assert exchange.handle(("summary?", "m.py", "a")) == (True, one)
    assert exchange.handle(("summary?", "m.py", "b")) == (True, None)


def test_malformed_messages_are_not_summaries() -> None:
    assert not SummaryExchange.is_message((3, "sha", None, {}))  # a result
    assert not SummaryExchange.is_message(())
    exchange = SummaryExchange()
    assert exchange.handle(("summary!", "m.py", "a", "not an entry")) == (False, None)
    assert exchange.entries == {}


def test_a_broken_pipe_is_a_miss() -> None:
    mine, theirs = Pipe()
    theirs.close()
    client = ExchangeClient(mine)
    assert client.get("m.py", "a" * 64) is None
    assert client.broken
    client.put("m.py", "a" * 64, _entry("m.py").summary, {})  # no error


def test_a_store_reads_through_the_exchange(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\n")
    layout = Layout(tmp_path)
    module = layout.module_for_file(tmp_path / "m.py")
    assert module is not None
    exchange = SummaryExchange()
    sha = hashlib.sha256(b"x = 1\n").hexdigest()
    exchange.handle(("summary!", "m.py", sha, _entry("m.py")))
    mine, theirs = Pipe()
    server = _serve(exchange, theirs, 1)
    store = SummaryStore(layout, ExchangeClient(mine), summarizer=lambda *a: pytest.fail())
    found = store.get(module)
    server.join(5)
    assert found == _entry("m.py") and store.computed == []


def test_workers_without_a_cache_use_the_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "softmax_model", root)
    # more reported files importing the same modules, so two workers run
    for i in range(6):
        (root / f"train_{i}.py").write_text((root / "train.py").read_text())
    files = sorted(root.glob("train*.py"))
    exchanges: list[SummaryExchange] = []

    class Recording(SummaryExchange):
        def __init__(self) -> None:
            super().__init__()
            exchanges.append(self)

    monkeypatch.setattr(parallel, "SummaryExchange", Recording)
    monkeypatch.setattr(parallel, "MIN_FILES_FOR_POOL", 1)
    settings = Settings(root=root)
    alone = run_files(files, settings, jobs=1)
    pooled = run_files(files, settings, jobs=2)
    assert not pooled.errors
    assert [d.sort_key() for d in pooled.diagnostics] == [d.sort_key() for d in alone.diagnostics]
    # two loss calls per file reached by Net.forward's softmax
    assert len(pooled.diagnostics) == 2 * len(files)
    (exchange,) = exchanges
    assert exchange.asked > 0 and "models/net.py" in {rel for rel, _ in exchange.entries}


@pytest.mark.parametrize("with_cache", [False, True])
def test_summarising_many_modules_is_progress_not_a_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_cache: bool
) -> None:
    """Each module takes well under the per-file timeout, all of them
    together more: the file is not reported as timed out."""
    import time

    from lossflint.cache import ResultCache
    from lossflint.project import store

    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    for name in ("a", "b"):  # each imports modules of its own: no sharing
        for i in range(5):
            # not a literal (whose name the exports answer): only a summary says
            (root / f"{name}{i}.py").write_text(f"x = abs({i})\n")
        imports = "".join(f"from {name}{i} import x as x{i}\n" for i in range(5))
        total = " + ".join(f"x{i}" for i in range(5))
        (root / f"train_{name}.py").write_text(
            f"import torch\n{imports}\nprobs = torch.log(torch.softmax({total}, dim=1))\n"
        )

    def slow(text: str, module: object, context: object) -> ModuleSummary:
        time.sleep(0.4)
        (root / f"summarised-{module.rel}").touch()  # type: ignore[attr-defined]
        return ModuleSummary(file=module.rel)  # type: ignore[attr-defined]

    monkeypatch.setattr(store, "_default_summarizer", lambda: slow)
    monkeypatch.setattr(parallel, "MIN_FILES_FOR_POOL", 1)
    cache = ResultCache(root / ".lossflint_cache", "test") if with_cache else None
    files = sorted(root.glob("train_*.py"))
    result = run_files(files, Settings(root=root), jobs=2, cache=cache, timeout=1.5)
    assert result.errors == []
    assert len(list(root.glob("summarised-*"))) >= 10  # every module, in the workers
