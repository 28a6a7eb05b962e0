"""Goal follow-up audit: is goal-setting, follow-up and review happening, per practitioner,
team and clinic, per period, with the exact cases behind every number (docs/audit.md).

Why: about one client in four reports that therapy lacked goal-setting or progress
follow-up (the figure in the product's design notes), and routine progress monitoring with
feedback improves outcomes (Lambert, Whipple & Kleinstäuber, 2018, "Collecting and
delivering progress feedback: a meta-analysis of routine outcome monitoring",
*Psychotherapy* 55(4)). So a supervisor audits that goal work happens. The metrics are
counts of what was recorded, not clinical formulas; their definitions are in `METRICS`.

Every rate is `numerator / denominator` over cases listed by `audit_cases`: the
drill-down rows of a practitioner, metric and period are exactly the cases the number
counts (`counted` marks the numerator). All counting happens in DuckDB
(`analytics/sql/audit.sql`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.errors import AccessDenied, WaymarkError
from analytics.scope import Scope

DEFAULT_N = 3  # a goal is expected by the 3rd attended session
DEFAULT_D = 30  # an active goal is expected to be reviewed at least every 30 days
DEFAULT_K = 3  # three attended sessions in a row without any check-in is a lapse


@dataclass(frozen=True)
class Metric:
    """One audit metric: key, label, what one case is, whether higher is better, definition."""

    key: str
    label: str
    case: str
    higher_is_better: bool
    definition: str  # with {n}, {nth}, {d}, {k} placeholders

    def describe(self, n: int, d: int, k: int) -> str:
        return self.definition.format(n=n, nth=ordinal(n), d=d, k=k)


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…"""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{({1: 'st', 2: 'nd', 3: 'rd'}).get(number % 10, 'th')}"


METRICS: tuple[Metric, ...] = (
    Metric(
        "goal_setting",
        "Goal-setting rate",
        "client",
        True,
        "Clients whose {nth} attended session fell in the period, and of them those with at "
        "least one goal (started on or before that session's day; a goal entered in error "
        "does not count).",
    ),
    Metric(
        "followup_sessions",
        "Follow-up rate (sessions)",
        "session",
        True,
        "Attended sessions in the period at which the client had at least one active goal, "
        "and of them those at which every active goal got a check-in. A goal is active at a "
        "session when its status recorded before the session day is active; a goal set at "
        "the session itself is not expected yet. A check-in counts when it is linked to the "
        "session, or not linked to any session and made on its day.",
    ),
    Metric(
        "followup_pairs",
        "Follow-up rate (goal-session pairs)",
        "goal at a session",
        True,
        "Pairs of an attended session in the period and a goal active at it (as for the "
        "session rate), and of them those where that goal got a check-in at that session.",
    ),
    Metric(
        "review_cadence",
        "Review cadence",
        "goal",
        True,
        "Goals active on the last day of the period, of clients in care that day, started at "
        "least {d} days before it (younger goals are not yet due), and of them those with a "
        "check-in in the {d} days up to and including that day.",
    ),
    Metric(
        "target_review",
        "Target-date review",
        "goal",
        True,
        "Goals of clients in care on the last day of the period whose target date is before "
        "that day (not rejected or entered in error), and of them those with an outcome "
        "recorded by then: achievement status achieved or sustaining, lifecycle completed, "
        "revised into a new goal, or on hold with a reason written in the event note.",
    ),
    Metric(
        "lacking_followup",
        "Clients lacking follow-up",
        "client",
        False,
        "Clients with an attended session in the period, and of them those who, at a session "
        "in the period, had reached {k} attended sessions in a row with an active goal but "
        "no goal check-in at all, or had reached their {nth} attended session or later "
        "with no goal yet. Lower is better; compare with the one client in four who report "
        "that therapy lacked goal-setting or follow-up.",
    ),
)
METRIC_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)


@dataclass(frozen=True)
class Period:
    """A closed date range `start`–`end`; point-in-time metrics are read on `end`."""

    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        if (self.start.year, self.start.month) == (self.end.year, self.end.month):
            return f"{self.start:%b %Y}"
        return f"{self.start:%b %Y} – {self.end:%b %Y}"


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def audit_period(as_of: dt.date, months: int) -> Period:
    """The last `months` calendar months up to `as_of` (the current month so far)."""
    if months < 1:
        raise WaymarkError("An audit period is at least one month.")
    return Period(_month_start(as_of, months - 1), as_of)


def previous_period(period: Period) -> Period:
    """The same number of calendar months immediately before `period`."""
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
    start = _month_start(period.start, months)
    return Period(start, period.start - dt.timedelta(days=1))


