"""The benchmark's import half: CSV import throughput of goal check-ins (validation
included) and the import that writes while the load run reads (analytics/bench.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.csv as pa_csv

from analytics.bench import IMPORT_BUDGET_ROWS_PER_S, ROOT, Report, Row, temporary_copy
from analytics.db import Database


def _write_csv(db: Database, query: str, params: dict[str, Any], out: Path) -> int:
    with db.connection() as cur:
        table = cur.execute(db.sql_text(query), params).arrow()
    if hasattr(table, "read_all"):  # a RecordBatchReader on newer DuckDB
        table = table.read_all()
    pa_csv.write_csv(table, out)
    return table.num_rows


def new_checkins_csv(db: Database, out: Path, rows: int) -> int:
    """Write `rows` new, valid check-ins (fresh ids, existing goals, inside each goal's scale,
    on or after its start) to `out`, named goal_checkins.csv so the importer knows the table."""
    return _write_csv(db, "bench.new_checkins", {"rows": rows}, out)


def existing_checkins_csv(db: Database, out: Path, rows: int, exclude_client: str, note: str) -> int:
    """Write `rows` existing check-ins (same ids and values, the note `note`) of clients other
    than `exclude_client`: an import that really writes but changes no number a page shows."""
    params = {"rows": rows, "exclude_client": exclude_client, "note": note}
    return _write_csv(db, "bench.existing_checkins", params, out)


def run(report: Report, path: Path, rows_wanted: int, echo: Callable[[str], None] = print) -> None:
    """Import `rows_wanted` new check-ins from CSV into a copy of the database; report rows/s
    of the whole import (read, every validation rule, upsert in one transaction)."""
    try:
        from analytics.ingest import import_files
    except ImportError as exc:
        report.absent.append({"key": "import", "label": "CSV import", "reason": f"analytics.ingest: {exc}"})
        echo(f"  absent: CSV import ({exc})")
        return
    copy = temporary_copy(path)
    try:
        db = Database(copy)
        try:
            csv = copy.parent / "goal_checkins.csv"
            written = new_checkins_csv(db, csv, rows_wanted)
            size_mb = csv.stat().st_size / 1e6
            started = time.perf_counter()
            result = import_files(db, [csv], write=False)
            check_s = time.perf_counter() - started
            started = time.perf_counter()
            result = import_files(db, [csv], write=True)
            full_s = time.perf_counter() - started
            after = int(db.scalar("SELECT count(*) FROM goal_checkins WHERE checkin_id LIKE 'bench-%'"))
        finally:
            db.close()
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)
    if not result.ok:
        report.errors.append(
            {"key": "import", "label": "CSV import", "error": f"rejected: {result.summary()}"[:500]}
        )
        echo(f"  error: import rejected: {result.summary()}")
        return
    rate = written / full_s
    report.rows.append(
        Row(
            "import",
            "import_check",
            "CSV import of check-ins, validate only (--check)",
            cold_ms=round(check_s * 1000, 1),
            value=round(written / check_s),
            unit="rows/s",
            note=f"{written:,} rows, {size_mb:.0f} MB",
        )
    )
    report.rows.append(
        Row(
            "import",
            "import_csv",
            "CSV import of check-ins, validated and written",
            cold_ms=round(full_s * 1000, 1),
            value=round(rate),
            unit="rows/s",
            budget=f">= {IMPORT_BUDGET_ROWS_PER_S:,.0f} rows/s",
            status="pass" if rate >= IMPORT_BUDGET_ROWS_PER_S else "over",
            agree=after == written,
            note=f"{written:,} rows, {size_mb:.0f} MB, {after:,} in the table afterwards; seconds by step: "
            + ", ".join(f"{step} {seconds:.2f}" for step, seconds in result.phases.items()),
        )
    )
    echo(f"  import: {written:,} rows in {full_s:.2f} s = {rate:,.0f} rows/s (check only {check_s:.2f} s)")


def load_importer(path: Path, report: Report) -> Callable[[], dict[str, Any]] | None:
    """For the load run: a function that runs the CLI import (another process, as an operator
    would) of existing check-ins into `path`, each time with a new note so that every import
    really writes; None if there is no importer."""
    try:
        import analytics.ingest  # noqa: F401
    except ImportError:
        return None
    exclude = str(report.context.get("client_id", ""))
    # Two files with different notes, imported in turn: each import changes every row.
    files = []
    db = Database(path)
    try:
        for n in (1, 2):
            folder = path.parent / f"import-{n}"
            folder.mkdir(exist_ok=True)
            csv = folder / "goal_checkins.csv"
            rows = existing_checkins_csv(db, csv, 200_000, exclude, f"re-imported ({n})")
            files.append(csv)
    finally:
        db.close()
    count = [0]

    def importer() -> dict[str, Any]:
        csv = files[count[0] % 2]
        count[0] += 1
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "analytics", "import", str(csv), "--db", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        return {
            "rows": rows,
            "seconds": round(time.perf_counter() - started, 2),
            "exit_status": done.returncode,
            "summary": (done.stderr.strip().splitlines() or [""])[0][:200],
        }

    return importer
