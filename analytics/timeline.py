"""One goal's timeline and one client's goals and scores.

Every function takes the viewer's scope; a client or goal outside it gives an empty result,
and the page then says access is not allowed. Rules and sources: docs/progress.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.progress import goal_status_summary, points_frame, rule_points
from analytics.scope import Scope

# Lifecycle order for "active goals first".
LIFECYCLE_ORDER = {
    "active": 0,
    "on-hold": 1,
    "accepted": 2,
    "planned": 3,
    "proposed": 4,
    "completed": 5,
    "cancelled": 6,
    "rejected": 7,
    "entered-in-error": 8,
}

# Severity bands, inclusive upper bounds. PHQ-9: Kroenke, Spitzer & Williams (2001), "The PHQ-9:
# validity of a brief depression severity measure", J Gen Intern Med 16(9), 606–613.
# GAD-7: Spitzer, Kroenke, Williams & Löwe (2006), "A brief measure for assessing generalized
# anxiety disorder: the GAD-7", Arch Intern Med 166(10), 1092–1097.
SEVERITY_BANDS: dict[str, tuple[tuple[float, str], ...]] = {
    "phq-9": ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately severe"), (27, "severe")),
    "gad-7": ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe")),
}

# Jacobson & Truax (1991) reliable change: RCI = (x2 − x1) / S_diff, S_diff = √2 · SD · √(1 − r).
# r: test–retest reliability from the validation studies (PHQ-9 0.84 over 48 hours, Kroenke et
# al. 2001; GAD-7 ICC 0.83 over one week, Spitzer et al. 2006). SD: the spread that makes the
# 95% criterion (|RCI| ≥ 1.96) equal IAPT's published reliable-change thresholds (PHQ-9 6 points,
# GAD-7 4 points; NCCMH, The IAPT Manual, 2018), so that "reliable change" here means what it
# means in IAPT reports and agrees with the sudden-gain thresholds. See docs/progress.md.
RELIABILITY = {"phq-9": 0.84, "gad-7": 0.83}
IAPT_RELIABLE_CHANGE = {"phq-9": 6.0, "gad-7": 4.0}
Z_95 = 1.96
REFERENCE_SD = {
    m: IAPT_RELIABLE_CHANGE[m] / (Z_95 * math.sqrt(2) * math.sqrt(1 - RELIABILITY[m])) for m in RELIABILITY
}

GAS_RHO = 0.3  # Kiresuk & Sherman (1968): the usual assumed intercorrelation of goal scores


def severity_band(measure: str, score: float) -> str | None:
    """The severity band of a PHQ-9 (Kroenke 2001) or GAD-7 (Spitzer 2006) total score."""
    for upper, band in SEVERITY_BANDS.get(measure, ()):
        if score <= upper:
            return band
    return None


def reliable_change_index(measure: str, first: float, latest: float) -> float:
    """Jacobson & Truax (1991) RCI of latest − first, in units of S_diff (negative = fewer
    symptoms on PHQ-9/GAD-7)."""
    s_diff = math.sqrt(2) * REFERENCE_SD[measure] * math.sqrt(1 - RELIABILITY[measure])
    return (latest - first) / s_diff


def reliable_change_category(rci: float) -> str:
    """'reliable improvement', 'reliable deterioration' or 'no reliable change' (|RCI| ≥ 1.96,
    symptom measures: lower is better; Jacobson & Truax 1991)."""
    # Rounded so a change exactly at the threshold is not lost to floating point.
    rci = round(rci, 9)
    if rci <= -Z_95:
        return "reliable improvement"
    if rci >= Z_95:
        return "reliable deterioration"
    return "no reliable change"


def gas_t(levels: Sequence[float], weights: Sequence[float] | None = None, rho: float = GAS_RHO) -> float:
    """GAS T-score (Kiresuk & Sherman 1968): T = 50 + 10·Σwᵢxᵢ / √((1−ρ)Σwᵢ² + ρ(Σwᵢ)²)."""
    if not levels:
        raise ValueError("a T-score needs at least one goal level")
    w = list(weights) if weights is not None else [1.0] * len(levels)
    numerator = sum(wi * xi for wi, xi in zip(w, levels, strict=True))
    denominator = math.sqrt((1 - rho) * sum(wi * wi for wi in w) + rho * sum(w) ** 2)
    return 50 + 10 * numerator / denominator


def clients_in_scope(db: Database, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Clients in scope by `as_of`: `client_id`, `display_code`, intake/discharge dates and
    `n_goals` (count); never real names."""
    return db.query("timeline.clients_in_scope", {**scope.params(), "as_of": as_of})


