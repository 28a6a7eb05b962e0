"""Coping-skill logs: practice and effect, per client and across the clinic.

Distress is SUDS, Subjective Units of Distress (Wolpe, J., 1969, *The Practice of
Behavior Therapy*, Pergamon), 0 = calm and 100 = the worst distress imaginable. The
distress drop of one log is `distress_before − distress_after` (positive = calmer after
the skill). A log without an "after" rating counts as a use of the skill but is left out
of every distress figure. Rules and their reasons: docs/coping-skills.md.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.db import Database
from analytics.errors import AccessDenied
from analytics.scope import Scope

# The column types of the per-client reads, stated once: each is read with `Database.frame`,
# which builds the table from the rows (cheaper than DuckDB's DataFrame for a few rows, and
# an empty result keeps these types).
_DATE, _INT, _FLOAT, _TEXT = "datetime64[us]", "int64", "float64", "str"
CLIENT_TYPES = {"client_id": _TEXT, "display_code": _TEXT, "practitioner": _TEXT, "active": "bool"}
CLIENT_TYPES |= {"logs": _INT, "last_log": _DATE}
WEEKLY_TYPES = {"week": _DATE, "logs": _INT, "distinct_skills": _INT, "mean_distress_drop": _FLOAT}
GOAL_TYPES = {"goal_id": _TEXT, "description": _TEXT, "life_area": _TEXT, "lifecycle_status": _TEXT}
GOAL_TYPES |= {"start_date": _DATE, "measure": _TEXT, "scale_min": _FLOAT, "scale_max": _FLOAT}
GOAL_TYPES |= {"higher_is_better": "bool", "checkins": _INT, "linked_logs": _INT}
INTERVAL_TYPES = {"from_date": _DATE, "to_date": _DATE, "days": _INT, "from_value": _FLOAT}
INTERVAL_TYPES |= {"to_value": _FLOAT, "progress_change": _FLOAT, "logs": _INT}
SKILL_EFFECT_TYPES = {"skill_id": _TEXT, "skill": _TEXT, "category": _TEXT, "uses": _INT}
SKILL_EFFECT_TYPES |= {"days_used": _INT, "rated_uses": _INT, "helpfulness_n": _INT}
SKILL_EFFECT_TYPES |= {name: _FLOAT for name in ("mean_drop", "median_drop", "q1_drop", "q3_drop")}
SKILL_EFFECT_TYPES |= {"min_drop": _FLOAT, "max_drop": _FLOAT, "mean_helpfulness": _FLOAT}
SKILL_EFFECT_TYPES |= {"help_rank": "Int64"}  # NULL for a skill with too few rated uses


def require_client(db: Database, scope: Scope, client_id: str) -> str:
    """The client's display code, or AccessDenied when the client is not in the scope."""
    found = db.rows("coping.client_in_scope", {**scope.params(), "client": client_id})
    if not found:
        raise AccessDenied("That client is not in your caseload or your team's; choose another client.")
    return str(found[0][0])


def weekly_practice(
    db: Database,
    scope: Scope,
    client_id: str,
    start: dt.date,
    end: dt.date,
    goal_id: str | None = None,
    include_unlinked: bool = False,
) -> pd.DataFrame:
    """Per week (`week`, the Monday, every week from `start`'s to `end`'s): `logs` (count of
    skill logs dated in [start, end]), `distinct_skills` (count) and `mean_distress_drop`
    (mean SUDS points of before − after over logs with an after rating; NaN if none).

    With `goal_id`, only logs linked to that goal count (and, with `include_unlinked`, logs
    linked to no goal). SUDS: Wolpe (1969).
    """
    with db.hold():  # the check and the query on one attachment
        require_client(db, scope, client_id)
        return practice_weeks(db, scope, client_id, start, end, goal_id, include_unlinked)


def practice_weeks(
    db: Database,
    scope: Scope,
    client_id: str,
    start: dt.date,
    end: dt.date,
    goal_id: str | None = None,
    include_unlinked: bool = False,
) -> pd.DataFrame:
    """`weekly_practice` without its access check, for a caller that has just proved the
    client is in scope: a client outside it gets weeks with no logs, not AccessDenied."""
    return db.frame(
        "coping.weekly_practice",
        {
            **scope.params(),
            "client": client_id,
            "start": start,
            "end": end,
            "goal": goal_id,
            "unlinked": bool(include_unlinked),
        },
        WEEKLY_TYPES,
    )


