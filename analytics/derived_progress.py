"""Stored progress summaries: what the therapist's views read instead of every check-in.

The caseload and the client page need, for every goal, its latest check-in, progress, trend
and derived achievement status, the sparkline's last points and the sessions since the last
check-in; computing them means reading all of a goal's check-ins in order, and a
practitioner's goals are spread through the whole `goal_checkins` table, so at
health-system scale every caseload read all ~5 M check-ins (docs/performance.md, item 2).
Those facts change only when a client's sessions, goals, goal events or check-ins change,
so they are stored:

- `goal_progress`: one row per goal, the relation `goal_facts` of analytics/sql/caseload.sql
  (the status summary of docs/progress.md plus the caseload's facts) computed as of the last
  day of the client's data, by the very SQL the views run on the raw tables;
- `client_progress`: one row per client, the attended sessions and the last one, and the
  `horizon`: the latest date of any of the client's attended sessions, goal starts, goal
  events, check-ins, or starts of goals revising theirs.

A client's stored rows are the exact answer for any as-of date on or after its horizon
(nothing of theirs is dated later, so nothing is cut off), and the views use them only then;
for an earlier as-of date (looking back), or a client without stored rows, the views compute
from the raw tables as before. Nothing about the viewer is stored: the scope is checked
against `clients` on every read.

Whoever writes clients, sessions, goals, goal events or check-ins calls
`refresh_progress(cur, clients)` in the same transaction, for the clients whose rows it wrote
(`touched_clients` works them out for an import): the importer (analytics/ingest/load.py),
the demo builder (analytics/demo.py) and the migration that created the tables
(analytics/schema.py) do. `rebuild` recomputes everything, e.g. after a repair by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from analytics.db import Database

TABLES: tuple[str, ...] = ("goal_progress", "client_progress")

# "As of the end of the data": every check-in, event and session counts.
END_OF_DATA = dt.date(9999, 12, 31)


def goal_facts_sql() -> str:
    """The SQL computing `goal_facts` (analytics/sql/caseload.sql) from the raw tables: the
    check-in points and lifecycle of progress.sql, the status relations, the caseload extras.
    All texts are this package's own SQL files, never outside text."""

    def body(name: str) -> str:
        return Database.sql_text(name).rstrip().rstrip(";")

    from analytics.progress import points_relations
    from analytics.progress import relation_text as relation

    return (
        f"WITH {points_relations()},\n"
        f"lifecycle AS (\n{relation('progress.goal_lifecycle_as_of')}\n)\n"
        f"{body('progress.status_relations')}\n"
        f"{body('caseload.goal_extras')}\n"
        f"{body('caseload.goal_facts')}\n"
    )


def facts_params(
    scope: list[str], as_of: dt.date, client_ids: list[str] | None, series_length: int
) -> dict[str, object]:
    """The bound values `goal_facts_sql` needs (the measure thresholds as lists, as in
    analytics/progress.py)."""
    from analytics import progress

    measures = list(progress.MEASURE_RULES)
    return {
        "scope": scope,
        "measure_names": measures,
        "reliable_change": [progress.MEASURE_RULES[m].reliable_change for m in measures],
        "meaningful_change": [progress.MEASURE_RULES[m].meaningful_change for m in measures],
        "client_id": None,
        "goal_ids": None,
        "client_ids": client_ids,
        "as_of": as_of,
        "series_length": series_length,
    }


def refresh_progress(
    cur: duckdb.DuckDBPyConnection,
    clients: Iterable[str] | None = None,
    goals: Iterable[str] | None = None,
) -> None:
    """Recompute the stored summaries of `clients` and of the clients of `goals` (every
    client when both are None) on `cur`.

    Runs inside the caller's transaction when there is one, so a failed write leaves the
    summaries as they were; a caller without one should wrap it in a transaction.
    """
    from analytics.caseload import SERIES_LENGTH

    everything = clients is None and goals is None
    if everything:
        cur.execute(Database.sql_text("derived_progress.clients_all"))
    else:
        client_ids = sorted({str(c) for c in clients or ()})
        goal_ids = sorted({str(g) for g in goals or ()})
        if not client_ids and not goal_ids:
            return
        cur.execute(
            Database.sql_text("derived_progress.clients_given"), {"clients": client_ids, "goals": goal_ids}
        )
    try:
        practitioners, ids = cur.execute(Database.sql_text("derived_progress.refresh_scope")).fetchone()
        # A full rebuild also drops the rows of clients that no longer exist.
        for name in (
            ("delete_every_goal", "delete_every_client") if everything else ("delete_goals", "delete_clients")
        ):
            cur.execute(Database.sql_text(f"derived_progress.{name}"))
        if ids:
            # A full rebuild passes no client list: the scope (every practitioner with a
            # client) already covers every client, and a 50,000-id list would only be probed.
            wanted = None if everything else list(ids)
            cur.execute(
                f"{goal_facts_sql()}\n{Database.sql_text('derived_progress.insert_goals')}",
                facts_params(list(practitioners), END_OF_DATA, wanted, SERIES_LENGTH),
            )
            cur.execute(Database.sql_text("derived_progress.insert_clients"))
    finally:
        cur.execute(Database.sql_text("derived_progress.drop_clients"))


def touched_clients(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """The clients whose stored summaries an import is about to change: the clients of every
    staged client, session, goal, goal event and check-in row that will be inserted or
    updated, before and after the write (a row can move from one client to another). Call it
    after the import's comparison (`action_*` tables) and before its write."""
    return [row[0] for row in cur.execute(Database.sql_text("derived_progress.touched_clients")).fetchall()]


def rebuild(db: Database) -> None:
    """Recompute every stored summary of `db` in one transaction (e.g. after a repair by hand)."""
    with db.transaction() as cur:
        refresh_progress(cur)