def client_header(db: Database, scope: Scope, client_id: str, as_of: dt.date) -> dict:
    """The client's `display_code`, intake/discharge dates and goal count, or {} when the
    client is not in scope."""
    clients = clients_in_scope(db, scope, as_of)
    match = clients[clients["client_id"] == client_id]
    return {} if match.empty else match.iloc[0].to_dict()


CHAIN_LIMIT = 50  # steps walked each way along a revision chain (a guard against a cycle)

CHAIN_COLUMNS = (
    "goal_id",
    "position",
    "client_id",
    "description",
    "life_area",
    "measure",
    "scale_min",
    "scale_max",
    "higher_is_better",
    "baseline",
    "target",
    "start_date",
    "target_date",
    "revised_from_goal_id",
    "lifecycle_status",
)


def walk_chain(goals: dict[str, dict], goal_id: str, limit: int = CHAIN_LIMIT) -> list[tuple[str, int]]:
    """The revision chain of `goal_id` among one client's goals (`goals`, by id, each with its
    `revised_from_goal_id`): (goal id, position) for the goals it was revised from (−1, −2, …),
    itself (0) and the goals revised from it (+1, +2, …; a split puts two goals at one
    position), at most `limit` steps each way. In a cycle of bad data a goal recurs at each
    position it is walked to; each (goal, position) once. Empty when `goal_id` is not in
    `goals`."""
    if goal_id not in goals:
        return []
    pairs = {(goal_id, 0)}
    current, position = goal_id, 0
    while position > -limit and goals[current]["revised_from_goal_id"] in goals:
        current, position = goals[current]["revised_from_goal_id"], position - 1
        pairs.add((current, position))
    children: dict[str, list[str]] = {}
    for gid, goal in goals.items():
        if goal["revised_from_goal_id"] in goals:
            children.setdefault(goal["revised_from_goal_id"], []).append(gid)
    frontier, position = {goal_id}, 0
    while frontier and position < limit:
        frontier, position = {c for f in frontier for c in children.get(f, ())}, position + 1
        pairs.update((c, position) for c in frontier)
    return sorted(pairs, key=lambda p: (p[1], goals[p[0]]["start_date"], p[0]))


def _chain_goals(db: Database, scope: Scope, goal_id: str, as_of: dt.date) -> tuple[dict[str, dict], list]:
    """The goals started by `as_of` of the client whose goal `goal_id` is, when in scope (by
    id), and the chain walked over them (`walk_chain`); nothing when out of scope. One
    statement: the goal's client, then that client's goals through the `goals_client` index
    (a chain stays within one client)."""
    rows = db.records("timeline.goal_client_goals", {**scope.params(), "goal_id": goal_id, "as_of": as_of})
    if not rows:
        return {}, []
    goals = {row["goal_id"]: row for row in rows}
    return goals, walk_chain(goals, goal_id)


def _client_goal_rows(db: Database, scope: Scope, client_id: str, as_of: dt.date) -> dict[str, dict]:
    rows = db.records(
        "timeline.client_goals_started", {**scope.params(), "client_id": client_id, "as_of": as_of}
    )
    return {row["goal_id"]: row for row in rows}


def _checkins(db: Database, goal_ids: list[str], as_of: dt.date) -> dict[str, list[tuple]]:
    """The check-ins of `goal_ids` (read in scope by the caller) as `rule_points` takes them."""
    checkins: dict[str, list[tuple]] = {g: [] for g in goal_ids}
    if goal_ids:
        for row in db.rows("timeline.goal_checkins", {"goal_ids": goal_ids, "as_of": as_of}):
            checkins[row[0]].append(row[1:])
    return checkins


