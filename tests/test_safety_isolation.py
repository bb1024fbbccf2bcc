"""One file never kills the run; the language server never dies (issue 12,
items 7, 10 and 11).

- input that overflows libcst's native parser (a 10,000-branch ``elif``
  chain, a long ``lambda: \\`` chain, an ``and`` chain CPython accepts) is
  LF900, with one process (``-j1``), with workers and in the server;
- files over ``max-file-size`` are skipped with one warning line;
- in worker processes a crash, a hang or a memory blow-up costs only the
  file that caused it;
- Ctrl-C with workers stops at once with exit code 130;
- malformed LSP frames and unreadable parameters are answered, and the
  server stays up.

The big inputs are generated here; every test takes well under 10 s.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import lossflint.runner
from lossflint import parse_guard
from lossflint.config import ConfigError, Settings, load_settings
from lossflint.file_limits import DEFAULT_MAX_FILE_SIZE, WORKER_MEMORY, parse_size
from lossflint.linter import RuleSet, lint_text
from lossflint.parallel import MIN_FILES_FOR_POOL, run_files

BUG = "import torch.nn.functional as F\nprobs = F.softmax(logits)\n"
BUG_LINE = "bug.py:2:9: LF110"

# shapes that took libcst (and with it the whole process) down; measured
# thresholds are in lossflint/parse_guard.py
ELIF_CHAIN = "if x:\n    pass\n" + "elif x:\n    pass\n" * 10_000
LAMBDA_CHAIN = "f = " + "lambda: \\\n" * 10_000 + "0\n"
AND_CHAIN = "x = (\n" + "    a and\n" * 10_000 + "    b)\n"  # CPython parses this
DOTTED_IMPORT = "import " + ".".join(["a"] * 20_000) + "\n"  # and this


def check_cli(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--isolated", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "bug.py").write_text(BUG)
    return tmp_path


def _lint(text: str) -> list[str]:
    result = lint_text(text, "x.py", RuleSet.default(), [])
    assert result.errors == []
    return [f"{d.code} {d.message}" for d in result.diagnostics]


# --- the parse guard -------------------------------------------------------------


def test_libcst_does_crash_on_these_inputs_without_the_guard(tmp_path: Path) -> None:
    """The premise: libcst's parser dies with a signal, not an exception."""
    (tmp_path / "deep.py").write_text(ELIF_CHAIN)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, libcst; libcst.parse_module(open(sys.argv[1]).read())",
            str(tmp_path / "deep.py"),
        ],
        capture_output=True,
        timeout=60,
    )
    if proc.returncode >= 0:
        pytest.skip("this libcst survives a 10,000-branch elif chain")
    assert proc.returncode in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (ELIF_CHAIN, "too deeply nested"),
        (LAMBDA_CHAIN, "too deeply nested"),
        (AND_CHAIN, "too deeply nested for lossflint's parser (nesting depth 10005"),
        (DOTTED_IMPORT, "too deeply nested for lossflint's parser (nesting depth 19999"),
    ],
    ids=["elif", "lambda", "and", "import"],
)
def test_too_deep_for_libcst_is_lf900_in_process(text: str, reason: str) -> None:
    start = time.monotonic()
    [line] = _lint(text)
    assert line.startswith(f"LF900 cannot parse: {reason}")
    assert time.monotonic() - start < 5


def test_just_under_the_limit_goes_to_libcst() -> None:
    """Depth 900 is valid Python that libcst parses: no LF900, and no
    internal error either (regression: the rules' RecursionError came back
    as a KeyError whose message could not even be formed, and escaped)."""
    for text in (
        BUG + "if x:\n    pass\n" + "elif x:\n    pass\n" * 900,
        "x = (\n" + "    a and\n" * 900 + "    b)\n",
    ):
        assert not any(line.startswith("LF900") for line in _lint(text))


def test_the_scan_flags_only_what_may_be_deep() -> None:
    ordinary = Path(lossflint.runner.__file__).read_text()
    assert not parse_guard.scan(ordinary).risky
    # a long docstring or data in strings cannot nest: not counted
    assert not parse_guard.scan('"""' + "x" * 100_000 + '"""\n').risky
    assert parse_guard.scan(AND_CHAIN).risky
    assert parse_guard.scan(LAMBDA_CHAIN).risky
    assert parse_guard.scan(ELIF_CHAIN).risky


