"""Generate ``docs/rules/`` from the rule registry.

Run ``python -m lossflint.docsgen`` after changing a rule; a test fails when
the committed pages are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lossflint.registry import all_rules


def rule_pages() -> dict[str, str]:
    from lossflint.cli import rules_markdown_index

    pages = {"README.md": rules_markdown_index()}
    for code, rule in all_rules().items():
        pages[f"{code}.md"] = rule.docs_markdown()
    return pages


def write(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    pages = rule_pages()
    for stale in out_dir.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        path = out_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main() -> None:
    out = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "docs" / "rules"
    )
    for path in write(out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
