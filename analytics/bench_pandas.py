"""The pandas reference of the benchmark: the caseload, a goal timeline and the follow-up
audit computed the way an analyst would with pandas, over the same tables loaded in memory.

Each reference is written as an honest pandas program (filter by scope first, vectorised
`groupby`/`merge`/`merge_asof`, no Python loops over rows) and implements the same
definitions as the SQL it is compared with (docs/caseload.md, docs/progress.md,
docs/audit.md). Its answer is compared with the DuckDB answer on the columns both compute;
the report says which columns and whether they agree. Loading the tables into memory is
timed on its own and is not part of the per-call pandas time (that favours pandas).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from analytics.bench import Context, Report, Row, Timing, time_call
from analytics.db import Database

# Only the columns the three references read; a full `SELECT *` would mostly load notes.
TABLES: dict[str, str] = {
    "clients": "SELECT client_id, practitioner_id, intake_date, discharge_date FROM clients",
    "sessions": "SELECT session_id, client_id, session_date, attended FROM sessions",
    "goals": (
        "SELECT goal_id, client_id, start_date, target_date, lifecycle_status, achievement_status, "
        "revised_from_goal_id, measure, scale_min, scale_max, higher_is_better, baseline, target FROM goals"
    ),
    "goal_events": "SELECT event_id, goal_id, event_date, lifecycle_status, achievement_status FROM goal_events",
    "goal_checkins": "SELECT checkin_id, goal_id, session_id, checkin_date, value FROM goal_checkins",
}


def load_frames(db: Database) -> dict[str, pd.DataFrame]:
    """The tables the references read, as pandas frames with datetime64 date columns."""
    frames: dict[str, pd.DataFrame] = {}
    for name, sql in TABLES.items():
        frame = db.query_sql(sql)
        for column in frame.columns:
            if column.endswith("_date"):
                frame[column] = pd.to_datetime(frame[column])
        frames[name] = frame
    return frames


def _ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


# --------------------------------------------------------------------------- caseload
def _lifecycle_as_of(goals: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Goals started by as-of with their lifecycle and recorded achievement status as of then
    (the last event on or before as-of, by date then event id; else the goal row's own)."""
    goals = goals[goals["start_date"] <= as_of]
    ev = events[(events["event_date"] <= as_of) & events["goal_id"].isin(goals["goal_id"])]
    last = ev.sort_values(["goal_id", "event_date", "event_id"]).drop_duplicates("goal_id", keep="last")
    out = goals.merge(
        last[["goal_id", "lifecycle_status", "achievement_status"]].rename(
            columns={"lifecycle_status": "ev_lifecycle", "achievement_status": "ev_achievement"}
        ),
        on="goal_id",
        how="left",
    )
    has_event = out["ev_lifecycle"].notna()
    out["lifecycle_status"] = out["ev_lifecycle"].where(has_event, out["lifecycle_status"])
    out["recorded_achievement_status"] = out["ev_achievement"].where(has_event, out["achievement_status"])
    return out.drop(columns=["ev_lifecycle", "ev_achievement"])


