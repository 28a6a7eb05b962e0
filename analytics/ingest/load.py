# ruff: noqa: S608 -- identifiers here come only from the allow-list in analytics/ingest/tables.py; values are bound.
"""The import: stage every file, validate everything, then write all of it in one
transaction or nothing at all.

A failed validation writes nothing (the database file is not even opened for writing);
an import whose rows all equal what is stored writes nothing either, so re-importing the
same file leaves the database as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from analytics.db import Database, _translate
from analytics.derived import refresh as refresh_derived
from analytics.derived_progress import refresh_progress, touched_clients
from analytics.ingest import fhir
from analytics.ingest.report import ImportReport
from analytics.ingest.tables import TABLES
from analytics.ingest.tabular import stage_csv, stage_parquet
from analytics.ingest.validate import DB, create_raw, create_stage, validate
from analytics.schema import NEW_DATA_VERSION

Progress = Callable[[float, str], None]
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
FHIR_SUFFIXES = {".json", ".ndjson", ".jsonl"}
SUPPORTED = sorted(CSV_SUFFIXES | PARQUET_SUFFIXES | FHIR_SUFFIXES)


def _files(
    paths: Iterable[str | os.PathLike[str] | tuple[str | os.PathLike[str], str]],
) -> list[tuple[Path, str]]:
    out = []
    for item in paths:
        path, shown = item if isinstance(item, tuple) else (item, Path(item).name)
        path = Path(path)
        if path.is_dir():
            out.extend((p, p.name) for p in sorted(path.iterdir()) if p.suffix.lower() in SUPPORTED)
        else:
            out.append((path, shown))
    return out


def _stage_rows(cur: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, str | None]]) -> None:
    """Put rows mapped from FHIR into `raw_<table>` (values as text, like a CSV)."""
    if not rows:
        return
    spec = next(t for t in TABLES if t.name == table)
    frame = pd.DataFrame(rows, columns=["__file", "__row", *spec.column_names]).astype(object)
    frame = frame.where(frame.notna(), None)
    cols = ", ".join(f'"{c}"' for c in spec.column_names)
    start = cur.execute(f"SELECT count(*) FROM raw_{table}").fetchone()[0]
    cur.register("fhir_rows", frame)
    try:
        cur.execute(
            f"INSERT INTO raw_{table} (__file, __row, __seq, {cols}) "
            f"SELECT __file, __row, $start + row_number() OVER (), {cols} FROM fhir_rows",
            {"start": start},
        )
    finally:
        cur.unregister("fhir_rows")


def _counts(cur: duckdb.DuckDBPyConnection, report: ImportReport, staged: dict[str, int]) -> None:
    """Compare every staged row with the stored one: insert, update or unchanged.

    Runs after validation passed, so each staged id is present and appears once. Which ids
    are stored already is found from the stored id column alone; only those rows are then
    compared column by column (`action_<table>`), so a file of new rows never reads the
    stored rows' other columns.
    """
    for t in TABLES:
        # Every table gets its comparison table, empty when nothing staged is stored yet, so
        # that what reads it (the write, the derived-data refresh) never sees a previous
        # import's rows: a staged row without an entry here is new.
        cur.execute(f"CREATE OR REPLACE TEMP TABLE action_{t.name} (key VARCHAR, action VARCHAR)")
        rows = staged.get(t.name, 0)
        if not rows:
            continue
        stored = cur.execute(
            f"SELECT count(*) FROM stage_{t.name} s SEMI JOIN {DB}.{t.name} d ON d.{t.key} = s.{t.key}"
        ).fetchone()[0]
        found = {"insert": rows - stored}
        if stored:
            same = " AND ".join(f'd."{c}" IS NOT DISTINCT FROM s."{c}"' for c in t.column_names)
            cur.execute(
                f"CREATE OR REPLACE TEMP TABLE action_{t.name} AS SELECT s.{t.key} AS key, "
                f"CASE WHEN {same} THEN 'same' ELSE 'update' END AS action "
                f"FROM stage_{t.name} s JOIN {DB}.{t.name} d ON d.{t.key} = s.{t.key}"
            )
            found.update(
                cur.execute(f"SELECT action, count(*) FROM action_{t.name} GROUP BY action").fetchall()
            )
        report.counts[t.name] = {
            "inserted": int(found.get("insert", 0)),
            "updated": int(found.get("update", 0)),
            "unchanged": int(found.get("same", 0)),
        }


def _write(cur: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
    """New rows by a plain insert (fast); changed rows by an upsert on the id."""
    for t in TABLES:
        counts = report.counts.get(t.name, {})
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        stored = counts.get("updated", 0) + counts.get("unchanged", 0)
        if counts.get("inserted"):
            # The staged rows whose id is not stored (all of them when none is).
            new = f" ANTI JOIN action_{t.name} a ON a.key = s.{t.key}" if stored else ""
            cur.execute(f"INSERT INTO {DB}.{t.name} ({cols}) SELECT {cols} FROM stage_{t.name} s{new}")
        if counts.get("updated"):
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in t.column_names if c != t.key)
            cur.execute(
                f"INSERT INTO {DB}.{t.name} ({cols}) SELECT {cols} FROM stage_{t.name} s "
                f"SEMI JOIN action_{t.name} a ON a.key = s.{t.key} AND a.action = $action "
                f"ON CONFLICT ({t.key}) DO UPDATE SET {sets}",
                {"action": "update"},
            )


# The clients whose derived rows (analytics/derived.py) an import can change, from the rows
# it inserts or updates, both as the file says and as the database says (a row moved to
# another client changes both owners); rows equal to the stored ones change nothing: a
# staged row is new or changed unless `action_<table>` marks it the same, a stored row
# changes when it marks it an update.
# - "all": the owners of changed goals and of the goals of changed events (a goal's status
#   and existence reach every derived table);
# - "sessions": the owners of changed sessions, and of the goals of changed check-ins that
#   are linked to a session or made on a day the client attended one (any other check-in
#   changes no session's facts);
# - "checkins": the owners of the goals of changed check-ins (their check-in days).
_CHANGED = "ANTI JOIN action_{t} a ON a.key = {k} AND a.action = 'same'"
_UPDATED = "SEMI JOIN action_{t} a ON a.key = {k} AND a.action = 'update'"
_AT_A_SESSION = (
    f"(k.session_id IS NOT NULL OR EXISTS (SELECT 1 FROM {DB}.sessions x WHERE x.client_id = g.client_id "
    "AND x.session_date = k.checkin_date AND x.attended))"
)
_TOUCHED: dict[str, dict[str, str]] = {
    "goals": {
        "all": "SELECT s.client_id FROM stage_goals s "
        + _CHANGED.format(t="goals", k="s.goal_id")
        + f" UNION SELECT d.client_id FROM {DB}.goals d "
        + _UPDATED.format(t="goals", k="d.goal_id"),
    },
    "goal_events": {
        "all": f"SELECT g.client_id FROM {DB}.goals g WHERE g.goal_id IN ("
        "SELECT s.goal_id FROM stage_goal_events s "
        + _CHANGED.format(t="goal_events", k="s.event_id")
        + f" UNION SELECT d.goal_id FROM {DB}.goal_events d "
        + _UPDATED.format(t="goal_events", k="d.event_id")
        + ")",
    },
    "sessions": {
        "sessions": "SELECT s.client_id FROM stage_sessions s "
        + _CHANGED.format(t="sessions", k="s.session_id")
        + f" UNION SELECT d.client_id FROM {DB}.sessions d "
        + _UPDATED.format(t="sessions", k="d.session_id"),
    },
    "goal_checkins": {
        "sessions": f"SELECT g.client_id FROM stage_goal_checkins k JOIN {DB}.goals g USING (goal_id) "
        + _CHANGED.format(t="goal_checkins", k="k.checkin_id")
        + f" WHERE {_AT_A_SESSION}"
        + f" UNION SELECT g.client_id FROM {DB}.goal_checkins k JOIN {DB}.goals g USING (goal_id) "
        + _UPDATED.format(t="goal_checkins", k="k.checkin_id")
        + f" WHERE {_AT_A_SESSION}",
        "checkins": f"SELECT g.client_id FROM {DB}.goals g WHERE g.goal_id IN ("
        "SELECT s.goal_id FROM stage_goal_checkins s "
        + _CHANGED.format(t="goal_checkins", k="s.checkin_id")
        + f" UNION SELECT d.goal_id FROM {DB}.goal_checkins d "
        + _UPDATED.format(t="goal_checkins", k="d.checkin_id")
        + ")",
    },
}


def _touched_clients(
    cur: duckdb.DuckDBPyConnection, report: ImportReport, found: dict[str, set[str]]
) -> None:
    """Add to `found` ("all", "sessions", "checkins") the clients whose derived rows this
    import changes, as the database stands now (called before and after the write)."""
    for table, kinds in _TOUCHED.items():
        counts = report.counts.get(table, {})
        if counts.get("inserted") or counts.get("updated"):
            for kind, sql in kinds.items():
                found.setdefault(kind, set()).update(
                    str(row[0]) for row in cur.execute(sql).fetchall() if row[0] is not None
                )


def _refresh_derived(cur: duckdb.DuckDBPyConnection, found: dict[str, set[str]]) -> None:
    """Refresh the derived rows of the touched clients, each in the tables its change reaches."""
    everything = found.get("all", set())
    refresh_derived(cur, everything)
    refresh_derived(cur, found.get("sessions", set()) - everything, tables=("audit_sessions",))
    refresh_derived(cur, found.get("checkins", set()) - everything, tables=("audit_goal_checkins",))


def import_files(
    db: Database,
    paths: Sequence[str | os.PathLike[str] | tuple[str | os.PathLike[str], str]],
    *,
    write: bool = True,
    default_practitioner: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate `paths` (files or folders; `(path, shown name)` pairs for uploads) and, if
    every check passes and `write` is true, upsert all their rows in one transaction.

    Returns the report: problems, counts per table (inserted/updated/unchanged), skipped
    FHIR resources and the importer's decisions.
    """
    started = time.perf_counter()
    report = ImportReport()
    files = _files(paths)
    report.files = [shown for _, shown in files]
    tell = progress or (lambda fraction, message: None)
    if not files:
        report.error("", "", "", "No files to import.")
        return report
    with db.connection() as cur:
        create_raw(cur)
        fhir_files: list[tuple[Path, str]] = []
        for i, (path, shown) in enumerate(files):
            tell(0.6 * i / len(files), f"Reading {shown}")
            suffix = path.suffix.lower()
            if not path.is_file():
                report.error(shown, "", "", "No such file.")
            elif suffix in CSV_SUFFIXES:
                report.rows_read += stage_csv(cur, path, shown, report)
            elif suffix in PARQUET_SUFFIXES:
                report.rows_read += stage_parquet(cur, path, shown, report)
            elif suffix in FHIR_SUFFIXES:
                fhir_files.append((path, shown))
            else:
                report.error(shown, "", "", f"Unsupported file type; use one of {', '.join(SUPPORTED)}.")
        if fhir_files:
            tell(0.6, "Mapping FHIR resources")
            mapped = fhir.map_files(fhir_files, report, known=lambda t, k: _exists(cur, t, k),
                                    default_practitioner=default_practitioner)  # fmt: skip
            for table, rows in mapped.items():
                report.rows_read += len(rows)
                _stage_rows(cur, table, rows)
        lap = _Lap(report, started)
        lap("read")
        tell(0.7, "Checking every row")
        staged = create_stage(cur)
        validate(cur, report, staged)
        lap("check")
        if not report.ok:
            report.seconds = time.perf_counter() - started
            tell(1.0, "Rejected")
            return report
        _counts(cur, report, staged)
        lap("compare")
        changes = sum(c["inserted"] + c["updated"] for c in report.counts.values())
        if write and changes:
            tell(0.85, "Writing")
            cur.execute("BEGIN TRANSACTION")
            try:
                touched: dict[str, set[str]] = {}
                _touched_clients(cur, report, touched)  # as stored before the write
                # The stored progress summaries' clients, read before the write (before and
                # after owners alike, from the staged and stored rows).
                progress_clients = touched_clients(cur)
                _write(cur, report)
                lap("write")
                _touched_clients(cur, report, touched)  # and as written
                # Derived rows of those clients, in the same transaction: the audit's, each in
                # the tables its change reaches, and the stored progress summaries.
                _refresh_derived(cur, touched)
                refresh_progress(cur, progress_clients)
                lap("derived")
                cur.execute(NEW_DATA_VERSION)
                cur.execute("COMMIT")
                lap("commit")
            except duckdb.Error as exc:
                cur.execute("ROLLBACK")
                raise _translate(exc, db.path) from None
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        report.written = write
    report.seconds = time.perf_counter() - started
    tell(1.0, "Done")
    return report


class _Lap:
    """Records the seconds since the last lap under a step's name in `report.phases`."""

    def __init__(self, report: ImportReport, started: float) -> None:
        self._report, self._last = report, started

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self._report.phases[step] = round(now - self._last, 3)
        self._last = now


def _exists(cur: duckdb.DuckDBPyConnection, table: str, key: str) -> bool:
    """Whether the database already holds this id (FHIR references across imports)."""
    spec = next(t for t in TABLES if t.name == table)
    return bool(
        cur.execute(f"SELECT count(*) FROM {DB}.{table} WHERE {spec.key} = $k", {"k": key}).fetchone()[0]
    )
