"""Goal progress: normalised progress, sudden gains and losses, phases, and the derived
FHIR achievement status. The rule and its sources are in docs/progress.md.

Sudden gains and losses follow Tang, T. Z. & DeRubeis, R. J. (1999), "Sudden gains and
critical sessions in cognitive-behavioral therapy for depression", *J Consult Clin Psychol*
67(6), 894–904, adapted per measure as the IAPT sudden-gain work does: the change between
consecutive check-ins is at least the measure's reliable-change threshold (PHQ-9 6 points,
GAD-7 4 points: Jacobson & Truax 1991 reliable-change thresholds as used in IAPT; see
`MEASURE_RULES`) and at least 25% of the previous level, and it is not reversed (by more than
half) at the next check-in. Sudden losses mirror the rule (Lutz, W. et al. 2013, "The ups and
downs of psychotherapy: sudden gains and sudden losses identified with session reports",
*Psychotherapy Research* 23(1), 14–24).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics.db import Database
from analytics.scope import Scope

FHIR_ACHIEVEMENT = (
    "in-progress",
    "improving",
    "worsening",
    "no-change",
    "achieved",
    "sustaining",
    "not-achieved",
    "no-progress",
)

PHASES = ("start", "gain", "setback", "plateau", "sudden gain", "sudden loss", "maintaining")


@dataclass(frozen=True)
class MeasureRule:
    """Per-measure thresholds, in the measure's own points."""

    reliable_change: float  # a sudden gain/loss is at least this between consecutive check-ins
    meaningful_change: float  # smaller changes are a plateau; also the trend band of the status
    reason: str


MEASURE_RULES: dict[str, MeasureRule] = {
    # IAPT's reliable-change thresholds (Jacobson & Truax 1991 applied to PHQ-9 and GAD-7;
    # National Collaborating Centre for Mental Health, *The IAPT Manual*, 2018, appendix C).
    "phq-9": MeasureRule(6.0, 3.0, "IAPT reliable change for PHQ-9 (Jacobson & Truax 1991)"),
    "gad-7": MeasureRule(4.0, 2.0, "IAPT reliable change for GAD-7 (Jacobson & Truax 1991)"),
    # Goal-based outcomes rated 0–10: reliable change 2.45 points (Edbrooke-Childs, Jacob, Law,
    # Deighton & Wolpert 2015, Child Adolesc Ment Health 20(3), 142–148); ratings are whole
    # numbers, so the smallest change that exceeds it is 3. One point is the scale's step.
    "self-rated-0-10": MeasureRule(
        3.0, 1.0, "goal-based outcomes reliable change 2.45 (Edbrooke-Childs et al. 2015), rounded up"
    ),
    # GAS levels −2…+2 are ordinal, with no published reliable change for a single goal; a jump
    # of two levels between check-ins skips the expected-outcome level and spans half the scale.
    "gas": MeasureRule(2.0, 1.0, "two GAS levels (no published reliable change for one goal)"),
}


def measure_params() -> dict[str, list]:
    """The per-measure thresholds of MEASURE_RULES as the bound lists the check-in rule reads."""
    names = list(MEASURE_RULES)
    return {
        "measure_names": names,
        "reliable_change": [MEASURE_RULES[m].reliable_change for m in names],
        "meaningful_change": [MEASURE_RULES[m].meaningful_change for m in names],
    }


def _params(
    scope: Scope,
    as_of: dt.date,
    client_id: str | None = None,
    goal_ids: list[str] | None = None,
) -> dict:
    return {
        **scope.params(),
        **measure_params(),
        "as_of": as_of,
        "client_id": client_id,
        "goal_ids": goal_ids,
        "client_ids": None,
    }


def checkin_points(
    db: Database,
    scope: Scope,
    as_of: dt.date,
    client_id: str | None = None,
    goal_ids: list[str] | None = None,
) -> pd.DataFrame:
    """One row per check-in on or before `as_of` of the goals in scope: `value` (goal's own
    scale), `progress` (0 = baseline, 1 = target), `trend_value` (running median of 3, none
    before the third check-in), `sudden_gain`/`sudden_loss` (Tang & DeRubeis 1999) and `phase`."""
    sql = f"WITH {points_relations()}\nSELECT * FROM points ORDER BY goal_id, seq"
    frame = db.query_sql(sql, _params(scope, as_of, client_id, goal_ids))
    frame["checkin_date"] = pd.to_datetime(frame["checkin_date"])
    return frame