def pandas_caseload(f: dict[str, pd.DataFrame], ctx: Context, rules: Any) -> pd.DataFrame:
    """Per client in care at as-of in the therapist's scope: attended sessions and the last,
    goal counts, last check-in, and the flags no_goal_yet, no_recent_session and
    review_overdue (any active goal), by docs/caseload.md."""
    as_of = _ts(ctx.as_of)
    scope = list(ctx.therapist.practitioner_ids)
    clients = f["clients"]
    in_care = clients[
        clients["practitioner_id"].isin(scope)
        & (clients["intake_date"] <= as_of)
        & (clients["discharge_date"].isna() | (clients["discharge_date"] > as_of))
    ]
    ids = in_care["client_id"]
    sessions = f["sessions"]
    attended = sessions[
        sessions["client_id"].isin(ids) & sessions["attended"] & (sessions["session_date"] <= as_of)
    ]
    per_client = attended.groupby("client_id").agg(
        attended_sessions=("session_date", "size"), last_session_date=("session_date", "max")
    )
    goals = _lifecycle_as_of(f["goals"][f["goals"]["client_id"].isin(ids)], f["goal_events"], as_of)
    kept = goals[~goals["lifecycle_status"].isin(["entered-in-error", "rejected"])]
    counts = kept.groupby("client_id").agg(
        goals=("goal_id", "size"),
        active_goals=("lifecycle_status", lambda s: int((s == "active").sum())),
        on_hold_goals=("lifecycle_status", lambda s: int((s == "on-hold").sum())),
    )
    checkins = f["goal_checkins"]
    checkins = checkins[checkins["goal_id"].isin(kept["goal_id"]) & (checkins["checkin_date"] <= as_of)]
    checkins = checkins.merge(kept[["goal_id", "client_id"]], on="goal_id")
    last_checkin = checkins.groupby("client_id")["checkin_date"].max().rename("last_checkin_date")

    # review overdue, per active goal: attended sessions since it was set and after its last
    # check-in (a check-in on a session's day counts for that session), or too many days.
    goal_last = checkins.groupby("goal_id")["checkin_date"].max().rename("goal_last_checkin")
    active = kept[kept["lifecycle_status"] == "active"].merge(goal_last, on="goal_id", how="left")
    pairs = active[["goal_id", "client_id", "start_date", "goal_last_checkin"]].merge(
        attended[["client_id", "session_date"]], on="client_id", how="left"
    )
    since = pairs["goal_last_checkin"].fillna(pd.Timestamp.min)
    missed = pairs[(pairs["session_date"] >= pairs["start_date"]) & (pairs["session_date"] > since)]
    missed_n = missed.groupby("goal_id").size().rename("sessions_since_checkin")
    active = active.merge(missed_n, on="goal_id", how="left")
    active["sessions_since_checkin"] = active["sessions_since_checkin"].fillna(0)
    days = (as_of - active["goal_last_checkin"].fillna(active["start_date"])).dt.days
    active["review_overdue"] = (active["sessions_since_checkin"] >= rules.review_sessions) | (
        days > rules.review_days
    )
    overdue = active.groupby("client_id")["review_overdue"].any()

    out = in_care[["client_id", "intake_date"]].set_index("client_id")
    out = out.join(per_client).join(counts).join(last_checkin).join(overdue)
    out["attended_sessions"] = out["attended_sessions"].fillna(0).astype("int64")
    for column in ("goals", "active_goals", "on_hold_goals"):
        out[column] = out[column].fillna(0).astype("int64")
    out["review_overdue"] = out["review_overdue"].astype("boolean").fillna(False).astype(bool)
    out["no_goal_yet"] = (out["attended_sessions"] >= rules.goal_by_session) & (out["goals"] == 0)
    last_seen = out["last_session_date"].fillna(out["intake_date"])
    out["no_recent_session"] = (as_of - last_seen).dt.days > 7 * rules.dropout_weeks
    return out.reset_index().drop(columns=["intake_date"])


def compare_caseload(duck: Any, ref: pd.DataFrame) -> tuple[bool, str]:
    if isinstance(duck, dict):  # caseload_view: {"clients": ..., "goals": ...}
        duck = duck["clients"]
    duck = duck.copy()
    duck["review_overdue"] = duck["flags"].map(lambda keys: "review_overdue" in keys)
    duck["no_goal_yet_flag"] = duck["flags"].map(lambda keys: "no_goal" in keys)
    duck["dropout_flag"] = duck["flags"].map(lambda keys: "dropout" in keys)
    ref = ref.rename(columns={"no_goal_yet": "no_goal_yet_flag", "no_recent_session": "dropout_flag"})
    columns = [
        "attended_sessions",
        "last_session_date",
        "goals",
        "active_goals",
        "on_hold_goals",
        "last_checkin_date",
        "review_overdue",
        "no_goal_yet_flag",
        "dropout_flag",
    ]
    return _compare(duck, ref, "client_id", columns)


# --------------------------------------------------------------------------- timeline
def pandas_timeline(f: dict[str, pd.DataFrame], ctx: Context) -> pd.DataFrame:
    """One goal's check-ins up to as-of in order, with normalised progress (0 = baseline,
    1 = target; a goal without a baseline starts from its first check-in, without a target
    aims at the best end of its scale) and the trailing running median of three (from the
    third check-in), by docs/progress.md."""
    as_of = _ts(ctx.as_of)
    goal = f["goals"][f["goals"]["goal_id"] == ctx.goal_id].iloc[0]
    k = f["goal_checkins"]
    points = k[(k["goal_id"] == ctx.goal_id) & (k["checkin_date"] <= as_of)]
    points = points.sort_values(["checkin_date", "checkin_id"]).reset_index(drop=True)
    best = goal["scale_max"] if goal["higher_is_better"] else goal["scale_min"]
    target = goal["target"] if pd.notna(goal["target"]) else best
    baseline = (
        goal["baseline"] if pd.notna(goal["baseline"]) else points["value"].iloc[0] if len(points) else np.nan
    )
    span = target - baseline
    points["progress"] = (points["value"] - baseline) / span if span != 0 else np.nan
    trend = points["value"].rolling(3, min_periods=1).median()
    points["trend_value"] = trend.where(points.index >= 2)
    return points[["goal_id", "checkin_id", "checkin_date", "value", "progress", "trend_value"]]


