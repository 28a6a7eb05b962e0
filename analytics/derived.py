"""Derived data: tables computed from the clinical tables, kept in step by their writers.

The follow-up audit (docs/audit.md) needs, for every attended session, the goals active at
it, whether they were checked in, and the run of unchecked sessions it belongs to; and for
every goal, its status over time. Computing that from all of history on every page view
costs seconds at health-system scale (docs/performance.md, item 4), although it changes
only when sessions, goals, goal events or check-ins change. So it is stored:

- `audit_goal_spans`: a goal's lifecycle status (and carried-forward achievement status)
  from each event until the next;
- `audit_sessions`: one row per attended session with its facts;
- `audit_goal_checkins`: the days each goal was checked in.

Both hold only what `analytics/sql/derived.sql` computes from the clinical tables, per
client: a client's rows depend on that client's sessions, goals, events and check-ins alone
(the importer refuses a check-in linked to another client's session). Whoever writes those
tables calls `refresh(cur, clients)` in the same transaction, for the clients whose rows it
wrote (`touched_clients` works them out for an import): the importer
(`analytics/ingest/load.py`), the demo builder (`analytics/demo.py`) and the migration that
created the tables (`analytics/schema.py`) do. `audit.cases_raw` is the same definition
read from the clinical tables directly; tests/test_derived.py checks that both agree.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from analytics.db import Database

TABLES: tuple[str, ...] = ("audit_goal_spans", "audit_sessions", "audit_goal_checkins")
# Per table, its statements in derived.sql; in this order, because the session facts read
# the status spans.
STEPS: dict[str, tuple[str, str]] = {
    "audit_goal_spans": ("delete_spans", "insert_spans"),
    "audit_sessions": ("delete_sessions", "insert_sessions"),
    "audit_goal_checkins": ("delete_checkins", "insert_checkins"),
}


def refresh(
    cur: duckdb.DuckDBPyConnection,
    clients: Iterable[str] | None = None,
    *,
    tables: Iterable[str] = TABLES,
) -> None:
    """Recompute the derived rows of `clients` (every client when None) on `cur`, in the
    derived `tables` (all three unless a writer knows that its change reaches fewer: a
    check-in made on a day without a session changes no session's facts).

    Runs inside the caller's transaction when there is one (so a failed write leaves the
    derived rows as they were); otherwise it is its own statement sequence, and the caller
    should wrap it in a transaction.
    """
    wanted = set(tables)
    unknown = wanted - set(TABLES)
    if unknown:
        raise ValueError(f"Not derived tables: {sorted(unknown)}")
    if clients is None:
        cur.execute(Database.sql_text("derived.clients_all"))
    else:
        ids = sorted({str(c) for c in clients})
        if not ids or not wanted:
            return
        cur.execute(Database.sql_text("derived.clients_given"), {"clients": ids})
    try:
        for table in TABLES:
            if table in wanted:
                delete, insert = STEPS[table]
                cur.execute(Database.sql_text(f"derived.{delete}"))
                cur.execute(Database.sql_text(f"derived.{insert}"))
    finally:
        cur.execute(Database.sql_text("derived.drop_clients"))


def rebuild(db: Database) -> None:
    """Recompute every derived row of `db` in one transaction (e.g. after a repair by hand)."""
    with db.transaction() as cur:
        refresh(cur)
