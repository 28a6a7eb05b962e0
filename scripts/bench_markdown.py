"""Render benchmark JSON (`python -m analytics bench --json OUT`) as the Markdown tables of
docs/performance.md, so the tables there are reproducible from the stored runs:

    .venv/bin/python scripts/bench_markdown.py docs/performance-results/system.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Run as a script from the checkout: the project root is where `analytics` lives.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.bench import REPORT_KINDS  # noqa: E402


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def _speedup(row: dict[str, Any]) -> str:
    # Older reports have no paired ratio.
    if row["pandas_speedup"] is None:
        return ""
    paired = row.get("paired_speedup")
    text = format(row["pandas_speedup"], "g")
    return text if paired is None else f"{text} (paired {paired:g})"


def _timed(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| what | cold ms | median ms | min | max | CPU ms | budget | | × floor | pandas ÷ DuckDB | answers |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|---:|---|",
    ]
    for r in rows:
        agree = "" if r["agree"] is None else "agree" if r["agree"] else "**differ**"
        out.append(
            f"| {r['label']} | {_ms(r['cold_ms'])} | {_ms(r['median_ms'])} | {_ms(r['min_ms'])} "
            f"| {_ms(r['max_ms'])} | {_ms(r['cpu_ms'])} | {r['budget']} | {r['status']} "
            f"| {'' if r['ratio_to_floor'] is None else format(r['ratio_to_floor'], 'g')} "
            f"| {_speedup(r)} | {agree} |"
        )
    return out


def _valued(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| what | seconds | value | budget | | note |", "|---|---:|---:|---|---|---|"]
    for r in rows:
        seconds = "" if r["cold_ms"] is None else f"{r['cold_ms'] / 1000:,.2f}"
        value = "" if r["value"] is None else f"{r['value']:,.0f} {r['unit']}"
        out.append(f"| {r['label']} | {seconds} | {value} | {r['budget']} | {r['status']} | {r['note']} |")
    return out


def _load(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| what | median ms | p95 ms | max ms | answers | note |", "|---|---:|---:|---:|---|---|"]
    for r in rows:
        agree = "" if r["agree"] is None else "all agree" if r["agree"] else "**some differ**"
        out.append(
            f"| {r['label']} | {_ms(r['median_ms'])} | {_ms(r['value'])} | {_ms(r['max_ms'])} "
            f"| {agree} | {r['note']} |"
        )
    return out


def render(report: dict[str, Any]) -> str:
    machine, database = report["machine"], report["database"]
    lines = [
        f"Database: {database.get('rows')}; built in {database.get('build_seconds')} s"
        + (" (reused)." if database.get("reused") else "."),
        f"Load average {machine.get('load_average_at_start')} at start, "
        f"{machine.get('load_average_at_end')} at end; run took {report.get('seconds')} s; "
        f"commit {machine.get('commit')}.",
        "",
    ]
    for kind in REPORT_KINDS:
        rows = [r for r in report["rows"] if r["kind"] == kind]
        if not rows:
            continue
        lines.append(f"**{kind}**")
        lines.append("")
        if kind in ("app", "import", "memory"):
            lines.extend(_valued(rows))
        elif kind == "load":
            lines.extend(_load(rows))
        else:
            lines.extend(_timed(rows))
        lines.append("")
    for entry in report.get("errors", []):
        lines.append(f"- error: {entry['label']}: {entry['error']}")
    return "\n".join(lines)


def main(paths: list[str]) -> int:
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            print(render(json.load(handle)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
