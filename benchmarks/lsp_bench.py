#!/usr/bin/env python3
"""Benchmark ``lossflint server`` as an editor sees it, with ``ruff server`` as the anchor.

    python benchmarks/lsp_bench.py                      # lossflint and ruff, 1,000 lines
    python benchmarks/lsp_bench.py --servers lossflint  # lossflint only
    python benchmarks/lsp_bench.py --server-cmd "python -m lossflint server" --label old
    # before/after on a loaded machine: alternating rounds, an archive of the old code
    python benchmarks/lsp_bench.py --servers lossflint --repeat 3 \\
        --server-cmd "env PYTHONPATH=/tmp/old python -m lossflint server" --label before

For each server, in a fresh temporary folder holding one generated training
script (``--lines``, default 1,000; findings of LF110, LF201 and LF306 in
every block, so the server has diagnostics to send), over stdio with a plain
JSON-RPC client:

- **initialize**: from starting the process to the ``initialize`` reply
  (median of ``--runs`` processes);
- **open**: ``didOpen`` to the first ``publishDiagnostics``;
- **edit**: ``--edits`` single edits (one character of a literal on a
  different line each time), each followed by a pause; the time from
  ``didChange`` to the diagnostics of that version (median, max);
- **burst**: 20 keystrokes in one second (a new line typed character by
  character in a training loop, so most versions do not parse); the time
  from the last keystroke to the diagnostics of the last version, how many
  versions were published;
- **main loop**: ten times, a change and 50 ms later a request for an
  unknown method (both servers answer it with an error at once, unless
  their main loop is busy): median and max reply time.

A server that does not put the version in ``publishDiagnostics`` (older
ruff) is matched by order: the first publication after the change. Not part
of the test suite; nothing is written (paste the Markdown it prints).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

HEADER = '''"""A generated training script (lossflint's LSP benchmark)."""

import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

LEARNING_RATE = 0.001
EPOCHS = 10
BATCH_SIZE = 64
'''

BLOCK = '''

class Net{i}(nn.Module):
    """Model {i}: a small classifier."""

    def __init__(self, n_in: int = 32, n_hidden: int = 64, n_out: int = 10) -> None:
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_hidden)
        self.head = nn.Linear(n_hidden, n_out)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        h = self.drop(F.relu(self.fc2(h)))
        return self.head(h)


def make_loader{i}(n: int = 512) -> DataLoader:
    x = torch.randn(n, 32)
    y = torch.randint(0, 10, (n,))
    return DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=True)


def train{i}(model: nn.Module, loader: DataLoader, device: str = "cpu") -> float:
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    criterion = nn.CrossEntropyLoss()
    total = 0.0
    model.train()
    for epoch in range(EPOCHS):
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            logits = model(inputs)
            loss = criterion(logits, targets)
            loss.backward()
            optimizer.step()
            total += loss
        print(f"epoch {{epoch}}: {{total / len(loader):.4f}}")
    return float(total)