def compare_timeline(duck: Any, ref: pd.DataFrame) -> tuple[bool, str]:
    frame = duck
    if isinstance(duck, dict):  # a timeline bundle: its check-in points frame
        frame = next(
            (v for v in duck.values() if isinstance(v, pd.DataFrame) and "checkin_id" in v.columns), None
        )
    if frame is None or not isinstance(frame, pd.DataFrame):
        return False, "no check-in frame in the DuckDB answer"
    if "goal_id" in frame.columns:
        # The timeline also carries the goals this one was revised from; the reference
        # computes the chosen goal, whose normalised progress is its own.
        frame = frame[frame["goal_id"].isin(ref["goal_id"])]
    columns = [c for c in ("checkin_date", "value", "progress", "trend_value") if c in frame.columns]
    return _compare(frame, ref, "checkin_id", columns)


# --------------------------------------------------------------------------- audit
def pandas_audit(f: dict[str, pd.DataFrame], ctx: Context, period: Any, n: int) -> pd.DataFrame:
    """Per practitioner in the whole system, for one period: the goal-setting rate and the
    follow-up rates over sessions and over goal-session pairs (numerators and denominators),
    by the definitions of docs/audit.md."""
    start, end = _ts(period.start), _ts(period.end)
    scope = list(ctx.everyone.practitioner_ids)
    clients = f["clients"][f["clients"]["practitioner_id"].isin(scope)][["client_id", "practitioner_id"]]
    s = f["sessions"]
    attended = s[s["attended"] & (s["session_date"] <= end)].merge(clients, on="client_id")
    attended = attended.sort_values(["client_id", "session_date", "session_id"])
    attended["session_number"] = attended.groupby("client_id").cumcount() + 1
    goals = f["goals"].merge(clients[["client_id"]], on="client_id")
    real = goals[goals["lifecycle_status"] != "entered-in-error"]

    # goal-setting: clients whose Nth attended session is in the period; counted when their
    # first real goal started on or before that session's day.
    nth = attended[(attended["session_number"] == n) & attended["session_date"].between(start, end)]
    first_goal = real.groupby("client_id")["start_date"].min().rename("first_goal")
    nth = nth.merge(first_goal, on="client_id", how="left")
    nth["counted"] = nth["first_goal"] <= nth["session_date"]
    goal_setting = nth.groupby("practitioner_id")["counted"].agg(["sum", "size"])

    # goal status spans: events (or the goal row itself when it has none), in order.
    ev = f["goal_events"][f["goal_events"]["goal_id"].isin(real["goal_id"])]
    missing = real[~real["goal_id"].isin(ev["goal_id"])]
    synthetic = missing[["goal_id", "start_date", "lifecycle_status"]].rename(
        columns={"start_date": "event_date"}
    )
    synthetic = synthetic.assign(event_id="")
    history = pd.concat([ev[["event_id", "goal_id", "event_date", "lifecycle_status"]], synthetic])
    history = history.sort_values(["event_date", "goal_id", "event_id"]).reset_index(drop=True)

    # goal-session pairs: attended sessions in the period x the client's goals set before the
    # session day, with the goal's status from the last event dated before that day.
    in_period = attended[attended["session_date"].between(start, end)]
    pairs = in_period[["session_id", "client_id", "practitioner_id", "session_date"]].merge(
        real[["goal_id", "client_id", "start_date"]], on="client_id"
    )
    pairs = pairs[pairs["start_date"] < pairs["session_date"]].sort_values("session_date")
    pairs = pd.merge_asof(
        pairs,
        history.rename(columns={"event_date": "session_date"}),
        on="session_date",
        by="goal_id",
        allow_exact_matches=False,
    )
    pairs = pairs[pairs["lifecycle_status"] == "active"]

    k = f["goal_checkins"][f["goal_checkins"]["goal_id"].isin(real["goal_id"])]
    at_session = k.loc[k["session_id"].notna(), ["goal_id", "session_id"]].drop_duplicates()
    at_session["linked"] = True
    on_day = k.loc[k["session_id"].isna(), ["goal_id", "checkin_date"]].drop_duplicates()
    on_day = on_day.rename(columns={"checkin_date": "session_date"})
    on_day["same_day"] = True
    pairs = pairs.merge(at_session, on=["goal_id", "session_id"], how="left")
    pairs = pairs.merge(on_day, on=["goal_id", "session_date"], how="left")
    pairs["checked"] = pairs["linked"].astype("boolean").fillna(False) | pairs["same_day"].astype(
        "boolean"
    ).fillna(False)
    pairs["checked"] = pairs["checked"].astype(bool)
    followup_pairs = pairs.groupby("practitioner_id")["checked"].agg(["sum", "size"])
    per_session = pairs.groupby(["practitioner_id", "session_id"])["checked"].all()
    followup_sessions = per_session.groupby("practitioner_id").agg(["sum", "size"])

    out = pd.DataFrame(index=pd.Index(scope, name="group_id"))
    for metric, frame in (
        ("goal_setting", goal_setting),
        ("followup_sessions", followup_sessions),
        ("followup_pairs", followup_pairs),
    ):
        out[f"{metric}_numerator"] = frame["sum"].reindex(out.index).fillna(0).astype("int64")
        out[f"{metric}_denominator"] = frame["size"].reindex(out.index).fillna(0).astype("int64")
    return out.reset_index()


