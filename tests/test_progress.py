"""Progress core on hand-worked series: normalised progress, phases, sudden gains and
losses, and the derived FHIR achievement status (rule: docs/progress.md)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.db import Database
from analytics.progress import MEASURE_RULES, POINT_COLUMNS, checkin_points, goal_status_summary
from analytics.scope import Scope
from analytics.timeline import goal_timeline

P1 = Scope(("p1",))
LATE = dt.date(2026, 12, 31)
START = dt.date(2026, 1, 5)


@pytest.fixture
def db(raw_or_summarised_db: Database) -> Database:
    """Every test runs twice: on the raw tables and on the stored progress summaries."""
    return raw_or_summarised_db


def weekly(clinic, goal: str, values: list[float], first: dt.date = START) -> None:
    """One check-in a week from `first`, ids `<goal>-1`, `<goal>-2`, …"""
    for i, value in enumerate(values, start=1):
        clinic.checkin(f"{goal}-{i}", goal, first + dt.timedelta(days=7 * (i - 1)), value)


def one_goal(clinic, values: list[float], **goal) -> None:
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("g", "a", **goal)
    weekly(clinic, "g", values)


def points(db, as_of: dt.date = LATE):
    """The SQL rule's points of goal g, after checking that the timeline's Python twin of the
    rule (analytics.progress.rule_points) gives exactly the same on the same series."""
    frame = checkin_points(db, P1, as_of, goal_ids=["g"])
    columns = [c for c in POINT_COLUMNS if c != "session_id"]
    twin = goal_timeline(db, P1, "g", as_of, whole_chain=False)
    pd.testing.assert_frame_equal(twin[columns], frame[columns], check_exact=True)
    return frame


def status(db, as_of: dt.date = LATE) -> dict:
    return goal_status_summary(db, P1, as_of).set_index("goal_id").loc["g"].to_dict()


def test_a_setback_that_recovers_is_named_and_the_goal_still_improves(db, clinic) -> None:
    # 0–10, baseline 2, target 8 (distance 6). Ratings 3, 5, 3, 5, 6.
    one_goal(clinic, [3, 5, 3, 5, 6], baseline=2, target=8)
    frame = points(db)
    # Changes: +2 gain, −2 setback (2 < 3 points: not sudden), +2 gain, +1 gain (one point is
    # the scale's step, so it counts as movement).
    assert frame["phase"].tolist() == ["start", "gain", "setback", "gain", "gain"]
    # Progress = (value − 2) / 6.
    assert frame["progress"].round(4).tolist() == [0.1667, 0.5, 0.1667, 0.5, 0.6667]
    # Running median of three, only from the third check-in: med(3,5,3)=3, med(5,3,5)=5, med(3,5,6)=5.
    assert frame["trend_value"].tolist()[2:] == [3, 5, 5]
    assert frame["trend_value"].isna().tolist()[:2] == [True, True]
    assert not frame["sudden_gain"].any() and not frame["sudden_loss"].any()
    # Over the last three check-ins: 3 → 6 = +3 points ≥ 1 → improving.
    row = status(db)
    assert row["trend_change"] == 3
    assert row["derived_status"] == "improving"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Moved off baseline (2) then flat at 5: last three 5,5,5 change 0 → no-change.
        ([4, 5, 5, 5, 5], "no-change"),
        # Never moved off baseline 2: flat at (or below) baseline → no-progress.
        ([2, 2, 2], "no-progress"),
        # 5 → 6 over the last three check-ins is one point, the 0–10 step: movement, not flat.
        ([5, 5, 6], "improving"),
    ],
)
def test_a_plateau_is_no_change_or_no_progress_by_where_it_sits(db, clinic, values, expected) -> None:
    one_goal(clinic, values, baseline=2, target=8)
    assert status(db)["derived_status"] == expected


def test_a_plateau_is_marked_between_flat_check_ins(db, clinic) -> None:
    one_goal(clinic, [4, 5, 5, 5, 5], baseline=2, target=8)
    assert points(db)["phase"].tolist() == ["start", "gain", "plateau", "plateau", "plateau"]


def test_a_sudden_gain_on_phq9_meets_all_three_criteria(db, clinic) -> None:
    # PHQ-9 is lower-is-better; baseline 20, target 5. Scores 20, 19, 12, 11, 10.
    one_goal(clinic, [20, 19, 12, 11, 10], measure="phq-9", baseline=20, target=5)
    frame = points(db)
    # 19 → 12: a 7-point drop ≥ 6 (IAPT reliable change), ≥ 25% of 19 = 4.75, and the next
    # score (11) keeps it: a sudden gain. The others are one-point moves < 3 → plateau.
    assert frame["phase"].tolist() == ["start", "plateau", "sudden gain", "plateau", "plateau"]
    assert frame["sudden_gain"].tolist() == [False, False, True, False, False]
    assert not frame["provisional"].any()
    # Progress = (score − 20) / (5 − 20): 12 → 8/15.
    assert frame["progress"].round(4).tolist()[2] == round(8 / 15, 4)


def test_a_reversed_jump_is_not_a_sudden_gain_and_a_late_rise_is_a_provisional_sudden_loss(
    db, clinic
) -> None:
    # PHQ-9 20, 19, 12, 18. 19 → 12 is 7 better but 12 → 18 gives back 6 > half of 7: reversed,
    # so it is an ordinary gain (≥ 3 points). 12 → 18 is 6 worse ≥ 6 and ≥ 25% of 12 = 3: a
    # sudden loss, provisional because nothing follows it yet.
    one_goal(clinic, [20, 19, 12, 18], measure="phq-9", baseline=20, target=5)
    frame = points(db)
    assert frame["phase"].tolist() == ["start", "plateau", "gain", "sudden loss"]
    assert frame["provisional"].tolist() == [False, False, False, True]
    row = status(db)
    assert row["sudden_loss_at_latest"] is True
    # Last three 19 → 18: one point better < 3 → flat; progress (18−20)/(−15) = 0.133 > 0.
    assert row["derived_status"] == "no-change"


def test_the_quarter_of_previous_level_criterion_can_block_a_sudden_gain(db, clinic) -> None:
    # PHQ-9 27 → 21: 6 points meets the threshold, but 25% of 27 is 6.75 > 6. A plain gain.
    one_goal(clinic, [27, 21, 20], measure="phq-9", baseline=27, target=5)
    assert points(db)["phase"].tolist() == ["start", "gain", "plateau"]


def test_a_change_of_exactly_a_quarter_of_the_previous_level_is_a_sudden_gain(db, clinic) -> None:
    # PHQ-9 24 → 18: 6 points, the threshold, and exactly 25% of 24 (at least, not more than).
    one_goal(clinic, [24, 18, 17], measure="phq-9", baseline=24, target=5)
    assert points(db)["phase"].tolist() == ["start", "sudden gain", "plateau"]


def test_a_goal_achieved_then_slipping_moves_from_achieved_to_sustaining_to_worsening(db, clinic) -> None:
    # 0–10, baseline 2, target 8. Weekly from 5 Jan: 4, 6, 8 (19 Jan), 8 (26 Jan), 6 (2 Feb).
    one_goal(clinic, [4, 6, 8, 8, 6], baseline=2, target=8)
    frame = points(db)
    # 8 first reached at the third check-in (a gain); held at the fourth (maintaining); the
    # drop to 6 is 2 points < 3 → a setback, not sudden.
    assert frame["phase"].tolist() == ["start", "gain", "gain", "maintaining", "setback"]
    # As of 19 Jan the target was just reached → achieved; as of 26 Jan it was held at two
    # consecutive check-ins → sustaining; as of 2 Feb the last three go 8 → 6, −2 → worsening.
    assert status(db, dt.date(2026, 1, 19))["derived_status"] == "achieved"
    assert status(db, dt.date(2026, 1, 26))["derived_status"] == "sustaining"
    row = status(db, dt.date(2026, 2, 2))
    assert row["derived_status"] == "worsening"
    assert row["ever_achieved"] is True


def test_a_single_check_in_claims_no_trend(db, clinic) -> None:
    one_goal(clinic, [5], baseline=2, target=8)
    frame = points(db)
    assert frame["phase"].tolist() == ["start"]
    assert frame["trend_value"].isna().all()
    row = status(db)
    assert row["n_checkins"] == 1
    assert row["last_value"] == 5
    assert row["last_progress"] == 0.5
    assert row["derived_status"] == "in-progress"


def test_two_big_improvements_still_claim_no_trend(db, clinic) -> None:
    # 2 → 7 would be "improving" on any trend, but two check-ins are not a trend.
    one_goal(clinic, [2, 7], baseline=2, target=8)
    assert status(db)["derived_status"] == "in-progress"


@pytest.mark.parametrize(
    ("lifecycle", "expected"),
    [("active", "in-progress"), ("on-hold", "in-progress"), ("completed", "no-progress"), ("proposed", None)],
)
def test_a_goal_with_no_check_ins(db, clinic, lifecycle, expected) -> None:
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("g", "a", status=lifecycle, with_event=False)
    row = status(db)
    assert row["n_checkins"] == 0
    assert row["derived_status"] == expected
    assert row["sudden_loss_at_latest"] is False
    assert points(db).empty


def test_a_lower_is_better_phq9_goal_normalises_towards_its_target(db, clinic) -> None:
    # Baseline 18, target 8 (distance −10): 13 is half way (0.5); 20 is behind baseline (−0.2);
    # 8 is the target (1.0).
    one_goal(clinic, [18, 13, 20, 8], measure="phq-9", baseline=18, target=8)
    frame = points(db)
    assert frame["progress"].round(4).tolist() == [0.0, 0.5, -0.2, 1.0]
    # 13 → 20 is 7 worse ≥ 6 and ≥ 25% of 13; 20 → 8 recovers 12, more than half of 7: reversed,
    # so a setback. 20 → 8 is 12 better ≥ 6, ≥ 25% of 20 = 5: a (provisional) sudden gain.
    assert frame["phase"].tolist() == ["start", "gain", "setback", "sudden gain"]
    assert status(db)["derived_status"] == "achieved"


def test_a_goal_without_a_recorded_baseline_starts_from_its_first_check_in(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("g", "a", target=8)
    db.execute_sql("UPDATE goals SET baseline = NULL")
    weekly(clinic, "g", [4, 6])
    # Baseline 4 (first rating), target 8: 6 is half way.
    assert points(db)["progress"].tolist() == [0.0, 0.5]


def test_the_lifecycle_status_is_the_one_in_force_on_the_as_of_date(db, clinic) -> None:
    one_goal(clinic, [4, 6, 8], baseline=2, target=8)
    clinic.set_status("g", "2026-02-01", "completed", "achieved")
    # Before 1 Feb the goal was active and had just reached 8 → achieved.
    before = status(db, dt.date(2026, 1, 25))
    assert before["lifecycle_status"] == "active"
    assert before["derived_status"] == "achieved"
    # Completed with the last rating at target → achieved (closed goals are not "sustaining").
    after = status(db, dt.date(2026, 2, 2))
    assert after["lifecycle_status"] == "completed"
    assert after["derived_status"] == "achieved"
    # A goal that starts after the as-of date does not exist yet.
    assert goal_status_summary(db, P1, dt.date(2026, 1, 1)).empty


def test_a_goal_completed_short_of_its_target_is_not_achieved(db, clinic) -> None:
    one_goal(clinic, [3, 4, 5], baseline=2, target=8)
    clinic.set_status("g", "2026-02-01", "completed")
    assert status(db)["derived_status"] == "not-achieved"


def test_goals_outside_the_scope_are_absent(db, clinic) -> None:
    one_goal(clinic, [3, 4, 5], baseline=2, target=8)
    clinic.practitioner("p2")
    assert goal_status_summary(db, Scope(("p2",)), LATE).empty
    assert checkin_points(db, Scope(("p2",)), LATE).empty
    assert goal_status_summary(db, Scope(()), LATE).empty


def test_the_summary_covers_many_goals_in_one_call(db, clinic) -> None:
    # Three clients of p1, one of p2; every goal gets the same series 3, 5, 6.
    clinic.practitioner("p1")
    clinic.practitioner("p2")
    for cid, pid in [("a", "p1"), ("b", "p1"), ("c", "p1"), ("d", "p2")]:
        clinic.client(cid, pid)
        clinic.goal(f"g{cid}", cid, baseline=2, target=8)
        weekly(clinic, f"g{cid}", [3, 5, 6])
    frame = goal_status_summary(db, P1, LATE)
    assert frame["goal_id"].tolist() == ["ga", "gb", "gc"]
    # 3 → 6 over three check-ins = +3 → improving; last check-in 19 Jan.
    assert set(frame["derived_status"]) == {"improving"}
    assert set(frame["last_checkin_date"].dt.date) == {dt.date(2026, 1, 19)}
    assert set(frame["n_checkins"]) == {3}


def test_every_measure_in_the_schema_has_a_rule() -> None:
    assert set(MEASURE_RULES) == {"self-rated-0-10", "gas", "phq-9", "gad-7"}
