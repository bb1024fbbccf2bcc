"""``lossflint server``: a real LSP session over stdio with a JSON-RPC client."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
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
            # its own group: killing it takes its linting process too, which
            # would otherwise hold the pipes open
            start_new_session=True,
            env={
                **os.environ,
                # SIGABRT on a hang makes the server and its worker print where they are
                "PYTHONFAULTHANDLER": "1",
                # a lint that never ends is stopped and tried again in a fresh
                # worker well before the client gives up (CI once stalled here)
                "LOSSFLINT_FILE_TIMEOUT": "20",
            },
        )
        #: what the server wrote to stderr, read as it comes so that a chatty
        #: server never blocks on a full pipe
        self.stderr = bytearray()
        self.next_id = 0
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        #: the header names of every message received, by message id
        self.header_names: dict[Any, list[str]] = {}
        #: the id of every reply received, in order
        self.reply_ids: list[Any] = []
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()

    def _drain(self, stream: IO[bytes]) -> None:
        while chunk := stream.read1(65536):  # type: ignore[attr-defined]
            self.stderr += chunk

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """The server and everything it started."""
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=TIMEOUT)

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
            message = json.loads(body)
            if "id" in message:
                self.header_names[message["id"]] = sorted(headers)
                if "method" not in message:
                    self.reply_ids.append(message["id"])
            self.messages.put(message)

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
                self.kill(signal.SIGABRT)  # every thread's traceback to stderr
                time.sleep(1)
                self.kill()
                raise AssertionError(
                    "no reply from the server; stderr: " + self.stderr.decode(errors="replace")
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
    c.kill()


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
    assert "LF110" in diags[0]["codeDescription"]["href"]  # the rule's page

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


def test_a_saved_config_applies_to_the_open_documents(client: Client, tmp_path: Path):
    uri = open_doc(client, tmp_path / "t.py", BUG)
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF110", "LF201"]
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.lossflint]\nignore = ["LF110"]\n')
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": config.as_uri(),
                "languageId": "toml",
                "version": 1,
                "text": config.read_text(),
            }
        },
    )
    client.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF201"]


def test_bad_config_is_one_diagnostic(client: Client, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossflint]\nselect = ["XX"]\n')
    uri = open_doc(client, tmp_path / "t.py", BUG)
    [diag] = client.diagnostics(uri)
    assert diag["message"].startswith("lossflint configuration error: unknown rule code")


# --- code actions: fix all, disable for this line, context.only ---------------------------


def apply(text: str, edits: list[dict[str, Any]]) -> str:
    """``edits`` (LSP, ASCII text, no overlaps) applied to ``text``."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(p: dict[str, int]) -> int:
        return starts[p["line"]] + p["character"]

    for e in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = (
            text[: offset(e["range"]["start"])] + e["newText"] + text[offset(e["range"]["end"]) :]
        )
    return text


def actions_for(
    client: Client, uri: str, line: int, only: list[str] | None = None
) -> list[dict[str, Any]]:
    where = {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 200}}
    context: dict[str, Any] = {"diagnostics": []}
    if only is not None:
        context["only"] = only
    return (
        client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": where, "context": context},
        )
        or []
    )


FIXABLE = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "\n"
    "a = torch.log(torch.softmax(x, dim=1))\n"
    "p = F.softmax(z)\n"
    "b = torch.log(torch.softmax(y, dim=0))\n"
)


