"""Caseload: the viewer's clients in care at an as-of date, their attention flags with a
plain-language reason each, and the attention order. Rules and reasons: docs/caseload.md.

Derived achievement status and sudden losses come from `analytics.progress`
(`goal_status_summary`; the rule and its sources are in docs/progress.md), and normalised
progress from its `checkin_points` query, so that a client's numbers agree on every page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics import derived_progress
from analytics.db import Database
from analytics.scope import Scope
from analytics.settings import get_settings

SERIES_LENGTH = 8  # check-ins in a sparkline: about two months of weekly sessions


@dataclass(frozen=True)
class CaseloadRules:
    """The thresholds behind the flags (settings `caseload.*`; hashable, so a cache key)."""

    review_sessions: int = 2  # N: attended sessions without a check-in on an active goal
    review_days: int = 30  # D: days without a check-in on an active goal
    dropout_weeks: int = 4  # W: weeks without an attended session
    goal_by_session: int = 3  # attended sessions after which a client should have a goal

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> CaseloadRules:
        return cls(
            review_sessions=int(values["caseload.review_sessions"]),
            review_days=int(values["caseload.review_days"]),
            dropout_weeks=int(values["caseload.dropout_weeks"]),
            goal_by_session=int(values["caseload.goal_by_session"]),
        )


def caseload_rules(db: Database) -> CaseloadRules:
    """The stored caseload thresholds (defaults where none are stored)."""
    return CaseloadRules.from_settings(get_settings(db))


@dataclass(frozen=True)
class Flag:
    key: str
    label: str  # the badge a therapist reads
    meaning: str  # one sentence for the legend and the docs
    short: str = ""  # a narrower label for the totals, when the badge is long

    @property
    def total_label(self) -> str:
        return self.short or self.label


# The attention order: a client's most urgent flag decides their place (see docs/caseload.md).
# Worsening comes first because deterioration is the signal most often missed without
# routine outcome feedback (Lambert et al. 2001; Hannan et al. 2005); a possible drop-out
# next, because a client who has stopped coming cannot be helped by anything else on this
# list; then the follow-up gaps (review overdue, no goal) that make the rest invisible; then
# the bookkeeping that closes a goal's loop.
FLAGS: tuple[Flag, ...] = (
    Flag(
        "worsening",
        "Worsening",
        "An active goal's recent check-ins trend away from its target, "
        "or the latest check-in is a sudden loss.",
    ),
    Flag("dropout", "Possible drop-out", "No attended session in the last W weeks."),
    Flag(
        "review_overdue",
        "Review overdue",
        "An active goal had no check-in at the last N attended sessions, or none in D days.",
    ),
    Flag(
        "no_goal",
        "No goal yet",
        "N or more attended sessions and no goal at all (an exploratory goal counts).",
    ),
    Flag(
        "past_target",
        "Past target date",
        "An active goal's target date has passed with no outcome "
        "recorded: not achieved, revised, completed or put on hold.",
    ),
    Flag(
        "confirm_sustaining",
        "Achieved: confirm it holds",
        "An active goal is achieved but not yet confirmed as sustaining.",
        "Confirm achieved",
    ),
)
FLAG_KEYS: tuple[str, ...] = tuple(f.key for f in FLAGS)
FLAG_LABELS: dict[str, str] = {f.key: f.label for f in FLAGS}
PRIORITY: dict[str, int] = {f.key: i for i, f in enumerate(FLAGS)}

GOAL_FLAGS = ("worsening", "review_overdue", "past_target", "confirm_sustaining")


def _view_sql(mixed: bool) -> str:
    # The caseload's one statement (caseload.view) runs over the relation `facts`: the stored
    # per-goal summaries of the clients whose summary is exact at the as-of date
    # (analytics/derived_progress.py) and, when some client's is not (`mixed`), the same
    # relation computed from the raw tables for those clients. All texts are this package's
    # own SQL files, never outside text.
    def body(query: str) -> str:
        return Database.sql_text(query).rstrip().rstrip(";")

    stored = f"{body('caseload.in_care')}\n{body('caseload.stored_goals')}\n"
    if not mixed:
        return f"WITH {stored}{body('caseload.summarised_facts')}\n{body('caseload.view')}"
    return (
        f"{derived_progress.goal_facts_sql()},\n{stored}"
        f"{body('caseload.mixed_facts')}\n{body('caseload.view')}"
    )


def _params(
    scope: Scope, as_of: dt.date, client_ids: list[str] | None, rules: CaseloadRules
) -> dict[str, Any]:
    # The raw relations take the measure thresholds as bound lists (analytics/progress.py) and
    # the clients to compute; the stored summaries need neither.
    thresholds = {
        "review_sessions": rules.review_sessions,
        "review_days": rules.review_days,
        "dropout_weeks": rules.dropout_weeks,
    }
    if client_ids is None:
        return {**scope.params(), "as_of": as_of, **thresholds}
    return {
        **derived_progress.facts_params(list(scope.practitioner_ids), as_of, client_ids, SERIES_LENGTH),
        **thresholds,
    }


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _date(value: Any) -> str:
    # Through datetime.date: the same format, without pandas' slower strftime.
    return pd.Timestamp(value).date().strftime("%-d %b %Y")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# The goal columns `_goal_reasons` reads.
REASON_COLUMNS = (
    "description",
    "worsening",
    "sudden_loss_at_latest",
    "last_checkin_date",
    "review_overdue",
    "sessions_since_checkin",
    "days_since_checkin",
    "n_checkins",
    "past_target",
    "target_date",
    "confirm_sustaining",
    "recorded_achievement_status",
    "last_event_date",
)


def _goal_reasons(row: Mapping[str, Any], as_of: dt.date, rules: CaseloadRules) -> list[str]:
    """Plain-language reasons for one goal's flags, in attention order."""
    name = f"“{_short(row['description'])}”"
    reasons: list[str] = []
    if row["worsening"]:
        if row["sudden_loss_at_latest"]:
            reasons.append(f"{name}: a sudden loss at the last check-in ({_date(row['last_checkin_date'])})")
        else:
            reasons.append(f"{name}: getting worse over the last check-ins")
    if row["review_overdue"]:
        sessions, days = int(row["sessions_since_checkin"]), int(row["days_since_checkin"])
        if row["n_checkins"] == 0:
            since = f"no check-in since it was set {days} days ago"
        else:
            since = f"last check-in {days} days ago"
        if sessions >= rules.review_sessions:
            reasons.append(
                f"{name}: no check-in at the last {_plural(sessions, 'attended session')} ({since})"
            )
        else:
            reasons.append(f"{name}: {since}")
    if row["past_target"]:
        days = (as_of - pd.Timestamp(row["target_date"]).date()).days
        reasons.append(
            f"{name}: target date {_date(row['target_date'])} passed {_plural(days, 'day')} ago "
            "with no outcome recorded"
        )
    if row["confirm_sustaining"]:
        if row["recorded_achievement_status"] == "achieved":
            when = f"recorded as achieved on {_date(row['last_event_date'])}"
        else:
            when = "reached its target at the last check-in"
        reasons.append(f"{name}: {when}; not yet confirmed as sustaining")
    return reasons


