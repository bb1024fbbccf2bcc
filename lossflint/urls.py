"""Where a rule's documentation lives: its page in the repository.

``docs/rules/LFxxx.md`` is generated from the rule (``python -m
lossflint.docsgen``) and committed, so the link works as soon as the commit
is pushed; a test checks that every code has its page.
"""

from __future__ import annotations

REPOSITORY = "https://github.com/lossflint/lossflint"
RULE_DOCS = f"{REPOSITORY}/blob/main/docs/rules"


def rule_url(code: str) -> str:
    return f"{RULE_DOCS}/{code}.md"
