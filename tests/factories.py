"""Tiny hand-made clinics for tests: insert rows with sensible defaults, bound values only.

Usage:
    db = Database.memory()
    c = Clinic(db)
    c.practitioner("p1")
    c.client("c1", "p1", intake="2026-01-05")
    c.session("s1", "c1", "2026-01-05")
    c.goal("g1", "c1", start="2026-01-05", measure="self-rated-0-10", baseline=2, target=8)
    c.checkin("k1", "g1", "2026-01-12", 3, session="s1")

Like every writer of sessions, goals, goal events and check-ins, the factory keeps the
audit's derived tables in step (analytics/derived.py). It does so once per burst of writes:
the next time anyone else uses the database (a query, a page, closing it), the derived rows
are recomputed from what the factory wrote, instead of once per inserted row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from analytics.db import Database
from analytics.derived import refresh
from analytics.derived_progress import refresh_progress

# The tables the audit's derived data is computed from.
DERIVED_FROM = frozenset({"sessions", "goals", "goal_events", "goal_checkins"})

SCALES = {
    "self-rated-0-10": (0.0, 10.0, True),
    "gas": (-2.0, 2.0, True),
    "phq-9": (0.0, 27.0, False),
    "gad-7": (0.0, 21.0, False),
}


def d(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


class SummarisedDatabase(Database):
    """A test database that keeps the stored progress summaries as the importer does
    (analytics/derived_progress.py): the clients a `Clinic` wrote are refreshed, in one
    transaction, before the next unit of work. The rows are those a refresh after every write
    would leave, since a refresh reads the tables as they are; batching only saves time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending_clients: set[str] = set()
        self.pending_goals: set[str] = set()

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.pending_clients or self.pending_goals:
            clients, goals = self.pending_clients, self.pending_goals
            self.pending_clients, self.pending_goals = set(), set()
            with self.transaction() as cur:
                refresh_progress(cur, clients, goals)
        with super().connection() as cur:
            yield cur