def caseload_goals(db: Database, scope: Scope, as_of: dt.date, rules: CaseloadRules) -> pd.DataFrame:
    """One row per goal of each client in care at `as_of`: status (lifecycle, recorded and
    derived achievement), check-in facts (`days_since_checkin` in days, `last_progress` 0 =
    baseline … 1 = target), `progress_series` (last 8 normalised values), the four goal flags
    as booleans, `flags` (keys, attention order) and `reasons` (plain language)."""
    return caseload_view(db, scope, as_of, rules)["goals"]


# The columns of caseload.view that describe the client; the goal columns follow.
CLIENT_COLUMNS = [
    "client_id",
    "display_code",
    "practitioner_id",
    "practitioner_name",
    "intake_date",
    "days_in_care",
    "attended_sessions",
    "last_session_date",
    "days_since_session",
    "no_recent_session",
    "summarised",
]
GOAL_COLUMNS = [
    "goal_id",
    "client_id",
    "description",
    "life_area",
    "measure",
    "start_date",
    "target_date",
    "lifecycle_status",
    "recorded_achievement_status",
    "last_event_date",
    "n_checkins",
    "last_checkin_date",
    "last_value",
    "last_progress",
    "progress_series",
    "series_dates",
    "days_since_checkin",
    "sessions_since_checkin",
    "revised",
    "review_overdue",
    "past_target",
    "derived_status",
    "sudden_loss_at_latest",
    "worsening",
    "confirm_sustaining",
]


