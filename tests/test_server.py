"""``lossflint server``: a real LSP session over stdio with a JSON-RPC client."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import pytest

pytest.importorskip("pygls")

BUG = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "\n"
    "probs = F.softmax(logits)\n"
    "lp = torch.log(torch.softmax(x, dim=1))\n"
)
TIMEOUT = 60


class Client:
    """Just enough LSP: Content-Length framing, requests, notifications."""

    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lossflint", "server"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.next_id = 0
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps({"jsonrpc": "2.0", **payload}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        assert "error" not in reply, reply
        return reply["result"]

    def wait(self, match) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        while True:
            try:
                message = self.messages.get(timeout=TIMEOUT)
            except queue.Empty:
                self.proc.kill()
                raise AssertionError(
                    "no reply from the server; stderr: " + self.proc.stderr.read().decode()  # type: ignore[union-attr]
                ) from None
            if match(message):
                return message

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        message = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            )
        )
        return message["params"]["diagnostics"]


@pytest.fixture
def client(tmp_path: Path):
    c = Client(tmp_path)
    result = c.request(
        "initialize",
        {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
    )
    assert result["serverInfo"]["name"] == "lossflint"
    assert result["capabilities"]["codeActionProvider"]["codeActionKinds"] == [
        "quickfix",
        "source.fixAll.lossflint",
    ]
    c.notify("initialized", {})
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
    c.proc.wait(timeout=TIMEOUT)


def open_doc(client: Client, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    return uri


def summary(diags: list[dict[str, Any]]) -> list[tuple[str, int, int, int, int, int]]:
    return [
        (
            d["code"],
            d["range"]["start"]["line"],
            d["range"]["start"]["character"],
            d["range"]["end"]["line"],
            d["range"]["end"]["character"],
            d["severity"],
        )
        for d in diags
    ]


def test_session_open_diagnostics_code_action_shutdown(client: Client, tmp_path: Path):
    uri = open_doc(client, tmp_path / "train.py", BUG)
    diags = client.diagnostics(uri)
    # 0-based LSP positions of train.py:4:9 (LF110) and train.py:5:6 (LF201)
    assert summary(diags) == [("LF110", 3, 8, 3, 25, 2), ("LF201", 4, 5, 4, 39, 1)]
    assert all(d["source"] == "lossflint" for d in diags)
    assert diags[0]["codeDescription"]["href"].endswith("/rules/LF110/")

    actions = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diags[1]["range"],
            "context": {"diagnostics": [diags[1]]},
        },
    )
    assert [a["title"] for a in actions] == [
        "LF201: use log_softmax",
        "Disable LF201 for this line",
    ]
    action = actions[0]
    assert action["kind"] == "quickfix"
    assert action["title"].startswith("LF201: ")
    assert action["isPreferred"] is True
    assert action["edit"]["changes"][uri] == [
        {
            "range": diags[1]["range"],
            "newText": "torch.log_softmax(x, dim=1)",
        }
    ]

    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.proc.wait(timeout=TIMEOUT) == 0


def test_change_and_save_republish(client: Client, tmp_path: Path):
    path = tmp_path / "train.py"
    uri = open_doc(client, path, BUG)
    assert len(client.diagnostics(uri)) == 2
    # fix line 5 with an incremental edit: the buffer is linted, not the file
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [
                {
                    "range": {
                        "start": {"line": 4, "character": 5},
                        "end": {"line": 4, "character": 39},
                    },
                    "text": "torch.log_softmax(x, dim=1)",
                }
            ],
        },
    )
    assert summary(client.diagnostics(uri)) == [("LF110", 3, 8, 3, 25, 2)]
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF110"]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []


def test_unsafe_fix_offered_not_preferred(client: Client, tmp_path: Path):
    uri = open_doc(client, tmp_path / "t.py", BUG)
    diags = client.diagnostics(uri)
    actions = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 3, "character": 10}, "end": {"line": 3, "character": 10}},
            "context": {"diagnostics": diags[:1]},
        },
    )
    assert [a["title"].split(":")[0] for a in actions] == ["LF110", "Disable LF110 for this line"]
    assert actions[0]["title"].endswith("(unsafe fix)")
    assert actions[0]["isPreferred"] is False
    [edit] = actions[0]["edit"]["changes"][uri]
    assert edit["range"]["start"] == {"line": 3, "character": 8}


def test_utf16_columns_and_config(client: Client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossflint]\nignore = ["LF110"]\n')
    text = 'import torch\ns = "🔥🔥"; lp = torch.log(torch.softmax(x, dim=1))\nimport torch.nn.functional as F\np = F.softmax(x)\n'
    uri = open_doc(client, tmp_path / "u.py", text)
    # "torch" is character 15 for lossflint; each "🔥" is two UTF-16 code units
    assert summary(client.diagnostics(uri)) == [("LF201", 1, 17, 1, 51, 1)]


def test_bad_config_is_one_diagnostic(client: Client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossflint]\nselect = ["XX"]\n')
    uri = open_doc(client, tmp_path / "t.py", BUG)
    [diag] = client.diagnostics(uri)
    assert diag["message"].startswith("lossflint configuration error: unknown rule code")