class Clinic:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._stale = False  # written to since the derived rows were last computed
        self._own = 0  # > 0 while the factory itself is using the database
        inner, close = db.connection, db.close

        @contextmanager
        def connection() -> Iterator[Any]:
            if self._stale and not self._own:
                self._derive(inner)
            with inner() as cur:
                yield cur

        def closing() -> None:
            if self._stale:
                self._derive(inner)
            close()

        # Instance attributes: only this database object, for this clinic's lifetime.
        db.connection = connection  # type: ignore[method-assign]
        db.close = closing  # type: ignore[method-assign]

    def _derive(self, connection: Any) -> None:
        self._stale = False
        with connection() as cur:
            cur.execute("BEGIN TRANSACTION")
            refresh(cur)
            cur.execute("COMMIT")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        self._own += 1
        try:
            yield
        finally:
            self._own -= 1

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        # Table and column names are fixed by the callers below, never by test data.
        cols = ", ".join(row)
        marks = ", ".join(f"${k}" for k in row)
        self._write(f"INSERT INTO {table} ({cols}) VALUES ({marks})", row)
        self._stale = self._stale or table in DERIVED_FROM

    def _write(self, sql: str, row: dict[str, Any]) -> None:
        with self._writing():
            if not isinstance(self.db, SummarisedDatabase):
                self.db.execute_sql(sql, row)
                return
            # The write itself does not refresh; the next unit of work does (see above).
            with Database.connection(self.db) as cur:
                cur.execute(sql, row)
        self.db.pending_clients.update(row[k] for k in ("client_id",) if row.get(k))
        self.db.pending_goals.update(row[k] for k in ("goal_id", "revised_from_goal_id") if row.get(k))

    def practitioner(
        self, pid: str, role: str = "therapist", supervisor: str | None = None, name: str | None = None
    ) -> None:
        self._insert(
            "practitioners",
            {
                "practitioner_id": pid,
                "display_name": name or f"Practitioner {pid}",
                "role": role,
                "supervisor_id": supervisor,
                "email": f"{pid}@example.org",
            },
        )

    def client(
        self,
        cid: str,
        pid: str,
        intake: str = "2026-01-05",
        discharge: str | None = None,
        code: str | None = None,
    ) -> None:
        self._insert(
            "clients",
            {
                "client_id": cid,
                "practitioner_id": pid,
                "display_code": code or f"C-{cid}",
                "intake_date": d(intake),
                "discharge_date": d(discharge) if discharge else None,
            },
        )

    def session(
        self,
        sid: str,
        cid: str,
        date: str,
        attended: bool = True,
        pid: str | None = None,
        kind: str = "individual",
    ) -> None:
        if pid is None:
            with self._writing():
                pid = self.db.scalar("SELECT practitioner_id FROM clients WHERE client_id = $c", {"c": cid})
        self._insert(
            "sessions",
            {
                "session_id": sid,
                "client_id": cid,
                "practitioner_id": pid,
                "session_date": d(date),
                "kind": kind,
                "attended": attended,
            },
        )

    def goal(
        self,
        gid: str,
        cid: str,
        start: str = "2026-01-05",
        measure: str = "self-rated-0-10",
        baseline: float | None = None,
        target: float | None = None,
        target_date: str | None = None,
        status: str = "active",
        achievement: str | None = None,
        revised_from: str | None = None,
        life_area: str = "stress at work",
        description: str | None = None,
        with_event: bool = True,
    ) -> None:
        lo, hi, higher = SCALES[measure]
        if baseline is None:
            baseline = lo if higher else hi
        if target is None:
            target = hi if higher else lo
        self._insert(
            "goals",
            {
                "goal_id": gid,
                "client_id": cid,
                "description": description or f"Goal {gid}",
                "life_area": life_area,
                "start_date": d(start),
                "target_date": d(target_date) if target_date else d(start) + dt.timedelta(days=91),
                "lifecycle_status": status,
                "achievement_status": achievement,
                "revised_from_goal_id": revised_from,
                "measure": measure,
                "scale_min": lo,
                "scale_max": hi,
                "higher_is_better": higher,
                "baseline": baseline,
                "target": target,
            },
        )
        if with_event:
            self.event(f"{gid}-set", gid, start, "active", "in-progress", "goal set")

    def event(
        self,
        eid: str,
        gid: str,
        date: str,
        status: str,
        achievement: str | None = None,
        note: str | None = None,
    ) -> None:
        self._insert(
            "goal_events",
            {
                "event_id": eid,
                "goal_id": gid,
                "event_date": d(date),
                "lifecycle_status": status,
                "achievement_status": achievement,
                "note": note,
            },
        )

    def set_status(self, gid: str, date: str, status: str, achievement: str | None = None) -> None:
        """Record a lifecycle event and make it the goal's current status."""
        self.event(f"{gid}-{status}-{date}", gid, date, status, achievement)
        self._write(
            "UPDATE goals SET lifecycle_status = $s, achievement_status = $a WHERE goal_id = $goal_id",
            {"s": status, "a": achievement, "goal_id": gid},
        )
        self._stale = True

    def checkin(
        self,
        kid: str,
        gid: str,
        date: str,
        value: float,
        session: str | None = None,
        reporter: str = "client",
        note: str | None = None,
    ) -> None:
        self._insert(
            "goal_checkins",
            {
                "checkin_id": kid,
                "goal_id": gid,
                "session_id": session,
                "checkin_date": d(date),
                "value": value,
                "reporter": reporter,
                "note": note,
            },
        )

    def skill(self, sid: str, name: str | None = None, category: str = "grounding") -> None:
        self._insert("coping_skills", {"skill_id": sid, "name": name or f"Skill {sid}", "category": category})

    def coping_log(
        self,
        lid: str,
        cid: str,
        skill: str,
        at: str,
        before: int,
        after: int | None,
        helpfulness: int | None = None,
        goal: str | None = None,
    ) -> None:
        self._insert(
            "coping_logs",
            {
                "log_id": lid,
                "client_id": cid,
                "skill_id": skill,
                "goal_id": goal,
                "logged_at": dt.datetime.fromisoformat(at),
                "distress_before": before,
                "distress_after": after,
                "helpfulness": helpfulness,
                "note": None,
            },
        )