def client_points(db: Database, scope: Scope, client_id: str, as_of: dt.date) -> pd.DataFrame:
    """`analytics.progress.checkin_points` of one client (every goal in scope started by
    `as_of`, in goal id then check-in order), worked out by the check-in rule's Python twin
    over the client's rows: two index lookups instead of planning the rule's window query."""
    with db.hold():
        goals = _client_goal_rows(db, scope, client_id, as_of)
        checkins = _checkins(db, sorted(goals), as_of)
    return points_frame([p for g in sorted(goals) for p in rule_points(goals[g], checkins[g])])


def _chain_frame(goals: dict[str, dict], chain: list[tuple[str, int]]) -> pd.DataFrame:
    data: dict[str, object] = {
        c: [goals[g][c] for g, _ in chain] if chain else np.array([], dtype=object)
        for c in CHAIN_COLUMNS
        if c != "position"
    }
    data["position"] = np.array([p for _, p in chain], dtype=np.int32)
    for column in ("scale_min", "scale_max", "baseline", "target"):
        data[column] = np.array([math.nan if v is None else v for v in data[column]], dtype=np.float64)
    data["higher_is_better"] = np.array(data["higher_is_better"], dtype=np.bool_)
    for column in ("start_date", "target_date"):
        data[column] = np.array(data[column], dtype="datetime64[us]")
    return pd.DataFrame(data, columns=list(CHAIN_COLUMNS))


def goal_chain(db: Database, scope: Scope, goal_id: str, as_of: dt.date) -> pd.DataFrame:
    """The revision chain of a goal (earlier goals it was revised from, itself, later revisions),
    one row per goal and position (`position` 0 = this goal) in chain order, with the goal's
    dates, measure, scale, baseline and target; empty when out of scope."""
    return _chain_frame(*_chain_goals(db, scope, goal_id, as_of))


def _chain_points(
    db: Database,
    goals: dict[str, dict],
    chain: list[tuple[str, int]],
    goal_id: str,
    as_of: dt.date,
    whole_chain: bool,
) -> pd.DataFrame:
    wanted = [g for g in dict.fromkeys(g for g, _ in chain) if whole_chain or g == goal_id]
    checkins = _checkins(db, wanted, as_of)
    points = {g: rule_points(goals[g], checkins[g]) for g in wanted}
    rows = [
        {**point, "position": position, **{c: goals[g][c] for c in ("description", "scale_min", "scale_max")}}
        for g, position in chain
        if g in points
        for point in points[g]
    ]
    rows.sort(key=lambda r: (r["checkin_date"], r["position"], r["seq"], r["goal_id"]))
    return points_frame(
        rows,
        extra={"position": np.int32, "description": str, "scale_min": np.float64, "scale_max": np.float64},
        without=("session_id",),
    )


def goal_timeline(
    db: Database, scope: Scope, goal_id: str, as_of: dt.date, whole_chain: bool = True
) -> pd.DataFrame:
    """The goal's check-ins in time order (with its whole revision chain by default): `value`
    on the goal's own scale, `progress` (0 = baseline, 1 = target, per goal), `trend_value`
    (running median of 3), `phase` (gain, setback, plateau, sudden gain/loss — Tang & DeRubeis
    1999 — maintaining) and `position` in the chain; no rows when out of scope."""
    # Two lookups (the client's goals, the chain's check-ins) and the check-in rule applied in
    # Python to the chain's rows (analytics.progress.rule_points; docs/performance.md).
    with db.hold():
        goals, chain = _chain_goals(db, scope, goal_id, as_of)
        return _chain_points(db, goals, chain, goal_id, as_of, whole_chain)