def test_libcst_parses_in_a_thread_with_a_big_stack() -> None:
    import threading

    names: list[str] = []
    parse_guard.call_with_big_stack(lambda text: names.append(threading.current_thread().name), "")
    assert names == ["lossflint-parse"]
    with pytest.raises(ValueError, match="boom"):
        parse_guard.call_with_big_stack(lambda text: int(text), "boom")


_SHAPES = {
    "elif": lambda n: "if x:\n    pass\n" + "elif x:\n    pass\n" * n,
    "lambda": lambda n: "f = " + "lambda: \\\n" * n + "0\n",
    "and": lambda n: "x = (\n" + "    a and\n" * n + "    b)\n",
    "call": lambda n: "f = a" + "() \\\n" * n + "\n",
    "attribute": lambda n: "f = a" + ".b \\\n" * n + "\n",
    "unary": lambda n: "x = " + "-" * n + "1\n",
    "import": lambda n: "import " + ".".join(["a"] * n) + "\n",
}


@pytest.mark.skipif(
    os.environ.get("LOSSFLINT_SLOW_TESTS") != "1",
    reason="libcst takes seconds per input near the limit; LOSSFLINT_SLOW_TESTS=1 runs it",
)
@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_libcst_survives_everything_the_guard_lets_through(shape: str, tmp_path: Path) -> None:
    """Re-measures the premise of parse_guard on this libcst: the deepest
    input of each shape that the guard passes does not crash libcst in a
    subprocess on an ordinary 8 MiB main-thread stack (the parse thread has
    32 times that)."""
    depth = parse_guard.MAX_NESTING - 5
    text = _SHAPES[shape](depth)
    if shape == "unary":  # never measured: only the line length bounds it
        text = _SHAPES[shape](parse_guard.LONG_LOGICAL_LINE - 10)
    assert parse_guard.check(text) is None
    (tmp_path / "deep.py").write_text(text)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, sys, libcst\n"
            "resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, resource.RLIM_INFINITY))\n"
            "try:\n"
            "    libcst.parse_module(open(sys.argv[1]).read())\n"
            "except Exception:\n"
            "    pass  # an exception is fine (LF900): only a crash is not",
            str(tmp_path / "deep.py"),
        ],
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    assert parse_guard.check(_SHAPES[shape](3 * parse_guard.MAX_NESTING)) is not None


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_reports_lf900_and_goes_on(tree: Path, jobs: str) -> None:
    """Regression: the whole CLI died with exit 139 (or, with workers, healthy
    files were reported as 'worker process died')."""
    (tree / "elif_chain.py").write_text(ELIF_CHAIN)
    (tree / "lambda_chain.py").write_text(LAMBDA_CHAIN)
    # (without a framework word it would be skipped unparsed: it compiles)
    (tree / "and_chain.py").write_text(AND_CHAIN + "import torch\n")
    proc = check_cli(f"-j{jobs}", ".", cwd=tree)
    assert proc.returncode == 1, proc.stderr[-2000:]
    lines = sorted(proc.stdout.splitlines())
    assert len(lines) == 4, lines
    assert lines[0] == "and_chain.py:1:1: LF900 cannot parse: " + (
        "too deeply nested for lossflint's parser (nesting depth 10005; the limit is 1000)"
    )
    assert lines[1].startswith(BUG_LINE)
    assert lines[2].startswith("elif_chain.py:") and "LF900 cannot parse: too deeply" in lines[2]
    assert lines[3].startswith("lambda_chain.py:") and "LF900 cannot parse: too deeply" in lines[3]
    assert "error" not in proc.stderr


# --- max-file-size ------------------------------------------------------------------


def test_sizes() -> None:
    assert DEFAULT_MAX_FILE_SIZE == Settings().max_file_size == 1024 * 1024
    assert parse_size(0) == 0
    assert parse_size(5000) == 5000
    assert parse_size("512KB") == 512 * 1024
    assert parse_size("2 MB") == 2 * 1024 * 1024
    assert parse_size("1.5mb") == 1536 * 1024
    assert parse_size("100") == 100
    for bad in ("big", "-1", "2 TB", True, -1, 1.5, ""):
        with pytest.raises(ValueError, match="must be a number of bytes"):
            parse_size(bad)


