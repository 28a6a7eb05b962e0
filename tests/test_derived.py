"""The audit's derived tables (analytics/derived.py) give exactly the answer read from the
clinical tables (`source="raw"`, the definition of docs/audit.md), and writers keep them in
step: the demo builder for everything, an import for the clients it touches and only those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from analytics import derived
from analytics.audit import (
    METRIC_KEYS,
    Period,
    audit_cases,
    audit_overview,
    audit_period,
    audit_rates,
    clinic_headline,
    month_periods,
    monthly_trends,
    practitioner_audit,
    previous_period,
    widen,
)
from analytics.db import Database
from analytics.demo import build_demo
from analytics.ingest import import_files
from analytics.overview import default_as_of
from analytics.scope import Scope, scope_for
from tests.factories import Clinic
from tests.test_audit import FEB, JAN, build

CASE_KEY = ["metric", "period_start", "practitioner_id", "client_id", "session_id", "goal_id", "case_date"]


def same_cases(db: Database, scope: Scope, metric: str, period: Period) -> None:
    """The drill-down rows from both sources are the same rows (their order among equal sort
    keys may differ, so both are put in one order first)."""
    got = audit_cases(db, scope, metric, period)
    want = audit_cases(db, scope, metric, period, source="raw")
    assert len(got) == len(want), (metric, period)
    pd.testing.assert_frame_equal(
        got.sort_values(CASE_KEY).reset_index(drop=True),
        want.sort_values(CASE_KEY).reset_index(drop=True),
    )


@pytest.fixture(scope="module")
def demo() -> Iterator[Database]:
    db = Database.memory()
    build_demo(db, seed=7, scale="clinic")
    yield db
    db.close()


def demo_periods(db: Database) -> list[list[Period]]:
    """Groups of periods, each as one call passes them (no two with the same first day)."""
    as_of = default_as_of(db)
    return [
        # Every month of the last two years (the trend's call, twice as long).
        list(month_periods(as_of, 24)),
        # The page's default 3 months and the 3 before them (the headline's call).
        [audit_period(as_of, 3), previous_period(audit_period(as_of, 3))],
        [audit_period(as_of, 12)],
        # Seen from an "as of" date half a year back: the derived rows hold all of history,
        # and a past date must count only what was true then, as the raw definition does.
        [audit_period(as_of - dt.timedelta(days=183), 3)],
    ]


def test_every_practitioner_gets_the_raw_numbers_from_the_derived_tables(demo) -> None:
    practitioners = demo.query_sql("SELECT practitioner_id FROM practitioners ORDER BY 1")["practitioner_id"]
    assert len(practitioners) == 10
    admin = scope_for(demo, "admin", None)
    for periods in demo_periods(demo):
        for pid in practitioners:
            scope = Scope((pid,))
            got = audit_rates(demo, scope, periods)
            want = audit_rates(demo, scope, periods, source="raw")
            assert len(got) == len(want) > 0
            pd.testing.assert_frame_equal(got, want)
        # And the team and clinic roll-ups of the administrator's view.
        pd.testing.assert_frame_equal(
            audit_rates(demo, admin, periods), audit_rates(demo, admin, periods, source="raw")
        )
    # Not a comparison of two empty answers: every metric counts cases in the last year.
    year = audit_rates(demo, admin, [audit_period(default_as_of(demo), 12)])
    clinic = year[year["level"] == "clinic"].set_index("metric")
    assert (clinic.loc[list(METRIC_KEYS), "denominator"] > 0).all()


@pytest.mark.parametrize("metric", METRIC_KEYS)
def test_the_drill_down_rows_are_the_raw_rows(demo, metric) -> None:
    admin = scope_for(demo, "admin", None)
    as_of = default_as_of(demo)
    for period in (
        audit_period(as_of, 3),
        month_periods(as_of, 7)[0],
        audit_period(as_of - dt.timedelta(days=183), 3),
    ):
        same_cases(demo, admin, metric, period)


def test_the_hand_worked_clinic_gets_the_raw_answer_and_the_derived_facts_by_hand(db) -> None:
    build(Clinic(db))
    sup = scope_for(db, "supervisor", "sup")
    admin = scope_for(db, "admin", None)
    periods = [JAN, FEB, Period(dt.date(2025, 12, 1), dt.date(2026, 2, 28))]
    for scope in (sup, admin):
        pd.testing.assert_frame_equal(
            audit_rates(db, scope, periods), audit_rates(db, scope, periods, source="raw")
        )
        for metric in METRIC_KEYS:
            same_cases(db, scope, metric, FEB)
    # Client C by hand (tests/test_audit.py): attended every Monday 5 Jan – 23 Feb but 9 Feb;
    # goal C1 set 12 Jan, so it is expected from the 19 Jan session on (not at the session
    # that set it). Checked in at 19 Jan (linked) and 26 Jan (unlinked, same day); by phone
    # on 9 Feb, a day without an attended session; never at the February sessions, which
    # are therefore a run of three: 2 Feb (1st, the run starts), 16 Feb (2nd), 23 Feb (3rd).
    c = db.query_sql(
        "SELECT session_date, session_number, goals_expected, goals_checked, any_checkin, "
        "run_length, run_start, first_goal_id, first_goal_start "
        "FROM audit_sessions WHERE client_id = 'C' ORDER BY session_date"
    )
    d = dt.date
    assert c["session_date"].dt.date.tolist() == [
        d(2026, 1, 5), d(2026, 1, 12), d(2026, 1, 19), d(2026, 1, 26),
        d(2026, 2, 2), d(2026, 2, 16), d(2026, 2, 23),
    ]  # fmt: skip
    assert c["session_number"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert c["goals_expected"].tolist() == [0, 0, 1, 1, 1, 1, 1]
    assert c["goals_checked"].tolist() == [0, 0, 1, 1, 0, 0, 0]
    assert c["any_checkin"].tolist() == [False, False, True, True, False, False, False]
    assert c["run_length"].fillna(0).astype(int).tolist() == [0, 0, 0, 0, 1, 2, 3]
    assert set(c["run_start"].dropna().dt.date) == {d(2026, 2, 2)}
    assert set(c["first_goal_id"]) == {"C1"}
    # C1's status spans: active from 12 Jan with no later event, so one open span.
    spans = db.query_sql(
        "SELECT lifecycle_status, valid_from, valid_until FROM audit_goal_spans WHERE goal_id = 'C1'"
    )
    assert spans["lifecycle_status"].tolist() == ["active"]
    assert spans["valid_until"].isna().all()


def snapshot(db: Database) -> dict[str, pd.DataFrame]:
    """Every derived row, per table, in a fixed order (lists shown as text, to compare)."""
    out = {}
    for table in derived.TABLES:
        frame = db.query_sql(f"SELECT * FROM {table}")  # noqa: S608 -- table names are the module's own
        for column in frame.columns:
            if frame[column].map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any():
                frame[column] = frame[column].map(str)
        out[table] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def rows_of(snap: dict[str, pd.DataFrame], clients: set[str], keep: bool) -> dict[str, pd.DataFrame]:
    return {
        t: f[f["client_id"].isin(clients) == keep].astype(str).reset_index(drop=True) for t, f in snap.items()
    }


def test_an_import_refreshes_the_derived_rows_of_the_clients_it_touches_and_only_those(
    db, tmp_path: Path
) -> None:
    build(Clinic(db))
    before = snapshot(db)
    # A check-in for C1 at the 16 Feb session (client C); goal A2 completed on 10 Feb
    # (client A); and a check-in for F2 by phone on 10 Feb, a day F had no session (client F:
    # a new check-in day for F2, but no session's facts change). Nothing about B, D, E or Z.
    (tmp_path / "goal_checkins.csv").write_text(
        "checkin_id,goal_id,session_id,checkin_date,value,reporter,note\n"
        "C1-k9,C1,C-s7,2026-02-16,6,client,\n"
        "F2-k1,F2,,2026-02-10,4,client,\n"
    )
    (tmp_path / "goal_events.csv").write_text(
        "event_id,goal_id,event_date,lifecycle_status,achievement_status,note\n"
        "A2-done,A2,2026-02-10,completed,achieved,\n"
    )
    report = import_files(db, [tmp_path / "goal_checkins.csv", tmp_path / "goal_events.csv"])
    assert report.ok and report.written, report.problems
    after = snapshot(db)

    touched = {"A", "C", "F"}
    # The other clients' derived rows are exactly as they were.
    for table, frame in rows_of(before, touched, keep=False).items():
        pd.testing.assert_frame_equal(rows_of(after, touched, keep=False)[table], frame)
    # F's sessions and spans are as they were; its F2 check-in days gained 10 Feb.
    for table in ("audit_sessions", "audit_goal_spans"):
        pd.testing.assert_frame_equal(
            rows_of(after, {"F"}, keep=True)[table], rows_of(before, {"F"}, keep=True)[table]
        )
    f2 = after["audit_goal_checkins"].query("goal_id == 'F2'")["checkin_days"].tolist()
    assert len(f2) == 1 and "2026-02-10" in f2[0]
    assert before["audit_goal_checkins"].query("goal_id == 'F2'").empty  # never checked in before
    # C's 16 Feb session is now checked in, which ends the February run at one session
    # (2 Feb) and starts none until 23 Feb (a new run of one).
    c = after["audit_sessions"].query("client_id == 'C'").sort_values("session_date")
    assert c["goals_checked"].tolist() == [0, 0, 1, 1, 0, 1, 0]
    assert c["run_length"].fillna(0).astype(int).tolist() == [0, 0, 0, 0, 1, 0, 1]
    # A2 is no longer active at A's 16 and 23 Feb sessions: only A1 is expected there (A1
    # is completed at the 23 Feb session itself, so it is still expected at it).
    a = after["audit_sessions"].query("client_id == 'A'").sort_values("session_date")
    assert a["goals_expected"].tolist() == [0, 2, 2, 2, 2, 2, 1, 1]
    # A2's spans: active from 5 Jan until 10 Feb, then completed.
    spans = after["audit_goal_spans"].query("goal_id == 'A2'").sort_values("valid_from")
    assert spans["lifecycle_status"].tolist() == ["active", "completed"]
    assert spans["valid_until"].dt.date.tolist()[0] == dt.date(2026, 2, 10)
    # And the audit from the refreshed rows is still the raw answer.
    admin = scope_for(db, "admin", None)
    pd.testing.assert_frame_equal(
        audit_rates(db, admin, [JAN, FEB]), audit_rates(db, admin, [JAN, FEB], source="raw")
    )


def test_a_full_rebuild_gives_the_rows_the_writers_kept(demo) -> None:
    kept = snapshot(demo)
    derived.rebuild(demo)
    for table, frame in snapshot(demo).items():
        pd.testing.assert_frame_equal(frame.astype(str), kept[table].astype(str))


@pytest.mark.parametrize("months", [1, 3, 12])
def test_the_pages_one_query_gives_what_the_three_functions_give(demo, months) -> None:
    # audit_overview reads the headline's two periods and the trend's twelve months in one
    # query; a one-month period is also the trend's last month and must not count twice.
    as_of = default_as_of(demo)
    period = audit_period(as_of, months)
    for scope in (scope_for(demo, "admin", None), Scope(("prac-02",))):
        overview = audit_overview(demo, scope, period, as_of, 12)
        pd.testing.assert_frame_equal(overview.headline, clinic_headline(demo, scope, period))
        pd.testing.assert_frame_equal(overview.table, practitioner_audit(demo, scope, period))
        pd.testing.assert_frame_equal(overview.trends, monthly_trends(demo, scope, as_of, 12))
    # And those are the raw definition's numbers (the table for every level and group).
    admin = scope_for(demo, "admin", None)
    raw = widen(audit_rates(demo, admin, [period], source="raw"))
    pd.testing.assert_frame_equal(audit_overview(demo, admin, period, as_of, 12).table, raw)


def test_widening_without_a_pivot_gives_the_pivots_table(demo) -> None:
    # widen() reshapes rows that come in blocks of the six metrics directly; rows in any
    # other order go through pandas' pivot. Both must give the same table.
    rates = audit_rates(demo, scope_for(demo, "admin", None), list(month_periods(default_as_of(demo), 3)))
    shuffled = rates.sample(frac=1, random_state=7).reset_index(drop=True)
    pd.testing.assert_frame_equal(widen(rates), widen(shuffled))
    assert len(widen(rates)) == len(rates) // len(METRIC_KEYS)