def test_fix_all_applies_every_safe_fix_in_one_edit(client: Client, tmp_path: Path):
    path = tmp_path / "t.py"
    path.write_text(FIXABLE)
    uri = open_doc(client, path, FIXABLE)
    client.diagnostics(uri)
    [action] = actions_for(client, uri, 0, ["source.fixAll.lossflint"])
    assert action["kind"] == "source.fixAll.lossflint"
    [edit] = action["edit"]["changes"][uri]
    fixed = apply(FIXABLE, [edit])
    # both LF201 fixes (safe); the LF110 fix is unsafe: left alone
    assert fixed == FIXABLE.replace(
        "torch.log(torch.softmax(x, dim=1))", "torch.log_softmax(x, dim=1)"
    ).replace("torch.log(torch.softmax(y, dim=0))", "torch.log_softmax(y, dim=0)")
    # what `lossflint check --fix` writes
    subprocess.run(
        [sys.executable, "-m", "lossflint", "check", "--fix", str(path)],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert path.read_text() == fixed
    # a parent kind asks for it too; nothing else is answered then
    for only in (["source.fixAll"], ["source"]):
        assert [a["kind"] for a in actions_for(client, uri, 3, only)] == ["source.fixAll.lossflint"]


def test_context_only_is_respected(client: Client, tmp_path: Path):
    uri = open_doc(client, tmp_path / "t.py", FIXABLE)
    client.diagnostics(uri)
    # without `only`: the line's quick fix and its disable action, no fix-all
    assert [a["title"] for a in actions_for(client, uri, 3)] == [
        "LF201: use log_softmax",
        "Disable LF201 for this line",
    ]
    assert {a["kind"] for a in actions_for(client, uri, 3, ["quickfix"])} == {"quickfix"}
    assert actions_for(client, uri, 3, ["source.fixAll.lossflint"])[0]["kind"] == (
        "source.fixAll.lossflint"
    )
    assert actions_for(client, uri, 3, ["source.organizeImports"]) == []
    assert actions_for(client, uri, 3, ["refactor"]) == []


def test_disable_for_this_line_adds_or_merges_noqa_on_the_statement_first_line(
    client: Client, tmp_path: Path
):
    text = (
        "import torch\n"
        "a = torch.log(torch.softmax(x, dim=1))  # noqa: LF110\n"
        "b = foo(\n"
        "    torch.log(torch.softmax(y, dim=1)),\n"
        ")\n"
    )
    uri = open_doc(client, tmp_path / "t.py", text)
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF201", "LF201"]

    def disable(line: int) -> str:
        [action] = [
            a for a in actions_for(client, uri, line) if a["title"] == "Disable LF201 for this line"
        ]
        assert action["kind"] == "quickfix"
        return apply(text, action["edit"]["changes"][uri])

    assert (
        disable(1).splitlines()[1] == "a = torch.log(torch.softmax(x, dim=1))  # noqa: LF110, LF201"
    )
    # the finding is on line 4; its statement starts on line 3
    assert disable(3).splitlines()[2:4] == [
        "b = foo(  # noqa: LF201",
        "    torch.log(torch.softmax(y, dim=1)),",
    ]


# --- notebooks ------------------------------------------------------------------------------


def test_notebook_documents_are_linted_across_cells(client: Client, tmp_path: Path):
    nb_uri = (tmp_path / "train.ipynb").as_uri()
    cells = [
        ("import torch.nn.functional as F\nprobs = F.softmax(logits, dim=1)\n", 2),
        ("Some *markdown*.\n", 1),
        ("x = 1\nloss = F.cross_entropy(probs, y)\n", 2),
    ]
    cell_uris = [f"vscode-notebook-cell:{tmp_path}/train.ipynb#cell{i}" for i in range(3)]
    client.notify(
        "notebookDocument/didOpen",
        {
            "notebookDocument": {
                "uri": nb_uri,
                "notebookType": "jupyter-notebook",
                "version": 1,
                "cells": [
                    {"kind": kind, "document": cell_uris[i]} for i, (_, kind) in enumerate(cells)
                ],
            },
            "cellTextDocuments": [
                {
                    "uri": cell_uris[i],
                    "languageId": "python" if kind == 2 else "markdown",
                    "version": 1,
                    "text": text,
                }
                for i, (text, kind) in enumerate(cells)
            ],
        },
    )
    published: dict[str, list[dict[str, Any]]] = {}
    while set(published) != {cell_uris[0], cell_uris[2]}:
        message = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        published[message["params"]["uri"]] = message["params"]["diagnostics"]
    # the softmax of cell 1 reaches the loss of cell 3 (cell 2 is markdown)
    assert published[cell_uris[0]] == []
    [lf101] = published[cell_uris[2]]
    assert lf101["code"] == "LF101"
    assert lf101["range"]["start"] == {"line": 1, "character": 7}
    # where the softmax was applied: in cell 1
    [related] = lf101["relatedInformation"]
    assert related["location"]["uri"] == cell_uris[0]
    assert related["location"]["range"]["start"]["line"] == 1
    # code actions on a cell come from the notebook's result, edits on that cell
    [disable] = [
        a for a in actions_for(client, cell_uris[2], 1) if a["title"].startswith("Disable")
    ]
    assert disable["title"] == "Disable LF101 for this line"
    [edit] = disable["edit"]["changes"][cell_uris[2]]
    assert apply(cells[2][0], [edit]).splitlines()[1].endswith("# noqa: LF101")
    assert actions_for(client, cell_uris[0], 1) == []

    # cell 1 stops applying softmax: cell 3's finding goes
    client.notify(
        "notebookDocument/didChange",
        {
            "notebookDocument": {"uri": nb_uri, "version": 2},
            "change": {
                "cells": {
                    "textContent": [
                        {
                            "document": {"uri": cell_uris[0], "version": 2},
                            "changes": [
                                {
                                    "range": {
                                        "start": {"line": 1, "character": 8},
                                        "end": {"line": 1, "character": 17},
                                    },
                                    "text": "(",
                                }
                            ],
                        }
                    ]
                }
            },
        },
    )
    message = client.wait(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == cell_uris[2]
        )
    )
    assert message["params"]["diagnostics"] == []
    client.notify(
        "notebookDocument/didClose",
        {"notebookDocument": {"uri": nb_uri}, "cellTextDocuments": [{"uri": u} for u in cell_uris]},
    )
    assert client.proc.poll() is None


