"""The demo clinic: deterministic, realistic, and with something real for every page to find.

These tests read the generated data back with SQL and check each promise of
docs/demo-clinic.md on the data itself, not on the generator's parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from analytics.cli import main
from analytics.db import Database
from analytics.demo import DEFAULT_END, DEMO_TABLES, build_demo, low_diligence_practitioners

END = DEFAULT_END

# Reliable-change thresholds used by the sudden-gain criteria (docs/demo-clinic.md).
THRESHOLDS = "CASE g.measure WHEN 'phq-9' THEN 6 WHEN 'gad-7' THEN 4 WHEN 'gas' THEN 2 ELSE 3 END"


def _build(seed: int) -> Database:
    db = Database.memory()
    build_demo(db, seed=seed, scale="clinic")
    return db


@pytest.fixture(scope="module")
def demo() -> Iterator[Database]:
    db = _build(7)
    yield db
    db.close()


def _table(db: Database, table: str) -> pd.DataFrame:
    # Ordered by every column, so the comparison does not depend on insertion order.
    frame = db.query_sql(f"SELECT * FROM {table}")  # noqa: S608 - table names from DEMO_TABLES
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def _one(db: Database, sql: str) -> object:
    return db.scalar(sql)


# ------------------------------------------------------------------ determinism
def test_the_same_seed_gives_identical_contents_in_every_table(demo: Database) -> None:
    again = _build(7)
    try:
        for table in DEMO_TABLES:
            pd.testing.assert_frame_equal(_table(demo, table), _table(again, table), obj=table)
    finally:
        again.close()


def test_a_different_seed_gives_a_different_clinic(demo: Database) -> None:
    other = _build(8)
    try:
        differing = [t for t in DEMO_TABLES if not _table(demo, t).equals(_table(other, t))]
        # The skill catalogue is fixed; everything generated differs.
        assert set(differing) == set(DEMO_TABLES) - {"coping_skills"}
    finally:
        other.close()


def test_dates_do_not_depend_on_today_and_end_moves_everything() -> None:
    db = Database.memory()
    try:
        build_demo(db, seed=7, scale="clinic", end=dt.date(2025, 6, 30))
        assert _one(db, "SELECT max(session_date) FROM sessions") <= dt.date(2025, 6, 30)
        assert _one(db, "SELECT max(checkin_date) FROM goal_checkins") <= dt.date(2025, 6, 30)
        assert _one(db, "SELECT max(logged_at) FROM coping_logs") < dt.datetime(2025, 7, 1)
    finally:
        db.close()


# ------------------------------------------------------------------ the clinic's shape
def test_two_supervisors_and_eight_supervised_therapists_with_fictional_emails(demo: Database) -> None:
    people = demo.query_sql("SELECT * FROM practitioners ORDER BY practitioner_id")
    assert people["role"].value_counts().to_dict() == {"therapist": 8, "supervisor": 2}
    therapists = people[people["role"] == "therapist"]
    supervisors = set(people.loc[people["role"] == "supervisor", "practitioner_id"])
    assert set(therapists["supervisor_id"]) == supervisors
    assert people["practitioner_id"].str.fullmatch(r"prac-\d\d").all()
    for name, email in zip(people["display_name"], people["email"], strict=True):
        first, last = name.lower().split()
        assert email == f"{first}.{last}@waymark.example"
    # Supervisors carry a few clients of their own.
    carried = demo.query_sql(
        "SELECT count(*) AS n FROM clients JOIN practitioners USING (practitioner_id) "
        "WHERE role = 'supervisor' GROUP BY practitioner_id"
    )["n"]
    assert len(carried) == 2 and carried.between(1, 8).all()


def test_clients_are_pseudonymous_staggered_and_partly_discharged(demo: Database) -> None:
    clients = demo.query_sql("SELECT * FROM clients")
    # The clinic scale of the issue: about 150 clients (SCALES["clinic"] fixes the number).
    assert len(clients) == 150
    assert clients["client_id"].str.fullmatch(r"cl-\d{4}").all()
    assert clients["display_code"].str.fullmatch(r"[A-Z]{2}-\d{4}").all()
    assert clients["display_code"].is_unique
    assert clients["real_name"].isna().all()
    # At least nine months of data before the end date, intakes spread across it.
    assert clients["intake_date"].min() <= pd.Timestamp(END - dt.timedelta(days=270))
    assert clients["intake_date"].nunique() > 60
    discharged = clients["discharge_date"].notna()
    assert 20 <= discharged.sum() <= 100
    # Clients still active at the end were seen recently (within a fortnight and a bit).
    recent = _one(
        demo,
        "SELECT count(*) FROM clients c WHERE discharge_date IS NULL AND "
        "(SELECT max(session_date) FROM sessions s WHERE s.client_id = c.client_id) >= DATE '2026-11-04'",
    )
    assert recent == (~discharged).sum()


def test_sessions_are_weekly_or_fortnightly_start_with_intake_and_some_are_missed(demo: Database) -> None:
    first_kinds = demo.query_sql(
        "SELECT arg_min(kind, session_date) AS kind, arg_min(attended, session_date) AS attended "
        "FROM sessions GROUP BY client_id"
    )
    assert (first_kinds["kind"] == "intake").all() and first_kinds["attended"].all()
    gaps = demo.query_sql(
        "SELECT median(gap) AS gap FROM (SELECT client_id, session_date - lag(session_date) "
        "OVER (PARTITION BY client_id ORDER BY session_date) AS gap FROM sessions) "
        "WHERE gap IS NOT NULL GROUP BY client_id"
    )["gap"]
    # Weekly or fortnightly, give or take a day or two of rescheduling.
    assert gaps.round().isin([6, 7, 8, 13, 14, 15]).mean() > 0.9
    assert {7, 14} <= set(gaps.round())
    missed = _one(demo, "SELECT avg(CASE WHEN attended THEN 0 ELSE 1 END) FROM sessions")
    assert 0.03 < missed < 0.25
    assert _one(demo, "SELECT max(session_date) FROM sessions") <= END


# ------------------------------------------------------------------ goals and measures
def test_goals_cover_every_life_area_with_three_month_targets(demo: Database) -> None:
    goals = demo.query_sql("SELECT * FROM goals")
    assert set(goals["life_area"]) == {
        "stress at work",
        "low self-esteem",
        "managing depression",
        "social anxiety",
        "feeling overwhelmed",
        "work-life boundaries",
        "OCD intrusive thoughts",
        "postpartum depression",
        "figure out what I want from therapy",
    }
    assert set(goals["measure"]) == {"self-rated-0-10", "gas", "phq-9", "gad-7"}
    assert goals["goal_id"].str.fullmatch(r"g-\d{4}-\d+").all()
    assert ((goals["target_date"] - goals["start_date"]).dt.days == 91).all()
    assert goals["baseline"].notna().all() and goals["target"].notna().all()
    # GAS: baseline -1 or -2 and target 0 ("expected outcome").
    gas = goals[goals["measure"] == "gas"]
    assert set(gas["baseline"]) == {-2.0, -1.0} and set(gas["target"]) == {0.0}
    # Questionnaires: lower is better, target below baseline.
    questionnaires = goals[goals["measure"].isin(["phq-9", "gad-7"])]
    assert (~questionnaires["higher_is_better"]).all()
    assert (questionnaires["target"] < questionnaires["baseline"]).all()


@pytest.mark.parametrize(
    ("measure", "low", "high"),
    [("self-rated-0-10", 0, 10), ("gas", -2, 2), ("phq-9", 0, 27), ("gad-7", 0, 21)],
)
def test_checkin_values_are_integers_within_their_scale(
    demo: Database, measure: str, low: int, high: int
) -> None:
    values = demo.query_sql(
        "SELECT k.value, g.scale_min, g.scale_max FROM goal_checkins k JOIN goals g USING (goal_id) "
        "WHERE g.measure = $m",
        {"m": measure},
    )
    assert len(values) > 20
    assert values["value"].between(low, high).all()
    assert (values["value"] == values["value"].round()).all()
    assert (values["scale_min"] == low).all() and (values["scale_max"] == high).all()


def test_every_goal_starts_active_in_progress_and_its_status_is_its_last_event(demo: Database) -> None:
    first = demo.query_sql(
        "SELECT g.goal_id, g.start_date, arg_min(e.event_date, e.event_id) AS first_date, "
        "arg_min(e.lifecycle_status, e.event_id) AS life, arg_min(e.achievement_status, e.event_id) AS ach "
        "FROM goals g JOIN goal_events e USING (goal_id) GROUP BY ALL"
    )
    assert len(first) == _one(demo, "SELECT count(*) FROM goals")
    assert (first["first_date"] == first["start_date"]).all()
    assert (first["life"] == "active").all() and (first["ach"] == "in-progress").all()
    mismatched = _one(
        demo,
        """
        WITH last AS (
            SELECT goal_id, arg_max(lifecycle_status, (event_date, event_id)) AS life,
                   arg_max(coalesce(achievement_status, '-'), (event_date, event_id)) AS ach
            FROM goal_events GROUP BY goal_id
        )
        SELECT count(*) FROM goals g JOIN last l USING (goal_id)
        WHERE g.lifecycle_status <> l.life OR coalesce(g.achievement_status, '-') <> l.ach
        """,
    )
    assert mismatched == 0
    # Event dates never go backwards against event ids, so "last" is unambiguous.
    assert (
        _one(
            demo,
            "SELECT count(*) FROM (SELECT event_date < lag(event_date) OVER (PARTITION BY goal_id "
            "ORDER BY event_id) AS back FROM goal_events) WHERE back",
        )
        == 0
    )


def test_goals_evolve_revised_on_hold_completed_and_cancelled(demo: Database) -> None:
    # A revision: the new goal points at the old one, starts the day the old one closed,
    # and the old goal's closing event is completed or cancelled with a note saying "revised".
    chains = demo.query_sql(
        """
        SELECT child.goal_id, parent.goal_id AS parent_id, e.lifecycle_status, e.note,
               child.start_date = e.event_date AS same_day
        FROM goals child
        JOIN goals parent ON parent.goal_id = child.revised_from_goal_id
        JOIN goal_events e ON e.goal_id = parent.goal_id
        WHERE e.event_id = (SELECT max(event_id) FROM goal_events x WHERE x.goal_id = parent.goal_id)
        """
    )
    assert len(chains) >= 10
    assert chains["lifecycle_status"].isin(["completed", "cancelled"]).all()
    assert chains["note"].str.contains("revised").all()
    assert chains["same_day"].all()
    assert set(chains["lifecycle_status"]) == {"completed", "cancelled"}
    # The exploratory first goal is revised into a concrete one.
    explored = _one(
        demo,
        "SELECT count(*) FROM goals c JOIN goals p ON p.goal_id = c.revised_from_goal_id "
        "WHERE p.life_area = 'figure out what I want from therapy' "
        "AND c.life_area <> 'figure out what I want from therapy'",
    )
    assert explored >= 5
    counts = demo.query_sql(
        """
        SELECT
            count(*) FILTER (WHERE lifecycle_status = 'on-hold') AS on_hold,
            count(*) FILTER (WHERE lifecycle_status = 'active' AND note LIKE 'Resumed%'
                             OR note LIKE 'Back on the agenda%') AS resumed,
            count(*) FILTER (WHERE lifecycle_status = 'completed' AND achievement_status = 'achieved')
                AS completed_achieved,
            count(*) FILTER (WHERE lifecycle_status = 'cancelled' AND note LIKE '%no longer relevant%')
                AS cancelled_irrelevant
        FROM goal_events
        """
    ).iloc[0]
    assert counts["on_hold"] >= 3 and counts["resumed"] >= 1
    assert counts["completed_achieved"] >= 10
    assert counts["cancelled_irrelevant"] >= 3


# ------------------------------------------------------------------ trajectories
def _steps(demo: Database) -> str:
    # Each check-in with the previous and next value of the same goal, signed so that a
    # positive change is an improvement whatever the measure's direction.
    return f"""
        WITH k AS (
            SELECT k.goal_id, k.checkin_date, k.value, g.baseline, g.target, {THRESHOLDS} AS rc,
                   CASE WHEN g.higher_is_better THEN 1 ELSE -1 END AS dir,
                   lag(k.value) OVER w AS prev, lead(k.value) OVER w AS next
            FROM goal_checkins k JOIN goals g USING (goal_id)
            WINDOW w AS (PARTITION BY k.goal_id ORDER BY k.checkin_date, k.checkin_id)
        )
        SELECT *, (value - prev) * dir AS change, (next - prev) * dir AS kept FROM k
    """


@pytest.mark.parametrize("direction", [1, -1], ids=["sudden gain", "sudden loss"])
def test_sudden_gains_and_losses_meet_the_reliable_change_criteria(demo: Database, direction: int) -> None:
    # Tang & DeRubeis (1999), adapted: a change between two consecutive check-ins of at
    # least the reliable-change threshold, at least 25% of the previous level, and not
    # reversed at the next check-in (at least half the threshold still held).
    found = demo.query_sql(
        f"""
        SELECT goal_id FROM ({_steps(demo)})
        WHERE $d * change >= rc AND $d * change >= 0.25 * abs(prev) AND $d * kept >= rc / 2
        """,
        {"d": direction},
    )
    assert found["goal_id"].nunique() >= 3


def test_gradual_gains_plateaus_and_setbacks_that_recover_all_occur(demo: Database) -> None:
    per_goal = demo.query_sql(
        f"""
        SELECT goal_id, count(*) AS n,
               max(change) AS biggest_step,
               (arg_max(value, checkin_date) - arg_min(value, checkin_date)) * any_value(dir) AS total,
               any_value(rc) AS rc,
               list(value * dir ORDER BY checkin_date) AS path,
               list(value * dir ORDER BY checkin_date)[-4:] AS last4,
               any_value(target) * any_value(dir) AS target
        FROM ({_steps(demo)}) GROUP BY goal_id
        """
    )
    # Gradual: at least 5 check-ins, a total gain of the threshold, no single step that big.
    gradual = per_goal[(per_goal["n"] >= 5) & (per_goal["total"] >= per_goal["rc"])]
    gradual = gradual[gradual["biggest_step"] < gradual["rc"]]
    assert len(gradual) >= 5

    # Plateau: the last four check-ins within one point of each other, short of the target.
    def plateau(row) -> bool:
        last = list(row["last4"])
        return (
            len(last) == 4 and max(last) - min(last) <= 1 and max(last) < row["target"] and row["total"] > 0
        )

    assert per_goal[per_goal["n"] >= 6].apply(plateau, axis=1).sum() >= 3

    # Setback that recovers: a drop of at least 2 below an earlier best, later beaten.
    def recovered(path) -> bool:
        best, dropped = float("-inf"), False
        for value in path:
            if dropped and value > best:
                return True
            if value <= best - 2:
                dropped = True
            best = max(best, value) if not dropped else best
        return False

    assert per_goal["path"].apply(recovered).sum() >= 3


def test_achieved_goals_sustain_or_slip_as_their_events_say(demo: Database) -> None:
    # Sustaining: an "achieved" event, a later "sustaining" event, and every check-in
    # after the achievement at or beyond the target.
    sustained = _one(
        demo,
        """
        WITH a AS (SELECT goal_id, min(event_date) AS achieved FROM goal_events
                   WHERE achievement_status = 'achieved' AND lifecycle_status = 'active' GROUP BY goal_id),
             s AS (SELECT DISTINCT goal_id FROM goal_events WHERE achievement_status = 'sustaining')
        SELECT count(*) FROM a JOIN s USING (goal_id) JOIN goals g USING (goal_id)
        WHERE NOT EXISTS (
            SELECT 1 FROM goal_checkins k WHERE k.goal_id = a.goal_id AND k.checkin_date >= a.achieved
              AND (k.value - g.target) * CASE WHEN g.higher_is_better THEN 1 ELSE -1 END < 0)
        """,
    )
    assert sustained >= 5
    # Slipping: achieved, then a check-in worse than the target and a "worsening" event.
    slipped = _one(
        demo,
        """
        WITH a AS (SELECT goal_id, min(event_date) AS achieved FROM goal_events
                   WHERE achievement_status = 'achieved' GROUP BY goal_id),
             w AS (SELECT goal_id, min(event_date) AS worse FROM goal_events
                   WHERE achievement_status = 'worsening' GROUP BY goal_id)
        SELECT count(*) FROM a JOIN w USING (goal_id) JOIN goals g USING (goal_id)
        WHERE w.worse > a.achieved AND EXISTS (
            SELECT 1 FROM goal_checkins k WHERE k.goal_id = a.goal_id AND k.checkin_date > a.achieved
              AND (k.value - g.target) * CASE WHEN g.higher_is_better THEN 1 ELSE -1 END < 0)
        """,
    )
    assert slipped >= 3


def test_checkins_are_at_attended_sessions_and_mostly_between_them_in_the_app(demo: Database) -> None:
    where = demo.query_sql(
        """
        SELECT count(*) FILTER (WHERE k.session_id IS NULL) AS between,
               count(*) FILTER (WHERE s.attended) AS at_session,
               count(*) FILTER (WHERE k.session_id IS NOT NULL AND (s.session_id IS NULL OR NOT s.attended
                   OR s.session_date <> k.checkin_date OR s.client_id <> g.client_id)) AS inconsistent,
               count(*) FILTER (WHERE k.session_id IS NULL AND k.reporter <> 'client') AS app_not_client,
               count(DISTINCT k.reporter) AS reporters
        FROM goal_checkins k JOIN goals g USING (goal_id) LEFT JOIN sessions s USING (session_id)
        """
    ).iloc[0]
    assert where["inconsistent"] == 0
    # The clinic practises measurement-based care with the client app: the issue's ~25,000
    # check-ins for ~150 clients are far more than their ~2,500 sessions can carry, so
    # between-session self-reports (session_id NULL, always the client's) outnumber the
    # ratings made at sessions, which still exist at every diligent therapist's sessions.
    assert 20_000 <= where["between"] + where["at_session"] <= 30_000
    assert where["between"] > 3 * where["at_session"] > 0
    assert where["app_not_client"] == 0
    assert where["reporters"] == 2
    # The app asks once a day: never two self-reports of one goal on one day.
    twice = _one(
        demo,
        "SELECT count(*) FROM (SELECT goal_id, checkin_date FROM goal_checkins "
        "WHERE session_id IS NULL GROUP BY ALL HAVING count(*) > 1)",
    )
    assert twice == 0
    # App use follows the therapist: the one who rarely records check-ins rarely sets a
    # client up with the app (the same chance as a session being followed up, 15-25%,
    # against 82-96% for the others), so few of their clients ever self-report.
    rare = low_diligence_practitioners("clinic")["rare-checkins"][0]
    uses_app = demo.query_sql(
        """
        SELECT c.practitioner_id,
               avg(CASE WHEN EXISTS (SELECT 1 FROM goal_checkins k JOIN goals g USING (goal_id)
                                     WHERE g.client_id = c.client_id AND k.session_id IS NULL)
                   THEN 1 ELSE 0 END) AS share
        FROM clients c
        WHERE EXISTS (SELECT 1 FROM goals g WHERE g.client_id = c.client_id)
        GROUP BY ALL
        """
    ).set_index("practitioner_id")["share"]
    assert uses_app[rare] < 0.5 < 0.6 < uses_app.drop(rare).min()
    # No check-in falls outside its goal's life (before start, after a closing event).
    outside = _one(
        demo,
        """
        SELECT count(*) FROM goal_checkins k JOIN goals g USING (goal_id)
        WHERE k.checkin_date < g.start_date OR k.checkin_date > coalesce(
            (SELECT max(event_date) FROM goal_events e WHERE e.goal_id = g.goal_id
             AND e.lifecycle_status IN ('completed', 'cancelled')), DATE '2026-11-20')
        """,
    )
    assert outside == 0


def test_questionnaires_are_asked_at_sessions_and_in_the_app_only_in_a_week_without_one(
    demo: Database,
) -> None:
    # PHQ-9 and GAD-7 ask about the last two weeks, so the app offers one at most once in a
    # week of the goal (days 0-6 from its start are week 0) and never in a week that had a
    # session rating of that goal. 0-10 and GAS goals are rated on most days instead.
    weeks = demo.query_sql(
        """
        SELECT g.measure IN ('phq-9', 'gad-7') AS questionnaire, k.goal_id,
               (k.checkin_date - g.start_date) // 7 AS week,
               count(*) FILTER (WHERE k.session_id IS NULL) AS app,
               count(*) FILTER (WHERE k.session_id IS NOT NULL) AS at_session
        FROM goal_checkins k JOIN goals g USING (goal_id)
        GROUP BY ALL
        """
    )
    asked = weeks[weeks["questionnaire"]]
    assert asked["app"].max() == 1
    assert ((asked["app"] > 0) & (asked["at_session"] > 0)).sum() == 0
    # The app still fills weeks without a session (fortnightly clients, missed sessions).
    assert (asked["app"] > 0).sum() > 100
    rated = weeks[~weeks["questionnaire"]]
    assert rated.loc[rated["app"] > 0, "app"].median() >= 5


# ------------------------------------------------------------------ coping skills
def test_coping_logs_use_the_skill_catalogue_with_suds_and_helpfulness(demo: Database) -> None:
    skills = demo.query_sql("SELECT * FROM coping_skills")
    for name in (
        "box breathing",
        "grounding 5-4-3-2-1",
        "cognitive reframing",
        "behavioural activation walk",
        "thought record",
        "progressive muscle relaxation",
        "paced breathing",
        "opposite action",
        "self-compassion break",
        "worry time",
        "exposure step",
        "mindful observation",
    ):
        assert name in set(skills["name"])
    assert skills["category"].notna().all()
    logs = demo.query_sql(
        """
        SELECT count(DISTINCT client_id) AS clients,
               avg(CASE WHEN distress_after IS NULL THEN 1 ELSE 0 END) AS missing_after,
               avg(CASE WHEN goal_id IS NOT NULL THEN 1 ELSE 0 END) AS linked,
               avg(distress_before - distress_after) AS mean_reduction,
               min(helpfulness) AS h_min, max(helpfulness) AS h_max,
               count(*) FILTER (WHERE goal_id IS NOT NULL AND goal_id NOT IN (SELECT goal_id FROM goals)) AS orphans
        FROM coping_logs
        """
    ).iloc[0]
    assert logs["clients"] >= 50
    assert 0.03 < logs["missing_after"] < 0.25
    assert 0.4 < logs["linked"] < 0.9 and logs["orphans"] == 0
    assert logs["mean_reduction"] > 5
    assert (logs["h_min"], logs["h_max"]) == (1, 5)


def test_some_clients_stop_practising_while_still_in_therapy(demo: Database) -> None:
    # Stopped: the last log is more than six weeks before the client's last session.
    stopped = _one(
        demo,
        """
        SELECT count(*) FROM (
            SELECT l.client_id, max(l.logged_at)::DATE AS last_log,
                   (SELECT max(session_date) FROM sessions s WHERE s.client_id = l.client_id) AS last_session
            FROM coping_logs l GROUP BY l.client_id
        ) WHERE last_session - last_log > 42
        """,
    )
    assert stopped >= 5


# ------------------------------------------------------------------ diligence
def test_the_low_diligence_practitioners_are_measurably_worse(demo: Database) -> None:
    low = low_diligence_practitioners("clinic")
    rare, late = low["rare-checkins"], low["late-goals"]
    assert len(rare) == 1 and len(late) == 1
    # Follow-up: share of attended sessions, at which the client had a goal under way,
    # with at least one check-in recorded.
    followup = demo.query_sql(
        """
        SELECT s.practitioner_id,
               avg(CASE WHEN EXISTS (SELECT 1 FROM goal_checkins k WHERE k.session_id = s.session_id)
                   THEN 1 ELSE 0 END) AS share
        FROM sessions s
        WHERE s.attended AND EXISTS (SELECT 1 FROM goals g WHERE g.client_id = s.client_id
                                     AND g.start_date < s.session_date)
        GROUP BY ALL
        """
    ).set_index("practitioner_id")["share"]
    others = followup.drop(rare)
    assert followup[rare[0]] < 0.45 < 0.7 < others.min()
    # Goal setting: share of clients with a goal by their third attended session.
    goal_set = demo.query_sql(
        """
        WITH third AS (
            SELECT client_id, practitioner_id, session_date,
                   row_number() OVER (PARTITION BY client_id ORDER BY session_date) AS n
            FROM sessions WHERE attended
        )
        SELECT t.practitioner_id,
               avg(CASE WHEN EXISTS (SELECT 1 FROM goals g WHERE g.client_id = t.client_id
                                     AND g.start_date <= t.session_date) THEN 1 ELSE 0 END) AS share
        FROM third t WHERE n = 3 GROUP BY ALL
        """
    ).set_index("practitioner_id")["share"]
    assert goal_set[late[0]] < 0.75 < 0.85 < goal_set.drop(late).min()


# ------------------------------------------------------------------ the schema it leaves
INDEXES = "SELECT index_name, table_name, sql FROM duckdb_indexes() ORDER BY index_name"
CONSTRAINTS = (
    "SELECT table_name, constraint_type, array_to_string(constraint_column_names, ',') AS columns, "
    "coalesce(expression, '') AS expression FROM duckdb_constraints() ORDER BY ALL"
)


def test_the_build_leaves_exactly_the_constraints_the_migrations_create(demo: Database) -> None:
    # The largest tables are loaded without their primary key and keyed afterwards; every
    # table must end with the schema's own constraints, and the key must hold.
    fresh = Database.memory()
    try:
        expected = fresh.query_sql(CONSTRAINTS)
    finally:
        fresh.close()
    keys = expected[expected["constraint_type"] == "PRIMARY KEY"].set_index("table_name")["columns"]
    assert keys["coping_logs"] == "log_id" and keys["goal_checkins"] == "checkin_id"
    pd.testing.assert_frame_equal(demo.query_sql(CONSTRAINTS), expected)
    with pytest.raises(Exception, match="(?i)constraint|duplicate"):
        demo.execute_sql("INSERT INTO goal_checkins SELECT * FROM goal_checkins LIMIT 1")


def test_the_build_leaves_exactly_the_indexes_the_migrations_create(demo: Database) -> None:
    # The builder drops the plain indexes of its tables and creates them after loading;
    # the result must be the schema's own (same names, tables and definitions), and the
    # indexes must answer like the table scan does.
    fresh = Database.memory()
    try:
        expected = fresh.query_sql(INDEXES)
    finally:
        fresh.close()
    assert len(expected) >= 6  # sessions, goals, check-ins, events, coping logs, clients
    pd.testing.assert_frame_equal(demo.query_sql(INDEXES), expected)
    goal = _one(demo, "SELECT goal_id FROM goal_checkins ORDER BY checkin_id LIMIT 1")
    by_index = demo.scalar("SELECT count(*) FROM goal_checkins WHERE goal_id = $g", {"g": goal})
    by_scan = demo.scalar("SELECT count(*) FILTER (WHERE goal_id = $g) FROM goal_checkins", {"g": goal})
    assert by_index == by_scan > 0


def test_a_failed_build_empties_the_tables_and_puts_the_indexes_back(monkeypatch) -> None:
    import pyarrow as pa

    import analytics.demo as demo_module

    real = demo_module._coping_frames

    def broken(*args, **kwargs):
        # Every log id the same: the insert of coping_logs (the last table) breaks the key.
        frames = real(*args, **kwargs)
        logs = frames["coping_logs"]
        same = pa.array(["log-000001"] * logs.num_rows)
        frames["coping_logs"] = logs.set_column(0, "log_id", same)
        return frames

    monkeypatch.setattr(demo_module, "_coping_frames", broken)
    db = Database.memory()
    try:
        expected = db.query_sql(INDEXES)
        with pytest.raises(Exception, match="(?i)constraint|duplicate"):
            build_demo(db, seed=7, scale="clinic")
        with db.connection() as cur:
            assert set(demo_module.table_counts(cur).values()) == {0}
        pd.testing.assert_frame_equal(db.query_sql(INDEXES), expected)
        # The table whose load failed keeps its primary key (the transaction rolled back).
        keyed = db.query_sql(CONSTRAINTS)
        assert ["coping_logs", "log_id"] in keyed[keyed["constraint_type"] == "PRIMARY KEY"][
            ["table_name", "columns"]
        ].values.tolist()
    finally:
        db.close()


# ------------------------------------------------------------------ the command line
def test_the_cli_builds_a_file_and_refuses_to_overwrite_it(tmp_path: Path, capsys) -> None:
    path = tmp_path / "demo.duckdb"
    assert main(["demo", "--db", str(path), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"clients\s+150", out)
    before = path.read_bytes()
    assert main(["demo", "--db", str(path), "--seed", "4"]) != 0
    assert "already holds clinical data" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert main(["demo", "--db", str(path), "--seed", "4", "--replace"]) == 0
    db = Database(path)
    try:
        assert db.scalar("SELECT count(*) FROM clients") == 150
    finally:
        db.close()