def compare_audit(duck: pd.DataFrame, ref: pd.DataFrame) -> tuple[bool, str]:
    rows = duck[duck["level"] == "practitioner"]
    columns = [c for c in ref.columns if c != "group_id" and c in rows.columns]
    return _compare(rows, ref, "group_id", columns)


# --------------------------------------------------------------------------- comparing
def _normal(series: pd.Series) -> pd.Series:
    if (
        pd.api.types.is_datetime64_any_dtype(series)
        or series.dtype == object
        and len(series.dropna())
        and isinstance(series.dropna().iloc[0], dt.date)
    ):
        return pd.to_datetime(series).dt.normalize()
    if pd.api.types.is_bool_dtype(series):
        return series.astype(bool)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64").round(6)
    return series


def _compare(duck: pd.DataFrame, ref: pd.DataFrame, key: str, columns: list[str]) -> tuple[bool, str]:
    """Whether both answers have the same keys and the same values in `columns`."""
    if not columns:
        return False, "no common columns to compare"
    left = duck.set_index(duck[key].astype(str))[columns]
    right = ref.set_index(ref[key].astype(str))[columns]
    if set(left.index) != set(right.index):
        only_d, only_p = len(set(left.index) - set(right.index)), len(set(right.index) - set(left.index))
        return False, f"row keys differ ({only_d} only in DuckDB, {only_p} only in pandas)"
    right = right.loc[left.index]
    bad = []
    for column in columns:
        a, b = _normal(left[column]), _normal(right[column])
        same = (a == b) | (a.isna() & b.isna())
        if not bool(same.all()):
            bad.append(f"{column} ({int((~same).sum())} rows)")
    if bad:
        return False, f"{len(left)} rows; differ in " + ", ".join(bad)
    return True, f"{len(left)} rows x {len(columns)} columns agree ({', '.join(columns)})"


