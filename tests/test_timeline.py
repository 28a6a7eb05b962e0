"""One goal's timeline, its revision chain, lifecycle events and sessions, and a client's
GAS T-score and PHQ-9/GAD-7 scores, on hand-worked data."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from analytics import timeline as tl
from analytics.db import Database
from analytics.scope import Scope

P1 = Scope(("p1",))
OTHER = Scope(("p2",))
AS_OF = dt.date(2026, 3, 1)


@pytest.fixture
def db(raw_or_summarised_db: Database) -> Database:
    """Every test runs twice: on the raw tables and on the stored progress summaries."""
    return raw_or_summarised_db


def revised_chain(clinic) -> None:
    """g1 (0–10, baseline 2, target 8) set 5 Jan, revised on 2 Feb into g2 (baseline 5, target 9).

    Weekly sessions s1…s6 from 12 Jan; g1 rated at s1 and s3, g2 at s5 and on 23 Feb (no session).
    """
    clinic.practitioner("p1")
    clinic.practitioner("p2")
    clinic.client("a", "p1", code="Client A")
    for i, day in enumerate(["01-12", "01-19", "01-26", "02-02", "02-09", "02-16"], start=1):
        clinic.session(f"s{i}", "a", f"2026-{day}")
    clinic.goal("g1", "a", start="2026-01-05", baseline=2, target=8, description="Sleep through the night")
    clinic.checkin("k1", "g1", "2026-01-12", 3, session="s1")
    clinic.checkin("k2", "g1", "2026-01-26", 5, session="s3")
    clinic.set_status("g1", "2026-02-02", "cancelled")
    clinic.goal(
        "g2", "a", start="2026-02-02", baseline=5, target=9, revised_from="g1", description="Sleep 7 hours"
    )
    clinic.checkin("k3", "g2", "2026-02-09", 6, session="s5")
    clinic.checkin("k4", "g2", "2026-02-23", 7, note="good fortnight", reporter="practitioner")


def test_a_revised_goal_continues_the_history_of_the_goal_it_replaced(db, clinic) -> None:
    revised_chain(clinic)
    chain = tl.goal_chain(db, P1, "g2", AS_OF)
    # g2 was revised from g1: g1 comes first (position −1), g2 is the goal asked for (0).
    assert chain[["goal_id", "position"]].values.tolist() == [["g1", -1], ["g2", 0]]
    # Asking from the older goal finds the same chain from the other end.
    assert tl.goal_chain(db, P1, "g1", AS_OF)["position"].tolist() == [0, 1]
    frame = tl.goal_timeline(db, P1, "g2", AS_OF)
    assert frame["checkin_id"].tolist() == ["k1", "k2", "k3", "k4"]
    # Progress is per goal: g1 (3−2)/6, (5−2)/6; g2 (6−5)/4, (7−5)/4.
    assert frame["progress"].round(4).tolist() == [0.1667, 0.5, 0.25, 0.5]
    # Each goal's first check-in starts its own phases.
    assert frame["phase"].tolist() == ["start", "gain", "start", "gain"]
    assert frame.loc[3, "note"] == "good fortnight"
    assert frame.loc[3, "reporter"] == "practitioner"
    # Only this goal, when asked.
    assert tl.goal_timeline(db, P1, "g2", AS_OF, whole_chain=False)["checkin_id"].tolist() == ["k3", "k4"]


def test_lifecycle_events_mark_the_revision_point(db, clinic) -> None:
    revised_chain(clinic)
    events = tl.lifecycle_events(db, P1, ["g1", "g2"], AS_OF)
    # g1 set 5 Jan; on 2 Feb g2 replaces it (its own "set" event becomes "revised") and g1 is
    # cancelled the same day.
    assert events[["goal_id", "label", "revision"]].values.tolist() == [
        ["g1", "set", False],
        ["g2", "revised", True],
        ["g1", "cancelled", False],
    ]
    assert events["event_date"].dt.date.tolist() == [
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 2),
        dt.date(2026, 2, 2),
    ]


def test_lifecycle_labels_read_as_clinicians_say_them(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("g", "a", start="2026-01-05")
    clinic.set_status("g", "2026-01-20", "on-hold")
    clinic.set_status("g", "2026-02-01", "active", "in-progress")
    clinic.set_status("g", "2026-02-10", "active", "achieved")
    clinic.set_status("g", "2026-02-20", "active", "sustaining")
    clinic.set_status("g", "2026-02-27", "completed", "achieved")
    labels = tl.lifecycle_events(db, P1, ["g"], AS_OF)["label"].tolist()
    assert labels == ["set", "on hold", "resumed", "achieved", "sustaining", "completed"]
    # Events after the as-of date are not shown.
    assert tl.lifecycle_events(db, P1, ["g"], dt.date(2026, 1, 31))["label"].tolist() == ["set", "on hold"]


def test_sessions_while_each_goal_was_active_are_marked_with_or_without_a_check_in(db, clinic) -> None:
    revised_chain(clinic)
    sessions = tl.goal_sessions(db, P1, ["g1", "g2"], AS_OF)
    # s1–s3 fall in g1's active spell (5 Jan – 1 Feb); on 2 Feb g1 is cancelled and g2 is set,
    # so s4–s6 belong to g2. Check-ins: g1 at s1 and s3; g2 at s5 (23 Feb had no session).
    assert sessions[["goal_id", "session_id", "has_checkin"]].values.tolist() == [
        ["g1", "s1", True],
        ["g1", "s2", False],
        ["g1", "s3", True],
        ["g2", "s4", False],
        ["g2", "s5", True],
        ["g2", "s6", False],
    ]


def test_sessions_during_an_on_hold_spell_and_missed_sessions_are_left_out(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("g", "a", start="2026-01-05")
    clinic.session("s1", "a", "2026-01-12")
    clinic.session("s2", "a", "2026-01-19", attended=False)  # missed: not a follow-up chance
    clinic.set_status("g", "2026-01-20", "on-hold")
    clinic.session("s3", "a", "2026-01-26")  # on hold: not expected to be rated
    clinic.set_status("g", "2026-02-01", "active")
    clinic.session("s4", "a", "2026-02-02")
    # A check-in on the session's day without a session id still counts as taken at it.
    clinic.checkin("k", "g", "2026-02-02", 4)
    sessions = tl.goal_sessions(db, P1, ["g"], AS_OF)
    assert sessions[["session_id", "has_checkin"]].values.tolist() == [["s1", False], ["s4", True]]


def test_a_session_while_two_goals_of_the_chain_were_active_counts_once_for_the_later(db, clinic) -> None:
    # g2 revises g1 but g1 was never closed, so both are active from 19 January. s1 (12 Jan)
    # falls in g1's spell alone; s2 (26 Jan) in both: it is listed once, under g2, the later
    # goal of the chain, as the timeline draws it.
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("g1", "a", start="2026-01-05")
    clinic.goal("g2", "a", start="2026-01-19", revised_from="g1")
    clinic.session("s1", "a", "2026-01-12")
    clinic.session("s2", "a", "2026-01-26")
    sessions = tl.goal_sessions(db, P1, ["g1", "g2"], AS_OF)
    assert sessions[["goal_id", "session_id"]].values.tolist() == [["g1", "s1"], ["g2", "s2"]]


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        # Σx = 0 → T = 50 whatever the denominator.
        ([1, 0, -1], 50.0),
        # Σx = 2; Σw² = 2, (Σw)² = 4; √(0.7·2 + 0.3·4) = √2.6 = 1.61245; 50 + 20/1.61245 = 62.4035.
        ([1, 1], 62.4035),
        # Σx = 3; √(0.7·3 + 0.3·9) = √4.8 = 2.19089; 50 + 30/2.19089 = 63.6931.
        ([2, 1, 0], 63.6931),
        # One goal: √(0.7 + 0.3) = 1; 50 + 10·(−1) = 40.
        ([-1], 40.0),
    ],
)
def test_gas_t_score_matches_kiresuk_and_sherman_by_hand(levels, expected) -> None:
    assert round(tl.gas_t(levels), 4) == expected


def test_the_clients_gas_t_score_uses_each_pursued_goals_latest_level(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("ga", "a", measure="gas", baseline=-1, target=0)
    clinic.checkin("ka1", "ga", "2026-01-12", -1)
    clinic.checkin("ka2", "ga", "2026-02-09", 1)  # latest level of ga: +1
    clinic.goal("gb", "a", measure="gas", baseline=-1, target=0)
    clinic.checkin("kb1", "gb", "2026-02-09", 1)
    clinic.goal("gc", "a", measure="gas", baseline=-1, target=0)
    clinic.checkin("kc1", "gc", "2026-02-09", -2)
    clinic.set_status("gc", "2026-02-20", "cancelled")  # cancelled by 1 March: left out
    clinic.goal("gd", "a", measure="gas", baseline=-1, target=0)  # no check-in: left out
    result = tl.gas_t_score(db, P1, "a", AS_OF)
    # Levels +1, +1 → 62.40 (worked above).
    assert result["n_goals"] == 2
    assert result["levels"] == {"ga": 1.0, "gb": 1.0}
    assert round(result["t_score"], 2) == 62.40
    # On 1 Feb only ga had a level (−1) → T = 40.
    assert round(tl.gas_t_score(db, P1, "a", dt.date(2026, 2, 1))["t_score"], 2) == 40.0
    assert tl.gas_t_score(db, OTHER, "a", AS_OF) == {"t_score": None, "n_goals": 0, "levels": {}}


def test_a_revised_gas_goal_counts_once_at_its_latest_goal(db, clinic) -> None:
    # ge was revised into gf on 19 January: only gf is pursued on 1 March, at its level 0, so
    # T = 50 + 10·0/√1 = 50 over one goal; ge's +2 no longer counts.
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("ge", "a", measure="gas", baseline=-1, target=0, start="2026-01-05")
    clinic.checkin("ke", "ge", "2026-01-12", 2)
    clinic.goal("gf", "a", measure="gas", baseline=-1, target=0, start="2026-01-19", revised_from="ge")
    clinic.checkin("kf", "gf", "2026-02-09", 0)
    assert tl.gas_t_score(db, P1, "a", AS_OF) == {"t_score": 50.0, "n_goals": 1, "levels": {"gf": 0.0}}
    # On 15 January gf had not started: ge alone, at +2 → T = 50 + 20 = 70.
    assert tl.gas_t_score(db, P1, "a", dt.date(2026, 1, 15))["t_score"] == pytest.approx(70.0)


def test_standard_scores_break_a_same_day_tie_by_check_in_id(db, clinic) -> None:
    # Two PHQ-9 scores on 5 January (p-a 20, p-b 14) and none later: the first is p-a's 20 and
    # the latest p-b's 14, by date and then id, as the timeline orders check-ins.
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("phq", "a", measure="phq-9", baseline=20, target=5)
    clinic.checkin("p-b", "phq", "2026-01-05", 14)
    clinic.checkin("p-a", "phq", "2026-01-05", 20)
    row = tl.standard_scores(db, P1, "a", AS_OF).set_index("measure").loc["phq-9"]
    assert (row["first_score"], row["latest_score"], row["n_scores"]) == (20, 14, 2)
    assert row["change"] == -6


@pytest.mark.parametrize(
    ("measure", "score", "band"),
    [
        ("phq-9", 4, "minimal"),
        ("phq-9", 5, "mild"),
        ("phq-9", 14, "moderate"),
        ("phq-9", 15, "moderately severe"),
        ("phq-9", 20, "severe"),
        ("gad-7", 9, "mild"),
        ("gad-7", 14, "moderate"),
        ("gad-7", 15, "severe"),
    ],
)
def test_severity_bands_follow_kroenke_and_spitzer(measure, score, band) -> None:
    assert tl.severity_band(measure, score) == band


@pytest.mark.parametrize(
    ("measure", "first", "latest", "rci", "category"),
    [
        # PHQ-9: S_diff = √2 · SD · √(1 − 0.84), with SD set so 1.96 · S_diff = 6: S_diff = 6/1.96
        # = 3.0612. 18 → 11: −7 / 3.0612 = −2.2867 → reliable improvement.
        ("phq-9", 18, 11, -2.2867, "reliable improvement"),
        # 18 → 13: −5 / 3.0612 = −1.6333 → within measurement error.
        ("phq-9", 18, 13, -1.6333, "no reliable change"),
        # Exactly 6 points is reliable (−1.96).
        ("phq-9", 18, 12, -1.96, "reliable improvement"),
        # GAD-7: S_diff = 4/1.96 = 2.0408. 8 → 12: +4 / 2.0408 = +1.96 → reliable deterioration.
        ("gad-7", 8, 12, 1.96, "reliable deterioration"),
    ],
)
def test_reliable_change_index_by_hand(measure, first, latest, rci, category) -> None:
    value = tl.reliable_change_index(measure, first, latest)
    assert round(value, 4) == rci
    assert tl.reliable_change_category(value) == category


def test_reliable_change_uses_the_published_reliabilities() -> None:
    # S_diff = √2 · SD · √(1 − r): with r = 0.84 (Kroenke 2001) the implied SD is
    # 6 / (1.96 · √2 · 0.4) = 6 / 1.10874 = 5.4115; with r = 0.83 (Spitzer 2006)
    # 4 / (1.96 · √2 · √0.17) = 4 / 1.14286 = 3.5000.
    assert tl.RELIABILITY == {"phq-9": 0.84, "gad-7": 0.83}
    assert round(tl.REFERENCE_SD["phq-9"], 4) == 5.4115
    assert math.isclose(tl.REFERENCE_SD["gad-7"], 3.5, abs_tol=1e-3)


def test_standard_scores_report_band_and_reliable_change_from_the_first_score(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("phq", "a", measure="phq-9", baseline=18, target=5)
    clinic.checkin("p1", "phq", "2026-01-05", 18)
    clinic.checkin("p2", "phq", "2026-01-19", 16)
    clinic.checkin("p3", "phq", "2026-02-16", 11)
    clinic.goal("gad", "a", measure="gad-7", baseline=12, target=4)
    clinic.checkin("g1", "gad", "2026-01-05", 12)
    scores = tl.standard_scores(db, P1, "a", AS_OF).set_index("measure")
    phq = scores.loc["phq-9"]
    # First 18 (moderately severe) → latest 11 (moderate): −7 points, RCI −2.29.
    assert (phq["first_score"], phq["latest_score"], phq["n_scores"]) == (18, 11, 3)
    assert (phq["first_severity"], phq["severity"]) == ("moderately severe", "moderate")
    assert phq["change"] == -7
    assert round(phq["rci"], 2) == -2.29
    assert phq["reliable_change"] == "reliable improvement"
    # One GAD-7 score: a band, but nothing to compare.
    assert scores.loc["gad-7", "severity"] == "moderate"
    assert scores.loc["gad-7", "reliable_change"] == "only one score"
    assert tl.standard_scores(db, OTHER, "a", AS_OF).empty


def test_client_goals_list_active_goals_first_and_fold_revised_goals_into_their_chain(db, clinic) -> None:
    revised_chain(clinic)
    clinic.goal("done", "a", start="2026-01-05")
    clinic.set_status("done", "2026-02-10", "completed")
    clinic.goal("hold", "a", start="2026-01-06")
    clinic.set_status("hold", "2026-02-10", "on-hold")
    goals = tl.client_goals(db, P1, "a", AS_OF)
    # Active g2, then on-hold, then completed; the superseded g1 last, heading to g2.
    assert goals["goal_id"].tolist() == ["g2", "hold", "done", "g1"]
    assert goals.set_index("goal_id").loc["g1", "chain_head"] == "g2"
    panels = tl.client_goal_panels(db, P1, "a", AS_OF)
    # One panel for the chain (titled by g2) with all four check-ins, the g1 ones marked revised.
    assert panels["panel"].unique().tolist() == ["Sleep 7 hours"]
    assert panels["revised"].tolist() == [True, True, False, False]


def test_nothing_of_a_client_or_goal_outside_the_scope_is_returned(db, clinic) -> None:
    revised_chain(clinic)
    assert tl.client_header(db, OTHER, "a", AS_OF) == {}
    assert tl.client_header(db, P1, "a", AS_OF)["display_code"] == "Client A"
    assert tl.goal_chain(db, OTHER, "g2", AS_OF).empty
    assert tl.goal_timeline(db, OTHER, "g2", AS_OF).empty
    assert len(tl.goal_timeline(db, P1, "g2", AS_OF)) == 4  # the same call in scope: k1…k4
    assert tl.client_points(db, OTHER, "a", AS_OF).empty
    assert len(tl.client_points(db, P1, "a", AS_OF)) == 4
    assert tl.lifecycle_events(db, OTHER, ["g1", "g2"], AS_OF).empty
    assert tl.goal_sessions(db, OTHER, ["g1", "g2"], AS_OF).empty
    assert tl.client_goals(db, OTHER, "a", AS_OF).empty
    assert tl.client_goal_panels(db, OTHER, "a", AS_OF).empty
    assert tl.clients_in_scope(db, OTHER, AS_OF).empty


def test_a_goal_split_in_two_has_both_later_goals_and_the_walk_stops_outside_the_scope(db, clinic) -> None:
    # g1 was revised into two goals, g2a and g2b (a split), and g2a later into g3. g0, the goal
    # g1 revises, belongs to another therapist's client: p1 cannot see it, so the chain p1 sees
    # starts at g1. g4 revises g3 but starts after the as-of date.
    clinic.practitioner("p1")
    clinic.practitioner("p2")
    clinic.client("a", "p1")
    clinic.client("b", "p2")
    clinic.goal("g0", "b", start="2026-01-01")
    clinic.goal("g1", "a", start="2026-01-05", revised_from="g0")
    clinic.goal("g2a", "a", start="2026-01-19", revised_from="g1")
    clinic.goal("g2b", "a", start="2026-01-19", revised_from="g1")
    clinic.goal("g3", "a", start="2026-02-02", revised_from="g2a")
    clinic.goal("g4", "a", start="2026-03-09", revised_from="g3")
    chain = tl.goal_chain(db, P1, "g2a", AS_OF)
    # From g2a: g1 one step back; g3 one step on. g2b is g1's other child, not g2a's.
    assert chain[["goal_id", "position"]].values.tolist() == [["g1", -1], ["g2a", 0], ["g3", 1]]
    chain = tl.goal_chain(db, P1, "g1", AS_OF)
    assert chain[["goal_id", "position"]].values.tolist() == [["g1", 0], ["g2a", 1], ["g2b", 1], ["g3", 2]]
    # The other therapist sees g0 alone: g1 is not theirs.
    assert tl.goal_chain(db, Scope(("p2",)), "g0", AS_OF)["goal_id"].tolist() == ["g0"]


def test_a_chain_never_crosses_to_another_clients_goal(db, clinic) -> None:
    # Bad data from before the import refused it: g1 (client a) names g0 (client b, the same
    # therapist) as the goal it revises, and b's g2 revises a's g1. The chain of g1 is g1 alone:
    # a's timeline shows none of b's goals, and b's g0 shows nothing of a's.
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.client("b", "p1")
    clinic.goal("g0", "b", start="2026-01-01")
    clinic.goal("g1", "a", start="2026-01-05", revised_from="g0")
    clinic.goal("g2", "b", start="2026-01-19", revised_from="g1")
    assert tl.goal_chain(db, P1, "g1", AS_OF)["goal_id"].tolist() == ["g1"]
    assert tl.goal_chain(db, P1, "g0", AS_OF)["goal_id"].tolist() == ["g0"]


def test_a_cycle_of_revisions_is_walked_at_most_fifty_steps_each_way(db, clinic) -> None:
    # Bad data: g1 revises g2 and g2 revises g1. The walk goes 50 steps back and 50 on, so g1
    # appears at the even positions −50…50 and g2 at the odd ones −49…49: 51 + 50 rows.
    clinic.practitioner("p1")
    clinic.client("a", "p1")
    clinic.goal("g1", "a", start="2026-01-05", revised_from="g2")
    clinic.goal("g2", "a", start="2026-01-05", revised_from="g1")
    chain = tl.goal_chain(db, P1, "g1", AS_OF)
    positions = dict(zip(*[chain[c] for c in ("position", "goal_id")], strict=True))
    assert sorted(positions) == list(range(-50, 51))
    assert all(positions[p] == ("g1" if p % 2 == 0 else "g2") for p in positions)


def test_the_page_views_give_each_calls_own_answer(db, clinic) -> None:
    # client_view and goal_view read what the client page shows in one go; each part must be
    # the answer of the call it stands for.
    import pandas as pd

    from analytics.coping import weekly_practice

    revised_chain(clinic)
    clinic.skill("breath")
    clinic.coping_log("l1", "a", "breath", "2026-02-10 20:00", 70, 40, 4, goal="g2")
    view = tl.client_view(db, P1, "a", AS_OF)
    pd.testing.assert_frame_equal(view["goals"], tl.client_goals(db, P1, "a", AS_OF))
    pd.testing.assert_frame_equal(view["panels"], tl.client_goal_panels(db, P1, "a", AS_OF))
    pd.testing.assert_frame_equal(view["scores"], tl.standard_scores(db, P1, "a", AS_OF))
    assert view["gas"] == tl.gas_t_score(db, P1, "a", AS_OF)
    goal = tl.goal_view(db, P1, "a", "g2", AS_OF)
    pd.testing.assert_frame_equal(goal["chain"], tl.goal_chain(db, P1, "g2", AS_OF))
    pd.testing.assert_frame_equal(goal["points"], tl.goal_timeline(db, P1, "g2", AS_OF))
    pd.testing.assert_frame_equal(goal["events"], tl.lifecycle_events(db, P1, ["g1", "g2"], AS_OF))
    pd.testing.assert_frame_equal(goal["sessions"], tl.goal_sessions(db, P1, ["g1", "g2"], AS_OF))
    # The practice panel runs from the chain's first start, 5 January.
    practice = weekly_practice(db, P1, "a", dt.date(2026, 1, 5), AS_OF)
    pd.testing.assert_frame_equal(goal["practice"], practice)
    assert practice["logs"].sum() == 1
    # Out of scope: an empty chain and nothing else.
    other = tl.goal_view(db, Scope(("p2",)), "a", "g2", AS_OF)
    assert all(frame.empty for frame in other.values())
    # In scope but asked for under another client (b, also p1's): nothing either, so a goal is
    # never drawn under the wrong client's header.
    clinic.client("b", "p1")
    assert all(frame.empty for frame in tl.goal_view(db, P1, "b", "g2", AS_OF).values())


@pytest.fixture(scope="module")
def demo_clinic():
    from analytics.demo import build_demo

    db = Database.memory()
    build_demo(db, seed=7, scale="clinic")
    yield db
    db.close()


def _sql_timeline(db: Database, scope: Scope, goal_id: str, as_of: dt.date) -> object:
    """What the timeline must be, from the SQL rule's points of the chain's goals: the rows of
    each goal once per chain position, with the goal's description and scale, in time order."""
    from analytics.progress import checkin_points

    chain = tl.goal_chain(db, scope, goal_id, as_of)
    points = checkin_points(db, scope, as_of, goal_ids=chain["goal_id"].tolist())
    columns = ["goal_id", "position", "description", "scale_min", "scale_max"]
    expected = points.drop(columns="session_id").merge(chain[columns], on="goal_id")
    expected = expected.sort_values(["checkin_date", "position", "seq", "goal_id"], kind="stable")
    return expected.reset_index(drop=True)