def _period(scope: Scope, client_id: str, start: dt.date, end: dt.date) -> dict[str, object]:
    return {**scope.params(), "client": client_id, "start": start, "end": end}


def coping_clients(db: Database, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Clients in scope (`client_id`, `display_code`, `practitioner`, `active` on `as_of`),
    with their skill logs up to `as_of` (`logs`, count) and `last_log` (date or NaT)."""
    return db.frame("coping.coping_clients", {**scope.params(), "as_of": as_of}, CLIENT_TYPES)


def client_summary(
    db: Database, scope: Scope, client_id: str, start: dt.date, end: dt.date
) -> dict[str, object]:
    """One client's practice in [start, end]: counts of logs, rated and unrated logs (an
    unrated log has no "after" SUDS), distinct skills, days and weeks practised; median and
    mean SUDS drop (points, rated logs only; None if none); mean helpfulness (1–5) with its
    n; last log date. SUDS: Wolpe (1969)."""
    with db.hold():
        require_client(db, scope, client_id)
        return _summary(db, scope, client_id, start, end)


def _summary(db: Database, scope: Scope, client_id: str, start: dt.date, end: dt.date) -> dict[str, object]:
    """`client_summary` without its access check (the query itself is scoped)."""
    row = db.records("coping.client_summary", _period(scope, client_id, start, end))[0]
    counts = (
        "logs",
        "rated_logs",
        "unrated_logs",
        "distinct_skills",
        "days_practised",
        "weeks_practised",
        "helpfulness_n",
    )
    summary: dict[str, object] = {name: int(row[name]) for name in counts}
    for name in ("median_drop", "mean_drop", "mean_helpfulness"):
        summary[name] = None if pd.isna(row[name]) else float(row[name])
    summary["last_log"] = None if pd.isna(row["last_log"]) else pd.Timestamp(row["last_log"]).date()
    return summary


def skill_effects(
    db: Database, scope: Scope, client_id: str, start: dt.date, end: dt.date, min_uses: int = 3
) -> pd.DataFrame:
    """Per skill one client logged in [start, end]: `uses`, `days_used`, `rated_uses` (with an
    after rating), SUDS drop in points over rated uses (`mean_drop`, `median_drop`, `q1_drop`,
    `q3_drop`, `min_drop`, `max_drop`), `mean_helpfulness` (1–5) with `helpfulness_n`, and
    `help_rank` (1 = helps most; only skills with at least `min_uses` rated uses).

    Ranking rule: highest median drop, then higher mean helpfulness, then more rated uses.
    Quartiles interpolate linearly (Hyndman & Fan 1996, type 7). SUDS: Wolpe (1969).
    """
    with db.hold():
        require_client(db, scope, client_id)
        return db.frame(
            "coping.skill_effects",
            {**_period(scope, client_id, start, end), "min_uses": int(min_uses)},
            SKILL_EFFECT_TYPES,
        )


def helps_most(
    db: Database, scope: Scope, client_id: str, start: dt.date, end: dt.date, min_uses: int = 3, top: int = 3
) -> pd.DataFrame:
    """The `top` skills that help this client most, by the ranking rule of `skill_effects`
    (rows of that frame, `help_rank` 1 first); empty when no skill has `min_uses` rated uses."""
    frame = skill_effects(db, scope, client_id, start, end, min_uses)
    ranked = frame[frame["help_rank"].notna()].sort_values("help_rank")
    return ranked.head(top).reset_index(drop=True)


def client_goals(db: Database, scope: Scope, client_id: str) -> pd.DataFrame:
    """The client's goals (not entered in error): `goal_id`, `description`, `life_area`,
    `lifecycle_status`, `start_date`, `measure`, `scale_min`, `scale_max`,
    `higher_is_better`, `checkins` and `linked_logs` (counts)."""
    with db.hold():
        require_client(db, scope, client_id)
        return _client_goals(db, scope, client_id)


def _client_goals(db: Database, scope: Scope, client_id: str) -> pd.DataFrame:
    """`client_goals` without its access check (the query itself is scoped)."""
    return db.frame("coping.client_goals", {**scope.params(), "client": client_id}, GOAL_TYPES)


def practice_between_checkins(
    db: Database,
    scope: Scope,
    client_id: str,
    goal_id: str,
    start: dt.date,
    end: dt.date,
    include_unlinked: bool = True,
) -> pd.DataFrame:
    """Per pair of consecutive check-in days of one goal in [start, end]: `from_date`,
    `to_date`, `days`, `from_value`, `to_value`, `progress_change` (share of the goal's
    scale, −1…1, positive = toward its better end), `logs` between them (after the first day,
    up to the second) and `logs_per_week`.

    Practice counts logs linked to the goal and, with `include_unlinked`, logs linked to no
    goal. Several check-ins on one day are averaged.
    """
    with db.hold():
        require_client(db, scope, client_id)
        return _intervals(db, scope, client_id, goal_id, start, end, include_unlinked)


def _intervals(
    db: Database,
    scope: Scope,
    client_id: str,
    goal_id: str,
    start: dt.date,
    end: dt.date,
    include_unlinked: bool,
) -> pd.DataFrame:
    """`practice_between_checkins` without its access check (the query itself is scoped)."""
    frame = db.frame(
        "coping.checkin_intervals",
        {**_period(scope, client_id, start, end), "goal": goal_id, "unlinked": bool(include_unlinked)},
        INTERVAL_TYPES,
    )
    frame["logs_per_week"] = (frame["logs"] * 7.0 / frame["days"]).astype("float64")
    return frame


def practice_progress_association(
    db: Database,
    scope: Scope,
    client_id: str,
    goal_id: str,
    start: dt.date,
    end: dt.date,
    include_unlinked: bool = True,
) -> dict[str, object]:
    """An association (never a cause) between practice and goal progress over the intervals
    of `practice_between_checkins`: `intervals` (n); `median_rate` (logs per week); the mean
    `progress_change` (share of scale) of intervals with more practice (rate above the
    median) and with less (at or below), with their n; and Spearman's rank correlation `rho`
    between rate and change (Spearman 1904; ties get average ranks), None when fewer than
    `MIN_INTERVALS` intervals or when either series is constant.
    """
    return _association(
        practice_between_checkins(db, scope, client_id, goal_id, start, end, include_unlinked)
    )


def _association(frame: pd.DataFrame) -> dict[str, object]:
    """`practice_progress_association` from the intervals of `practice_between_checkins`."""
    result: dict[str, object] = {
        "intervals": len(frame),
        "median_rate": None,
        "more_practice_n": 0,
        "more_practice_change": None,
        "less_practice_n": 0,
        "less_practice_change": None,
        "rho": None,
    }
    if frame.empty:
        return result
    median = float(frame["logs_per_week"].median())
    more = frame[frame["logs_per_week"] > median]
    less = frame[frame["logs_per_week"] <= median]
    result.update(
        median_rate=median,
        more_practice_n=len(more),
        more_practice_change=float(more["progress_change"].mean()) if len(more) else None,
        less_practice_n=len(less),
        less_practice_change=float(less["progress_change"].mean()) if len(less) else None,
    )
    rate, change = frame["logs_per_week"], frame["progress_change"]
    if len(frame) >= MIN_INTERVALS and rate.nunique() > 1 and change.nunique() > 1:
        # Spearman's rho is Pearson's r on average ranks; pandas' own "spearman" needs SciPy.
        result["rho"] = float(rate.rank().corr(change.rank()))
    return result


# Fewer intervals than this give a rank correlation that means nothing; the page says so.
MIN_INTERVALS = 5


def client_practice(
    db: Database, scope: Scope, client_id: str, start: dt.date, end: dt.date
) -> dict[str, object]:
    """The coping page's first reads for one client, on one attachment with the client checked
    once: `summary` (`client_summary`), `weekly` (`weekly_practice`, every log) and `goals`
    (`client_goals`); see those functions for the columns and units."""
    with db.hold():
        require_client(db, scope, client_id)
        return {
            "summary": _summary(db, scope, client_id, start, end),
            "weekly": practice_weeks(db, scope, client_id, start, end),
            "goals": _client_goals(db, scope, client_id),
        }


def goal_practice(
    db: Database,
    scope: Scope,
    client_id: str,
    goal_id: str,
    start: dt.date,
    end: dt.date,
    include_unlinked: bool = True,
) -> dict[str, object]:
    """Practice beside one goal's progress, on one attachment with the intervals read once:
    `intervals` (`practice_between_checkins`), `weekly` (`weekly_practice` for the goal) and
    `association` (`practice_progress_association`), with the client checked once."""
    with db.hold():
        require_client(db, scope, client_id)
        intervals = _intervals(db, scope, client_id, goal_id, start, end, include_unlinked)
        return {
            "intervals": intervals,
            "weekly": practice_weeks(db, scope, client_id, start, end, goal_id, include_unlinked),
            "association": _association(intervals),
        }


def life_area_practice(db: Database, scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Per `life_area` (None = client has no goal) and skill (`skill_id`, `skill`), logs in
    scope dated in [start, end]: `uses` and `clients` (counts). A log counts under its linked
    goal's life area; a log linked to no goal counts once in each life area of its client's
    goals, so life areas can add up to more than the logs."""
    frame = db.query("coping.clinic_life_area_practice", {**scope.params(), "start": start, "end": end})
    frame["uses"] = frame["uses"].astype("int64")
    frame["clients"] = frame["clients"].astype("int64")
    return frame


