"""Generated documentation is current: regenerate in memory and compare with the committed files."""

from __future__ import annotations

from pathlib import Path

from lambdalint.docs import render_all
from lambdalint.engine import all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_rule_docs_and_readme_table_are_current() -> None:
    pages, readme = render_all(all_rules(), (ROOT / "README.md").read_text(encoding="utf-8"))
    stale = [rel for rel, text in pages.items()
             if not (ROOT / rel).exists() or (ROOT / rel).read_text(encoding="utf-8") != text]
    assert not stale, f"stale docs (run `lambdalint docs`): {stale}"
    current = (ROOT / "README.md").read_text(encoding="utf-8")
    assert current == readme, "README rules table is stale (run `lambdalint docs`)"


def test_every_rule_page_has_the_required_sections() -> None:
    for rule in all_rules():
        page = (ROOT / "docs" / "rules" / f"{rule.id}.md").read_text(encoding="utf-8")
        for heading in ("## Why is this bad?", "## How to fix", "## Problematic configuration",
                        "## Correct configuration", "## References"):
            assert heading in page, (rule.id, heading)
