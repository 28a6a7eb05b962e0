"""Coping-skill analytics on hand-worked logs (SUDS 0–100, Wolpe 1969).

The clinic used by every test below, with each log's distress drop (before − after):

    client a (therapist p1), weeks starting Monday 2 March and 16 March 2026
      L1  Mon 2 Mar 09:00  breath  70 → 40  drop 30  helpful 4  goal ga1 (work)
      L2  Mon 2 Mar 18:00  breath  60 → 50  drop 10  helpful 3  goal ga1   (same skill twice in one day)
      L3  Wed 4 Mar        ground  80 → —   no after rating, no helpfulness, goal ga1
      L4  Tue 17 Mar       ground  50 → 20  drop 30  helpful 5  goal ga2 (sleep)
      L5  Thu 19 Mar       walk    40 → 45  drop −5  helpful 2  no goal
    client b (p1): no logs at all
    client c (p2), client d (p3, outside supervisor sup's team): a few logs, used for scope.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from analytics.coping import weekly_practice
from analytics.errors import AccessDenied
from analytics.scope import scope_for

MAR = dt.date(2026, 3, 2)


def build(clinic) -> None:
    clinic.practitioner("sup", role="supervisor")
    clinic.practitioner("p1", supervisor="sup")
    clinic.practitioner("p2", supervisor="sup")
    clinic.practitioner("p3")
    clinic.client("a", "p1", intake="2026-01-05", code="AX-01")
    clinic.client("b", "p1", intake="2026-01-05", code="BX-02")
    clinic.client("c", "p2", intake="2026-01-05", code="CX-03")
    clinic.client("d", "p3", intake="2026-01-05", code="DX-04")
    clinic.skill("breath", "Paced breathing", category="breathing")
    clinic.skill("ground", "5-4-3-2-1 grounding", category="grounding")
    clinic.skill("walk", "Brisk walk", category="activity")
    clinic.goal("ga1", "a", start="2026-02-02", life_area="work")
    clinic.goal("ga2", "a", start="2026-02-02", life_area="sleep")
    clinic.goal("gb", "b", start="2026-02-02", life_area="work")
    clinic.goal("gc", "c", start="2026-02-02", life_area="relationships")
    clinic.goal("gd", "d", start="2026-02-02", life_area="work")
    clinic.coping_log("L1", "a", "breath", "2026-03-02T09:00", 70, 40, 4, goal="ga1")
    clinic.coping_log("L2", "a", "breath", "2026-03-02T18:00", 60, 50, 3, goal="ga1")
    clinic.coping_log("L3", "a", "ground", "2026-03-04T12:00", 80, None, None, goal="ga1")
    clinic.coping_log("L4", "a", "ground", "2026-03-17T21:00", 50, 20, 5, goal="ga2")
    clinic.coping_log("L5", "a", "walk", "2026-03-19T07:30", 40, 45, 2)
    clinic.coping_log("C1", "c", "walk", "2026-03-03T10:00", 60, 30, 5, goal="gc")
    clinic.coping_log("D1", "d", "breath", "2026-03-03T10:00", 90, 10, 5, goal="gd")


def as_rows(frame) -> list[tuple]:
    return [
        (
            row.week.date(),
            row.logs,
            row.distinct_skills,
            None if math.isnan(row.mean_distress_drop) else row.mean_distress_drop,
        )
        for row in frame.itertuples()
    ]


def test_weekly_practice_counts_every_log_but_drops_only_those_with_an_after_rating(db, clinic) -> None:
    build(clinic)
    frame = weekly_practice(db, scope_for(db, "therapist", "p1"), "a", MAR, dt.date(2026, 3, 22))
    assert list(frame.columns) == ["week", "logs", "distinct_skills", "mean_distress_drop"]
    # Week of 2 Mar: L1, L2 (breath twice on one day) and L3 (ground, no after) = 3 logs,
    #   2 distinct skills; mean drop over L1 and L2 only = (30 + 10) / 2 = 20.
    # Week of 9 Mar: nothing logged, still listed with 0 logs and no drop.
    # Week of 16 Mar: L4 (ground, 30) and L5 (walk, −5) = 2 logs, 2 skills, (30 − 5) / 2 = 12.5.
    assert as_rows(frame) == [
        (dt.date(2026, 3, 2), 3, 2, 20.0),
        (dt.date(2026, 3, 9), 0, 0, None),
        (dt.date(2026, 3, 16), 2, 2, 12.5),
    ]


def test_weekly_practice_for_one_goal_counts_only_logs_linked_to_it(db, clinic) -> None:
    build(clinic)
    frame = weekly_practice(
        db, scope_for(db, "therapist", "p1"), "a", MAR, dt.date(2026, 3, 22), goal_id="ga1"
    )
    # ga1 holds L1, L2, L3; L4 belongs to ga2 and L5 to no goal.
    assert as_rows(frame) == [
        (dt.date(2026, 3, 2), 3, 2, 20.0),
        (dt.date(2026, 3, 9), 0, 0, None),
        (dt.date(2026, 3, 16), 0, 0, None),
    ]


def test_weekly_practice_counts_only_logs_inside_the_dates_even_in_a_partial_week(db, clinic) -> None:
    build(clinic)
    # From Wednesday 4 Mar to Tuesday 17 Mar: the first week keeps only L3 (no after rating,
    # so no drop), the last week only L4 (drop 30); L1, L2 and L5 fall outside.
    frame = weekly_practice(
        db, scope_for(db, "therapist", "p1"), "a", dt.date(2026, 3, 4), dt.date(2026, 3, 17)
    )
    assert as_rows(frame) == [
        (dt.date(2026, 3, 2), 1, 1, None),
        (dt.date(2026, 3, 9), 0, 0, None),
        (dt.date(2026, 3, 16), 1, 1, 30.0),
    ]


def test_weekly_practice_of_a_client_with_no_logs_is_every_week_at_zero(db, clinic) -> None:
    build(clinic)
    frame = weekly_practice(db, scope_for(db, "therapist", "p1"), "b", MAR, dt.date(2026, 3, 15))
    assert as_rows(frame) == [(dt.date(2026, 3, 2), 0, 0, None), (dt.date(2026, 3, 9), 0, 0, None)]


@pytest.mark.parametrize(
    ("role", "practitioner", "client"),
    [("therapist", "p2", "a"), ("supervisor", "sup", "d"), ("therapist", "p1", "no-such-client")],
)
def test_weekly_practice_refuses_a_client_outside_the_viewers_scope(
    db, clinic, role, practitioner, client
) -> None:
    build(clinic)
    with pytest.raises(AccessDenied):
        weekly_practice(db, scope_for(db, role, practitioner), client, MAR, dt.date(2026, 3, 22))