def _typed(values: list[Any], duckdb_type: str) -> Any:
    """One result column built from fetched values with the type DuckDB's own DataFrame
    conversion gives it (that conversion, and taking its columns apart again, cost as much
    as the caseload's statement): integers and booleans as numpy's, or nullable (Int64,
    boolean) when a value is NULL; text as pandas' string type, or plain objects when every
    value is NULL (an empty result too); dates as datetime64[us] (NaT for NULL); doubles as
    float64 (NaN). The caseload built this way was checked equal to the old one on every
    practitioner of the clinic demo at three dates (docs/performance.md, change 7)."""
    if duckdb_type in ("BIGINT", "INTEGER"):
        if any(v is None for v in values):
            return pd.array(values, dtype="Int64")
        return np.array(values, dtype=np.int64)
    if duckdb_type == "BOOLEAN":
        if any(v is None for v in values):
            return pd.array(values, dtype="boolean")
        return np.array(values, dtype=bool)
    if duckdb_type == "VARCHAR":
        if all(v is None for v in values):
            return np.array(values, dtype=object)
        return pd.array(values, dtype="str")
    if duckdb_type == "DATE":
        return np.array(values, dtype="datetime64[us]")
    if duckdb_type == "DOUBLE":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    raise TypeError(f"caseload.view: no conversion for a {duckdb_type} column")


def _fetch(db: Database, sql: str, params: dict[str, Any]) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """The statement's result as a list of values per column, and each column's DuckDB type."""
    described, rows = db.result_sql(sql, params)
    names = [name for name, _ in described]
    columns = zip(*rows, strict=True) if rows else ([] for _ in names)
    return dict(zip(names, map(list, columns), strict=True)), dict(described)


def _status_mix(statuses: Iterable[Any]) -> str:
    # Most frequent first, ties in order of first appearance (as pandas' value_counts orders
    # them); a Counter, because a Series per client cost more than the caseload's queries.
    counts = Counter(s for s in statuses if isinstance(s, str))
    return ", ".join(f"{n} {status}" for status, n in counts.most_common())


def _attention_positions(
    flags: list[list[str]], days_since_review: list[Any], days_in_care: list[Any], codes: list[str]
) -> list[int]:
    """The row positions in attention order (see `attention_order`)."""
    none = len(FLAGS)
    keys = [
        (
            PRIORITY[keys[0]] if keys else none,
            -len(keys),
            # The longest without a check-in first; never checked in counts from intake.
            -float(in_care if review is None or pd.isna(review) else review),
            code,
        )
        for keys, review, in_care, code in zip(flags, days_since_review, days_in_care, codes, strict=True)
    ]
    # A stable sort on the whole key: ties keep the order they came in.
    return sorted(range(len(keys)), key=keys.__getitem__)