def month_periods(as_of: dt.date, count: int) -> tuple[Period, ...]:
    """The last `count` calendar months up to `as_of`, oldest first; the last one ends at `as_of`."""
    periods = []
    for back in range(count - 1, -1, -1):
        start = _month_start(as_of, back)
        end = min(_month_start(start, -1) - dt.timedelta(days=1), as_of)
        periods.append(Period(start, end))
    return tuple(periods)


def _check_settings(n: int, d: int, k: int) -> None:
    for name, value in (("N", n), ("D", d), ("K", k)):
        if int(value) < 1:
            raise WaymarkError(f"The audit setting {name} must be at least 1; it is {value}.")


def _params(scope: Scope, periods: Sequence[Period], n: int, d: int, k: int) -> dict[str, object]:
    _check_settings(n, d, k)
    return {
        **scope.params(),
        "period_starts": [p.start for p in periods],
        "period_ends": [p.end for p in periods],
        # The span of all periods, as constants the scans can prune row groups with.
        "first_day": min((p.start for p in periods), default=None),
        "last_day": max((p.end for p in periods), default=None),
        "n": int(n),
        "d": int(d),
        "k": int(k),
    }


# Where the cases are read from: the derived tables (analytics/derived.py, kept in step by
# every writer), or the clinical tables directly, the reference the tests compare with.
SOURCES = {"derived": "audit.cases", "raw": "audit.cases_raw"}


def _query(db: Database, name: str, params: dict[str, object], source: str) -> pd.DataFrame:
    """Run audit query `name` over the cases read from `source`."""
    if source not in SOURCES:
        raise WaymarkError(f"Unknown audit source {source!r}.")
    # Both parts are this package's own SQL (no value is ever spliced in): the cases query
    # is shared as a CTE by the roll-up and the drill-down, so their counts cannot drift.
    cases = db.sql_text(SOURCES[source]).rstrip().rstrip(";")
    query = db.sql_text(name).rstrip().rstrip(";")
    query = "\n".join(line for line in query.splitlines() if not line.startswith("--"))
    if source == "raw":  # the reference reads all history and always writes the details
        params = {k: v for k, v in params.items() if k not in ("first_day", "last_day", "details")}
    # The query's own CTEs continue the one WITH list, so that its ORDER BY orders the result.
    if query.startswith("WITH "):
        sql = f"WITH audit_cases AS (\n{cases}\n),\n{query.removeprefix('WITH ')}"
    else:
        sql = f"WITH audit_cases AS (\n{cases}\n)\n{query}"
    return db.query_sql(sql, params)


def audit_rates(
    db: Database,
    scope: Scope,
    periods: Sequence[Period],
    n: int = DEFAULT_N,
    d: int = DEFAULT_D,
    k: int = DEFAULT_K,
    *,
    source: str = "derived",
    groups_in: Period | None = None,
) -> pd.DataFrame:
    """Per period, level (practitioner, team, clinic) and metric: numerator, denominator
    (counts) and rate (0–1, NaN when the denominator is 0). `source="raw"` counts from the
    clinical tables directly instead of the derived tables (same answer, much slower).
    `groups_in`: the practitioner and team rows of that period only (clinic rows of all)."""
    params = {
        **_params(scope, periods, n, d, k),
        "metrics": list(METRIC_KEYS),
        "details": False,
        "groups_start": groups_in.start if groups_in else None,
        "groups_end": groups_in.end if groups_in else None,
    }
    # Ordered by the query: period, clinic then teams then practitioners, name, METRICS order.
    frame = _query(db, "audit.rates", params, source)
    frame["rate"] = frame["rate"].astype(float)
    return frame


def audit_cases(
    db: Database,
    scope: Scope,
    metric: str,
    period: Period,
    n: int = DEFAULT_N,
    d: int = DEFAULT_D,
    k: int = DEFAULT_K,
    practitioner_id: str | None = None,
    *,
    source: str = "derived",
) -> pd.DataFrame:
    """The exact cases behind one metric and period (for one practitioner, or everyone in
    scope): one row per case with display code, goal, session date, `counted` (in the
    numerator) and `detail`; misses first. Row count = denominator, `counted` sum = numerator.
    `source` as for `audit_rates`."""
    if metric not in METRIC_BY_KEY:
        raise WaymarkError(f"There is no audit metric called {metric!r}.")
    if practitioner_id is not None:
        if not scope.allows(practitioner_id):
            raise AccessDenied("That practitioner is not in your team.")
        scope = Scope((practitioner_id,))
    params = {
        **_params(scope, [period], n, d, k),
        "metric": metric,
        "period_start": period.start,
        "period_end": period.end,
        "details": True,
    }
    frame = _query(db, "audit.case_list", params, source)
    # A miss is a case outside the numerator, except for "lacking follow-up", where the
    # numerator counts the misses.
    miss = frame["counted"] if not METRIC_BY_KEY[metric].higher_is_better else ~frame["counted"]
    frame = frame.assign(miss=miss.astype(bool))
    frame = frame.sort_values(
        ["miss", "practitioner", "display_code", "case_date", "goal"],
        ascending=[False, True, True, True, True],
        na_position="last",
    )
    return frame.reset_index(drop=True)