def test_max_file_size_in_config(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.lossflint]\nmax-file-size = "2MB"\n')
    assert load_settings(config).max_file_size == 2 * 1024 * 1024
    config.write_text("[tool.lossflint]\nmax-file-size = 0\n")
    assert load_settings(config).max_file_size == 0
    config.write_text('[tool.lossflint]\nmax-file-size = "huge"\n')
    with pytest.raises(ConfigError, match="'max-file-size' must be a number of bytes"):
        load_settings(config)


def test_files_over_the_limit_are_skipped_with_one_warning(tree: Path) -> None:
    (tree / "data.py").write_text("import torch\nDATA = [" + "0.5, " * 1000 + "]\n")
    (tree / "nb.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4}))
    proc = check_cli("--max-file-size", "2KB", ".", cwd=tree)
    assert proc.returncode == 1
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == ["bug.py"]
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "lossflint: warning: skipped data.py: 5 KB is over max-file-size (2 KB); "
        "raise max-file-size or exclude the file"
    ]
    # 0 turns the limit off; a notebook's size is mostly outputs: never limited
    (tree / "bug.py").write_text("")
    proc = check_cli("--max-file-size", "0", ".", cwd=tree)
    assert "warning" not in proc.stderr and "(3 files)" in proc.stderr
    proc = check_cli("--max-file-size", "10", "nb.ipynb", cwd=tree)
    assert "warning" not in proc.stderr and "(1 file)" in proc.stderr
    # a bad value is one line and exit 2
    proc = check_cli("--max-file-size", "lots", ".", cwd=tree)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "lossflint: error: --max-file-size must be a number of bytes or a size such as "
        "'512KB' or '2MB', not 'lots'"
    ]