def goal_lifecycle(
    db: Database,
    scope: Scope,
    as_of: dt.date,
    client_id: str | None = None,
    goal_ids: list[str] | None = None,
) -> pd.DataFrame:
    """One row per goal in scope started by `as_of`, with its lifecycle and recorded
    achievement status as of that day (FHIR Goal value sets)."""
    params = {
        **scope.params(),
        "as_of": as_of,
        "client_id": client_id,
        "goal_ids": goal_ids,
        "client_ids": None,
    }
    sql = (
        f"WITH {_body('progress.checkin_candidates')}\n"
        f"SELECT * FROM (\n{relation_text('progress.goal_lifecycle_as_of')}\n) ORDER BY client_id, start_date, goal_id"
    )
    return db.query_sql(sql, params)


def _body(name: str) -> str:
    return Database.sql_text(name).rstrip().rstrip(";")


def relation_text(name: str) -> str:
    """The text of a named query for use as a CTE: without its final `;` and, when its last
    line is an ORDER BY, without that line (a CTE's order is not kept, and DuckDB would sort
    every row of it for nothing: 5 M check-ins when the stored summaries are rebuilt)."""
    lines = _body(name).rstrip().splitlines()
    if lines and lines[-1].lstrip().upper().startswith("ORDER BY"):
        lines = lines[:-1]
    return "\n".join(lines)


def points_relations(candidates: str = "progress.checkin_candidates") -> str:
    """CTEs (without WITH) ending in the relation `points`: the check-in points
    (`progress.checkin_rule`) of the goals that the named CTE list `candidates` offers as
    `candidate_goals` (by default `progress.checkin_candidates`: by scope, client or goal ids;
    the timeline offers a revision chain). One rule, whichever goals it runs over. All texts
    are this package's own SQL files."""
    return (
        f"{_body(candidates)},\n{_body('progress.checkin_goals')},\n"
        f"points AS (\n{relation_text('progress.checkin_rule')}\n)"
    )


def _summary_sql(stored: bool) -> str:
    # The summary runs over the relation `status_all`: the stored per-goal summaries when they
    # are exact at the as-of date (analytics/derived_progress.py), else `status` computed from
    # the two queries above as CTEs, so that the per-check-in rule is written once. All texts
    # are this package's own SQL files, never outside text.
    if stored:
        return f"{_body('progress.stored_status')}\n{_body('progress.status_summary')}"
    return (
        f"WITH {points_relations()},\n"
        f"lifecycle AS (\n{relation_text('progress.goal_lifecycle_as_of')}\n)\n"
        f"{_body('progress.status_relations')}\n"
        f"{_body('progress.raw_status_all')}\n"
        f"{_body('progress.status_summary')}"
    )


def goal_status_summary(
    db: Database,
    scope: Scope,
    as_of: dt.date,
    client_id: str | None = None,
    goal_ids: list[str] | None = None,
) -> pd.DataFrame:
    """One row per goal in scope started by `as_of`: `lifecycle_status`, `n_checkins`,
    `first_checkin_date`, `last_checkin_date`, `last_value` (goal's scale), `last_progress`
    (0 = baseline, 1 = target), `trend_change` (points towards target over the last three
    check-ins), `sudden_loss_at_latest`/`sudden_gain_at_latest` (Tang & DeRubeis 1999, not yet
    checkable for reversal) and `derived_status` (FHIR achievementStatus; rule in docs/progress.md).

    Set-based in DuckDB, for a whole caseload at once; a goal outside the scope is absent.
    Read from the stored summaries when every client in question has one exact at `as_of`
    (analytics/derived_progress.py), else computed from the check-ins.
    """
    lookup = {**scope.params(), "as_of": as_of, "client_id": client_id}
    with db.hold():
        stored = int(db.scalar(db.sql_text("progress.unsummarised_clients"), lookup)) == 0
        if stored:
            frame = db.query_sql(_summary_sql(True), {**lookup, "goal_ids": goal_ids})
        else:
            frame = db.query_sql(_summary_sql(False), _params(scope, as_of, client_id, goal_ids))
    for column in ("first_checkin_date", "last_checkin_date", "start_date", "target_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["n_checkins"] = frame["n_checkins"].astype("int64")
    for column in ("ever_achieved", "sudden_gain_at_latest", "sudden_loss_at_latest"):
        frame[column] = frame[column].astype(bool)
    return frame
