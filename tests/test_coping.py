"""Coping-skill analytics on hand-worked logs (SUDS 0–100, Wolpe 1969).

The clinic used by every test below, with each log's distress drop (before − after):

    client a (therapist p1), weeks starting Monday 2 March and 16 March 2026
      L1  Mon 2 Mar 09:00  breath  70 → 40  drop 30  helpful 4  goal ga1 (work)
      L2  Mon 2 Mar 18:00  breath  60 → 50  drop 10  helpful 3  goal ga1   (same skill twice in one day)
      L3  Wed 4 Mar        ground  80 → —   no after rating, no helpfulness, goal ga1
      L4  Tue 17 Mar       ground  50 → 20  drop 30  helpful 5  goal ga2 (sleep)
      L5  Thu 19 Mar       walk    40 → 45  drop −5  helpful 2  no goal
    client b (p1): no logs at all
    client c (p2)   C1  Tue 3 Mar   walk    60 → 30  drop 30  helpful 5  goal gc (relationships)
    client d (p3, outside supervisor sup's team)  D1  Tue 3 Mar  breath 90 → 10, goal gd (work)
    client e (p2)   E1  Fri 20 Mar  breath  50 → 30  drop 20  helpful 4  goal ge (sleep)
                    E2  Wed 1 Apr   breath  40 → —   no goal
    client f (p2, discharged 1 Apr, no goals)  F1  Fri 20 Mar  walk  30 → 20  drop 10  helpful 3
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from analytics.coping import (
    client_goals,
    client_summary,
    clinic_skills,
    coping_clients,
    helps_most,
    life_area_practice,
    practice_between_checkins,
    practice_progress_association,
    skill_effects,
    stopped_practising,
    weekly_practice,
)
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
    # Client e keeps practising; client f is discharged on 1 April and has no goal.
    clinic.client("e", "p2", intake="2026-01-05", code="EX-05")
    clinic.client("f", "p2", intake="2026-01-05", discharge="2026-04-01", code="FX-06")
    clinic.goal("ge", "e", start="2026-02-02", life_area="sleep")
    clinic.coping_log("E1", "e", "breath", "2026-03-20T22:00", 50, 30, 4, goal="ge")
    clinic.coping_log("E2", "e", "breath", "2026-04-01T22:00", 40, None, None)
    clinic.coping_log("F1", "f", "walk", "2026-03-20T08:00", 30, 20, 3)
    # Check-ins of goal ga1 (self-rated 0–10, higher is better), for practice against progress.
    # On 23 March the client said 5 and the therapist 7: that day counts as 6.
    for kid, day, value, reporter in [
        ("K1", "2026-02-23", 3, "client"),
        ("K2", "2026-03-02", 4, "client"),
        ("K3", "2026-03-09", 6, "client"),
        ("K4", "2026-03-16", 5, "client"),
        ("K5", "2026-03-23", 5, "client"),
        ("K5p", "2026-03-23", 7, "practitioner"),
        ("K6", "2026-03-30", 6.5, "client"),
    ]:
        clinic.checkin(kid, "ga1", day, value, reporter=reporter)


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


@pytest.mark.parametrize(
    ("include_unlinked", "last_week"),
    [
        # ga1 holds L1, L2, L3; L4 belongs to ga2 and L5 to no goal, so the third week is empty...
        (False, (dt.date(2026, 3, 16), 0, 0, None)),
        # ...unless logs linked to no goal count too: then L5 (walk, drop −5) is that week's one log.
        (True, (dt.date(2026, 3, 16), 1, 1, -5.0)),
    ],
)
def test_weekly_practice_for_one_goal_counts_only_logs_linked_to_it(
    db, clinic, include_unlinked, last_week
) -> None:
    build(clinic)
    frame = weekly_practice(
        db,
        scope_for(db, "therapist", "p1"),
        "a",
        MAR,
        dt.date(2026, 3, 22),
        goal_id="ga1",
        include_unlinked=include_unlinked,
    )
    assert as_rows(frame) == [
        (dt.date(2026, 3, 2), 3, 2, 20.0),
        (dt.date(2026, 3, 9), 0, 0, None),
        last_week,
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


MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_client_summary_counts_an_unrated_log_as_a_use_but_not_in_the_distress_figures(db, clinic) -> None:
    build(clinic)
    summary = client_summary(db, scope_for(db, "therapist", "p1"), "a", *MARCH)
    # March for client a: L1–L5 = 5 logs; L3 has no after rating, so 4 rated and 1 unrated.
    # Skills: breath, ground, walk = 3. Days: 2, 4, 17, 19 March = 4. Weeks: of 2 and 16 March = 2.
    # Drops of the rated logs: 30, 10, 30, −5 -> sorted −5, 10, 30, 30: median (10 + 30) / 2 = 20,
    # mean 65 / 4 = 16.25. Helpfulness 4, 3, 5, 2 (L3 has none): mean 14 / 4 = 3.5 over n = 4.
    assert summary == {
        "logs": 5,
        "rated_logs": 4,
        "unrated_logs": 1,
        "distinct_skills": 3,
        "days_practised": 4,
        "weeks_practised": 2,
        "median_drop": 20.0,
        "mean_drop": 16.25,
        "mean_helpfulness": 3.5,
        "helpfulness_n": 4,
        "last_log": dt.date(2026, 3, 19),
    }


def test_client_summary_of_a_client_with_no_logs_is_zero_with_no_distress_figures(db, clinic) -> None:
    build(clinic)
    summary = client_summary(db, scope_for(db, "therapist", "p1"), "b", *MARCH)
    assert summary["logs"] == 0 and summary["distinct_skills"] == 0
    assert (
        summary["median_drop"] is None and summary["mean_helpfulness"] is None and summary["last_log"] is None
    )


def test_skill_effects_give_uses_and_the_spread_of_the_drop_per_skill(db, clinic) -> None:
    build(clinic)
    frame = skill_effects(db, scope_for(db, "therapist", "p1"), "a", *MARCH, min_uses=2).set_index("skill_id")
    # breath: L1 and L2 on the same day are two uses on one day; drops 30 and 10:
    #   mean = median = 20; quartiles by linear interpolation 10 + 0.25·20 = 15 and 10 + 0.75·20 = 25.
    breath = frame.loc["breath"]
    assert (breath.uses, breath.days_used, breath.rated_uses) == (2, 1, 2)
    assert (breath.mean_drop, breath.median_drop, breath.q1_drop, breath.q3_drop) == (20, 20, 15, 25)
    assert (breath.min_drop, breath.max_drop, breath.mean_helpfulness, breath.helpfulness_n) == (
        10,
        30,
        3.5,
        2,
    )
    # ground: L3 (no after, no helpfulness) and L4 (drop 30, helpful 5): 2 uses, only 1 rated.
    ground = frame.loc["ground"]
    assert (ground.uses, ground.rated_uses, ground.median_drop, ground.mean_helpfulness) == (2, 1, 30, 5)
    # walk: L5 made distress worse (40 -> 45): a drop of −5 is kept, not clipped to 0.
    assert frame.loc["walk", "median_drop"] == -5
    # With at least 2 rated uses required, only breath is ranked.
    assert frame.loc["breath", "help_rank"] == 1
    assert frame.loc[["ground", "walk"], "help_rank"].isna().all()


@pytest.mark.parametrize(
    ("min_uses", "expected"),
    [
        # Every skill has at least one rated use: by median drop ground 30, breath 20, walk −5.
        (1, ["ground", "breath", "walk"]),
        # Only breath has two rated uses (ground's second use, L3, has no after rating).
        (2, ["breath"]),
        # Nobody qualifies: an empty list, which the page explains.
        (3, []),
    ],
)
def test_helps_most_ranks_by_median_drop_among_skills_with_enough_rated_uses(
    db, clinic, min_uses, expected
) -> None:
    build(clinic)
    top = helps_most(db, scope_for(db, "therapist", "p1"), "a", *MARCH, min_uses=min_uses, top=3)
    assert top["skill_id"].tolist() == expected
    assert top["help_rank"].tolist() == list(range(1, len(expected) + 1))


def test_a_tie_on_median_drop_goes_to_the_more_helpful_skill(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("t", "p1")
    clinic.skill("x", "Box breathing")
    clinic.skill("y", "Cold water")
    # Both skills drop distress by 20 once; y was rated more helpful (5 against 3), so y ranks first.
    clinic.coping_log("X1", "t", "x", "2026-03-02T10:00", 60, 40, 3)
    clinic.coping_log("Y1", "t", "y", "2026-03-03T10:00", 50, 30, 5)
    top = helps_most(db, scope_for(db, "therapist", "p1"), "t", *MARCH, min_uses=1)
    assert top["skill_id"].tolist() == ["y", "x"]


def test_skill_effects_of_a_client_with_no_logs_is_empty(db, clinic) -> None:
    build(clinic)
    assert skill_effects(db, scope_for(db, "therapist", "p1"), "b", *MARCH).empty


def test_client_goals_list_checkins_and_linked_logs(db, clinic) -> None:
    build(clinic)
    goals = client_goals(db, scope_for(db, "therapist", "p1"), "a").set_index("goal_id")
    # ga1: K1, K2, K3, K4, K5, K5p, K6 = 7 check-ins; L1, L2, L3 linked. ga2: L4 linked, no check-ins.
    assert goals[["checkins", "linked_logs"]].to_dict("index") == {
        "ga1": {"checkins": 7, "linked_logs": 3},
        "ga2": {"checkins": 0, "linked_logs": 1},
    }


FEB_MAR = (dt.date(2026, 2, 1), dt.date(2026, 3, 31))


@pytest.mark.parametrize(
    ("include_unlinked", "logs"),
    [
        # 23 Feb -> 2 Mar: L1, L2 (2 Mar counts in the interval ending that day) = 2.
        # 2 -> 9 Mar: L3 = 1.  9 -> 16 Mar: none.  16 -> 23 Mar: L4 is for goal ga2, so it never
        # counts; L5 (19 Mar) is linked to no goal, so it counts only when unlinked logs do.
        # 23 -> 30 Mar: none.
        (True, [2, 1, 0, 1, 0]),
        (False, [2, 1, 0, 0, 0]),
    ],
)
def test_practice_between_checkins_pairs_consecutive_check_in_days(
    db, clinic, include_unlinked, logs
) -> None:
    build(clinic)
    frame = practice_between_checkins(
        db, scope_for(db, "therapist", "p1"), "a", "ga1", *FEB_MAR, include_unlinked
    )
    assert frame["logs"].tolist() == logs
    assert frame["days"].tolist() == [7, 7, 7, 7, 7]
    # Values 3, 4, 6, 5, then 23 March = mean of 5 (client) and 7 (therapist) = 6, then 6.5, on a
    # 0–10 scale where higher is better: changes +1, +2, −1, +1, +0.5 points = 0.1, 0.2, −0.1, 0.1, 0.05.
    assert frame["to_value"].tolist() == [4, 6, 5, 6, 6.5]
    assert frame["progress_change"].tolist() == pytest.approx([0.1, 0.2, -0.1, 0.1, 0.05])
    assert frame["logs_per_week"].tolist() == pytest.approx([n * 7 / 7 for n in logs])


def test_progress_change_is_positive_when_a_lower_is_better_score_falls(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("q", "p1")
    clinic.goal("phq", "q", start="2026-02-02", measure="phq-9")
    clinic.checkin("Q1", "phq", "2026-03-02", 18)
    clinic.checkin("Q2", "phq", "2026-03-16", 9)
    frame = practice_between_checkins(db, scope_for(db, "therapist", "p1"), "q", "phq", *MARCH)
    # PHQ-9 runs 0–27 and lower is better: 18 -> 9 is 9 points better, 9 / 27 = +1/3 of the scale.
    assert frame["progress_change"].tolist() == pytest.approx([1 / 3])
    assert frame["logs"].tolist() == [0]


def test_practice_progress_association_compares_weeks_with_more_and_less_practice(db, clinic) -> None:
    build(clinic)
    result = practice_progress_association(db, scope_for(db, "therapist", "p1"), "a", "ga1", *FEB_MAR)
    # Rates (logs per week) 2, 1, 0, 1, 0: median 1. More practice (> 1): the first interval only,
    # change 0.1. Less (<= 1): 0.2, −0.1, 0.1, 0.05 -> mean 0.25 / 4 = 0.0625.
    # Spearman: rate ranks 5, 3.5, 1.5, 3.5, 1.5 and change ranks 3.5, 5, 1, 3.5, 2 (ties averaged);
    # deviations from 3: (2, .5, −1.5, .5, −1.5) and (.5, 2, −2, .5, −1); products sum to 6.75;
    # squares sum to 9 and 9.5; rho = 6.75 / sqrt(9 · 9.5) = 0.7300.
    assert result["intervals"] == 5
    assert result["median_rate"] == 1.0
    assert (result["more_practice_n"], result["less_practice_n"]) == (1, 4)
    assert result["more_practice_change"] == pytest.approx(0.1)
    assert result["less_practice_change"] == pytest.approx(0.0625)
    assert result["rho"] == pytest.approx(6.75 / math.sqrt(85.5))


def test_practice_progress_association_gives_no_correlation_from_too_few_intervals(db, clinic) -> None:
    build(clinic)
    # Up to 16 March there are only 3 intervals: fewer than MIN_INTERVALS, so no rho.
    result = practice_progress_association(
        db, scope_for(db, "therapist", "p1"), "a", "ga1", dt.date(2026, 2, 1), dt.date(2026, 3, 16)
    )
    assert result["intervals"] == 3 and result["rho"] is None
    # A goal with no check-ins at all has no intervals and nothing to compare.
    empty = practice_progress_association(db, scope_for(db, "therapist", "p1"), "a", "ga2", *FEB_MAR)
    assert empty["intervals"] == 0 and empty["more_practice_change"] is None and empty["rho"] is None


def test_life_area_practice_uses_the_linked_goal_else_each_of_the_clients_goals(db, clinic) -> None:
    build(clinic)
    frame = life_area_practice(db, scope_for(db, "supervisor", "sup"), *MARCH)
    rows = [
        (r.life_area if isinstance(r.life_area, str) else None, r.skill_id, r.uses)
        for r in frame.itertuples()
    ]
    # Linked logs: L1, L2, L3 -> work (ga1); L4 -> sleep (ga2); C1 -> relationships; E1 -> sleep.
    # L5 is linked to no goal: client a has a work and a sleep goal, so it counts once in each.
    # F1 is linked to no goal and client f has none: it counts under no life area (None).
    # D1 is client d's, outside the supervisor's team; E2 is dated 1 April, outside March.
    assert rows == [
        ("relationships", "walk", 1),
        ("sleep", "ground", 1),
        ("sleep", "walk", 1),
        ("sleep", "breath", 1),
        ("work", "breath", 2),
        ("work", "ground", 1),
        ("work", "walk", 1),
        (None, "walk", 1),
    ]


def test_clinic_skills_rank_the_most_practised_and_the_most_helpful(db, clinic) -> None:
    build(clinic)
    frame = clinic_skills(db, scope_for(db, "supervisor", "sup"), *MARCH, min_uses=2).set_index("skill_id")
    # In the team's March logs (D1 is outside the team, E2 outside March):
    #   walk:   L5 (−5), C1 (30), F1 (10): 3 uses by 3 clients; median 10, mean 35/3; helpful (2+5+3)/3.
    #           quartiles of −5, 10, 30: −5 + 0.5·15 = 2.5 and 10 + 0.5·20 = 20.
    #   breath: L1 (30), L2 (10), E1 (20): 3 uses by 2 clients; median 20; helpful (4+3+4)/3.
    #   ground: L3 (unrated), L4 (30): 2 uses, 1 rated.
    # Most practised: walk and breath tie on 3 uses; walk was used by more clients, so it leads.
    # Most helpful (>= 2 rated uses): breath (median 20) before walk (10); ground is not ranked.
    assert frame["practice_rank"].to_dict() == {"walk": 1, "breath": 2, "ground": 3}
    assert frame.loc["breath", "help_rank"] == 1 and frame.loc["walk", "help_rank"] == 2
    assert pd.isna(frame.loc["ground", "help_rank"])
    walk = frame.loc["walk"]
    assert (walk.uses, walk.clients, walk.rated_uses, walk.median_drop, walk.q1_drop, walk.q3_drop) == (
        3,
        3,
        3,
        10,
        2.5,
        20,
    )
    assert walk.mean_drop == pytest.approx(35 / 3) and walk.mean_helpfulness == pytest.approx(10 / 3)
    assert frame.loc["breath", "mean_helpfulness"] == pytest.approx(11 / 3)


@pytest.mark.parametrize(
    ("life_area", "uses"),
    [
        # work: L1, L2 (breath), L3 (ground) linked to ga1, and L5 (walk) through client a's work goal.
        ("work", {"breath": 2, "ground": 1, "walk": 1}),
        # sleep: L4 (ground, ga2), E1 (breath, ge), and L5 (walk) through client a's sleep goal.
        ("sleep", {"breath": 1, "ground": 1, "walk": 1}),
        ("relationships", {"walk": 1}),
        ("money", {}),
    ],
)
def test_clinic_skills_for_one_life_area(db, clinic, life_area, uses) -> None:
    build(clinic)
    frame = clinic_skills(db, scope_for(db, "supervisor", "sup"), *MARCH, life_area=life_area)
    assert dict(zip(frame["skill_id"], frame["uses"], strict=True)) == uses


@pytest.mark.parametrize(
    ("role", "practitioner", "weeks", "expected"),
    [
        # As of Sunday 12 April with W = 4: quiet since 16 March, practising 16 Feb – 15 Mar.
        # a logged on 17 and 19 March (not quiet); c last logged on 3 March (1 log, 40 days ago);
        # e logged on 1 April; f was discharged on 1 April; b never logged; d is outside the team.
        ("supervisor", "sup", 4, [("CX-03", 40, 1)]),
        # With W = 2: quiet since 30 March, practising 16–29 March. a's last log (L5, 19 March) is
        # 24 days back, after 2 logs (L4, L5); c stopped before that window, so is not listed.
        ("supervisor", "sup", 2, [("AX-01", 24, 2)]),
        # An admin sees d too: D1 on 3 March, 40 days back.
        ("admin", None, 4, [("CX-03", 40, 1), ("DX-04", 40, 1)]),
        # A therapist sees only their own caseload: c is p2's.
        ("therapist", "p1", 4, []),
    ],
)
def test_stopped_practising_lists_active_clients_whose_practice_stopped(
    db, clinic, role, practitioner, weeks, expected
) -> None:
    build(clinic)
    frame = stopped_practising(db, scope_for(db, role, practitioner), dt.date(2026, 4, 12), weeks)
    assert (
        list(zip(frame["display_code"], frame["days_since_last_log"], frame["logs_before"], strict=True))
        == expected
    )


def test_coping_clients_lists_only_the_scope_with_log_counts(db, clinic) -> None:
    build(clinic)
    frame = coping_clients(db, scope_for(db, "therapist", "p1"), dt.date(2026, 4, 12))
    assert frame[["display_code", "logs"]].values.tolist() == [["AX-01", 5], ["BX-02", 0]]


def test_clinic_figures_of_a_scope_without_logs_are_empty(db, clinic) -> None:
    build(clinic)
    scope = scope_for(db, "therapist", "p1")
    assert clinic_skills(db, scope, dt.date(2026, 5, 1), dt.date(2026, 5, 31)).empty
    assert life_area_practice(db, scope, dt.date(2026, 5, 1), dt.date(2026, 5, 31)).empty


def test_the_page_reads_give_each_calls_own_answer_and_check_the_scope(db, clinic) -> None:
    # client_practice and goal_practice read what the coping page shows in one go; each part
    # must be the answer of the call it stands for, and both refuse a client out of scope.
    from analytics.coping import client_practice, goal_practice

    build(clinic)
    p1 = scope_for(db, "therapist", "p1")
    first = client_practice(db, p1, "a", *FEB_MAR)
    assert first["summary"] == client_summary(db, p1, "a", *FEB_MAR)
    pd.testing.assert_frame_equal(first["weekly"], weekly_practice(db, p1, "a", *FEB_MAR))
    pd.testing.assert_frame_equal(first["goals"], client_goals(db, p1, "a"))
    beside = goal_practice(db, p1, "a", "ga1", *FEB_MAR, True)
    pd.testing.assert_frame_equal(
        beside["intervals"], practice_between_checkins(db, p1, "a", "ga1", *FEB_MAR, True)
    )
    pd.testing.assert_frame_equal(beside["weekly"], weekly_practice(db, p1, "a", *FEB_MAR, "ga1", True))
    assert beside["association"] == practice_progress_association(db, p1, "a", "ga1", *FEB_MAR, True)
    # The worked answer above: 5 intervals, median rate 1.
    assert (beside["association"]["intervals"], beside["association"]["median_rate"]) == (5, 1.0)
    with pytest.raises(AccessDenied):
        client_practice(db, scope_for(db, "therapist", "p2"), "a", *FEB_MAR)
    with pytest.raises(AccessDenied):
        goal_practice(db, scope_for(db, "therapist", "p2"), "a", "ga1", *FEB_MAR)


def test_every_per_client_read_has_duckdbs_own_answer_and_types_on_the_demo_clinic() -> None:
    # The per-client reads build their tables from rows with stated types (Database.frame)
    # instead of DuckDB's DataFrame conversion, which costs more than the query for a few rows.
    # On every third client of the demo clinic and each of their goals, over the page's default
    # period and a year, each read must be DuckDB's own table with the column types the
    # functions always gave it (`astype`, as they did before), exactly; an empty one must still
    # have the stated types. (Every client and both "unlinked" choices, tried once by hand, agree
    # too; the sample keeps the test at seconds.)
    from analytics import coping
    from analytics.db import Database
    from analytics.demo import build_demo
    from analytics.overview import default_as_of

    db = Database.memory()
    build_demo(db, seed=7, scale="clinic")
    everyone = {
        "scope": db.query_sql("SELECT practitioner_id FROM practitioners")["practitioner_id"].tolist()
    }
    as_of = default_as_of(db)
    reads: list[tuple[str, dict, dict]] = [
        ("coping.coping_clients", {**everyone, "as_of": as_of}, coping.CLIENT_TYPES)
    ]
    clients = db.query_sql("SELECT client_id FROM clients ORDER BY 1")["client_id"].tolist()[::3]
    goals = db.query_sql("SELECT client_id, goal_id FROM goals ORDER BY 1, 2")
    for client_id in clients:
        reads.append(("coping.client_goals", {**everyone, "client": client_id}, coping.GOAL_TYPES))
        for weeks in (12, 52):
            at = {**everyone, "client": client_id, "start": as_of - dt.timedelta(weeks=weeks), "end": as_of}
            reads.append(("coping.skill_effects", {**at, "min_uses": 3}, coping.SKILL_EFFECT_TYPES))
            reads.append(
                ("coping.weekly_practice", {**at, "goal": None, "unlinked": False}, coping.WEEKLY_TYPES)
            )
            for goal_id in goals.loc[goals["client_id"] == client_id, "goal_id"]:
                goal = {**at, "goal": goal_id, "unlinked": True}
                reads.append(("coping.weekly_practice", goal, coping.WEEKLY_TYPES))
                reads.append(("coping.checkin_intervals", goal, coping.INTERVAL_TYPES))
    seen = {"rows": 0, "empty": 0}
    for name, params, types in reads:
        got = db.frame(name, params, types)
        if got.empty:
            seen["empty"] += 1
            assert {c: str(t) for c, t in got.dtypes.items()} == types, name
        else:
            seen["rows"] += 1
            expected = db.query(name, params).astype(types)
            pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=name)
    assert seen["rows"] > 500 and seen["empty"] > 50  # both kinds occur: a real test
    db.close()