def practitioner_audit(
    db: Database,
    scope: Scope,
    period: Period,
    n: int = DEFAULT_N,
    d: int = DEFAULT_D,
    k: int = DEFAULT_K,
) -> pd.DataFrame:
    """One row per practitioner (then team and clinic rows): for each metric its
    numerator, denominator (counts) and rate (0–1, NaN when nothing to count)."""
    rates = audit_rates(db, scope, [period], n, d, k)
    return widen(rates)


def widen(rates: pd.DataFrame) -> pd.DataFrame:
    """Long audit rates to one row per level and group, with `<metric>_numerator`,
    `<metric>_denominator` and `<metric>_rate` columns, ordered by level, group and period."""
    keys = ["level", "group_id", "group_name", "team_id", "period_start", "period_end"]
    if rates.empty:
        return pd.DataFrame(columns=keys)
    # team_id is empty for the clinic row; an index level must not hold NaN.
    frame = rates.assign(team_id=rates["team_id"].fillna(""))
    wide = _widen_blocks(frame, keys)
    if wide is not None:
        return wide
    wide = frame.set_index([*keys, "metric"])[["numerator", "denominator", "rate"]].unstack("metric")
    wide.columns = [f"{metric}_{value}" for value, metric in wide.columns]
    wide = wide.reset_index()
    ordered = [f"{m}_{v}" for m in METRIC_KEYS for v in ("rate", "numerator", "denominator")]
    wide = wide[keys + [c for c in ordered if c in wide.columns]]
    for metric in METRIC_KEYS:
        for part in ("numerator", "denominator"):
            column = f"{metric}_{part}"
            if column in wide:
                wide[column] = wide[column].fillna(0).astype(int)
    return wide


