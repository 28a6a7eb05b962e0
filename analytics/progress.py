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
import math
from dataclasses import dataclass

import numpy as np
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


def points_relations() -> str:
    """CTEs (without WITH) ending in the relation `points`: the check-in points
    (`progress.checkin_rule`) of the goals `progress.checkin_candidates` offers (by scope,
    client or goal ids). All texts are this package's own SQL files."""
    return (
        f"{_body('progress.checkin_candidates')},\n{_body('progress.checkin_goals')},\n"
        f"points AS (\n{relation_text('progress.checkin_rule')}\n)"
    )


def _summary_sql(stored: bool) -> str:
    # The summary runs over the relation `status_all`: the stored per-goal summaries when they
    # are exact at the as-of date (analytics/derived_progress.py), else `status` computed from
    # the two queries above as CTEs, so that the per-check-in rule is written once in SQL. All texts
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


# The same rule over one client's rows, in Python. The SQL rule above is the one for sets of
# goals (a caseload, a team's audit, the stored summaries); for one goal's timeline or one
# client's points the statement's fixed price (binding and planning a window query: about
# 6 ms at every scale) is several times the work on their few dozen to few hundred check-ins,
# so those read the rows and apply the rule here (docs/progress.md, "One rule, two forms").
# tests/test_progress.py runs every hand-worked series through both, and tests/test_timeline.py
# compares them on every goal, client and revision chain of the demo clinic.

# The columns of a check-in point, in `checkin_points`' order, with the type each has in its
# frame (`str`: text as pandas infers it).
POINT_TYPES: dict[str, object] = {
    "goal_id": str,
    "client_id": str,
    "checkin_id": str,
    "session_id": str,
    "checkin_date": "datetime64[us]",
    "seq": np.int64,
    "n_checkins": np.int64,
    "value": np.float64,
    "reporter": str,
    "note": str,
    "measure": str,
    "higher_is_better": np.bool_,
    "baseline": np.float64,
    "target": np.float64,
    "progress": np.float64,
    "previous_value": np.float64,
    "change": np.float64,
    "trend_value": np.float64,
    "trend_progress": np.float64,
    "trend_change": np.float64,
    "reached": np.bool_,
    "reached_before": np.bool_,
    "previous_reached": np.bool_,
    "sudden_gain": np.bool_,
    "sudden_loss": np.bool_,
    "provisional": np.bool_,
    "meaningful_change": np.float64,
    "reliable_change": np.float64,
    "phase": str,
}
POINT_COLUMNS = tuple(POINT_TYPES)


def _ratio(numerator: float | None, denominator: float) -> float | None:
    return None if numerator is None or denominator == 0 else numerator / denominator


def rule_points(goal: dict, checkins: list[tuple]) -> list[dict]:
    """`progress.checkin_rule` for one goal, in Python: `goal` is its `goals` row (a dict with
    goal_id, client_id, measure, higher_is_better, baseline, target, scale_min, scale_max) and
    `checkins` its check-ins on or before the day as (checkin_id, session_id, checkin_date,
    value, reporter, note). One dict per check-in with the columns of POINT_COLUMNS, NULL as
    None; no rows for a measure without a rule (the SQL joins the rules). Sources: the module
    docstring (Tang & DeRubeis 1999; Lutz et al. 2013; Tukey 1977)."""
    rule = MEASURE_RULES.get(goal["measure"])
    if rule is None or not checkins:
        return []
    rows = sorted(checkins, key=lambda k: (k[2], k[0]))
    higher = bool(goal["higher_is_better"])
    direction = 1.0 if higher else -1.0
    best_end = goal["scale_max"] if higher else goal["scale_min"]
    target = goal["target"] if goal["target"] is not None else best_end
    values = [float(k[3]) for k in rows]
    baseline = goal["baseline"] if goal["baseline"] is not None else values[0]
    span = target - baseline
    n = len(rows)
    reached = [direction * (v - target) >= 0 for v in values]
    points: list[dict] = []
    reached_before = False
    for i, (checkin_id, session_id, checkin_date, _, reporter, note) in enumerate(rows):
        value = values[i]
        previous = values[i - 1] if i >= 1 else None
        two_back = values[i - 2] if i >= 2 else None
        following = values[i + 1] if i + 1 < n else None
        change = None if previous is None else direction * (value - previous)
        next_change = None if following is None else direction * (following - value)
        # The middle of three: the trailing running median from the third check-in on.
        trend = (
            sorted((value, previous, two_back))[1] if two_back is not None and previous is not None else None
        )
        previous_level = None if previous is None else abs(best_end - previous)
        sudden_gain = (
            change is not None
            and previous_level is not None
            and change >= rule.reliable_change
            and change >= 0.25 * previous_level
            and (next_change is None or next_change > -0.5 * change)
        )
        sudden_loss = (
            change is not None
            and previous_level is not None
            and -change >= rule.reliable_change
            and -change >= 0.25 * previous_level
            and (next_change is None or next_change < -0.5 * change)
        )
        if i == 0:
            phase = "start"
        elif sudden_gain:
            phase = "sudden gain"
        elif sudden_loss:
            phase = "sudden loss"
        elif reached_before and reached[i]:
            phase = "maintaining"
        elif change is not None and change >= rule.meaningful_change:
            phase = "gain"
        elif change is not None and change <= -rule.meaningful_change:
            phase = "setback"
        else:
            phase = "plateau"
        points.append(
            {
                "goal_id": goal["goal_id"],
                "client_id": goal["client_id"],
                "checkin_id": checkin_id,
                "session_id": session_id,
                "checkin_date": checkin_date,
                "seq": i + 1,
                "n_checkins": n,
                "value": value,
                "reporter": reporter,
                "note": note,
                "measure": goal["measure"],
                "higher_is_better": higher,
                "baseline": baseline,
                "target": target,
                # At the baseline exactly, 0 (not −0 for lower-is-better goals).
                "progress": 0.0 if value == baseline and span != 0 else _ratio(value - baseline, span),
                "previous_value": previous,
                "change": change,
                "trend_value": trend,
                "trend_progress": _ratio(None if trend is None else trend - baseline, span),
                "trend_change": None if two_back is None else direction * (value - two_back),
                "reached": reached[i],
                "reached_before": reached_before,
                "previous_reached": reached[i - 1] if i >= 1 else False,
                "sudden_gain": sudden_gain,
                "sudden_loss": sudden_loss,
                # A sudden change at the latest check-in cannot yet be checked for reversal.
                "provisional": (sudden_gain or sudden_loss) and following is None,
                "meaningful_change": rule.meaningful_change,
                "reliable_change": rule.reliable_change,
                "phase": phase,
            }
        )
        reached_before = reached_before or reached[i]
    return points


def points_frame(
    points: list[dict], extra: dict[str, type] | None = None, without: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The rows of `rule_points` as the frame `checkin_points` gives (its columns and dtypes),
    plus `extra` columns (name → numpy type, or `str`) taken from the dicts, less `without`."""
    extra = extra or {}
    types = {**POINT_TYPES, **extra}
    data: dict[str, object] = {}
    for column, kind in types.items():
        if column in without:
            continue
        values = [p[column] for p in points]
        if kind is str:
            # Strings as pandas infers them from the values (as DuckDB's result does); no
            # values at all give an object column, as an empty result does.
            data[column] = values if values else np.array([], dtype=object)
        elif kind is np.float64:
            data[column] = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
        else:
            data[column] = np.array(values, dtype=kind)
    return pd.DataFrame(data)