def caseload_view(
    db: Database, scope: Scope, as_of: dt.date, rules: CaseloadRules
) -> dict[str, pd.DataFrame]:
    """`{"clients": caseload(...), "goals": caseload_goals(...)}` computed together (see those
    two functions for the columns) from one statement, caseload.view, that returns each
    client's row with its goals, read from the stored summaries. Only when some client's stored
    summary is not exact at `as_of` (looking back) does a second statement read the raw tables,
    for those clients alone."""
    with db.hold():
        rows, types = _fetch(db, _view_sql(mixed=False), _params(scope, as_of, None, rules))
        if not all(rows["summarised"]):
            unsummarised = list(
                dict.fromkeys(
                    c for c, done in zip(rows["client_id"], rows["summarised"], strict=True) if not done
                )
            )
            rows, types = _fetch(db, _view_sql(mixed=True), _params(scope, as_of, unsummarised, rules))

    # Everything below runs on the fetched lists and builds each table once: DuckDB's
    # DataFrame conversion, and a pandas operation per column, cost more than the query at
    # this size. The result's rows are in goal order (client id, start date, goal id): the
    # goal rows are those with a goal, and each client's first row is theirs, in display-code
    # order (codes are unique).
    client_ids = rows["client_id"]
    at = [i for i, cid in enumerate(client_ids) if i == 0 or cid != client_ids[i - 1]]
    codes = rows["display_code"]
    at.sort(key=codes.__getitem__)
    goal_at = [i for i, goal in enumerate(rows["goal_id"]) if goal is not None]
    values: dict[str, list[Any]] = {}
    for column in GOAL_COLUMNS:
        every_row = rows[column]
        values[column] = [every_row[i] for i in goal_at]
    # np.round per series: the rounding of the numpy values DuckDB's conversion gave, as before.
    values["progress_series"] = [np.round(series, 3).tolist() for series in values["progress_series"]]
    # Plain lists rather than row dicts: building a dict per goal cost more than the query.
    flags = [
        sorted((key for key, on in zip(GOAL_FLAGS, on_off, strict=True) if on), key=PRIORITY.__getitem__)
        for on_off in zip(*(values[key] for key in GOAL_FLAGS), strict=True)
    ]
    reasons: list[list[str]] = [
        _goal_reasons({c: values[c][i] for c in REASON_COLUMNS}, as_of, rules) if keys else []
        for i, keys in enumerate(flags)
    ]

    # Goal facts per client.
    rollup: dict[str, dict[str, Any]] = {}
    columns = ["client_id", "lifecycle_status", "life_area", "last_checkin_date", "derived_status"]
    columns += ["progress_series", "series_dates"]
    for *row_values, keys, why in zip(*(values[c] for c in columns), flags, reasons, strict=True):
        row = dict(zip(columns, row_values, strict=True))
        acc = rollup.setdefault(
            row["client_id"],
            {"goals": 0, "active": 0, "on_hold": 0, "areas": set(), "last": None, "statuses": []}
            | {"why": [], "keys": set(), "points": {}},
        )
        acc["goals"] += 1
        acc["areas"].add(row["life_area"])
        status = row["lifecycle_status"]
        acc["active"] += status == "active"
        acc["on_hold"] += status == "on-hold"
        if status == "active" and isinstance(row["derived_status"], str):
            acc["statuses"].append(row["derived_status"])
        if not pd.isna(row["last_checkin_date"]) and (
            acc["last"] is None or row["last_checkin_date"] > acc["last"]
        ):
            acc["last"] = row["last_checkin_date"]
        acc["keys"].update(keys)
        acc["why"].extend(zip((PRIORITY[k] for k in keys), why, strict=True))
        if status in ("active", "on-hold", "completed"):
            for day, value in zip(row["series_dates"], row["progress_series"], strict=True):
                acc["points"].setdefault(day, []).append(value)

    empty: dict[str, Any] = {"goals": 0, "active": 0, "on_hold": 0, "areas": set(), "last": None}
    empty |= {"statuses": [], "why": [], "keys": set(), "points": {}}
    facts: dict[str, list[Any]] = {
        name: []
        for name in ["goals", "active_goals", "on_hold_goals", "life_areas", "last_checkin_date"]
        + ["days_since_review", "progress_series", "status_mix", "derived_statuses", "flags", "reasons"]
    }
    columns = [
        "client_id",
        "no_recent_session",
        "last_session_date",
        "days_since_session",
        "attended_sessions",
    ]
    client_values = rows
    for row_values in zip(*([client_values[c][i] for i in at] for c in columns), strict=True):
        row = dict(zip(columns, row_values, strict=True))
        acc = rollup.get(row["client_id"], empty)
        keys, why = set(acc["keys"]), list(acc["why"])
        if row["no_recent_session"]:
            keys.add("dropout")
            if pd.isna(row["last_session_date"]):
                text = f"no attended session since intake {row['days_since_session']} days ago"
            else:
                weeks = row["days_since_session"] // 7
                text = f"no attended session for {_plural(weeks, 'week')} (last on {_date(row['last_session_date'])})"
            why.append((PRIORITY["dropout"], text))
        if acc["goals"] == 0 and row["attended_sessions"] >= rules.goal_by_session:
            keys.add("no_goal")
            text = f"{_plural(row['attended_sessions'], 'attended session')} and no goal yet"
            why.append((PRIORITY["no_goal"], text))
        # The sparkline: mean progress per check-in date over the client's goals, last dates,
        # rounded as numpy rounds (as before).
        days = sorted(acc["points"])[-SERIES_LENGTH:]
        means = [sum(acc["points"][d]) / len(acc["points"][d]) for d in days]
        last = acc["last"]
        facts["goals"].append(acc["goals"])
        facts["active_goals"].append(acc["active"])
        facts["on_hold_goals"].append(acc["on_hold"])
        facts["life_areas"].append(sorted(acc["areas"]))
        facts["last_checkin_date"].append(last)
        facts["days_since_review"].append(None if last is None else (as_of - pd.Timestamp(last).date()).days)
        facts["progress_series"].append(np.round(means, 3).tolist())
        facts["status_mix"].append(_status_mix(acc["statuses"]))
        facts["derived_statuses"].append(sorted(set(acc["statuses"])))
        facts["flags"].append(sorted(keys, key=PRIORITY.__getitem__))
        facts["reasons"].append([text for _, text in sorted(why, key=lambda item: item[0])])

    # The clients table, built once, in attention order.
    order = _attention_positions(
        facts["flags"],
        facts["days_since_review"],
        [client_values["days_in_care"][i] for i in at],
        [codes[i] for i in at],
    )
    shown = [at[i] for i in order]
    table: dict[str, Any] = {"attention": np.arange(1, len(order) + 1)}
    for column in CLIENT_COLUMNS[:-2]:  # not no_recent_session, summarised
        table[column] = _typed([rows[column][i] for i in shown], types[column])
    # (An empty caseload's fact columns are plain objects, as a table of no records gives.)
    table |= {name: [facts[name][i] for i in order] if order else np.empty(0, dtype=object) for name in facts}
    table["last_checkin_date"] = np.array(table["last_checkin_date"], dtype="datetime64[us]")
    table["days_since_review"] = pd.array(table["days_since_review"], dtype="Int64")
    table["badges"] = [[FLAG_LABELS[k] for k in keys] for keys in table["flags"]]
    clients = pd.DataFrame(table)

    goal_table: dict[str, Any] = {
        column: values[column] if column == "progress_series" else _typed(values[column], types[column])
        for column in GOAL_COLUMNS
        if column != "series_dates"
    }
    goals = pd.DataFrame(goal_table | {"flags": flags, "reasons": reasons})
    return {"clients": clients, "goals": goals}