# The column types of the two reads below, stated (Database.frame): for a chain's few events
# and sessions, building the table from the rows cost less than DuckDB's DataFrame conversion
# and the date and flag fixes after it (docs/performance.md, 3 December).
EVENT_TYPES = {
    "goal_id": "str",
    "event_id": "str",
    "event_date": "datetime64[us]",
    "lifecycle_status": "str",
    "achievement_status": "str",
    "note": "str",
    "revision": "bool",
    "label": "str",
}
SESSION_TYPES = {
    "goal_id": "str",
    "session_id": "str",
    "session_date": "datetime64[us]",
    "kind": "str",
    "has_checkin": "bool",
}


def lifecycle_events(db: Database, scope: Scope, goal_ids: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """Lifecycle events of the goals up to `as_of`: `event_date`, `label` (set, revised, on
    hold, resumed, achieved, sustaining, completed, cancelled …), `revision` (bool), `note`."""
    params = {**scope.params(), "goal_ids": list(goal_ids), "as_of": as_of}
    return db.frame("timeline.lifecycle_events", params, EVENT_TYPES)


def goal_sessions(db: Database, scope: Scope, goal_ids: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """Attended sessions while each goal was active (from its start to `as_of`, on-hold spells
    left out): `goal_id`, `session_id`, `session_date`, `kind`, `has_checkin` (a check-in of
    that goal at the session)."""
    params = {**scope.params(), "goal_ids": list(goal_ids), "as_of": as_of}
    return db.frame("timeline.goal_sessions", params, SESSION_TYPES)


def client_goals(db: Database, scope: Scope, client_id: str, as_of: dt.date) -> pd.DataFrame:
    """The client's goals as of `as_of`, active first: the status summary (see
    `goal_status_summary`) plus `chain_head` (the latest goal of its revision chain) and
    `superseded` (a later goal revised it)."""
    frame = goal_status_summary(db, scope, as_of, client_id=client_id)
    if frame.empty:
        frame["chain_head"] = pd.Series(dtype=str)
        frame["superseded"] = pd.Series(dtype=bool)
        return frame
    goal_ids = frame["goal_id"].tolist()
    revised_by = {
        parent: child
        for child, parent in zip(goal_ids, frame["revised_from_goal_id"].tolist(), strict=True)
        if isinstance(parent, str)
    }

    def head(goal_id: str) -> str:
        seen = {goal_id}
        while goal_id in revised_by and revised_by[goal_id] not in seen:
            goal_id = revised_by[goal_id]
            seen.add(goal_id)
        return goal_id

    # A client's few goals, sorted in Python: pandas' multi-key sort and maps cost more than
    # the work on a page's rows (docs/performance.md).
    superseded = [g in revised_by for g in goal_ids]
    keys = zip(
        superseded,
        (LIFECYCLE_ORDER.get(s, 9) for s in frame["lifecycle_status"].tolist()),
        frame["start_date"].tolist(),
        goal_ids,
        strict=True,
    )
    order = [i for _, i in sorted(zip(keys, range(len(goal_ids)), strict=True))]
    frame = frame.assign(chain_head=[head(g) for g in goal_ids], superseded=superseded)
    return frame.take(order).reset_index(drop=True)


def client_goal_panels(db: Database, scope: Scope, client_id: str, as_of: dt.date) -> pd.DataFrame:
    """Every check-in of the client's goals for small multiples on a shared time axis: one
    panel per revision chain (`panel`, titled by its latest goal, `panel_order` active first),
    `progress` (0 = baseline, 1 = target) and the value on the goal's own scale."""
    with db.hold():
        goals = client_goals(db, scope, client_id, as_of)
        if goals.empty:
            return pd.DataFrame()
        return _panels(goals, client_points(db, scope, client_id, as_of))


def _panels(goals: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """`client_goal_panels` from the client's goals (`client_goals`) and check-in points
    (`client_points`), both already read."""
    if goals.empty:
        return pd.DataFrame()
    if points.empty:
        return points
    # Plain dicts over a client's few goals: a pandas map per column cost more than the
    # lookups themselves on a page's rows (docs/performance.md).
    goal_ids = goals["goal_id"].tolist()
    heads = [
        g for g, superseded in zip(goal_ids, goals["superseded"].tolist(), strict=True) if not superseded
    ]
    order = {goal_id: i for i, goal_id in enumerate(heads)}
    titles = dict(zip(goal_ids, goals["description"].tolist(), strict=True))
    statuses = dict(zip(goal_ids, goals["derived_status"].tolist(), strict=True))
    head_of = dict(zip(goal_ids, goals["chain_head"].tolist(), strict=True))
    point_goals = points["goal_id"].tolist()
    panel_goals = [head_of.get(g) for g in point_goals]
    points = points.assign(
        panel_goal_id=panel_goals,
        panel_order=[order.get(h) for h in panel_goals],
        panel=[titles.get(h) for h in panel_goals],
        panel_status=[statuses.get(h) for h in panel_goals],
        revised=[g != h for g, h in zip(point_goals, panel_goals, strict=True)],
    )
    return points.sort_values(["panel_order", "checkin_date", "seq"]).reset_index(drop=True)


# The lifecycle statuses in which a goal is pursued for the GAS T-score (not cancelled,
# rejected, entered in error, or not yet under way).
GAS_PURSUED = ("active", "on-hold", "completed")


def gas_t_score(db: Database, scope: Scope, client_id: str, as_of: dt.date) -> dict:
    """The client's GAS T-score on `as_of` over their pursued GAS goals' latest levels
    (Kiresuk & Sherman 1968, ρ = 0.3, weights 1): `t_score` (50 = expected outcome on average,
    None without GAS check-ins), `n_goals` and `levels` (goal id → level)."""
    return _gas(client_goals(db, scope, client_id, as_of))


def _gas(goals: pd.DataFrame) -> dict:
    """`gas_t_score` from the client's goals as of the day (`client_goals`): each GAS goal
    pursued that day (status in GAS_PURSUED, not superseded by a revision) with a check-in
    counts at its latest check-in's level (`last_value`, the last by date, then id)."""
    # A client's few goals, filtered and sorted in Python: pandas' masks and sort cost more
    # than the work on a page's rows (docs/performance.md).
    columns = (
        "measure",
        "n_checkins",
        "lifecycle_status",
        "superseded",
        "start_date",
        "goal_id",
        "last_value",
    )
    pursued = (
        sorted(
            (start, goal_id, float(level))
            for measure, n, status, superseded, start, goal_id, level in zip(
                *(goals[c].tolist() for c in columns), strict=True
            )
            if measure == "gas" and n > 0 and status in GAS_PURSUED and not superseded
        )
        if not goals.empty
        else []
    )
    if not pursued:
        return {"t_score": None, "n_goals": 0, "levels": {}}
    levels = [level for _, _, level in pursued]
    return {
        "t_score": gas_t(levels),
        "n_goals": len(levels),
        "levels": {goal_id: level for _, goal_id, level in pursued},
    }


STANDARD_MEASURES = ("gad-7", "phq-9")


def standard_scores(db: Database, scope: Scope, client_id: str, as_of: dt.date) -> pd.DataFrame:
    """Per questionnaire (PHQ-9, GAD-7): first and latest score with dates, `severity`
    (Kroenke 2001; Spitzer 2006), `change` (points, negative = fewer symptoms), `rci` and
    `reliable_change` (Jacobson & Truax 1991 from the first score)."""
    return _scores(client_points(db, scope, client_id, as_of))


SCORE_COLUMNS = ["measure", "first_score", "first_date", "latest_score", "latest_date", "n_scores"]


def _scores(points: pd.DataFrame) -> pd.DataFrame:
    """`standard_scores` from the client's check-in points (`client_points`, on or before
    the day, in scope): over all goals on a measure, the first and the latest score by date
    then check-in id, and their count."""
    rows: list[tuple] = []
    if not points.empty:
        # A client's questionnaire scores are a few dozen rows: sorted and walked in Python,
        # which costs a third of a pandas sort and group-by on a page's rows.
        # Sorted on plain Python values (the day as an integer): comparing numpy scalars
        # cost ten times more; the dates themselves stay numpy's, as the frame had them.
        wanted = points["measure"].isin(STANDARD_MEASURES).to_numpy()
        dates = points["checkin_date"].to_numpy()[wanted]
        order = sorted(
            zip(
                points["measure"].to_numpy()[wanted].tolist(),
                dates.astype("int64").tolist(),
                points["checkin_id"].to_numpy()[wanted].tolist(),
                range(len(dates)),
                strict=True,
            )
        )
        values = points["value"].to_numpy()[wanted]
        rows = [(measure, dates[i], checkin_id, values[i]) for measure, _, checkin_id, i in order]
    if not rows:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in SCORE_COLUMNS})
        return frame.assign(first_severity=[], severity=[], change=[], rci=[], reliable_change=[])
    by_measure: dict[str, list] = {}
    for measure, date, _, value in rows:
        first = by_measure.setdefault(measure, [value, date, value, date, 0])
        first[2], first[3], first[4] = value, date, first[4] + 1
    records = []
    for measure, (first, first_date, latest, latest_date, n) in by_measure.items():
        rci = reliable_change_index(measure, first, latest)
        records.append(
            {
                "measure": measure,
                "first_score": first,
                "first_date": first_date,
                "latest_score": latest,
                "latest_date": latest_date,
                "n_scores": n,
                "first_severity": severity_band(measure, first),
                "severity": severity_band(measure, latest),
                "change": latest - first,
                "rci": rci,
                "reliable_change": reliable_change_category(rci) if n > 1 else "only one score",
            }
        )
    return pd.DataFrame.from_records(records)


def client_view(db: Database, scope: Scope, client_id: str, as_of: dt.date) -> dict[str, object]:
    """What the client page shows of one client, read on one attachment: `goals`
    (`client_goals`), `gas` (`gas_t_score`), `scores` (`standard_scores`) and `panels`
    (`client_goal_panels`); see those functions for the columns and units."""
    # Two reads: the goals (their status summary) and the check-in points; the GAS T-score
    # and the standard scores are worked out from those two, exactly as their own functions do.
    with db.hold():
        goals = client_goals(db, scope, client_id, as_of)
        points = client_points(db, scope, client_id, as_of) if not goals.empty else pd.DataFrame()
    return {"goals": goals, "gas": _gas(goals), "scores": _scores(points), "panels": _panels(goals, points)}


def goal_view(
    db: Database, scope: Scope, client_id: str, goal_id: str, as_of: dt.date
) -> dict[str, pd.DataFrame]:
    """One goal's timeline as the client page draws it, read on one attachment: `chain`
    (`goal_chain`) and `points` (`goal_timeline`) from one set of lookups (the goal's client,
    the client's goals, the chain's check-ins), `events` (`lifecycle_events`) and `sessions`
    (`goal_sessions`) of the chain's goals, and `practice`
    (`analytics.coping.weekly_practice` of the client from the chain's first start to `as_of`).
    Everything is empty when the goal is not in scope, not started by `as_of`, or not one of
    `client_id`'s goals."""
    from analytics.coping import practice_weeks

    with db.hold():
        goals, walked = _chain_goals(db, scope, goal_id, as_of)
        chain = _chain_frame(goals, walked)
        if chain.empty or not (chain["client_id"] == client_id).all():
            empty = pd.DataFrame()
            return {
                "chain": chain.iloc[0:0],
                "points": empty,
                "events": empty,
                "sessions": empty,
                "practice": empty,
            }
        ids = chain["goal_id"].tolist()
        return {
            "chain": chain,
            "points": _chain_points(db, goals, walked, goal_id, as_of, whole_chain=True),
            "events": lifecycle_events(db, scope, ids, as_of),
            "sessions": goal_sessions(db, scope, ids, as_of),
            # The chain is the client's and in scope, so the practice query (itself scoped)
            # needs no separate access check.
            "practice": practice_weeks(db, scope, client_id, chain["start_date"].min().date(), as_of),
        }
