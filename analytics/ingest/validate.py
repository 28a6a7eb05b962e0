# ruff: noqa: S608 -- identifiers here come only from the allow-list in analytics/ingest/tables.py; values are bound.
"""Set-based validation of the staged rows, in SQL, before anything is written.

`raw_<table>` holds every value as text; `stage_<table>` is a view of the same rows typed
(and with defaults filled in), beside the text of each typed column (`__raw_<column>`). It is
a view, not a copy: casting a column again where it is read costs less than writing a
second copy of every staged row. Every rule is
a SQL expression over one staged row and the rows it refers to: NULL when the row passes,
else the detail to add to the reason ('' for none). All of a table's rules are evaluated in
one `SELECT` over its staged rows (one scan, each referenced table joined once), which
returns only the rows that break something; every problem is found, not only the first.
Column names come from `tables.TABLES` (an allow-list); values are bound. References look in
the files being imported and in the database (`cur_<table>`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import duckdb

from analytics.ingest.fhir import ELEMENT
from analytics.ingest.report import ERROR, WARNING, ImportReport
from analytics.ingest.tables import MEASURES, TABLES, Column, Table

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


class Rule(NamedTuple):
    """One validation rule. `check` is a SQL expression over a staged row `s` (and the rows
    it refers to, see `_joins`): NULL when the row passes, else the detail for the reason."""

    table: str
    column: str
    severity: str
    reason: str
    check: str


def _keeps_text(c: Column) -> bool:
    """Whether the typed value can differ from the file's text (a cast, or a default)."""
    return c.type != "VARCHAR" or c.default is not None


def _text(c: Column) -> str:
    """The staged row's text of column `c`, as the file gave it."""
    return f's."__raw_{c.name}"' if _keeps_text(c) else f's."{c.name}"'


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
        if _keeps_text(c):
            parts.append(f'"{c.name}" AS "__raw_{c.name}"')
    return ", ".join(parts)


_MEASURES_SQL = ", ".join(f"('{m}', {lo}, {hi}, {str(hib).lower()})" for m, (lo, hi, hib) in MEASURES.items())