def test_stdin_over_the_limit_is_skipped(tree: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--isolated", "--no-cache"]
        + ["--max-file-size", "10", "--stdin-filename", "piped.py"],
        cwd=tree,
        input=BUG,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (0, "")
    assert f"skipped piped.py: {len(BUG)} bytes is over max-file-size (10 bytes)" in proc.stderr


# --- worker processes ----------------------------------------------------------------


@pytest.fixture
def many(tmp_path: Path) -> list[Path]:
    files = []
    for i in range(MIN_FILES_FOR_POOL + 4):
        path = tmp_path / f"m{i:02d}.py"
        path.write_text(BUG)
        files.append(path)
    return files


def _names(result) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(Path(d.filename).name for d in result.diagnostics)


def _patch_lint_text(monkeypatch: pytest.MonkeyPatch, name: str, action) -> None:  # type: ignore[no-untyped-def]
    real = lossflint.runner.lint_text

    def patched(text, filename, *args, **kwargs):  # type: ignore[no-untyped-def]
        if filename.endswith(name):
            action()
        return real(text, filename, *args, **kwargs)

    # workers are forked after this, so they inherit the patch
    monkeypatch.setattr(lossflint.runner, "lint_text", patched)


def test_a_crashing_file_costs_only_itself(
    many: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a segfault in one worker reported every file of the pool's
    broken batch as 'worker process died'."""
    _patch_lint_text(monkeypatch, "m05.py", lambda: os.kill(os.getpid(), signal.SIGSEGV))
    result = run_files(many, Settings(root=many[0].parent), jobs=2)
    [error] = result.errors
    assert error.filename.endswith("m05.py")
    assert error.message == (
        "the analysis crashed (worker process killed by SIGSEGV); the run went on without it"
    )
    assert _names(result) == sorted(p.name for p in many if p.name != "m05.py")


def test_a_real_libcst_crash_in_a_worker_costs_only_that_file(
    many: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard switched off: libcst itself segfaults on the elif chain."""
    monkeypatch.setattr(parse_guard, "check", lambda text: None)
    monkeypatch.setattr(parse_guard, "call_with_big_stack", lambda func, text: func(text))
    (many[0].parent / "m03.py").write_text(ELIF_CHAIN)
    result = run_files(many, Settings(root=many[0].parent), jobs=2)
    [error] = result.errors
    assert error.filename.endswith("m03.py") and "the analysis crashed" in error.message
    assert _names(result) == sorted(p.name for p in many if p.name != "m03.py")


def test_a_worker_killed_from_outside_is_retried(
    many: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A death that does not come from the file (the OOM killer, kill -9) is
    not blamed on it: the file gets a second, fresh worker."""
    flag = tmp_path / "killed-once"

    def die_once() -> None:
        if not flag.exists():
            flag.write_text("")
            os.kill(os.getpid(), signal.SIGKILL)

    _patch_lint_text(monkeypatch, "m07.py", die_once)
    result = run_files(many, Settings(root=many[0].parent), jobs=2)
    assert result.errors == []
    assert _names(result) == sorted(p.name for p in many)
    assert flag.exists()


def test_a_file_over_the_timeout_costs_only_itself(
    many: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _patch_lint_text(monkeypatch, "m11.py", lambda: time.sleep(60))
    start = time.monotonic()
    result = run_files(many, Settings(root=many[0].parent), jobs=2, timeout=1.5)
    assert time.monotonic() - start < 20
    [error] = result.errors
    assert error.filename.endswith("m11.py")
    assert error.message == "analysis timed out after 1.5 s; the run went on without it"
    assert _names(result) == sorted(p.name for p in many if p.name != "m11.py")


def test_timeout_from_the_environment(many: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _patch_lint_text(monkeypatch, "m02.py", lambda: time.sleep(60))
    monkeypatch.setenv("LOSSFLINT_FILE_TIMEOUT", "1")
    result = run_files(many, Settings(root=many[0].parent), jobs=2)
    assert [e.message for e in result.errors] == [
        "analysis timed out after 1 s; the run went on without it"
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_memory_is_capped_per_worker(many: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def allocate() -> None:
        bytearray(WORKER_MEMORY + 2**30)

    _patch_lint_text(monkeypatch, "m09.py", allocate)
    result = run_files(many, Settings(root=many[0].parent), jobs=2)
    [error] = result.errors
    assert error.filename.endswith("m09.py") and "MemoryError" in error.message
    assert len(result.diagnostics) == len(many) - 1


# --- Ctrl-C -------------------------------------------------------------------------


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
def test_ctrl_c_with_workers_stops_at_once_with_130(tmp_path: Path) -> None:
    """Regression: with workers, Ctrl-C waited for the whole run (20-27 s)
    and exited 2."""
    body = Path(lossflint.runner.__file__).read_text()
    for i in range(120):
        (tmp_path / f"m{i:03d}.py").write_text("import torch\n" + body)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lossflint", "check", "--isolated", "--no-cache", "-j2", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell may start us with Ctrl-C ignored; the CLI must see it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        workers = _children(proc.pid)
        time.sleep(0.5)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert took < 2, took
    assert "Traceback" not in err
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


# --- the language server ------------------------------------------------------------


def test_frame_reader_passes_good_frames_and_answers_bad_ones() -> None:
    pytest.importorskip("pygls")
    from lossflint.server import ErrorReplies, FrameReader

    def frame(payload: dict[str, Any]) -> bytes:
        body = json.dumps(payload).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    one, two, three = ({"jsonrpc": "2.0", "id": n, "method": "x"} for n in (1, 2, 3))
    stream = (
        frame(one)
        + b"Content-Length: 99999999999999\r\n\r\n{}"  # huge: skipped unread
        + frame(two)
        + b"Content-Type: text/plain\r\n\r\n"  # no Content-Length ...
        + json.dumps({"jsonrpc": "2.0", "id": 9, "method": "lost"}).encode()  # ... its body
        + frame(three)
        + b"Content-Length: 5\r\n\r\nnope!"  # not JSON
        + b"Content-Length: 2\r\n\r\n[]"  # not an object
        + b"garbage between frames\r\n"
        + frame(one)
    )
    out = io.BytesIO()
    reader = FrameReader(io.BytesIO(stream), ErrorReplies(out))

    received = []
    while True:
        header = reader.readline()
        if not header:
            break
        assert reader.readline() == b"\r\n"
        length = int(header.split(b":")[1])
        received.append(json.loads(reader.read(length))["id"])
    assert received == [1, 2, 3, 1]

    replies = []
    data = out.getvalue()
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(head.split(b":")[1])
        replies.append(json.loads(rest[:length]))
        data = rest[length:]
    assert [(r["id"], r["error"]["code"]) for r in replies] == [
        (None, -32600),
        (None, -32600),
        (None, -32700),
        (None, -32600),
        (None, -32600),
    ]
    assert "67108864" in replies[0]["error"]["message"]
    assert "Content-Length" in replies[1]["error"]["message"]


@pytest.fixture
def client(tmp_path: Path):  # type: ignore[no-untyped-def]
    pytest.importorskip("pygls")
    from tests.test_server import Client

    c = Client(tmp_path)
    c.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}})
    c.notify("initialized", {})
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
    c.proc.wait(timeout=60)


def _raw(client, data: bytes) -> None:  # type: ignore[no-untyped-def]
    assert client.proc.stdin is not None
    client.proc.stdin.write(data)
    client.proc.stdin.flush()


def _still_answers(client, uri: str) -> None:  # type: ignore[no-untyped-def]
    assert client.proc.poll() is None
    start = {"line": 0, "character": 0}
    actions = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": start, "end": {"line": 9, "character": 0}},
            "context": {"diagnostics": []},
        },
    )
    assert actions is None or isinstance(actions, list)


def test_server_survives_bad_frames_and_bad_positions(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Regression: a huge Content-Length made the server exit (MemoryError),
    a missing one made it stop answering, a position of 2^31 got no reply."""
    from tests.test_server import open_doc

    uri = open_doc(client, tmp_path / "t.py", BUG)
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF110"]

    # the body is skipped unread; the next Content-Length header (here glued
    # to the "{}", as frames are) is where reading resumes
    _raw(client, b"Content-Length: 99999999999999\r\n\r\n{}")
    reply = client.wait(lambda m: m.get("id", 0) is None)
    assert reply["error"]["code"] == -32600
    assert "99999999999999 bytes" in reply["error"]["message"]
    _still_answers(client, uri)

    _raw(client, b'Content-Type: x\r\n\r\n{"jsonrpc": "2.0", "id": 77, "method": "shutdown"}')
    reply = client.wait(lambda m: m.get("id", 0) is None)
    assert reply["error"]["code"] == -32600
    assert "Content-Length" in reply["error"]["message"]
    _still_answers(client, uri)

    far = {"line": 2**31, "character": 0}
    client.next_id += 1
    client.send(
        {
            "id": client.next_id,
            "method": "textDocument/codeAction",
            "params": {
                "textDocument": {"uri": uri},
                "range": {"start": far, "end": far},
                "context": {"diagnostics": []},
            },
        }
    )
    reply = client.wait(lambda m: m.get("id") == client.next_id)
    assert reply["error"]["code"] == -32602
    assert "2147483648" in reply["error"]["message"]
    _still_answers(client, uri)


def test_server_survives_documents_that_crashed_the_parser(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Regression: the server process died with the parser."""
    from tests.test_server import open_doc

    uri = open_doc(client, tmp_path / "deep.py", ELIF_CHAIN)
    [diag] = client.diagnostics(uri)
    assert diag["code"] == "LF900" and "too deeply nested" in diag["message"]
    uri = open_doc(client, tmp_path / "chain.py", AND_CHAIN)
    [diag] = client.diagnostics(uri)
    assert "too deeply nested for lossflint's parser" in diag["message"]
    _still_answers(client, uri)


def test_server_skips_documents_over_the_size_limit(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_server import open_doc

    (tmp_path / "pyproject.toml").write_text('[tool.lossflint]\nmax-file-size = "1KB"\n')
    uri = open_doc(client, tmp_path / "big.py", BUG + "x = 1\n" * 400)
    log = client.wait(lambda m: m.get("method") == "window/logMessage")
    assert "skipped big.py: 2 KB is over max-file-size (1 KB)" in log["params"]["message"]
    assert client.diagnostics(uri) == []
    uri = open_doc(client, tmp_path / "small.py", BUG)
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF110"]