def caseload(db: Database, scope: Scope, as_of: dt.date, rules: CaseloadRules) -> pd.DataFrame:
    """One row per client in care at `as_of` in the scope, in attention order (`attention`
    1 = first): sessions, goals, last check-in, `days_since_review` (days), the mix of derived
    statuses of active goals, `progress_series` (mean normalised progress of the goals that are
    active, on hold or completed, last 8 check-in dates), `flags` (keys, most urgent first),
    `badges` (labels) and `reasons` (plain language)."""
    return caseload_view(db, scope, as_of, rules)["clients"]


def attention_order(clients: pd.DataFrame) -> pd.DataFrame:
    """The clients sorted by who needs attention first, with `attention` = 1, 2, …

    Most urgent flag first (the order of FLAGS), then more kinds of flag, then the longest
    without a check-in (a client never checked in counts from intake), then client code.
    """
    order = _attention_positions(
        clients["flags"].tolist(),
        clients["days_since_review"].tolist(),
        clients["days_in_care"].tolist(),
        clients["display_code"].tolist(),
    )
    frame = clients.iloc[order].reset_index(drop=True)
    frame.insert(0, "attention", range(1, len(frame) + 1))
    return frame


def caseload_totals(clients: pd.DataFrame) -> dict[str, int]:
    """Clients in the frame (`clients`) and, per flag key, how many clients carry it (counts)."""
    totals = {"clients": len(clients)}
    for key in FLAG_KEYS:
        totals[key] = int(clients["flags"].map(lambda keys, k=key: k in keys).sum()) if len(clients) else 0
    return totals