def create_stage(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Typed staging views and the `cur_<table>` views (staged rows over database rows);
    returns the number of staged rows per table."""
    staged: dict[str, int] = {}
    for t in TABLES:
        if t.name == "goals":
            # An empty scale is the measure's own; a given one must agree (checked below).
            cur.execute(
                "CREATE OR REPLACE TEMP VIEW stage_goals AS SELECT __file, __row, __seq, "
                + _typed(t, {"scale_min": "m.lo", "scale_max": "m.hi", "higher_is_better": "m.hib"})
                + " "
                f"FROM raw_goals r LEFT JOIN (VALUES {_MEASURES_SQL}) m(measure_name, lo, hi, hib) "
                "ON r.measure = m.measure_name"
            )
        else:
            cur.execute(
                f"CREATE OR REPLACE TEMP VIEW stage_{t.name} AS SELECT __file, __row, __seq, {_typed(t)} FROM raw_{t.name}"
            )
        staged[t.name] = int(cur.execute(f"SELECT count(*) FROM raw_{t.name}").fetchone()[0])
        cols = ", ".join(f'"{c.name}"' for c in t.columns)
        if staged[t.name]:
            cur.execute(
                f"CREATE OR REPLACE TEMP VIEW cur_{t.name} AS "
                f"SELECT {cols}, TRUE AS staged FROM stage_{t.name} "
                f"UNION ALL SELECT {cols}, FALSE AS staged FROM {DB}.{t.name} d "
                f"ANTI JOIN stage_{t.name} s ON d.{t.key} = s.{t.key}"
            )
        else:  # nothing staged: the database's rows as they are (no anti join to run)
            cur.execute(
                f"CREATE OR REPLACE TEMP VIEW cur_{t.name} AS SELECT {cols}, FALSE AS staged FROM {DB}.{t.name}"
            )
    return staged


# The alias a reference's row is joined under, where a rule of the table reads it by name.
_REF_ALIAS = {
    ("goal_checkins", "goal_id"): "g",
    ("goal_checkins", "session_id"): "e",
    ("goal_events", "goal_id"): "g",
    ("coping_logs", "goal_id"): "g",
    ("sessions", "client_id"): "c",
}


def _alias(table: str, column: str) -> str:
    return _REF_ALIAS.get((table, column), f"ref_{column}")


def _joins(t: Table) -> str:
    """The staged rows of `t` (alias `s`) with every row its rules read, each joined once."""
    parts = [f"stage_{t.name} s"]
    # Repeated ids: the first row (by order in the files) of each id that occurs twice or more.
    parts.append(
        f"LEFT JOIN (SELECT {t.key} AS id, min(__seq) AS first_seq, arg_min(__file, __seq) AS first_file, "
        f"arg_min(__row, __seq) AS first_row FROM stage_{t.name} WHERE {t.key} IN "
        # Find repeated ids with a plain hash aggregate first; look at only their rows.
        f"(SELECT {t.key} FROM stage_{t.name} GROUP BY {t.key} HAVING count(*) > 1) GROUP BY {t.key}) dup "
        f"ON dup.id = s.{t.key}"
    )
    for column, target in t.references:
        key = next(x.key for x in TABLES if x.name == target)
        alias = _alias(t.name, column)
        parts.append(f"LEFT JOIN cur_{target} {alias} ON {alias}.{key} = s.{column}")
    if t.name == "goal_checkins":
        parts.append("LEFT JOIN cur_clients c ON c.client_id = g.client_id")
    elif t.name == "clients":
        parts.append(
            "LEFT JOIN (SELECT display_code, count(DISTINCT client_id) AS n FROM cur_clients "
            "GROUP BY display_code) code ON code.display_code = s.display_code"
        )
    elif t.name == "coping_skills":
        parts.append(
            "LEFT JOIN (SELECT name, count(DISTINCT skill_id) AS n FROM cur_coping_skills "
            "GROUP BY name) skill_name ON skill_name.name = s.name"
        )
    elif t.name == "goals":
        parts.append(f"LEFT JOIN (VALUES {_MEASURES_SQL}) m(name, lo, hi, hib) ON m.name = s.measure")
    return " ".join(parts)


def _fails(condition: str, detail: str | None = None) -> str:
    """A rule's check: NULL where `condition` is not true, else the detail text ('' for none)."""
    shown = f"coalesce({detail}, '')" if detail else "''"
    return f"CASE WHEN {condition} THEN {shown} END"


def _rules() -> Iterator[Rule]:
    """Every rule, table by table, in the order problems are reported."""
    for t in TABLES:
        for c in t.columns:
            q, text = f's."{c.name}"', _text(c)
            if c.required:
                yield Rule(t.name, c.name, ERROR, "Required, but empty.", _fails(f"{text} IS NULL"))
            if c.type != "VARCHAR":
                excel = ""
                if c.type in ("DATE", "TIMESTAMP"):
                    # 45234 is 2023-11-04 in Excel's day count: a date column that lost its format.
                    serial = f"regexp_full_match({text}, '\\d{{5}}(\\.\\d+)?')"
                    yield Rule(t.name, c.name, ERROR,
                               "Looks like an Excel serial date number; format the column as a date "
                               "(YYYY-MM-DD) before saving as CSV.", _fails(serial))  # fmt: skip
                    excel = f" AND NOT {serial}"
                bad = f"TRY_CAST({text} AS {c.type}) IS NULL"
                if c.type == "INTEGER":
                    number = f"TRY_CAST({text} AS DOUBLE)"
                    bad = f"({number} IS NULL OR {number} <> floor({number}))"
                yield Rule(t.name, c.name, ERROR, _TYPE_REASON[c.type],
                           _fails(f"{text} IS NOT NULL AND {bad}{excel}"))  # fmt: skip
            if c.values:
                allowed = ", ".join(c.values)
                listed = ", ".join(repr(v) for v in c.values)
                yield Rule(t.name, c.name, ERROR, f"Not one of the allowed values: {allowed}.",
                           _fails(f"{q} IS NOT NULL AND {q} NOT IN ({listed})"))  # fmt: skip
            if c.low is not None:
                yield Rule(t.name, c.name, ERROR, f"Outside its range {c.low:g} to {c.high:g}.",
                           _fails(f"{q} NOT BETWEEN {c.low} AND {c.high}"))  # fmt: skip
        # The same id twice in the files being imported.
        yield Rule(t.name, t.key, ERROR, "Duplicate id: the same id is on an earlier row",
                   _fails("s.__seq > dup.first_seq",
                          "' (' || dup.first_file || ', row ' || dup.first_row || ')'"))  # fmt: skip
        for column, target in t.references:
            key = next(x.key for x in TABLES if x.name == target)
            yield Rule(t.name, column, ERROR,
                       f"Refers to a {target[:-1].replace('_', ' ')} that is neither in the files nor in the database.",
                       _fails(f"s.{column} IS NOT NULL AND {_alias(t.name, column)}.{key} IS NULL"))  # fmt: skip

    yield Rule("clients", "discharge_date", ERROR, "Discharge is before intake.",
               _fails("s.discharge_date < s.intake_date"))  # fmt: skip
    # Another client has this code: the code's rows (staged ones included, so this one too)
    # carry more than one client id.
    yield Rule("clients", "display_code", ERROR,
               "This display code is already used by another client (codes are unique).",
               _fails("s.client_id IS NOT NULL AND code.n > 1"))  # fmt: skip
    yield Rule("coping_skills", "name", ERROR,
               "This skill name is already used by another skill (names are unique).",
               _fails("s.skill_id IS NOT NULL AND skill_name.n > 1"))  # fmt: skip
    for column in ("scale_min", "scale_max", "higher_is_better"):
        ref = {"scale_min": "lo", "scale_max": "hi", "higher_is_better": "hib"}[column]
        yield Rule("goals", column, ERROR, "Does not agree with the goal's measure (see docs/data-format.md).",
                   _fails(f"m.name IS NOT NULL AND s.{column} IS DISTINCT FROM m.{ref}"))  # fmt: skip
    for column in ("baseline", "target"):
        yield Rule("goals", column, ERROR, "Outside the goal's scale.",
                   _fails(f"s.{column} NOT BETWEEN s.scale_min AND s.scale_max"))  # fmt: skip
    yield Rule("goals", "target_date", ERROR, "Target date is before the start date.",
               _fails("s.target_date < s.start_date"))  # fmt: skip
    # A revision chain is one client's: the timeline walks a chain through its client's goals.
    yield Rule("goals", "revised_from_goal_id", ERROR, "The goal it revises belongs to a different client.",
               _fails(f"{_alias('goals', 'revised_from_goal_id')}.client_id <> s.client_id"))  # fmt: skip
    yield Rule("goal_checkins", "value", ERROR, "Outside its goal's scale",
               _fails("s.value NOT BETWEEN g.scale_min AND g.scale_max",
                      "' (' || g.scale_min || ' to ' || g.scale_max || ')'"))  # fmt: skip
    yield Rule("goal_checkins", "checkin_date", ERROR, "The check-in is dated before its goal's start date.",
               _fails("s.checkin_date < g.start_date"))  # fmt: skip
    yield Rule("goal_checkins", "checkin_date", WARNING, "The check-in is dated after the client's discharge.",
               _fails("s.checkin_date > c.discharge_date"))  # fmt: skip
    yield Rule("goal_checkins", "session_id", ERROR, "The session belongs to a different client than the goal.",
               _fails("e.client_id <> g.client_id"))  # fmt: skip
    yield Rule("goal_events", "event_date", ERROR, "The event is dated before its goal's start date.",
               _fails("s.event_date < g.start_date"))  # fmt: skip
    yield Rule("coping_logs", "goal_id", ERROR, "The goal belongs to a different client.",
               _fails("g.client_id <> s.client_id"))  # fmt: skip
    yield Rule("sessions", "session_date", WARNING, "The session is dated after the client's discharge.",
               _fails("s.session_date > c.discharge_date"))  # fmt: skip


RULES = list(_rules())


def validate(
    cur: duckdb.DuckDBPyConnection, report: ImportReport, staged: dict[str, int] | None = None
) -> None:
    """Check every staged row against every rule and add a problem for each rule it breaks.

    One query per table with staged rows (`staged`, from `create_stage`; all tables if not
    given): it evaluates all of the table's rules in one pass and returns only the rows
    that break at least one, with one column per rule.
    """
    failures: dict[int, list[tuple]] = {}
    for t in TABLES:
        if staged is not None and not staged.get(t.name):
            continue
        rules = [i for i, rule in enumerate(RULES) if rule.table == t.name]
        checks = ", ".join(f"{RULES[i].check} AS r{i}" for i in rules)
        broken = " OR ".join(f"r{i} IS NOT NULL" for i in rules)
        rows = cur.execute(
            f"SELECT * FROM (SELECT s.__seq, s.__file, s.__row, {checks} FROM {_joins(t)}) "
            f"WHERE {broken} ORDER BY __seq"
        ).fetchall()
        for row in rows:
            for n, i in enumerate(rules):
                if row[3 + n] is not None:
                    failures.setdefault(i, []).append((row[1], row[2], row[3 + n]))
    for i, rule in enumerate(RULES):
        for file, where, detail in failures.get(i, []):
            text = rule.reason if rule.reason.endswith(".") else f"{rule.reason}{detail}."
            add = report.error if rule.severity == ERROR else report.warn
            where = str(where)
            # A FHIR row is named by its resource (Goal/x): name the FHIR element too.
            shown = ELEMENT.get(rule.table, {}).get(rule.column, rule.column) if "/" in where else rule.column
            add(file, where, shown, text)