# --- typing -----------------------------------------------------------------------------


def change(client: Client, uri: str, version: int, line: int, column: int, text: str) -> None:
    where = {"line": line, "character": column}
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": where, "end": where}, "text": text}],
        },
    )


def test_a_half_typed_line_keeps_the_other_findings(client: Client, tmp_path: Path):
    uri = open_doc(client, tmp_path / "t.py", BUG)
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF110", "LF201"]
    # a new line being typed between them: `print(probs, ` does not parse
    change(client, uri, 2, 4, 0, "print(probs, \n")
    diags = client.diagnostics(uri)
    assert summary(diags) == [
        ("LF110", 3, 8, 3, 25, 2),
        ("LF900", 4, 5, 4, 5, 1),
        ("LF201", 5, 5, 5, 39, 1),
    ]
    assert "never closed" in diags[1]["message"]
    # an unfinished block header too
    change(client, uri, 3, 4, 0, "for batch in loader\n")
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF110", "LF900", "LF201"]


def test_a_burst_of_changes_is_linted_once_for_its_last_version(client: Client, tmp_path: Path):
    uri = open_doc(client, tmp_path / "t.py", BUG)
    client.diagnostics(uri)
    # twenty keystrokes as fast as the pipe takes them: `total = (1 + 2) * 3`
    # ends the file; then the softmax line gets its dim
    text = "total = (1 + 2) * 3\n"
    assert len(text) == 20
    for i, char in enumerate(text):
        change(client, uri, 2 + i, 5, i, char)
    version = 2 + len(text)
    change(client, uri, version, 3, 24, ", dim=1")
    versions = []
    while True:
        message = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        versions.append(message["params"]["version"])
        if versions[-1] == version:
            break
    assert [d["code"] for d in message["params"]["diagnostics"]] == ["LF201"]
    assert versions == sorted(versions)  # never an older version after a newer one
    stats = client.request("lossflint/stats", None)
    assert stats["changes"] == 1 + len(text) + 1
    # the open, perhaps the first keystroke (linted at once, then cancelled
    # or dropped), and the last version
    assert stats["dispatched"] <= 4, stats
    assert stats["published"] <= 3, stats