def headline(totals: Mapping[str, int]) -> str:
    """A sentence for the top of the page: "3 clients need a review, 1 is worsening."."""
    if totals.get("clients", 0) == 0:
        return "No clients in care."
    parts = []
    verbs = {
        "review_overdue": ("needs a review", "need a review"),
        "worsening": ("is worsening", "are worsening"),
        "dropout": ("may have dropped out", "may have dropped out"),
        "no_goal": ("has no goal yet", "have no goal yet"),
        "past_target": ("is past a target date", "are past a target date"),
        "confirm_sustaining": ("has an achieved goal to confirm", "have an achieved goal to confirm"),
    }
    for key in ("review_overdue", "worsening", "dropout", "no_goal", "past_target", "confirm_sustaining"):
        n = totals.get(key, 0)
        if n:
            one, many = verbs[key]
            noun = "client" if n == 1 else "clients"
            parts.append(
                f"{n} {noun} {one if n == 1 else many}" if not parts else f"{n} {one if n == 1 else many}"
            )
    if not parts:
        return f"None of your {totals['clients']} clients has a flag today."
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text[0].upper() + text[1:] + "."


def filter_caseload(
    clients: pd.DataFrame,
    *,
    flags: Iterable[str] = (),
    statuses: Iterable[str] = (),
    life_areas: Iterable[str] = (),
    practitioners: Iterable[str] = (),
    search: str = "",
) -> pd.DataFrame:
    """The clients matching every filter given (each filter: any of its values), with the
    attention order kept; `search` matches the client code, ignoring case."""
    keep = pd.Series(True, index=clients.index)
    flags, statuses, life_areas, practitioners = (
        set(flags),
        set(statuses),
        set(life_areas),
        set(practitioners),
    )
    if flags:
        keep &= clients["flags"].map(lambda keys: bool(flags.intersection(keys)))
    if statuses:
        keep &= clients["derived_statuses"].map(lambda values: bool(statuses.intersection(values)))
    if life_areas:
        keep &= clients["life_areas"].map(lambda values: bool(life_areas.intersection(values)))
    if practitioners:
        keep &= clients["practitioner_id"].isin(practitioners)
    if search.strip():
        keep &= clients["display_code"].str.contains(search.strip(), case=False, regex=False)
    return clients[keep]


# Orderings a viewer may choose (an allow-list: the page never sorts by a name it was sent).
SORTS: dict[str, tuple[str, str, bool]] = {
    "attention": ("Attention order", "attention", True),
    "review": ("Longest without a check-in", "days_since_review", False),
    "session": ("Longest without a session", "days_since_session", False),
    "code": ("Client code", "display_code", True),
}


def sort_caseload(clients: pd.DataFrame, by: str) -> pd.DataFrame:
    """The clients in the order `by` (a key of SORTS); never-reviewed clients count as the
    longest since a check-in; ties keep the attention order."""
    _, column, ascending = SORTS[by]
    return clients.sort_values(column, ascending=ascending, na_position="first", kind="stable")