# --------------------------------------------------------------------------- running
def run_references(
    report: Report,
    db: Database,
    ctx: Context,
    answers: dict[str, Any],
    runs: int,
    echo: Callable[[str], None] = print,
    duck_calls: dict[str, Callable[[Database], Any]] | None = None,
) -> None:
    """Time each pandas reference whose DuckDB counterpart was timed, and compare answers.
    For the references in `PAIRED` with a DuckDB call in `duck_calls`, also time the two
    alternately (`paired_ratio`); that ratio carries the system budget."""
    started = time.perf_counter()
    frames = load_frames(db)
    load_s = time.perf_counter() - started
    rows_loaded = sum(len(v) for v in frames.values())
    report.rows.append(
        Row(
            "pandas",
            "pandas_load",
            "pandas: load the tables into memory (once)",
            cold_ms=round(load_s * 1000, 1),
            note=f"{rows_loaded:,} rows; not counted in the per-call times below",
        )
    )
    references: list[tuple[str, str, Callable[[], Any], Callable[[Any, Any], tuple[bool, str]]]] = []
    if "caseload_practitioner" in answers:
        from analytics.caseload import caseload_rules

        rules = caseload_rules(db)
        references.append(
            (
                "caseload_practitioner",
                "pandas: caseload, one practitioner",
                lambda: pandas_caseload(frames, ctx, rules),
                compare_caseload,
            )
        )
    for key in ("goal_timeline",):
        if key in answers:
            references.append(
                (
                    key,
                    "pandas: goal timeline, one goal",
                    lambda: pandas_timeline(frames, ctx),
                    compare_timeline,
                )
            )
            break
    if "audit_system" in answers:
        from analytics import audit

        period = audit_period_for(ctx)
        n = audit.DEFAULT_N
        references.append(
            (
                "audit_system",
                "pandas: follow-up audit, whole system (3 of 6 metrics)",
                lambda: pandas_audit(frames, ctx, period, n),
                compare_audit,
            )
        )
    for key, label, call, compare in references:
        try:
            timing, ref = time_call(call, runs)
            agree, detail = compare(answers[key], ref)
        except Exception as exc:  # report the failure; never a made-up number
            report.errors.append(
                {"key": f"pandas_{key}", "label": label, "error": f"{type(exc).__name__}: {exc}"}
            )
            echo(f"  error: {label}: {type(exc).__name__}: {exc}")
            continue
        duck_row = next(r for r in report.rows if r.kind == "analytics" and r.key == key)
        speedup = round(timing.median_ms / duck_row.median_ms, 2) if duck_row.median_ms else None
        paired = None
        if key in PAIRED and duck_calls and key in duck_calls:
            paired, paired_note = paired_ratio(call, duck_calls[key], db, runs)
            detail = f"{detail}; {paired_note}"
        duck_row.pandas_ms = timing.median_ms
        duck_row.pandas_speedup = speedup
        duck_row.paired_speedup = paired
        duck_row.agree = agree
        row = Row(
            "pandas",
            f"pandas_{key}",
            label,
            duck_row.page,
            **_t(timing),
            pandas_speedup=speedup,
            paired_speedup=paired,
            agree=agree,
            note=detail,
        )
        judged = paired if paired is not None else speedup
        if report.scale == "system" and judged is not None:
            from analytics.bench import PANDAS_SPEEDUP_BUDGET

            row.budget = f">= {PANDAS_SPEEDUP_BUDGET:g}x"
            row.status = "pass" if judged >= PANDAS_SPEEDUP_BUDGET else "over"
        report.rows.append(row)
        echo(f"  {label}: median {timing.median_ms:.1f} ms, DuckDB {speedup}x faster; {detail}")


# The references timed alternately with DuckDB as well: the two whose ratio is near the
# budget. (The audit's pandas reference takes 13-22 s a call, 50-80 times DuckDB's.)
PAIRED = ("caseload_practitioner", "goal_timeline")


def paired_ratio(
    pandas_call: Callable[[], Any], duck_call: Callable[[Database], Any], db: Database, runs: int
) -> tuple[float | None, str]:
    """pandas ÷ DuckDB timed alternately: one DuckDB call, then one pandas call, `runs` times
    after one warm-up call of each, on a gateway that lingers as the app's does. The ratio is
    the median of the per-pair ratios, so a host that slows for a minute slows both sides of
    the pairs in it; the separate runs above can fall minutes apart (docs/performance.md)."""
    from analytics.bench import APP_LINGER_SECONDS

    gateway = Database(db.path, linger=APP_LINGER_SECONDS)
    try:
        duck_call(gateway)
        pandas_call()
        duck_ms: list[float] = []
        pandas_ms: list[float] = []
        for _ in range(max(runs, 1)):
            started = time.perf_counter()
            duck_call(gateway)
            duck_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            pandas_call()
            pandas_ms.append((time.perf_counter() - started) * 1000)
    finally:
        gateway.close()
    ratios = [p / d for p, d in zip(pandas_ms, duck_ms, strict=True) if d > 0]
    if not ratios:
        return None, "paired: no DuckDB time to divide by"
    ratio = round(statistics.median(ratios), 2)
    note = (
        f"paired {ratio:g}x (DuckDB {statistics.median(duck_ms):.1f} ms, pandas "
        f"{statistics.median(pandas_ms):.1f} ms, alternated {len(ratios)} times)"
    )
    return ratio, note


def audit_period_for(ctx: Context) -> Any:
    """The audit period the benchmark times (the page's default; see analytics/bench.py)."""
    from analytics.audit import audit_period
    from analytics.bench import AUDIT_MONTHS

    return audit_period(ctx.as_of, AUDIT_MONTHS)


def _t(t: Timing) -> dict[str, Any]:
    from analytics.bench import _t as timing_fields

    return timing_fields(t)
