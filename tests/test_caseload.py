"""The caseload on a hand-made clinic whose flags and attention order were worked out by hand.

The clinic is seen on Monday 2 March 2026 with the default rules: review overdue after
N = 2 attended sessions or D = 30 days without a check-in, possible drop-out after W = 4
weeks (28 days) without an attended session, no goal yet after 3 attended sessions.
Goals are rated 0–10 (higher is better) unless said otherwise.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.caseload import (
    CaseloadRules,
    caseload,
    caseload_goals,
    caseload_rules,
    caseload_totals,
    filter_caseload,
    headline,
)
from analytics.db import Database
from analytics.scope import Scope, scope_for
from analytics.settings import save_settings

AS_OF = dt.date(2026, 3, 2)
DEFAULT = CaseloadRules()
# Mondays from 5 January to 2 March 2026: nine weekly sessions.
WEEKLY = [str(dt.date(2026, 1, 5) + dt.timedelta(weeks=i)) for i in range(9)]


@pytest.fixture
def db(raw_or_summarised_db: Database) -> Database:
    """Every test runs twice: on the raw tables and on the stored progress summaries."""
    return raw_or_summarised_db


def weekly_sessions(clinic, cid: str, dates=WEEKLY) -> None:
    for i, date in enumerate(dates):
        clinic.session(f"{cid}-s{i}", cid, date)


def build(clinic) -> None:
    clinic.practitioner("sup", role="supervisor")
    clinic.practitioner("p1", supervisor="sup", name="Dr One")
    clinic.practitioner("p2", supervisor="sup", name="Dr Two")

    # W: worsening. Ratings 2, 4, 6, 6, 5, 4; the last three fall 6 → 4, two points, more than
    # the one-point meaningful change of a 0–10 rating, so progress.py derives "worsening".
    # Checked in today, so nothing else is due.
    clinic.client("w", "p1", code="W-01")
    weekly_sessions(clinic, "w")
    clinic.goal("gw", "w", baseline=2, target=8, life_area="mood", description="Feel less low")
    for date, value in zip(
        ["2026-01-05", "2026-01-19", "2026-02-02", "2026-02-16", "2026-02-23", "2026-03-02"],
        [2, 4, 6, 6, 5, 4],
        strict=True,
    ):
        clinic.checkin(f"gw-{date}", "gw", date, value)

    # D: last attended session 26 January (35 days > 28: possible drop-out; 9 February was
    # missed), and the goal's last check-in is that day too (35 days > 30: review overdue).
    clinic.client("d", "p1", code="D-02")
    weekly_sessions(clinic, "d", WEEKLY[:4])
    clinic.session("d-missed", "d", "2026-02-09", attended=False)
    clinic.goal("gd", "d", life_area="sleep", description="Sleep seven hours")
    clinic.checkin("gd-1", "gd", "2026-01-12", 3)
    clinic.checkin("gd-2", "gd", "2026-01-26", 4)

    # O: intake 5 January and never attended a session: 56 days, possible drop-out. With no
    # sessions, "no goal yet" (needs 3 sessions) does not apply.
    clinic.client("o", "p1", code="O-03")

    # R: last check-in 16 February; the attended sessions of 23 February and 2 March since then
    # make 2 = N: review overdue (only 14 days, so by sessions, not by days). Ratings 3, 5, 5:
    # +2 over the last three, "improving". Goal gr2 is on hold since 20 January with no
    # check-in for 56 days: on hold is never overdue.
    clinic.client("r", "p1", code="R-04")
    weekly_sessions(clinic, "r")
    clinic.goal("gr1", "r", baseline=2, target=8, life_area="work", description="Speak up in meetings")
    clinic.checkin("gr1-1", "gr1", "2026-01-05", 3)
    clinic.checkin("gr1-2", "gr1", "2026-02-09", 5)
    clinic.checkin("gr1-3", "gr1", "2026-02-16", 5)
    clinic.goal("gr2", "r", life_area="family", description="Call my sister")
    clinic.set_status("gr2", "2026-01-20", "on-hold")

    # G: three attended sessions and no goal: "no goal yet".
    clinic.client("g", "p1", intake="2026-02-02", code="G-05")
    weekly_sessions(clinic, "g", ["2026-02-02", "2026-02-09", "2026-02-16"])

    # P: goal gp's target date 1 February passed 29 days ago with no outcome: past target.
    # gp2 is past its target too, but gp3 revises it: a revision is an outcome.
    clinic.client("p", "p1", intake="2025-11-03", code="P-06")
    weekly_sessions(clinic, "p", ["2025-11-03", "2026-02-16", "2026-02-23", "2026-03-02"])
    clinic.goal("gp", "p", start="2025-11-03", target_date="2026-02-01", baseline=2, target=8)
    clinic.checkin("gp-1", "gp", "2025-11-03", 2)
    clinic.checkin("gp-2", "gp", "2026-02-23", 5)
    clinic.checkin("gp-3", "gp", "2026-03-02", 5)
    clinic.goal("gp2", "p", start="2025-11-03", target_date="2026-01-15")
    clinic.checkin("gp2-1", "gp2", "2026-03-02", 4)
    clinic.goal("gp3", "p", start="2026-01-20", revised_from="gp2")
    clinic.checkin("gp3-1", "gp3", "2026-03-02", 4)

    # A: recorded as achieved today (5, 7, 8 reaches the target 8 for the first time), not
    # yet confirmed as sustaining.
    clinic.client("a", "p1", code="A-07")
    weekly_sessions(clinic, "a")
    clinic.goal("ga", "a", baseline=2, target=8, life_area="mood", description="Go for a walk daily")
    for date, value in zip(["2026-02-16", "2026-02-23", "2026-03-02"], [5, 7, 8], strict=True):
        clinic.checkin(f"ga-{date}", "ga", date, value)
    clinic.set_status("ga", "2026-03-02", "active", "achieved")

    # S: recorded as achieved on 23 February and still at target today: progress.py derives
    # "sustaining", which confirms it. No flag.
    clinic.client("s", "p1", code="S-08")
    weekly_sessions(clinic, "s")
    clinic.goal("gs", "s", baseline=2, target=8, life_area="mood")
    clinic.checkin("gs-1", "gs", "2026-02-23", 8)
    clinic.checkin("gs-2", "gs", "2026-03-02", 8)
    clinic.set_status("gs", "2026-02-23", "active", "achieved")

    # E: the exploratory goal counts as a goal; checked in at the last session 14 days ago.
    clinic.client("e", "p1", intake="2026-02-02", code="E-09")
    weekly_sessions(clinic, "e", ["2026-02-02", "2026-02-09", "2026-02-16"])
    clinic.goal("ge", "e", start="2026-02-09", description="Figure out what I want from therapy")
    clinic.checkin("ge-1", "ge", "2026-02-16", 5)

    # N: intake a week ago, no session yet: nothing is due.
    clinic.client("n", "p1", intake="2026-02-23", code="N-10")

    # X: discharged on 20 February; Z: another therapist's client. Neither is in p1's caseload.
    clinic.client("x", "p1", discharge="2026-02-20", code="X-11")
    clinic.client("z", "p2", code="Z-12")


# Worked out from the comments above. Order: most urgent flag (worsening, drop-out, review
# overdue, no goal, past target, confirm) first; then more kinds of flag (D has two, O one);
# then the longest since a check-in: E 14 days, N never (7 days in care), S 0 days.
EXPECTED = [
    ("W-01", ["worsening"]),
    ("D-02", ["dropout", "review_overdue"]),
    ("O-03", ["dropout"]),
    ("R-04", ["review_overdue"]),
    ("G-05", ["no_goal"]),
    ("P-06", ["past_target"]),
    ("A-07", ["confirm_sustaining"]),
    ("E-09", []),
    ("N-10", []),
    ("S-08", []),
]


def test_every_flag_and_the_attention_order_match_the_hand_worked_caseload(db, clinic) -> None:
    build(clinic)
    frame = caseload(db, Scope(("p1",)), AS_OF, DEFAULT)
    assert list(zip(frame["display_code"], frame["flags"], strict=True)) == EXPECTED
    assert frame["attention"].tolist() == list(range(1, 11))


def test_each_flag_has_a_plain_language_reason(db, clinic) -> None:
    build(clinic)
    frame = caseload(db, Scope(("p1",)), AS_OF, DEFAULT).set_index("display_code")
    assert frame.loc["W-01", "reasons"] == ["“Feel less low”: getting worse over the last check-ins"]
    assert frame.loc["D-02", "reasons"] == [
        "no attended session for 5 weeks (last on 26 Jan 2026)",
        "“Sleep seven hours”: last check-in 35 days ago",
    ]
    assert frame.loc["O-03", "reasons"] == ["no attended session since intake 56 days ago"]
    assert frame.loc["R-04", "reasons"] == [
        "“Speak up in meetings”: no check-in at the last 2 attended sessions (last check-in 14 days ago)"
    ]
    assert frame.loc["G-05", "reasons"] == ["3 attended sessions and no goal yet"]
    assert frame.loc["P-06", "reasons"] == [
        "“Goal gp”: target date 1 Feb 2026 passed 29 days ago with no outcome recorded"
    ]
    assert frame.loc["A-07", "reasons"] == [
        "“Go for a walk daily”: recorded as achieved on 2 Mar 2026; not yet confirmed as sustaining"
    ]
    assert frame.loc["W-01", "badges"] == ["Worsening"]


def test_client_facts_sessions_goals_reviews_and_status_mix(db, clinic) -> None:
    build(clinic)
    frame = caseload(db, Scope(("p1",)), AS_OF, DEFAULT).set_index("display_code")
    r = frame.loc["R-04"]
    # Nine weekly sessions, the last today; one active and one on-hold goal; the last
    # check-in 16 February is 14 days ago; the active goal is "improving".
    assert r["attended_sessions"] == 9
    assert r["last_session_date"].date() == AS_OF
    assert (r["goals"], r["active_goals"], r["on_hold_goals"]) == (2, 1, 1)
    assert r["life_areas"] == ["family", "work"]
    assert r["days_since_review"] == 14
    assert r["status_mix"] == "1 improving"
    # Progress series: mean normalised progress per check-in date, (value − 2) / (8 − 2):
    # 3 → 0.167, 5 → 0.5, 5 → 0.5.
    assert frame.loc["R-04", "progress_series"] == [0.167, 0.5, 0.5]
    # O has never had a session or a check-in.
    o = frame.loc["O-03"]
    assert o["attended_sessions"] == 0 and o["goals"] == 0 and o["progress_series"] == []
    assert pd.isna(o["days_since_review"])  # never reviewed


def test_the_goal_rows_expand_a_client_with_their_own_flags(db, clinic) -> None:
    build(clinic)
    goals = caseload_goals(db, Scope(("p1",)), AS_OF, DEFAULT).set_index("goal_id")
    # R's on-hold goal: 56 days without a check-in, but on hold is never overdue.
    assert goals.loc["gr2", "lifecycle_status"] == "on-hold"
    assert goals.loc["gr2", "days_since_checkin"] == 56
    assert goals.loc["gr2", "flags"] == []
    assert goals.loc["gr1", "flags"] == ["review_overdue"]
    assert goals.loc["gr1", "sessions_since_checkin"] == 2
    # gp2 is past its target date but revised by gp3: not flagged.
    assert goals.loc["gp2", "revised"] and goals.loc["gp2", "flags"] == []
    assert goals.loc["gw", "derived_status"] == "worsening"
    # The goal series holds the last 8 check-ins at most; W's six: (v − 2) / 6.
    assert goals.loc["gw", "progress_series"] == [0.0, 0.333, 0.667, 0.667, 0.5, 0.333]
    # The discharged client's and the other therapist's goals are absent.
    assert set(goals["client_id"]) <= {"w", "d", "o", "r", "g", "p", "a", "s", "e", "n"}


def test_discharged_clients_and_other_therapists_clients_are_excluded(db, clinic) -> None:
    build(clinic)
    mine = caseload(db, Scope(("p1",)), AS_OF, DEFAULT)
    assert "X-11" not in set(mine["display_code"]) and "Z-12" not in set(mine["display_code"])
    # The supervisor sees both therapists' clients in care: p1's 10 and Z.
    team = caseload(db, scope_for(db, "supervisor", "sup"), AS_OF, DEFAULT)
    assert len(team) == 11 and "Z-12" in set(team["display_code"])
    # Before the discharge date X was in care, with no session for 41 days: a drop-out.
    early = caseload(db, Scope(("p1",)), dt.date(2026, 2, 15), DEFAULT).set_index("display_code")
    assert early.loc["X-11", "flags"] == ["dropout"]


@pytest.mark.parametrize(
    ("rules", "changed"),
    [
        # N = 3: R's two sessions without a check-in are no longer enough.
        (CaseloadRules(review_sessions=3), {"R-04": []}),
        # D = 40: D's 35 days since a check-in are within it; still a drop-out.
        (CaseloadRules(review_days=40), {"D-02": ["dropout"]}),
        # W = 6 (42 days): D's 35 days are fine, O's 56 are not.
        (CaseloadRules(dropout_weeks=6), {"D-02": ["review_overdue"]}),
        # A goal expected by the 4th session: G has had 3.
        (CaseloadRules(goal_by_session=4), {"G-05": []}),
    ],
)
def test_the_settings_change_the_flags(db, clinic, rules, changed) -> None:
    build(clinic)
    frame = caseload(db, Scope(("p1",)), AS_OF, rules)
    expected = {code: flags for code, flags in EXPECTED} | changed
    assert dict(zip(frame["display_code"], frame["flags"], strict=True)) == expected


def test_stored_settings_are_the_rules(db) -> None:
    save_settings(db, {"caseload.review_sessions": 3, "caseload.dropout_weeks": 6})
    assert caseload_rules(db) == CaseloadRules(review_sessions=3, dropout_weeks=6)


@pytest.mark.parametrize(
    ("setup", "flags"),
    [
        # Past target with "not-achieved" recorded: an outcome, no flag.
        (lambda c: c.set_status("g1", "2026-02-20", "active", "not-achieved"), []),
        # Past target and put on hold: an outcome, and on hold is never overdue.
        (lambda c: c.set_status("g1", "2026-02-20", "on-hold"), []),
        # Completed and achieved: an outcome; and a closed goal is not asked to be confirmed.
        (lambda c: c.set_status("g1", "2026-02-20", "completed", "achieved"), []),
        # Achieved and still active: an outcome, so not past target; confirm that it holds.
        (lambda c: c.set_status("g1", "2026-02-20", "active", "achieved"), ["confirm_sustaining"]),
        # Entered in error: not a goal, so three sessions and no goal yet.
        (lambda c: c.set_status("g1", "2026-02-20", "entered-in-error"), ["no_goal"]),
        # Still active and nothing recorded: past its target date.
        (lambda c: None, ["past_target"]),
    ],
)
def test_what_counts_as_an_outcome_for_a_goal_past_its_target_date(db, clinic, setup, flags) -> None:
    # One client, sessions on 16 Feb, 23 Feb and 2 Mar with a check-in (5 of 0–10, start 0,
    # target 10: not reached) at each; the goal's target date was 1 February.
    clinic.practitioner("p1")
    clinic.client("c", "p1", intake="2025-12-01", code="C-1")
    for i, date in enumerate(["2026-02-16", "2026-02-23", "2026-03-02"]):
        clinic.session(f"s{i}", "c", date)
        clinic.checkin(f"k{i}", "g1", date, 5)
    clinic.goal("g1", "c", start="2025-12-01", target_date="2026-02-01")
    setup(clinic)
    frame = caseload(db, Scope(("p1",)), AS_OF, DEFAULT)
    assert frame["flags"].tolist() == [flags]


def test_a_sudden_loss_at_the_latest_check_in_is_worsening_before_any_trend(db, clinic) -> None:
    # 7 then 3: a drop of 4 points ≥ the 3-point reliable change of a 0–10 rating and ≥ 25% of
    # the previous level (10 − 7 = 3): a sudden loss (Tang & DeRubeis 1999). With only two
    # check-ins no trend is derived ("in-progress"), but the loss alone flags it.
    clinic.practitioner("p1")
    clinic.client("c", "p1", code="C-1")
    clinic.session("s1", "c", "2026-02-23")
    clinic.session("s2", "c", "2026-03-02")
    clinic.goal("g1", "c", start="2026-02-01", description="Leave the house")
    clinic.checkin("k1", "g1", "2026-02-23", 7)
    clinic.checkin("k2", "g1", "2026-03-02", 3)
    frame = caseload(db, Scope(("p1",)), AS_OF, DEFAULT)
    assert frame["flags"].tolist() == [["worsening"]]
    assert frame["reasons"][0] == ["“Leave the house”: a sudden loss at the last check-in (2 Mar 2026)"]


def test_an_empty_caseload_is_an_empty_frame_with_a_plain_headline(db, clinic) -> None:
    clinic.practitioner("p1")
    frame = caseload(db, Scope(("p1",)), AS_OF, DEFAULT)
    assert frame.empty
    totals = caseload_totals(frame)
    assert totals["clients"] == 0
    assert headline(totals) == "No clients in care."


def test_totals_and_the_headline_count_clients_per_flag(db, clinic) -> None:
    build(clinic)
    totals = caseload_totals(caseload(db, Scope(("p1",)), AS_OF, DEFAULT))
    # From EXPECTED: review D, R; worsening W; drop-out D, O; no goal G; past target P; confirm A.
    assert totals == {
        "clients": 10,
        "worsening": 1,
        "dropout": 2,
        "review_overdue": 2,
        "no_goal": 1,
        "past_target": 1,
        "confirm_sustaining": 1,
    }
    assert headline(totals) == (
        "2 clients need a review, 1 is worsening, 2 may have dropped out, 1 has no goal yet, "
        "1 is past a target date and 1 has an achieved goal to confirm."
    )
    assert headline({"clients": 4}) == "None of your 4 clients has a flag today."


@pytest.mark.parametrize(
    ("filters", "codes"),
    [
        ({"flags": ["dropout"]}, ["D-02", "O-03"]),
        ({"flags": ["worsening", "no_goal"]}, ["W-01", "G-05"]),
        ({"statuses": ["improving"]}, ["R-04", "P-06"]),
        ({"life_areas": ["mood"]}, ["W-01", "A-07", "S-08"]),
        ({"search": "d-0"}, ["D-02"]),
        ({"flags": ["review_overdue"], "life_areas": ["sleep"]}, ["D-02"]),
        ({"practitioners": ["p2"]}, []),
    ],
)
def test_filters_keep_the_attention_order(db, clinic, filters, codes) -> None:
    build(clinic)
    frame = caseload(db, Scope(("p1",)), AS_OF, DEFAULT)
    assert filter_caseload(frame, **filters)["display_code"].tolist() == codes


# Columns as caseload.view returns them: some with a NULL, one all NULL, and the empty result.
TYPED_SQL = """
SELECT * FROM (VALUES
    (1::BIGINT, NULL::BIGINT, TRUE, NULL::BOOLEAN, 'a', NULL::VARCHAR, DATE '2026-03-02',
     NULL::DATE, 0.5::DOUBLE, NULL::DOUBLE),
    (2::BIGINT, 7::BIGINT, FALSE, TRUE, 'b', NULL::VARCHAR, DATE '2026-03-01',
     DATE '2026-02-01', 1.5::DOUBLE, 2.0::DOUBLE)
) t(n, n_null, b, b_null, s, s_all_null, d, d_null, x, x_null)
WHERE n <= $limit
"""


@pytest.mark.parametrize("limit", [2, 1, 0])
def test_the_caseload_builds_each_column_with_the_type_duckdbs_own_conversion_gives(
    db: Database, limit: int
) -> None:
    # caseload_view builds its tables from fetched rows (DuckDB's DataFrame conversion cost
    # more than the statement), so each column must come out as that conversion gives it:
    # numpy integers and booleans unless a NULL makes them nullable, text as pandas' string
    # type unless every value is NULL (then plain objects), dates as datetime64[us] with NaT,
    # doubles with NaN. limit 1 leaves n_null and b_null all NULL; limit 0 is the empty result.
    from analytics.caseload import _typed

    expected = db.query_sql(TYPED_SQL, {"limit": limit})
    described, rows = db.result_sql(TYPED_SQL, {"limit": limit})
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in described]
    built = pd.DataFrame(
        {name: _typed(list(values), kind) for (name, kind), values in zip(described, columns, strict=True)}
    )
    pd.testing.assert_frame_equal(built, expected, check_dtype=True, check_exact=True)


def test_the_goal_table_keeps_its_types_with_a_goal_less_client_in_the_caseload(db, clinic) -> None:
    # A goal-less client's row has NULL in every goal column of the statement's result; the
    # goal table is made of the goal rows only, so its integer and boolean columns stay numpy's.
    clinic.practitioner("p1")
    clinic.client("a", "p1", intake="2026-01-05", code="AA-0001")
    clinic.goal("g1", "a", start="2026-01-05", description="Sleep before midnight")
    clinic.checkin("k1", "g1", "2026-02-23", 6)
    alone = caseload_goals(db, Scope(("p1",)), AS_OF, DEFAULT)
    clinic.client("b", "p1", intake="2026-01-05", code="BB-0002")
    beside = caseload_goals(db, Scope(("p1",)), AS_OF, DEFAULT)
    assert alone.dtypes.astype(str).to_dict() == beside.dtypes.astype(str).to_dict()
    assert str(beside["n_checkins"].dtype) == "int64"
    assert str(beside["review_overdue"].dtype) == "bool"
    pd.testing.assert_frame_equal(alone, beside)
