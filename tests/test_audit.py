"""Follow-up audit on a small clinic worked out by hand (docs/audit.md).

The clinic: supervisor `sup` leads p1 (diligent), p2 (lapsing) and p3 (no sessions in
February); p9 works alone (no supervisor). Sessions are weekly on Mondays. The audited
period is February 2026 (1–28 Feb; point-in-time metrics read on 28 Feb); the previous
period is January. Settings N = 3, D = 30, K = 3 unless a test says otherwise, so the
review window on 28 Feb starts after 29 Jan (28 Feb − 30 days).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.audit import (
    METRIC_KEYS,
    Period,
    audit_cases,
    audit_period,
    audit_rates,
    clinic_headline,
    month_periods,
    monthly_trends,
    practitioner_audit,
    previous_period,
    worst_first,
)
from analytics.errors import AccessDenied
from analytics.scope import Scope, scope_for
from tests.factories import Clinic

FEB = Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
JAN = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
MONDAYS_JAN_FEB = [
    "2026-01-05",
    "2026-01-12",
    "2026-01-19",
    "2026-01-26",
    "2026-02-02",
    "2026-02-09",
    "2026-02-16",
    "2026-02-23",
]


def on_hold_with_reason(clinic: Clinic, gid: str, date: str, note: str | None) -> None:
    clinic.event(f"{gid}-hold", gid, date, "on-hold", None, note)
    clinic.db.execute_sql("UPDATE goals SET lifecycle_status = 'on-hold' WHERE goal_id = $g", {"g": gid})


def build(clinic: Clinic) -> None:
    clinic.practitioner("sup", role="supervisor", name="Sam Supervisor")
    clinic.practitioner("p1", supervisor="sup", name="Pat One")
    clinic.practitioner("p2", supervisor="sup", name="Pip Two")
    clinic.practitioner("p3", supervisor="sup", name="Poe Three")
    clinic.practitioner("p9", name="Quinn Nine")

    # --- p1, diligent ------------------------------------------------------------------
    # A: 8 attended sessions 5 Jan – 23 Feb; goals A1 (target 20 Feb) and A2, both set at
    # the first session and checked in at every later session. A1 is achieved and completed
    # at the 23 Feb session.
    clinic.client("A", "p1", intake="2026-01-05")
    clinic.goal("A1", "A", start="2026-01-05", target_date="2026-02-20")
    clinic.goal("A2", "A", start="2026-01-05", target_date="2026-04-30")
    for i, day in enumerate(MONDAYS_JAN_FEB, start=1):
        clinic.session(f"A-s{i}", "A", day)
        if i > 1:
            clinic.checkin(f"A1-k{i}", "A1", day, 5, session=f"A-s{i}")
            clinic.checkin(f"A2-k{i}", "A2", day, 5, session=f"A-s{i}")
    clinic.set_status("A1", "2026-02-23", "completed", "achieved")
    # B: starts 2 Feb; goal B1 set at session 2 (9 Feb), B2 at session 3 (16 Feb); every
    # goal that existed before a session is checked in at it.
    clinic.client("B", "p1", intake="2026-02-02")
    for i, day in enumerate(["2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"], start=1):
        clinic.session(f"B-s{i}", "B", day)
    clinic.goal("B1", "B", start="2026-02-09")
    clinic.goal("B2", "B", start="2026-02-16")
    clinic.checkin("B1-k3", "B1", "2026-02-16", 4, session="B-s3")
    clinic.checkin("B1-k4", "B1", "2026-02-23", 5, session="B-s4")
    clinic.checkin("B2-k4", "B2", "2026-02-23", 3, session="B-s4")

    # --- p2, lapsing -------------------------------------------------------------------
    # C: sessions every Monday 5 Jan – 23 Feb, but 9 Feb was missed. Goal C1 set 12 Jan
    # (target 10 Feb, never given an outcome). Checked in at 19 Jan (linked) and on
    # 26 Jan (not linked, same day as the session: counts for it), then only by phone on
    # 9 Feb (no attended session that day), and never at the February sessions.
    clinic.client("C", "p2", intake="2026-01-05")
    for i, day in enumerate(MONDAYS_JAN_FEB, start=1):
        clinic.session(f"C-s{i}", "C", day, attended=day != "2026-02-09")
    clinic.goal("C1", "C", start="2026-01-12", target_date="2026-02-10")
    clinic.checkin("C1-k1", "C1", "2026-01-19", 4, session="C-s3")
    clinic.checkin("C1-k2", "C1", "2026-01-26", 4)
    clinic.checkin("C1-k3", "C1", "2026-02-09", 5)
    # D: four attended sessions 26 Jan – 16 Feb and never a goal.
    clinic.client("D", "p2", intake="2026-01-26")
    for i, day in enumerate(["2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16"], start=1):
        clinic.session(f"D-s{i}", "D", day)
    # E: a goal set and completed between two sessions (5 and 12 Feb), and a missed session.
    clinic.client("E", "p2", intake="2026-02-02")
    clinic.session("E-s1", "E", "2026-02-02")
    clinic.session("E-s2", "E", "2026-02-16")
    clinic.session("E-s3", "E", "2026-02-23", attended=False)
    clinic.goal("E1", "E", start="2026-02-05")
    clinic.checkin("E1-k1", "E1", "2026-02-12", 9)
    clinic.set_status("E1", "2026-02-12", "completed", "achieved")

    # --- p3, no sessions in February ---------------------------------------------------
    # F: four sessions 1 Dec – 5 Jan. F1 (target 15 Jan) put on hold 20 Jan with a reason;
    # F2 stays active and is never checked in.
    clinic.client("F", "p3", intake="2025-12-01")
    for i, day in enumerate(["2025-12-01", "2025-12-08", "2025-12-15", "2026-01-05"], start=1):
        clinic.session(f"F-s{i}", "F", day)
    clinic.goal("F1", "F", start="2025-12-01", target_date="2026-01-15")
    clinic.goal("F2", "F", start="2025-12-01", target_date="2026-03-02")
    clinic.checkin("F1-k2", "F1", "2025-12-08", 3, session="F-s2")
    clinic.checkin("F1-k3", "F1", "2025-12-15", 4, session="F-s3")
    clinic.checkin("F1-k4", "F1", "2026-01-05", 4, session="F-s4")
    on_hold_with_reason(clinic, "F1", "2026-01-20", "client travelling for two months")

    # --- p9, outside sup's team ----------------------------------------------------------
    clinic.client("Z", "p9", intake="2026-02-02")
    clinic.session("Z-s1", "Z", "2026-02-02")


def rates_of(frame: pd.DataFrame, level: str, group: str, period: Period) -> dict[str, tuple[int, int]]:
    rows = frame[
        (frame["level"] == level)
        & (frame["group_id"] == group)
        & (frame["period_start"] == pd.Timestamp(period.start))
    ]
    return {r.metric: (int(r.numerator), int(r.denominator)) for r in rows.itertuples()}


# February, worked out by hand, as (numerator, denominator):
EXPECTED_FEB = {
    "p1": {
        # B reached session 3 on 16 Feb with B1 set on 9 Feb (A reached it in January).
        "goal_setting": (1, 1),
        # A: 2, 9, 16, 23 Feb with A1 and A2 active and both checked in (A1 was still
        # active before the 23rd, when it was completed) = 4 of 4. B: 2 Feb has no goal,
        # 9 Feb only the goal set that day (not yet expected), 16 Feb B1 checked, 23 Feb
        # B1 and B2 checked = 2 of 2. Together 6 of 6.
        "followup_sessions": (6, 6),
        # Pairs: A 4 sessions x 2 goals = 8; B 1 + 2 = 3; all checked: 11 of 11.
        "followup_pairs": (11, 11),
        # On 28 Feb: A1 is completed (not active); A2 is active, started 5 Jan (before
        # 29 Jan, so due) and checked 23 Feb: reviewed. B1, B2 are younger than 30 days.
        "review_cadence": (1, 1),
        # Past target on 28 Feb: A1 (20 Feb), achieved. B's targets are in May.
        "target_review": (1, 1),
        # A and B attended in February; neither had a lapse or went goalless.
        "lacking_followup": (0, 2),
    },
    "p2": {
        # D reached session 3 on 9 Feb without a goal; C reached it in January and E only
        # attended twice: 0 of 1.
        "goal_setting": (0, 1),
        # C: 2, 16 and 23 Feb with C1 active and no check-in (9 Feb was missed, so it is
        # not counted). D has no goal; E's goal was already completed before 16 Feb and
        # started after 2 Feb. 0 of 3.
        "followup_sessions": (0, 3),
        "followup_pairs": (0, 3),
        # C1: active, started 12 Jan (due), last check-in 9 Feb by phone (within 30 days).
        # The missed session does not count, but the check-in that day does.
        "review_cadence": (1, 1),
        # C1: target 10 Feb passed, still active with no outcome. E1's target is in May.
        "target_review": (0, 1),
        # C: 2, 16, 23 Feb = 3 attended sessions in a row with C1 active and no check-in
        # (K = 3), the missed 9 Feb does not break the run. D: attended sessions 3 and 4
        # (9 and 16 Feb) with no goal (N = 3). E: goal set after session 1, and only two
        # sessions: followed up. 2 of 3.
        "lacking_followup": (2, 3),
    },
    "p3": {
        # No session in February: nothing to count for the session-based metrics.
        "goal_setting": (0, 0),
        "followup_sessions": (0, 0),
        "followup_pairs": (0, 0),
        # F2 is active and due (started 1 Dec) but never checked in; F1 is on hold.
        "review_cadence": (0, 1),
        # F1 passed its 15 Jan target and was put on hold with a reason; F2's target
        # (2 Mar) has not passed.
        "target_review": (1, 1),
        "lacking_followup": (0, 0),
    },
}


def test_every_metric_for_each_practitioner_in_february_matches_the_hand_count(db, clinic) -> None:
    build(clinic)
    team = scope_for(db, "supervisor", "sup")
    rates = audit_rates(db, team, [FEB])
    for practitioner, expected in EXPECTED_FEB.items():
        assert rates_of(rates, "practitioner", practitioner, FEB) == expected, practitioner


def test_team_and_clinic_rows_add_up_the_practitioners(db, clinic) -> None:
    build(clinic)
    rates = audit_rates(db, scope_for(db, "supervisor", "sup"), [FEB])
    # Sums over p1, p2, p3 (sup has no clients and is not a row of its own).
    expected = {
        "goal_setting": (1, 2),
        "followup_sessions": (6, 9),
        "followup_pairs": (11, 14),
        "review_cadence": (2, 3),
        "target_review": (2, 3),
        "lacking_followup": (2, 5),
    }
    assert rates_of(rates, "team", "sup", FEB) == expected
    assert rates_of(rates, "clinic", "clinic", FEB) == expected
    assert set(rates.loc[rates["level"] == "practitioner", "group_id"]) == {"p1", "p2", "p3"}
    clinic_row = rates[(rates["level"] == "clinic") & (rates["metric"] == "followup_sessions")]
    assert clinic_row["rate"].iloc[0] == pytest.approx(6 / 9)


def test_january_is_worked_out_too(db, clinic) -> None:
    build(clinic)
    rates = audit_rates(db, scope_for(db, "supervisor", "sup"), [JAN])
    assert rates_of(rates, "clinic", "clinic", JAN) == {
        # A and C reached session 3 on 19 Jan, both with a goal (5 and 12 Jan).
        "goal_setting": (2, 2),
        # A: 12, 19, 26 Jan all checked (3/3). C: 19 Jan linked, 26 Jan unlinked on the
        # day (2/2; 12 Jan is the day C1 was set). F: 5 Jan, F1 checked, F2 not (0/1).
        "followup_sessions": (5, 6),
        # Pairs: A 6/6, C 2/2, F 1/2.
        "followup_pairs": (9, 10),
        # On 31 Jan (window after 1 Jan): only F's goals started by 1 Jan; F1 is on hold,
        # F2 active with no check-in: 0 of 1. A's and C's goals are too young.
        "review_cadence": (0, 1),
        # F1's target (15 Jan) passed; on hold since 20 Jan with a reason: 1 of 1.
        "target_review": (1, 1),
        # A, C, D, F attended in January; none lapsed (D's only January session was its
        # first).
        "lacking_followup": (0, 4),
    }


def test_an_admin_sees_everyone_and_a_practitioner_without_a_supervisor_has_no_team(db, clinic) -> None:
    build(clinic)
    rates = audit_rates(db, scope_for(db, "admin", None), [FEB])
    # Z attended once in February (session 1): in care, not lacking follow-up.
    assert rates_of(rates, "practitioner", "p9", FEB)["lacking_followup"] == (0, 1)
    teams = rates.loc[rates["level"] == "team", ["group_id", "group_name"]].drop_duplicates()
    assert sorted(teams["group_name"]) == ["No supervisor", "Team of Sam Supervisor"]
    assert rates_of(rates, "clinic", "clinic", FEB)["lacking_followup"] == (2, 6)


@pytest.mark.parametrize(
    ("settings", "practitioner", "metric", "expected", "why"),
    [
        # N = 2: B's 2nd session (9 Feb) is the day B1 was set: counted. D's 2nd (2 Feb) has
        # no goal. E's 2nd (16 Feb) comes after E1 was set (5 Feb), even though it is
        # already completed: a goal was recorded.
        ({"n": 2}, "p1", "goal_setting", (1, 1), "B by session 2"),
        ({"n": 2}, "p2", "goal_setting", (1, 2), "E yes, D no"),
        # K = 4: C's run is only 3 long; D still lacks a goal.
        ({"k": 4}, "p2", "lacking_followup", (1, 3), "only D"),
        # K = 1: B's 2 Feb session had no goal yet, so no run. Still A and B are fine.
        ({"k": 1}, "p1", "lacking_followup", (0, 2), "nothing missed"),
        # D = 60 (window after 30 Dec; due if started by 30 Dec): only F2 is due, and it
        # was never checked in: 0 of 1. A2 and C1 are now too young.
        ({"d": 60}, "p1", "review_cadence", (0, 0), "A2 too young"),
        ({"d": 60}, "p3", "review_cadence", (0, 1), "F2 never checked"),
        # D = 10 (window after 18 Feb; due if started by 18 Feb): A2, B1 (9 Feb) and B2
        # (16 Feb) are due and all checked 23 Feb; C1 was last checked 9 Feb (no).
        ({"d": 10}, "p1", "review_cadence", (3, 3), "A2, B1, B2 on 23 Feb"),
        ({"d": 10}, "p2", "review_cadence", (0, 1), "C1 on 9 Feb is too long ago"),
    ],
)
def test_settings_n_d_and_k_change_the_numbers(
    db, clinic, settings, practitioner, metric, expected, why
) -> None:
    build(clinic)
    rates = audit_rates(db, scope_for(db, "supervisor", "sup"), [FEB], **settings)
    assert rates_of(rates, "practitioner", practitioner, FEB)[metric] == expected, why


def test_the_drill_down_rows_are_exactly_the_cases_behind_every_number(db, clinic) -> None:
    build(clinic)
    scope = scope_for(db, "admin", None)
    for period in (JAN, FEB):
        rates = audit_rates(db, scope, [period])
        for row in rates[rates["level"] == "practitioner"].itertuples():
            cases = audit_cases(db, scope, row.metric, period, practitioner_id=row.group_id)
            assert len(cases) == row.denominator, (row.group_id, row.metric, period)
            assert int(cases["counted"].sum()) == row.numerator, (row.group_id, row.metric, period)
        everyone = audit_cases(db, scope, "followup_pairs", period)
        clinic_row = rates[(rates["level"] == "clinic") & (rates["metric"] == "followup_pairs")]
        assert len(everyone) == int(clinic_row["denominator"].iloc[0])


def test_the_drill_down_names_the_clients_sessions_and_goals_misses_first(db, clinic) -> None:
    build(clinic)
    team = scope_for(db, "supervisor", "sup")
    sessions = audit_cases(db, team, "followup_sessions", FEB, practitioner_id="p2")
    assert sessions["display_code"].tolist() == ["C-C"] * 3
    assert sessions["session_id"].tolist() == ["C-s5", "C-s7", "C-s8"]
    assert set(sessions["detail"]) == {"0 of 1 active goal checked in"}

    lacking = audit_cases(db, team, "lacking_followup", FEB, practitioner_id="p2")
    # Lacking follow-up is the numerator, so the misses (counted) come first.
    assert lacking[["display_code", "counted"]].values.tolist() == [
        ["C-C", True],
        ["C-D", True],
        ["C-E", False],
    ]
    assert lacking["detail"].tolist() == [
        "3 attended sessions in a row without a goal check-in (2026-02-02 to 2026-02-23)",
        "no goal by attended session 4 (2026-02-16)",
        "followed up",
    ]

    targets = audit_cases(db, team, "target_review", FEB)
    assert targets[["goal_id", "counted", "detail"]].values.tolist() == [
        ["C1", False, "no outcome recorded (status active)"],
        ["A1", True, "achieved"],
        ["F1", True, "on hold with a reason"],
    ]
    # Display codes only: the frame has no real-name column.
    assert "real_name" not in sessions.columns


def test_a_supervisor_cannot_drill_into_a_practitioner_outside_the_team(db, clinic) -> None:
    build(clinic)
    with pytest.raises(AccessDenied):
        audit_cases(db, scope_for(db, "supervisor", "sup"), "goal_setting", FEB, practitioner_id="p9")


@pytest.mark.parametrize(
    ("setup", "counted", "detail"),
    [
        ("achieved", True, "achieved"),
        ("sustaining", True, "sustaining"),
        ("completed", True, "completed"),
        ("revised", True, "revised"),
        ("on hold with a reason", True, "on hold with a reason"),
        ("on hold without a reason", False, "no outcome recorded (status on-hold)"),
        ("cancelled", False, "no outcome recorded (status cancelled)"),
        ("still active", False, "no outcome recorded (status active)"),
        ("achieved after the period", False, "no outcome recorded (status active)"),
    ],
)
def test_target_date_review_accepts_only_a_recorded_outcome(db, clinic, setup, counted, detail) -> None:
    # One goal, target 31 Jan, audited on 28 Feb.
    clinic.practitioner("p1")
    clinic.client("A", "p1", intake="2026-01-05")
    clinic.goal("G", "A", start="2026-01-05", target_date="2026-01-31")
    if setup in ("achieved", "sustaining"):
        clinic.event("G-x", "G", "2026-02-03", "active", setup)
    elif setup == "completed":
        clinic.set_status("G", "2026-02-03", "completed")
    elif setup == "revised":
        clinic.set_status("G", "2026-02-03", "cancelled")
        clinic.goal("G2", "A", start="2026-02-03", revised_from="G")
    elif setup == "on hold with a reason":
        on_hold_with_reason(clinic, "G", "2026-02-03", "client asked to pause")
    elif setup == "on hold without a reason":
        on_hold_with_reason(clinic, "G", "2026-02-03", "  ")
    elif setup == "cancelled":
        clinic.set_status("G", "2026-02-03", "cancelled")
    elif setup == "achieved after the period":
        clinic.event("G-x", "G", "2026-03-03", "active", "achieved")
    cases = audit_cases(db, Scope(("p1",)), "target_review", FEB)
    assert cases[["goal_id", "counted", "detail"]].values.tolist() == [["G", counted, detail]]


def test_a_drill_down_export_neutralises_a_display_code_that_looks_like_a_formula(db, clinic) -> None:
    from analytics.exports import to_safe_csv

    clinic.practitioner("p1")
    clinic.client("A", "p1", intake="2026-02-02", code='=HYPERLINK("http://x.example","open")')
    clinic.session("s1", "A", "2026-02-02")
    text = to_safe_csv(audit_cases(db, Scope(("p1",)), "lacking_followup", FEB)).decode()
    assert '\'=HYPERLINK(""http://x.example"",""open"")' in text
    assert ",=HYPERLINK" not in text


def test_a_goal_entered_in_error_is_not_a_goal(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("A", "p1", intake="2026-02-02")
    for i, day in enumerate(["2026-02-02", "2026-02-09", "2026-02-16"], start=1):
        clinic.session(f"s{i}", "A", day)
    clinic.goal("G", "A", start="2026-02-02", status="entered-in-error")
    rates = audit_rates(db, Scope(("p1",)), [FEB])
    # Session 3 reached with no real goal: goal-setting 0 of 1, and lacking follow-up.
    assert rates_of(rates, "practitioner", "p1", FEB)["goal_setting"] == (0, 1)
    assert rates_of(rates, "practitioner", "p1", FEB)["lacking_followup"] == (1, 1)


def test_a_goal_imported_without_history_counts_from_its_start(db, clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("A", "p1", intake="2026-02-02")
    clinic.goal("G", "A", start="2026-02-02", with_event=False)
    clinic.session("s1", "A", "2026-02-09")
    rates = audit_rates(db, Scope(("p1",)), [FEB])
    # No events: treated as active since 2 Feb, so expected (and missed) on 9 Feb.
    assert rates_of(rates, "practitioner", "p1", FEB)["followup_sessions"] == (0, 1)


def test_an_empty_scope_gives_no_rows_and_no_error(db, clinic) -> None:
    build(clinic)
    assert audit_rates(db, Scope(()), [FEB]).query("level == 'practitioner'").empty


def test_headline_compares_with_the_previous_period(db, clinic) -> None:
    build(clinic)
    headline = clinic_headline(db, scope_for(db, "supervisor", "sup"), FEB).set_index("metric")
    # Follow-up (sessions): February 6/9, January 5/6: change 2/3 - 5/6 = -1/6.
    row = headline.loc["followup_sessions"]
    assert (row["numerator"], row["denominator"]) == (6, 9)
    assert (row["previous_numerator"], row["previous_denominator"]) == (5, 6)
    assert row["change"] == pytest.approx(6 / 9 - 5 / 6)
    # Lacking follow-up went from 0/4 to 2/5: higher, which is worse.
    assert headline.loc["lacking_followup", "change"] == pytest.approx(0.4)
    assert not headline.loc["lacking_followup", "higher_is_better"]
    assert list(headline.index) == list(METRIC_KEYS)


def test_monthly_trends_have_one_point_per_month_and_metric(db, clinic) -> None:
    build(clinic)
    trends = monthly_trends(db, scope_for(db, "supervisor", "sup"), dt.date(2026, 2, 28), months=3)
    assert sorted(trends["month"].dt.strftime("%Y-%m").unique()) == ["2025-12", "2026-01", "2026-02"]
    assert len(trends) == 3 * len(METRIC_KEYS)
    feb = trends[(trends["month"] == "2026-02-01") & (trends["metric"] == "followup_pairs")]
    assert feb["rate"].iloc[0] == pytest.approx(11 / 14)
    # December: F's sessions 8 and 15 Dec had F1 checked but F2 not (0 of 2 sessions).
    dec = trends[(trends["month"] == "2025-12-01") & (trends["metric"] == "followup_sessions")]
    assert (int(dec["numerator"].iloc[0]), int(dec["denominator"].iloc[0])) == (0, 2)


def test_monthly_trends_of_one_practitioner_and_only_within_scope(db, clinic) -> None:
    build(clinic)
    team = scope_for(db, "supervisor", "sup")
    p2 = monthly_trends(db, team, dt.date(2026, 2, 28), months=2, practitioner_id="p2")
    assert set(p2["group_id"]) == {"p2"}
    # p2 in January: C's 19 and 26 Jan sessions followed up (2/2); February 0/3.
    sessions = p2[p2["metric"] == "followup_sessions"]
    assert list(zip(sessions["numerator"], sessions["denominator"], strict=True)) == [(2, 2), (0, 3)]
    with pytest.raises(AccessDenied):
        monthly_trends(db, team, dt.date(2026, 2, 28), practitioner_id="p9")


def test_practitioner_table_sorts_worst_first_and_puts_nothing_to_count_last(db, clinic) -> None:
    build(clinic)
    table = practitioner_audit(db, scope_for(db, "supervisor", "sup"), FEB)
    assert worst_first(table, "followup_sessions")["group_id"].tolist() == ["p2", "p1", "p3"]
    # Lacking follow-up: higher is worse, so p2 (2/3) before p1 (0/2); p3 has none.
    assert worst_first(table, "lacking_followup")["group_id"].tolist() == ["p2", "p1", "p3"]
    p3 = table[table["group_id"] == "p3"].iloc[0]
    assert p3["followup_sessions_denominator"] == 0 and pd.isna(p3["followup_sessions_rate"])


@pytest.mark.parametrize(
    ("as_of", "months", "current", "previous"),
    [
        ("2026-02-15", 1, ("2026-02-01", "2026-02-15"), ("2026-01-01", "2026-01-31")),
        ("2026-02-28", 3, ("2025-12-01", "2026-02-28"), ("2025-09-01", "2025-11-30")),
        ("2026-01-10", 12, ("2025-02-01", "2026-01-10"), ("2024-02-01", "2025-01-31")),
    ],
)
def test_periods_are_calendar_months_up_to_the_as_of_date(as_of, months, current, previous) -> None:
    period = audit_period(dt.date.fromisoformat(as_of), months)
    assert (period.start.isoformat(), period.end.isoformat()) == current
    before = previous_period(period)
    assert (before.start.isoformat(), before.end.isoformat()) == previous


def test_month_periods_end_at_the_as_of_date() -> None:
    periods = month_periods(dt.date(2026, 3, 10), 3)
    assert [(p.start.isoformat(), p.end.isoformat()) for p in periods] == [
        ("2026-01-01", "2026-01-31"),
        ("2026-02-01", "2026-02-28"),
        ("2026-03-01", "2026-03-10"),
    ]


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st")],
)
def test_definitions_read_the_session_number_as_an_ordinal(n, text) -> None:
    from analytics.audit import METRIC_BY_KEY

    assert f"{text} attended session" in METRIC_BY_KEY["goal_setting"].describe(n, 30, 3)