def clinic_skills(
    db: Database,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    life_area: str | None = None,
    min_uses: int = 5,
) -> pd.DataFrame:
    """Per skill over logs in scope dated in [start, end] (in `life_area` if given, by the rule
    of `life_area_practice`): `uses`, `clients`, `rated_uses`, SUDS drop in points over rated
    uses (`mean_drop`, `median_drop`, quartiles, min, max), `mean_helpfulness` (1–5) with its
    n, `practice_rank` (most uses first) and `help_rank` (skills with at least `min_uses` rated
    uses, by the rule of `skill_effects`). Figures pool logs across clients. SUDS: Wolpe (1969).
    """
    frame = db.query(
        "coping.clinic_skills",
        {**scope.params(), "start": start, "end": end, "area": life_area, "min_uses": int(min_uses)},
    )
    frame = _typed_skill_frame(frame)
    frame["clients"] = frame["clients"].astype("int64")
    frame["practice_rank"] = frame["practice_rank"].astype("int64")
    return frame


def stopped_practising(db: Database, scope: Scope, as_of: dt.date, weeks: int = 4) -> pd.DataFrame:
    """Active clients in scope who logged a skill in the `weeks` weeks before the last `weeks`
    weeks up to `as_of`, and none since: `client_id`, `display_code`, `practitioner`,
    `last_log` (date), `days_since_last_log`, `logs_before` and `skills_before` (counts in
    those earlier weeks). Most practice before first."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    quiet_from = as_of - dt.timedelta(days=7 * weeks - 1)
    before_from = quiet_from - dt.timedelta(days=7 * weeks)
    frame = db.query(
        "coping.stopped_practice",
        {**scope.params(), "as_of": as_of, "quiet_from": quiet_from, "before_from": before_from},
    )
    for name in ("days_since_last_log", "logs_before", "skills_before"):
        frame[name] = frame[name].astype("int64")
    return frame


def _typed_skill_frame(frame: pd.DataFrame) -> pd.DataFrame:
    for name in ("uses", "rated_uses", "helpfulness_n") + (("days_used",) if "days_used" in frame else ()):
        frame[name] = frame[name].astype("int64")
    for name in (
        "mean_drop",
        "median_drop",
        "q1_drop",
        "q3_drop",
        "min_drop",
        "max_drop",
        "mean_helpfulness",
    ):
        frame[name] = frame[name].astype("float64")
    frame["help_rank"] = frame["help_rank"].astype("Int64")
    return frame