def test_initialize_is_answered_before_pygls_and_the_linter_are_loaded(tmp_path: Path):
    c = Client(tmp_path)
    try:
        started = time.perf_counter()
        c.request(
            "initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}
        )
        elapsed = time.perf_counter() - started
        # pygls sends a Content-Type header: this reply was written before it was loaded
        assert c.header_names[1] == ["content-length"]
        c.notify("initialized", {})
        stats = c.request("lossflint/stats", None)
        assert "content-type" in c.header_names[2]
        assert c.reply_ids == [1, 2]  # pygls' own reply to initialize is not sent
        # the worker process loads the linter meanwhile
        assert stats["worker"] == "process"
        assert elapsed < 30
        uri = open_doc(c, tmp_path / "t.py", BUG)
        assert [d["code"] for d in c.diagnostics(uri)] == ["LF110", "LF201"]
    finally:
        c.kill()


def test_client_capabilities_pygls_cannot_read_are_taken_as_none(tmp_path: Path):
    c = Client(tmp_path)
    try:
        caps = {"general": {"positionEncodings": 5}, "textDocument": []}
        result = c.request(
            "initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": caps}
        )
        assert result["capabilities"]["positionEncoding"] == "utf-16"
        c.notify("initialized", {})
        uri = open_doc(c, tmp_path / "t.py", BUG)
        assert [d["code"] for d in c.diagnostics(uri)] == ["LF110", "LF201"]
        assert c.reply_ids == [1]
    finally:
        c.kill()


@pytest.mark.parametrize(
    "client_capabilities",
    [
        {},
        {"general": {"positionEncodings": ["utf-32", "utf-8"]}},
        {
            "general": {"positionEncodings": ["x-unknown"]},
            "notebookDocument": {"synchronization": {}},
        },
    ],
)
def test_the_early_initialize_reply_is_what_pygls_would_answer(
    client_capabilities: dict[str, Any],
):
    from lsprotocol import types
    from pygls.capabilities import ServerCapabilitiesBuilder

    from lossflint.lsp.app import create_server
    from lossflint.server import capabilities

    server = create_server()
    protocol = server.protocol
    features = protocol.fm
    structured = protocol._converter.structure(client_capabilities, types.ClientCapabilities)
    built = ServerCapabilitiesBuilder(
        structured,
        {*features.features, *features.builtin_features},
        features.feature_options,
        list(features.commands),
        server._text_document_sync_kind,
        server._notebook_document_sync,
        ServerCapabilitiesBuilder.choose_position_encoding(structured),
    ).build()
    assert capabilities(client_capabilities) == protocol._converter.unstructure(built)


# --- bad input ----------------------------------------------------------------------------


def test_odd_uris_are_linted_as_buffers_and_nothing_stops_the_server(
    client: Client, tmp_path: Path
):
    spaced = tmp_path / "my dir"
    spaced.mkdir()
    (spaced / "pyproject.toml").write_text('[tool.lossflint]\nignore = ["LF110"]\n')

    def codes(uri: str) -> list[str]:
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": BUG}},
        )
        return [d["code"] for d in client.diagnostics(uri)]

    # percent-encoded: the file's own configuration applies
    assert (spaced / "t.py").as_uri().count("%20") == 1
    assert codes((spaced / "t.py").as_uri()) == ["LF201"]
    # not files: linted as buffers, with the workspace folder's configuration
    for uri in (
        "untitled:Untitled-1",
        "git:/x/y.py?%7B%22ref%22%7D",
        "::::%%%",
        "file:///x%00y.py",
    ):
        assert codes(uri) == ["LF110", "LF201"], uri
    # a change to a document never opened, a code action on one, a notebook
    # change for an unknown notebook: no answer or an empty one, never a crash
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": "file:///nope.py", "version": 2},
            "contentChanges": [{"text": "x"}],
        },
    )
    client.notify(
        "notebookDocument/didChange",
        {"notebookDocument": {"uri": "file:///nb.ipynb", "version": 2}, "change": {}},
    )
    assert actions_for(client, "file:///nope/none.py", 0) == []
    assert actions_for(client, "file:///nope/none.py", 0, ["source.fixAll"]) == []
    assert client.request("lossflint/stats", None)["worker"] == "process"
    assert client.proc.poll() is None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
