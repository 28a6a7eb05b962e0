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


# ---------------------------------------------------------------- docs/data-format.md
DATA_FORMAT = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")


def _table_section(table: str) -> str:
    start = DATA_FORMAT.index(f"### `{table}`")
    end = DATA_FORMAT.find("\n### ", start + 1)
    return DATA_FORMAT[start:end]


def test_every_importable_table_and_column_is_in_data_format_md_with_its_type_and_values() -> None:
    from analytics.ingest.tables import TABLES

    for table in TABLES:
        section = _table_section(table.name)
        for column in table.columns:
            line = next((x for x in section.splitlines() if x.startswith(f"| `{column.name}` |")), None)
            assert line, f"{table.name}.{column.name} is not in docs/data-format.md"
            assert ("| yes |" in line) is column.required, f"{table.name}.{column.name}: required?"
            for value in column.values or ():
                assert f"`{value}`" in line, f"{table.name}.{column.name}: allowed value {value!r}"
            if column.low is not None:
                assert f"{column.low:g} to {column.high:g}" in line


def test_every_measure_is_in_data_format_md() -> None:
    from analytics.ingest.tables import MEASURES

    for measure in MEASURES:
        assert f"| `{measure}` |" in DATA_FORMAT, measure


def test_every_validation_rule_is_in_data_format_md_with_its_severity() -> None:
    from analytics.ingest.validate import RULES

    for table, column, severity, reason, _ in RULES:
        # The fixed words of the message: up to a per-column part (a list, a range, a table).
        fixed = re.sub(r"^Refers to a [a-z ]+? that", "Refers to a T that", reason)
        fixed = re.split(r"(?<=values): | \(|\d", fixed)[0].strip()
        lines = [x for x in DATA_FORMAT.splitlines() if fixed in x]
        assert lines, f"rule {table}.{column}: {reason!r} is not in docs/data-format.md"
        if severity == "warning":
            assert any("warning" in x for x in lines), f"{reason!r} is a warning; say so"


def test_every_file_level_import_message_is_in_data_format_md() -> None:
    # Messages given to report.error/warn (and self.error in the FHIR mapping) as literals;
    # for f-strings, their literal pieces.
    import ast

    missing = []
    for name in ("tabular.py", "load.py", "fhir.py"):
        tree = ast.parse((ROOT / "analytics" / "ingest" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("error", "warn")):
                continue
            if not node.args:
                continue
            reason = node.args[-1]
            pieces = (
                [reason.value]
                if isinstance(reason, ast.Constant) and isinstance(reason.value, str)
                else [v.value for v in reason.values if isinstance(v, ast.Constant)]
                if isinstance(reason, ast.JoinedStr)
                else []
            )
            for piece in pieces:
                piece = piece.strip(" .;:,()")
                if len(piece) >= 12 and piece not in DATA_FORMAT:
                    missing.append(f"{name}:{node.lineno}: {piece!r}")
    assert missing == []


def test_the_templates_have_exactly_each_tables_columns_in_order() -> None:
    from analytics.ingest.tables import TABLES

    templates = ROOT / "data" / "templates"
    assert sorted(p.stem for p in templates.glob("*.csv")) == sorted(t.name for t in TABLES)
    for table in TABLES:
        header = (templates / f"{table.name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert tuple(header.split(",")) == table.column_names, table.name