@pytest.mark.parametrize("as_of", [dt.date(2026, 6, 1), None])
def test_the_python_rule_equals_the_sql_rule_on_every_goal_client_and_chain_of_the_demo_clinic(
    demo_clinic, as_of
) -> None:
    # The client page applies the check-in rule in Python (analytics.progress.rule_points), the
    # rest of the app in SQL (progress.checkin_rule). On every goal of the demo clinic, on a day
    # mid-way and on the app's default day, the two must agree exactly, value for value and
    # dtype for dtype; so must each client's points and each revision chain's timeline.
    import pandas as pd

    from analytics.overview import default_as_of
    from analytics.progress import checkin_points, points_frame, rule_points
    from analytics.scope import scope_for

    db = demo_clinic
    day = as_of or default_as_of(db)
    everyone = scope_for(db, "admin", None)
    sql = checkin_points(db, everyone, day)
    with db.connection() as cur:
        result = cur.execute("SELECT * FROM goals WHERE start_date <= $day ORDER BY goal_id", {"day": day})
        names = [d[0] for d in result.description]
        goals = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        checkins = cur.execute(
            "SELECT goal_id, checkin_id, session_id, checkin_date, value, reporter, note"
            " FROM goal_checkins WHERE checkin_date <= $day",
            {"day": day},
        ).fetchall()
    by_goal: dict[str, list[tuple]] = {}
    for row in checkins:
        by_goal.setdefault(row[0], []).append(row[1:])
    python = points_frame([p for goal in goals for p in rule_points(goal, by_goal.get(goal["goal_id"], []))])
    assert len(sql) > 4_000 and sql["phase"].nunique() == 7  # every phase occurs: a real test
    pd.testing.assert_frame_equal(python, sql, check_exact=True)

    # Each client's points, as the client page reads them, are the SQL rule's for that client.
    clients = sorted({g["client_id"] for g in goals})
    assert len(clients) > 50
    for client_id in clients:
        pd.testing.assert_frame_equal(
            tl.client_points(db, everyone, client_id, day),
            checkin_points(db, everyone, day, client_id=client_id),
            check_exact=True,
        )

    revised = [(g["goal_id"], g["revised_from_goal_id"]) for g in goals if g["revised_from_goal_id"]]
    assert len(revised) > 10
    for pair in revised:
        for gid in pair:
            timeline = tl.goal_timeline(db, everyone, gid, day)
            expected = _sql_timeline(db, everyone, gid, day)
            pd.testing.assert_frame_equal(timeline, expected, check_exact=True)


def test_events_and_sessions_have_their_stated_types_found_or_not(db, clinic) -> None:
    # Both tables are built from the rows with stated types (Database.frame), so the page's
    # table alternative and the chart get the same columns whether the read finds rows or,
    # out of scope, none: not the plain objects DuckDB's conversion gives an empty result.
    revised_chain(clinic)
    for read, types in ((tl.lifecycle_events, tl.EVENT_TYPES), (tl.goal_sessions, tl.SESSION_TYPES)):
        found = read(db, P1, ["g1", "g2"], AS_OF)
        none = read(db, OTHER, ["g1", "g2"], AS_OF)
        assert len(found) > 0 and none.empty
        for frame in (found, none):
            assert frame.dtypes.astype(str).to_dict() == types