def evaluate{i}(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct = 0
    seen = 0
    with torch.no_grad():
        for inputs, targets in loader:
            probs = F.softmax(model(inputs))
            log_probs = torch.log(torch.softmax(model(inputs), dim=1))
            nll = -(log_probs.gather(1, targets[:, None])).mean()
            correct += (probs.argmax(dim=1) == targets).sum().item()
            seen += targets.numel()
    return correct / max(seen, 1) + 0.0 * float(nll)


def run{i}() -> None:
    model = Net{i}()
    loader = make_loader{i}()
    train{i}(model, loader)
    print("accuracy", evaluate{i}(model, loader))
'''

#: typed after ``optimizer.step()`` of a training loop, one keystroke each:
#: the new line (the editor indents it), then 19 characters
BURST_TEXT = "print(total, epoch)"


def generate(lines: int) -> str:
    """A training script of at least ``lines`` lines."""
    parts = [HEADER]
    i = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(BLOCK.format(i=i))
        i += 1
    return "".join(parts)


class Client:
    """Content-Length framing over a server's stdio; messages timestamped on arrival."""

    def __init__(self, cmd: list[str], cwd: Path) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.messages: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.next_id = 0
        #: every publishDiagnostics: (arrival, version or None)
        self.published: list[tuple[float, int | None]] = []
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            at, message = time.perf_counter(), json.loads(stream.read(length))
            if message.get("method") == "textDocument/publishDiagnostics":
                self.published.append((at, message["params"].get("version")))
            self.messages.put((at, message))

    def send(self, payload: dict[str, Any]) -> float:
        data = json.dumps({"jsonrpc": "2.0", **payload}).encode()
        assert self.proc.stdin is not None
        sent = time.perf_counter()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()
        return sent

    def notify(self, method: str, params: Any) -> float:
        return self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def wait(self, match: Any, timeout: float = 120) -> tuple[float, dict[str, Any]]:
        deadline = time.perf_counter() + timeout
        while True:
            try:
                at, message = self.messages.get(timeout=max(deadline - time.perf_counter(), 0.01))
            except queue.Empty:
                seen = [v for _, v in self.published[-3:]]
                raise TimeoutError(
                    f"no reply from the server (last versions published: {seen})"
                ) from None
            if message.get("method") == "window/workDoneProgress/create" and "id" in message:
                self.send({"id": message["id"], "result": None})
            if match(message):
                return at, message

    def drain(self) -> list[tuple[float, dict[str, Any]]]:
        out = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def _published(uri: str, version: int | None) -> Any:
    def match(m: dict[str, Any]) -> bool:
        if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
            return False
        got = m["params"].get("version")
        return version is None or got is None or got == version

    return match


def initialize(client: Client, root: Path) -> float:
    rid = client.request(
        "initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}}
    )
    at, _ = client.wait(lambda m: m.get("id") == rid and "method" not in m)
    client.notify("initialized", {})
    return at - client.started


def _edit(uri: str, version: int, line: int, start: int, end: int, text: str) -> dict[str, Any]:
    return {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [
            {
                "range": {
                    "start": {"line": line, "character": start},
                    "end": {"line": line, "character": end},
                },
                "text": text,
            }
        ],
    }


@dataclass
class Numbers:
    initialize: list[float] = field(default_factory=list)
    open: float = 0.0
    findings: int = 0
    edits: list[float] = field(default_factory=list)
    burst_last: float = 0.0
    burst_published: int = 0
    probe: list[float] = field(default_factory=list)
    #: lossflint only: milliseconds each lint took in the worker (wall, CPU)
    lint_ms: list[int] = field(default_factory=list)
    lint_cpu_ms: list[int] = field(default_factory=list)


def measure(cmd: list[str], lines: int, edits: int, runs: int, pause: float) -> Numbers:
    numbers = Numbers()
    text = generate(lines)
    source_lines = text.split("\n")
    with tempfile.TemporaryDirectory(prefix="lsp-bench-") as tmp:
        root = Path(tmp)
        path = root / "train.py"
        path.write_text(text)
        uri = path.as_uri()
        for _ in range(runs - 1):
            client = Client(cmd, root)
            numbers.initialize.append(initialize(client, root))
            client.close()
        client = Client(cmd, root)
        numbers.initialize.append(initialize(client, root))
        try:
            sent = client.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
            )
            at, message = client.wait(_published(uri, 1))
            numbers.open = at - sent
            numbers.findings = len(message["params"]["diagnostics"])
            version = 1
            dropouts = [i for i, s in enumerate(source_lines) if "nn.Dropout(0.1)" in s]
            for n in range(edits):
                time.sleep(pause)
                client.drain()
                row = dropouts[n % len(dropouts)]
                column = source_lines[row].index("0.1") + 2
                version += 1
                digit = str(2 + n % 7)
                sent = client.notify(
                    "textDocument/didChange", _edit(uri, version, row, column, column + 1, digit)
                )
                at, _ = client.wait(_published(uri, version))
                numbers.edits.append(at - sent)
            time.sleep(pause)
            client.drain()
            steps = [(0, "\n" + " " * 12)] + list(enumerate(BURST_TEXT, start=1))
            row = next(i for i, s in enumerate(source_lines) if "optimizer.step()" in s)
            end = len(source_lines[row])
            column = end
            burst_start = time.perf_counter()
            for k, (_, chars) in enumerate(steps):
                version += 1
                line, col = (row, column) if k == 0 else (row + 1, 12 + k - 1)
                client.notify("textDocument/didChange", _edit(uri, version, line, col, col, chars))
                last_sent = time.perf_counter()
                time.sleep(1.0 / len(steps))
            at, _ = client.wait(_published(uri, version))
            numbers.burst_last = at - last_sent
            time.sleep(pause)
            numbers.burst_published = sum(1 for t, _ in client.published if t > burst_start)
            client.drain()
            numbers.probe = _probe(client, uri)
            rid = client.request("lossflint/stats", None)
            _, reply = client.wait(lambda m: m.get("id") == rid and "method" not in m)
            numbers.lint_ms = (reply.get("result") or {}).get("lint_ms", [])
            numbers.lint_cpu_ms = (reply.get("result") or {}).get("lint_cpu_ms", [])
        finally:
            client.close()
    return numbers


def combine(rounds: list[Numbers]) -> Numbers:
    """One server's rounds as one: the lists pooled, single values by median."""
    if len(rounds) == 1:
        return rounds[0]
    out = Numbers()
    for n in rounds:
        out.initialize += n.initialize
        out.edits += n.edits
        out.probe += n.probe
        out.lint_ms += n.lint_ms
        out.lint_cpu_ms += n.lint_cpu_ms
    out.open = statistics.median(n.open for n in rounds)
    out.findings = rounds[-1].findings
    out.burst_last = statistics.median(n.burst_last for n in rounds)
    out.burst_published = round(statistics.median(n.burst_published for n in rounds))
    return out


def _probe(client: Client, uri: str) -> list[float]:
    """Reply times of unknown-method requests sent while the server lints
    (each 50 ms after a change)."""
    times: list[float] = []
    for k in range(10):
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 10_000 + k},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": 1, "character": 0},
                            "end": {"line": 1, "character": 0},
                        },
                        "text": "#",
                    }
                ],
            },
        )
        time.sleep(0.05)
        sent = time.perf_counter()
        rid = client.request("lossflint/benchmarkProbe", None)
        at, _ = client.wait(lambda m, rid=rid: m.get("id") == rid and "method" not in m)
        times.append(at - sent)
        time.sleep(0.05)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _lint_time(n: Numbers) -> str:
    if not n.lint_ms:
        return "-"
    wall = ms(statistics.median(n.lint_ms) / 1000)
    cpu = f" ({ms(statistics.median(n.lint_cpu_ms) / 1000)})" if n.lint_cpu_ms else ""
    return wall + cpu


def report(results: dict[str, Numbers], lines: int, edits: int) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = [
        f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, "
        f"load average {load:.1f}; Python {platform.python_version()}",
        f"- file: a generated training script of {lines:,} lines; {edits} single edits; "
        f"a burst of 20 keystrokes in 1 s",
        "",
        "| server | initialize | open → diagnostics | edit → diagnostics, median (max) "
        "| burst: last keystroke → last diagnostics | versions published in the burst "
        "| main loop reply while linting, median (max) "
        "| one lint in the worker, median (CPU) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, n in results.items():
        out.append(
            f"| {name} | {ms(statistics.median(n.initialize))} "
            f"| {ms(n.open)} ({n.findings} findings) "
            f"| {ms(statistics.median(n.edits))} ({ms(max(n.edits))}) "
            f"| {ms(n.burst_last)} | {n.burst_published} of 20 "
            f"| {ms(statistics.median(n.probe))} ({ms(max(n.probe))}) "
            f"| {_lint_time(n)} |"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--servers",
        default=None,
        help="lossflint, ruff or both (default: both, or none with --server-cmd)",
    )
    parser.add_argument(
        "--server-cmd", help="run this command too, first (label: --label); e.g. an older checkout"
    )
    parser.add_argument("--label", default="custom")
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="processes timed for initialize")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between edits")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds (servers alternating): lists pooled, single values by median",
    )
    args = parser.parse_args()
    commands: dict[str, list[str]] = {}
    if args.server_cmd:
        commands[args.label] = shlex.split(args.server_cmd)
    servers = args.servers
    if servers is None:
        servers = "" if args.server_cmd else "lossflint,ruff"
    if servers == "both":
        servers = "lossflint,ruff"
    unknown = [n for n in filter(None, servers.split(",")) if n not in ("lossflint", "ruff")]
    if unknown:
        parser.error(f"--servers: unknown server {unknown[0]!r} (lossflint, ruff or both)")
    for name in filter(None, servers.split(",")):
        if name == "lossflint":
            commands[name] = [sys.executable, "-m", "lossflint", "server"]
        elif name == "ruff":
            ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which(
                "ruff"
            )
            if ruff is None:
                print("ruff is not installed: skipped", file=sys.stderr)
                continue
            version = subprocess.run([ruff, "--version"], capture_output=True, text=True)
            commands[version.stdout.strip() or "ruff"] = [ruff, "server"]
    rounds: dict[str, list[Numbers]] = {name: [] for name in commands}
    for round_ in range(args.repeat):  # servers alternate: each round sees the same load
        for name, cmd in commands.items():
            try:
                rounds[name].append(measure(cmd, args.lines, args.edits, args.runs, args.pause))
            except TimeoutError as exc:
                print(f"{name}, round {round_ + 1}: {exc}", file=sys.stderr)
    results = {name: combine(numbers) for name, numbers in rounds.items() if numbers}
    print(report(results, args.lines, args.edits * args.repeat))


if __name__ == "__main__":
    main()
