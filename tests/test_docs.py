"""The docs are tested too: every CLI command, every page and every doc is documented."""

from __future__ import annotations

import re
from pathlib import Path

from analytics.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in sub.choices:
        assert re.search(rf"`{name}\b", README), f"`python -m analytics {name}` is not in README.md"


def test_every_page_is_in_the_readme_page_table() -> None:
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    titles = [
        kw.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page"
        for kw in node.keywords
        if kw.arg == "title"
    ]
    assert titles
    for title in titles:
        assert f"| {title} |" in README, f"page {title!r} is missing from README's page table"


def test_every_doc_is_linked_from_the_readme() -> None:
    for doc in (ROOT / "docs").glob("*.md"):
        assert f"docs/{doc.name}" in README, f"docs/{doc.name} is not linked from README.md"


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["./scripts/run.sh", "./scripts/test.sh"]
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
