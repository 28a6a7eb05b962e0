"""Clinic overview counts on a hand-made clinic."""

from __future__ import annotations

import datetime as dt

from analytics.overview import clinic_counts, default_as_of, monthly_activity
from analytics.scope import Scope, scope_for


def build(clinic) -> None:
    clinic.practitioner("sup", role="supervisor")
    clinic.practitioner("p1", supervisor="sup")
    clinic.practitioner("p2", supervisor="sup")
    clinic.practitioner("p3")  # not supervised by sup
    clinic.client("a", "p1", intake="2026-01-05")
    clinic.client("b", "p1", intake="2026-01-05", discharge="2026-02-20")
    clinic.client("c", "p2", intake="2026-02-01")
    clinic.client("d", "p3", intake="2026-01-05")
    clinic.goal("ga", "a", start="2026-01-05")
    clinic.goal("gb", "b", start="2026-01-05")
    clinic.goal("gc", "c", start="2026-02-01", status="on-hold")
    clinic.goal("gd", "d", start="2026-01-05")
    clinic.session("a1", "a", "2026-01-05")
    clinic.session("a2", "a", "2026-02-02")
    clinic.session("a3", "a", "2026-02-16", attended=False)
    clinic.session("b1", "b", "2026-01-12")
    clinic.session("c1", "c", "2026-02-03")
    clinic.session("d1", "d", "2026-02-03")
    clinic.checkin("k1", "ga", "2026-01-05", 3, session="a1")
    clinic.checkin("k2", "gb", "2026-01-12", 4, session="b1")
    clinic.checkin("k3", "gd", "2026-02-03", 5, session="d1")


def test_counts_are_scoped_and_dated(db, clinic) -> None:
    build(clinic)
    team = scope_for(db, "supervisor", "sup")
    assert team == Scope(("p1", "p2", "sup"))
    # As of 1 March: a and c are active (b was discharged 20 Feb; d is outside the team).
    # Active goals: ga only (gb's client is discharged, gc is on hold).
    # Attended sessions in the 90 days before: a1, a2, b1, c1 = 4 (a3 was missed, d1 is p3's).
    # Check-ins: k1, k2 = 2 (k3 is p3's).
    counts = clinic_counts(db, team, dt.date(2026, 3, 1))
    assert counts == {
        "practitioners": 2,
        "active_clients": 2,
        "active_goals": 1,
        "sessions_90d": 4,
        "checkins_90d": 2,
    }
    # A therapist sees only their own client d.
    assert clinic_counts(db, scope_for(db, "therapist", "p3"), dt.date(2026, 3, 1))["active_clients"] == 1


def test_monthly_activity_counts_sessions_with_a_checkin(db, clinic) -> None:
    build(clinic)
    frame = monthly_activity(db, Scope(("p1", "p2")), dt.date(2026, 3, 1))
    # January: a1 (checked), b1 (checked) -> 2 of 2. February: a2, c1 attended, neither checked -> 0 of 2.
    assert frame["attended_sessions"].tolist() == [2, 2]
    assert frame["sessions_with_checkin"].tolist() == [2, 0]
    assert frame["checkin_share"].tolist() == [1.0, 0.0]


def test_default_as_of_falls_back_to_the_last_recorded_day_for_stale_data(db, clinic) -> None:
    build(clinic)
    assert default_as_of(db, today=dt.date(2026, 11, 22)) == dt.date(2026, 2, 16)
    assert default_as_of(db, today=dt.date(2026, 2, 20)) == dt.date(2026, 2, 20)
