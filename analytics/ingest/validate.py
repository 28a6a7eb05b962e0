# ruff: noqa: S608 -- identifiers here come only from the allow-list in analytics/ingest/tables.py; values are bound.
"""Set-based validation of the staged rows, in SQL, before anything is written.

`raw_<table>` holds every value as text; `stage_<table>` the same rows typed (and with
defaults filled in). Every rule is one query returning the file and row of each row that
breaks it, so a million-row file is checked in a few scans, and every problem is found,
not only the first. Column names come from `tables.TABLES` (an allow-list); values are
bound. References look in the files being imported and in the database (`cur_<table>`).
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from analytics.ingest.fhir import ELEMENT
from analytics.ingest.report import ERROR, WARNING, ImportReport
from analytics.ingest.tables import MEASURES, TABLES, Table

DB = "waymark.main"  # the attached database; staging tables live in temp

_TYPE_REASON = {
    "DATE": "Not a date in the form YYYY-MM-DD.",
    "DOUBLE": "Not a number (use a point for decimals, no units).",
    "BOOLEAN": "Not true or false.",
    "INTEGER": "Not a whole number.",
    "TIMESTAMP": "Not a date and time in the form YYYY-MM-DD HH:MM[:SS].",
}


def create_raw(cur: duckdb.DuckDBPyConnection) -> None:
    """Empty text staging tables, one per importable table."""
    for t in TABLES:
        cols = ", ".join(f'"{c.name}" VARCHAR' for c in t.columns)
        cur.execute(
            f"CREATE OR REPLACE TEMP TABLE raw_{t.name} (__file VARCHAR, __row VARCHAR, __seq BIGINT, {cols})"
        )


def _typed(t: Table, fill: dict[str, str] | None = None) -> str:
    parts = []
    for c in t.columns:
        expr = f'TRY_CAST("{c.name}" AS {c.type})' if c.type != "VARCHAR" else f'"{c.name}"'
        if c.type == "INTEGER":  # TRY_CAST('3.5' AS INTEGER) rounds; a SUDS of 3.5 is an error, not 4
            expr = f'CASE WHEN TRY_CAST("{c.name}" AS DOUBLE) = floor(TRY_CAST("{c.name}" AS DOUBLE)) THEN {expr} END'
        if c.default is not None:
            expr = f"COALESCE({expr}, '{c.default}')"
        if fill and c.name in fill:
            expr = f"COALESCE({expr}, {fill[c.name]})"
        parts.append(f'{expr} AS "{c.name}"')
    return ", ".join(parts)


def create_stage(cur: duckdb.DuckDBPyConnection) -> None:
    """Typed staging tables and the `cur_<table>` views (staged rows over database rows)."""
    measures = ", ".join(f"('{m}', {lo}, {hi}, {str(hib).lower()})" for m, (lo, hi, hib) in MEASURES.items())
    for t in TABLES:
        if t.name == "goals":
            # An empty scale is the measure's own; a given one must agree (checked below).
            cur.execute(
                "CREATE OR REPLACE TEMP TABLE stage_goals AS SELECT __file, __row, __seq, "
                + _typed(t, {"scale_min": "m.lo", "scale_max": "m.hi", "higher_is_better": "m.hib"})
                + " "
                f"FROM raw_goals r LEFT JOIN (VALUES {measures}) m(measure_name, lo, hi, hib) "
                "ON r.measure = m.measure_name"
            )
        else:
            cur.execute(
                f"CREATE OR REPLACE TEMP TABLE stage_{t.name} AS SELECT __file, __row, __seq, {_typed(t)} FROM raw_{t.name}"
            )
        cols = ", ".join(f'"{c.name}"' for c in t.columns)
        cur.execute(
            f"CREATE OR REPLACE TEMP VIEW cur_{t.name} AS "
            f"SELECT {cols}, TRUE AS staged FROM stage_{t.name} "
            f"UNION ALL SELECT {cols}, FALSE AS staged FROM {DB}.{t.name} d "
            f"ANTI JOIN stage_{t.name} s ON d.{t.key} = s.{t.key}"
        )


def _rules() -> Iterator[tuple[str, str, str, str, str]]:
    """(table, column, severity, reason, SQL returning __file, __row[, detail])."""
    for t in TABLES:
        for c in t.columns:
            q = f'"{c.name}"'
            if c.required:
                yield (t.name, c.name, ERROR, "Required, but empty.",
                       f"SELECT __file, __row FROM raw_{t.name} WHERE {q} IS NULL")  # fmt: skip
            if c.type != "VARCHAR":
                excel = ""
                if c.type in ("DATE", "TIMESTAMP"):
                    # 45234 is 2023-11-03 in Excel's day count: a date column that lost its format.
                    yield (t.name, c.name, ERROR,
                           "Looks like an Excel serial date number; format the column as a date "
                           "(YYYY-MM-DD) before saving as CSV.",
                           f"SELECT __file, __row FROM raw_{t.name} WHERE regexp_full_match({q}, '\\d{{5}}(\\.\\d+)?')")  # fmt: skip
                    excel = f" AND NOT regexp_full_match({q}, '\\d{{5}}(\\.\\d+)?')"
                cast = f"TRY_CAST({q} AS {c.type})"
                bad = f"{cast} IS NULL"
                if c.type == "INTEGER":
                    bad = f"(TRY_CAST({q} AS DOUBLE) IS NULL OR TRY_CAST({q} AS DOUBLE) <> floor(TRY_CAST({q} AS DOUBLE)))"
                yield (t.name, c.name, ERROR, _TYPE_REASON[c.type],
                       f"SELECT __file, __row FROM raw_{t.name} WHERE {q} IS NOT NULL AND {bad}{excel}")  # fmt: skip
            if c.values:
                allowed = ", ".join(c.values)
                yield (t.name, c.name, ERROR, f"Not one of the allowed values: {allowed}.",
                       f"SELECT __file, __row FROM stage_{t.name} WHERE {q} IS NOT NULL AND {q} NOT IN "
                       f"({', '.join(repr(v) for v in c.values)})")  # fmt: skip
            if c.low is not None:
                yield (t.name, c.name, ERROR, f"Outside its range {c.low:g} to {c.high:g}.",
                       f"SELECT __file, __row FROM stage_{t.name} WHERE {q} NOT BETWEEN {c.low} AND {c.high}")  # fmt: skip
        # The same id twice in the files being imported.
        yield (t.name, t.key, ERROR, "Duplicate id: the same id is on an earlier row",
               f"SELECT __file, __row, ' (' || first_file || ', row ' || first_row || ')' FROM ("
               f"SELECT __file, __row, row_number() OVER w AS n, first_value(__file) OVER w AS first_file, "
               f"first_value(__row) OVER w AS first_row FROM stage_{t.name} WHERE {t.key} IN "
               # Find repeated ids with a hash aggregate first; order only their rows.
               f"(SELECT {t.key} FROM stage_{t.name} GROUP BY {t.key} HAVING count(*) > 1) "
               f"WINDOW w AS (PARTITION BY {t.key} ORDER BY __seq)) WHERE n > 1")  # fmt: skip
        for column, target in t.references:
            key = next(x.key for x in TABLES if x.name == target)
            yield (t.name, column, ERROR,
                   f"Refers to a {target[:-1].replace('_', ' ')} that is neither in the files nor in the database.",
                   f"SELECT s.__file, s.__row FROM stage_{t.name} s ANTI JOIN cur_{target} r "
                   f"ON s.{column} = r.{key} WHERE s.{column} IS NOT NULL")  # fmt: skip

    yield (
        "clients",
        "discharge_date",
        ERROR,
        "Discharge is before intake.",
        "SELECT __file, __row FROM stage_clients WHERE discharge_date < intake_date",
    )
    yield (
        "clients",
        "display_code",
        ERROR,
        "This display code is already used by another client (codes are unique).",
        "SELECT s.__file, s.__row FROM stage_clients s JOIN cur_clients c "
        "ON s.display_code = c.display_code AND s.client_id <> c.client_id",
    )
    yield (
        "coping_skills",
        "name",
        ERROR,
        "This skill name is already used by another skill (names are unique).",
        "SELECT s.__file, s.__row FROM stage_coping_skills s JOIN cur_coping_skills c "
        "ON s.name = c.name AND s.skill_id <> c.skill_id",
    )
    measures = ", ".join(f"('{m}', {lo}, {hi}, {str(hib).lower()})" for m, (lo, hi, hib) in MEASURES.items())
    for column in ("scale_min", "scale_max", "higher_is_better"):
        ref = {"scale_min": "lo", "scale_max": "hi", "higher_is_better": "hib"}[column]
        yield ("goals", column, ERROR, "Does not agree with the goal's measure (see docs/data-format.md).",
               f"SELECT s.__file, s.__row FROM stage_goals s JOIN (VALUES {measures}) m(name, lo, hi, hib) "
               f"ON s.measure = m.name WHERE s.{column} IS DISTINCT FROM m.{ref}")  # fmt: skip
    for column in ("baseline", "target"):
        yield (
            "goals",
            column,
            ERROR,
            "Outside the goal's scale.",
            f"SELECT __file, __row FROM stage_goals WHERE {column} NOT BETWEEN scale_min AND scale_max",
        )
    yield (
        "goals",
        "target_date",
        ERROR,
        "Target date is before the start date.",
        "SELECT __file, __row FROM stage_goals WHERE target_date < start_date",
    )
    yield (
        "goal_checkins",
        "value",
        ERROR,
        "Outside its goal's scale",
        "SELECT s.__file, s.__row, ' (' || g.scale_min || ' to ' || g.scale_max || ')' "
        "FROM stage_goal_checkins s JOIN cur_goals g USING (goal_id) "
        "WHERE s.value NOT BETWEEN g.scale_min AND g.scale_max",
    )
    yield (
        "goal_checkins",
        "checkin_date",
        ERROR,
        "The check-in is dated before its goal's start date.",
        "SELECT s.__file, s.__row FROM stage_goal_checkins s JOIN cur_goals g USING (goal_id) "
        "WHERE s.checkin_date < g.start_date",
    )
    yield (
        "goal_checkins",
        "checkin_date",
        WARNING,
        "The check-in is dated after the client's discharge.",
        "SELECT s.__file, s.__row FROM stage_goal_checkins s JOIN cur_goals g USING (goal_id) "
        "JOIN cur_clients c ON c.client_id = g.client_id WHERE s.checkin_date > c.discharge_date",
    )
    yield (
        "goal_checkins",
        "session_id",
        ERROR,
        "The session belongs to a different client than the goal.",
        "SELECT s.__file, s.__row FROM stage_goal_checkins s JOIN cur_goals g USING (goal_id) "
        "JOIN cur_sessions e ON e.session_id = s.session_id WHERE e.client_id <> g.client_id",
    )
    yield (
        "goal_events",
        "event_date",
        ERROR,
        "The event is dated before its goal's start date.",
        "SELECT s.__file, s.__row FROM stage_goal_events s JOIN cur_goals g USING (goal_id) "
        "WHERE s.event_date < g.start_date",
    )
    yield (
        "coping_logs",
        "goal_id",
        ERROR,
        "The goal belongs to a different client.",
        "SELECT s.__file, s.__row FROM stage_coping_logs s JOIN cur_goals g USING (goal_id) "
        "WHERE g.client_id <> s.client_id",
    )
    yield (
        "sessions",
        "session_date",
        WARNING,
        "The session is dated after the client's discharge.",
        "SELECT s.__file, s.__row FROM stage_sessions s JOIN cur_clients c USING (client_id) "
        "WHERE s.session_date > c.discharge_date",
    )


RULES = list(_rules())


def validate(cur: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
    """Run every rule over the staged rows and add a problem for each row that breaks it."""
    for table, column, severity, reason, sql in RULES:
        for row in cur.execute(sql).fetchall():
            detail = row[2] if len(row) > 2 and row[2] else ""
            text = reason if reason.endswith(".") else f"{reason}{detail}."
            add = report.error if severity == ERROR else report.warn
            where = str(row[1])
            # A FHIR row is named by its resource (Goal/x): name the FHIR element too.
            shown = ELEMENT.get(table, {}).get(column, column) if "/" in where else column
            add(row[0], where, shown, text)