def _widen_blocks(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame | None:
    """`widen` without a pandas pivot (which costs more than the query at clinic scale), for
    rows as `audit_rates` returns them: each group's metrics together, in METRIC_KEYS order.
    The same table as the pivot path of `widen`, in its order, columns and types; None when
    the rows are not in blocks."""
    width = len(METRIC_KEYS)
    if len(frame) % width:
        return None
    columns = {key: frame[key].to_numpy() for key in [*keys, "metric"]}
    if not (columns["metric"].reshape(-1, width) == np.array(METRIC_KEYS, dtype=object)).all():
        return None
    for key in keys:
        block = columns[key].reshape(-1, width)
        if not (block == block[:, :1]).all():
            return None
    heads = {key: columns[key][::width] for key in keys}
    order = sorted(range(len(frame) // width), key=lambda i: tuple(heads[key][i] for key in keys))
    # Each group's first row, in that order, keeps the pivot's column types (text stays
    # text, days stay days); the metric columns come in widen's order, counts as integers
    # (every metric of a block is there, so no count is missing).
    firsts = np.asarray(order, dtype=np.intp) * width
    out: dict[str, Any] = {key: frame[key].array.take(firsts) for key in keys}
    parts = {
        part: frame[part].to_numpy().reshape(-1, width)[order]
        for part in ("numerator", "denominator", "rate")
    }
    for index, metric in enumerate(METRIC_KEYS):
        for part in ("rate", "numerator", "denominator"):
            values = parts[part][:, index]
            if part != "rate":
                if values.dtype.kind not in "iu":
                    return None  # counts that are not integers: widen's general path fills them
                values = values.astype(int)
            out[f"{metric}_{part}"] = values
    return pd.DataFrame(out)


def clinic_headline(
    db: Database,
    scope: Scope,
    period: Period,
    n: int = DEFAULT_N,
    d: int = DEFAULT_D,
    k: int = DEFAULT_K,
) -> pd.DataFrame:
    """Per metric for everyone in scope: numerator, denominator and rate (0–1) in `period`
    and the period before, and `change` in the rate (difference of proportions, NaN when
    either is undefined)."""
    before = previous_period(period)
    # The headline reads the clinic rows only.
    rates = audit_rates(db, scope, [period, before], n, d, k, groups_in=period)
    return _headline(rates, period, before)


def _positions(rates: pd.DataFrame, periods: Sequence[Period], level: str | None = None) -> list[int]:
    """The row positions of `rates` for exactly these periods (first and last day both), and
    of that level when one is given; one pass over plain lists, not a comparison per period
    (which cost more than the query with a 12-month trend)."""
    wanted = {(pd.Timestamp(p.start), pd.Timestamp(p.end)) for p in periods}
    spans = zip(rates["period_start"].tolist(), rates["period_end"].tolist(), strict=True)
    levels = rates["level"].tolist() if level is not None else [None] * len(rates)
    return [
        i for i, (span, at) in enumerate(zip(spans, levels, strict=True)) if span in wanted and at == level
    ]


def _in(rates: pd.DataFrame, periods: Sequence[Period], level: str | None = None) -> pd.DataFrame:
    """The rows of `rates` for exactly these periods (first and last day both), and of that
    level when one is given."""
    return rates.take(np.asarray(_positions(rates, periods, level), dtype=np.intp)).reset_index(drop=True)


def _headline(rates: pd.DataFrame, period: Period, before: Period) -> pd.DataFrame:
    columns = ("metric", "numerator", "denominator", "rate")
    values = {column: rates[column].tolist() for column in columns}

    def by_metric(p: Period) -> dict[str, dict[str, Any]]:
        return {
            values["metric"][i]: {column: values[column][i] for column in columns}
            for i in _positions(rates, [p], "clinic")
        }

    now, then = by_metric(period), by_metric(before)
    rows = []
    for metric in METRICS:
        current, previous = now.get(metric.key), then.get(metric.key)
        rate = float(current["rate"]) if current is not None else float("nan")
        prev_rate = float(previous["rate"]) if previous is not None else float("nan")
        rows.append(
            {
                "metric": metric.key,
                "label": metric.label,
                "numerator": int(current["numerator"]) if current is not None else 0,
                "denominator": int(current["denominator"]) if current is not None else 0,
                "rate": rate,
                "previous_numerator": int(previous["numerator"]) if previous is not None else 0,
                "previous_denominator": int(previous["denominator"]) if previous is not None else 0,
                "previous_rate": prev_rate,
                "change": rate - prev_rate,
                "higher_is_better": metric.higher_is_better,
            }
        )
    return pd.DataFrame(rows)


def monthly_trends(
    db: Database,
    scope: Scope,
    as_of: dt.date,
    months: int = 12,
    n: int = DEFAULT_N,
    d: int = DEFAULT_D,
    k: int = DEFAULT_K,
    level: str = "clinic",
    practitioner_id: str | None = None,
) -> pd.DataFrame:
    """Per calendar month (the last `months`, up to `as_of`) and metric, for the chosen
    level (or one practitioner in scope): numerator, denominator (counts) and rate (0–1);
    point-in-time metrics are read on each month's last day (or `as_of`)."""
    if level not in ("clinic", "team", "practitioner"):
        raise WaymarkError(f"Unknown audit level {level!r}.")
    if practitioner_id is not None:
        if not scope.allows(practitioner_id):
            raise AccessDenied("That practitioner is not in your team.")
        scope, level = Scope((practitioner_id,)), "practitioner"
    return _trends(audit_rates(db, scope, month_periods(as_of, months), n, d, k), level)


def _trends(rates: pd.DataFrame, level: str) -> pd.DataFrame:
    at = [i for i, value in enumerate(rates["level"].tolist()) if value == level]
    frame = rates.take(np.asarray(at, dtype=np.intp)).reset_index(drop=True)
    frame["label"] = frame["metric"].map({m.key: m.label for m in METRICS})
    frame["month"] = frame["period_start"]
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class AuditOverview:
    """What the audit page shows above the drill-down: `clinic_headline(period)`,
    `practitioner_audit(period)` and `monthly_trends(as_of, months)` of everyone in view."""

    headline: pd.DataFrame
    table: pd.DataFrame
    trends: pd.DataFrame


def audit_overview(
    db: Database,
    scope: Scope,
    period: Period,
    as_of: dt.date,
    months: int = 12,
    n: int = DEFAULT_N,
    d: int = DEFAULT_D,
    k: int = DEFAULT_K,
) -> AuditOverview:
    """The headline, the per-practitioner table and the monthly trend in one query (the
    periods share their sessions' scan; one statement to plan instead of three), each
    exactly what its own function returns."""
    before = previous_period(period)
    trend = month_periods(as_of, months)
    # A period given twice (a one-month audit is also the trend's last month) is counted once.
    rates = audit_rates(db, scope, list(dict.fromkeys([period, before, *trend])), n, d, k, groups_in=period)
    return AuditOverview(
        headline=_headline(rates, period, before),
        table=widen(_in(rates, [period])),
        trends=_trends(_in(rates, trend, "clinic"), "clinic"),
    )


def worst_first(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Practitioner rows of a widened audit, worst first on `metric` (no cases last)."""
    rows = table[table["level"] == "practitioner"]
    ascending = METRIC_BY_KEY[metric].higher_is_better
    return rows.sort_values(
        [f"{metric}_rate", "group_name"], ascending=[ascending, True], na_position="last"
    ).reset_index(drop=True)