def test_a_worker_that_dies_is_replaced(client: Client, tmp_path: Path):
    uri = open_doc(client, tmp_path / "t.py", BUG)
    assert len(client.diagnostics(uri)) == 2
    [worker] = _children(client.proc.pid)
    os.kill(worker, signal.SIGKILL)
    change(client, uri, 2, 3, 24, ", dim=1")
    assert [d["code"] for d in client.diagnostics(uri)] == ["LF201"]
    stats = client.request("lossflint/stats", None)
    assert stats["restarts"] == 1
    assert _children(client.proc.pid) != [worker]


@pytest.mark.parametrize(
    ("text", "masked", "rows"),
    [
        # an unclosed call
        ("a = 1\nprint(a, \nb = 2\n", "a = 1\npass\nb = 2\n", [2]),
        # a header without its colon keeps its block
        ("for x in y\n    z = x\nw = 1\n", "if True:\n    z = x\nw = 1\n", [1]),
        ("def f(a,\n    return a\n", "def _lossflint_masked():\n    return a\n", [1]),
        # a header without a block; a line indented by mistake
        ("if a:\nb = 1\n", "pass\nb = 1\n", [1]),
        ("a = 1\n    b = 2\nc = 3\n", "a = 1\npass\nc = 3\n", [2]),
        # CPython names line 2 (inside the open bracket); line 1 broke it
        ("a = (\nb = 1\nc = [\n", "pass\nb = 1\npass\n", [1, 3]),
        ('a = 1\ns = """abc\nb = 2\n', "a = 1\npass\nb = 2\n", [2]),
        ("a = 1\r\nprint(a, \r\nb = 2\r\n", "a = 1\r\npass\r\nb = 2\r\n", [2]),
    ],
)
def test_broken_lines_are_masked_one_for_one(text: str, masked: str, rows: list[int]):
    from lossflint.lsp.half_typed import mask_broken_lines

    assert mask_broken_lines(text) == (masked, rows)


def test_more_broken_lines_than_masked_is_given_up():
    from lossflint.lsp.half_typed import MAX_MASKED, mask_broken_lines

    assert mask_broken_lines("f(\n" * (MAX_MASKED + 1) + "e = 1\n") is None


@pytest.mark.parametrize("lf900", [True, False])
def test_a_buffer_with_a_broken_line_is_linted_without_it(lf900: bool):
    from lossflint.linter import RuleSet
    from lossflint.lsp.jobs import lint_buffer

    ruleset = RuleSet.default()
    codes = [c for c in ruleset.codes if lf900 or c != "LF900"]
    outcome = lint_buffer(BUG + "print(probs, \n", "t.py", RuleSet(codes), [])
    assert [d.code for d in outcome.diagnostics] == ["LF110", "LF201"] + ["LF900"] * lf900
    assert outcome.masked_rows == (6,)


def test_a_worker_process_that_cannot_start_is_replaced_by_a_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    import asyncio

    from lossflint.lsp.messages import LINT, Job
    from lossflint.lsp.scheduler import Linted, Scheduler

    monkeypatch.setattr(sys, "executable", "/bin/false")  # exits at once
    published: list[Linted] = []
    notices: list[str] = []

    async def session() -> None:
        loop = asyncio.get_running_loop()
        scheduler = Scheduler(loop, lambda key, linted: published.append(linted), notices.append)
        path = tmp_path / "t.py"
        scheduler.changed("file:///t.py", 1, Job(LINT, BUG, str(path), str(path)))
        for _ in range(600):
            if published:
                break
            await asyncio.sleep(0.05)
        kind = scheduler.worker_kind
        scheduler.stop()
        assert scheduler.stats.restarts == 2
        assert kind == "thread"

    asyncio.run(session())
    assert [d.code for d in published[0].outcome.diagnostics] == ["LF110", "LF201"]
    assert notices == ["lossflint: the linting process does not start; linting in a thread"]


