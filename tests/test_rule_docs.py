"""Rule documentation that holds (issue 17 item 6): every rule says what to
write instead (and the rule is silent on it), links the framework docs, and
every link lossflint prints points at a page that exists in this repository."""

from __future__ import annotations

import json
import re

import pytest

from lossflint.examples import dedent
from lossflint.linter import RuleSet, lint_text
from lossflint.output import FORMATTERS
from lossflint.registry import all_rules
from lossflint.urls import REPOSITORY, RULE_DOCS, rule_url
from tests.conftest import ROOT

RULES = all_rules()


def page_of(url: str):  # type: ignore[no-untyped-def]
    """The file of this checkout that a rule URL shows on GitHub."""
    assert url.startswith(f"{RULE_DOCS}/"), url
    return ROOT / "docs" / "rules" / url[len(RULE_DOCS) + 1 :]


@pytest.mark.parametrize("code", RULES)
def test_rule_url_is_a_committed_page(code: str):
    page = page_of(rule_url(code))
    assert page.is_file(), f"{page} missing: run python -m lossflint.docsgen"
    assert page.read_text(encoding="utf-8").startswith(f"# {code} ")


def test_links_point_at_the_readme_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"repo: {REPOSITORY}\n" in readme
    assert RULE_DOCS == f"{REPOSITORY}/blob/main/docs/rules"


def test_printed_links_are_the_pages(run_cli, tmp_path):
    (tmp_path / "t.py").write_text("import torch\nlp = torch.log(torch.softmax(x, dim=1))\n")
    _, out, _ = run_cli("check", "--no-cache", "--output-format", "json", "t.py", cwd=tmp_path)
    assert page_of(json.loads(out)[0]["url"]).name == "LF201.md"
    _, out, _ = run_cli("check", "--no-cache", "--output-format", "sarif", "t.py", cwd=tmp_path)
    for rule in json.loads(out)["runs"][0]["tool"]["driver"]["rules"]:
        assert page_of(rule["helpUri"]).is_file()
    assert FORMATTERS["sarif"] is not None


@pytest.mark.parametrize("code", RULES)
def test_use_instead_is_a_program_the_rule_is_silent_on(code: str):
    rule = RULES[code]
    assert rule.use_instead.strip(), f"{code}: add use_instead"
    source = dedent(rule.use_instead)
    compile(source, f"{code}-use-instead.py", "exec")
    enabled = [c for c, r in RULES.items() if r.default_enabled or c == code]
    result = lint_text(source, "use_instead.py", RuleSet(enabled), [])
    assert not result.errors
    assert [d for d in result.diagnostics if d.code == code] == []
    assert "# error:" not in source


@pytest.mark.parametrize("code", RULES)
def test_references_link_the_framework_docs(code: str):
    references = RULES[code].references
    assert references, f"{code}: add references"
    for title, url in references:
        assert title.strip() and re.match(r"https://[\w.-]+\.[a-z]+/", url), (title, url)


def test_pages_show_use_instead_and_references():
    page = RULES["LF201"].docs_markdown()
    assert "## Use instead\n\n```python\n" in page
    assert "## References\n\n- [" in page
    assert page.index("## Example") < page.index("## Use instead") < page.index("## Fix safety")