NET = """\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return {head}
"""
TRAIN = """\
import torch
from torch import nn

from net import Net

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
"""


def test_an_open_document_reads_the_project_and_the_others_unsaved_text(
    client: Client, tmp_path: Path
):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "net.py").write_text(NET.format(head="self.fc(x)"))
    train = tmp_path / "train.py"
    train.write_text(TRAIN)
    train_uri = open_doc(client, train, TRAIN)
    assert client.diagnostics(train_uri) == []  # Net returns logits on disk
    # net.py opened and edited, unsaved: its forward now ends in softmax
    net_uri = open_doc(client, tmp_path / "net.py", NET.format(head="self.fc(x)"))
    assert client.diagnostics(net_uri) == []
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": net_uri, "version": 2},
            "contentChanges": [{"text": NET.format(head="F.softmax(self.fc(x), dim=1)")}],
        },
    )
    diags = client.diagnostics(train_uri)
    assert [(d["code"], d["range"]["start"]["line"]) for d in diags] == [("LF101", 10)]
    related = diags[0]["relatedInformation"]
    assert related[0]["location"]["uri"] == net_uri  # the evidence is in the other file
    # closed without saving: train.py reads net.py from disk again
    client.notify("textDocument/didClose", {"textDocument": {"uri": net_uri}})
    assert client.diagnostics(train_uri) == []
    # saved to disk: a new lint of train.py sees it
    (tmp_path / "net.py").write_text(NET.format(head="F.softmax(self.fc(x), dim=1)"))
    client.notify("textDocument/didSave", {"textDocument": {"uri": train_uri}})
    assert [d["code"] for d in client.diagnostics(train_uri)] == ["LF101"]


def test_a_kept_result_is_served_only_while_the_imported_summaries_hold(tmp_path: Path):
    from lossflint.lsp.jobs import Runner
    from lossflint.lsp.messages import LINT, Job

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    net = tmp_path / "net.py"
    net.write_text(NET.format(head="self.fc(x)"))
    train = str(tmp_path / "train.py")
    runner = Runner()

    def lint(overlays: tuple[tuple[str, str], ...] = ()) -> tuple[list[str], int]:
        outcome = runner.run(Job(LINT, TRAIN, train, train, None, overlays))
        return [d.code for d in outcome.diagnostics], outcome.lints

    assert lint() == ([], 1)
    assert lint() == ([], 0)  # nothing changed: kept
    softmax = NET.format(head="F.softmax(self.fc(x), dim=1)")
    assert lint(((str(net), softmax),)) == (["LF101"], 1)  # the unsaved text counts
    assert lint(((str(net), softmax),)) == (["LF101"], 0)
    assert lint() == ([], 1)  # back to the file on disk
    net.write_text(softmax)
    assert lint() == (["LF101"], 1)  # saved by another program
    assert lint(((str(net), NET.format(head="self.fc(x) # a comment")),)) == ([], 1)


def test_a_worker_whose_server_is_gone_exits_even_mid_job():
    """Regression: the worker waited for its job to end before it read the
    end of its input, so a job that did not end kept the process (and the
    pipes it shares with the editor) alive after the server was killed."""
    from lossflint.lsp.messages import LINT, Job
    from lossflint.lsp.worker import read_frame, write_frame

    functions = "".join(
        f"def f{i}(x):\n    return torch.log(torch.softmax(x, dim=1)) * {i}\n" for i in range(3000)
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "lossflint.lsp.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert read_frame(proc.stdout) == ("ready",)
        write_frame(proc.stdin, ("job", 1, Job(LINT, "import torch\n" + functions, None, "t.py")))
        time.sleep(0.3)  # the job runs (several seconds)
        proc.stdin.close()
        start = time.monotonic()
        assert proc.wait(timeout=TIMEOUT) == 0
        assert time.monotonic() - start < 3
    finally:
        proc.kill()
        proc.wait()
