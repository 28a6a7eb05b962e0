"""Follow-up audit: is goal work happening, per practitioner, with the cases behind every
number. Definitions: docs/audit.md (and `analytics.audit.METRICS`, shown on the page)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.audit import (
    METRIC_BY_KEY,
    METRIC_KEYS,
    METRICS,
    audit_cases,
    audit_overview,
    audit_period,
    monthly_trends,
    previous_period,
    widen,
    worst_first,
)
from analytics.errors import WaymarkError
from analytics.settings import REGISTRY, get_settings
from ui import widgets
from ui.access import record_view
from ui.charts import audit_bars_chart, audit_trend_chart, spec
from ui.data import load
from ui.viewer import require_viewer
from ui.widgets import as_of_date

PAGE = "audit"
PERIODS = {1: "This month", 3: "Last 3 months", 6: "Last 6 months", 12: "Last 12 months"}
TREND_MONTHS = 12
CASE_NOUNS = {
    "client": ("client", "clients"),
    "session": ("session", "sessions"),
    "goal at a session": ("goal at a session", "goals at sessions"),
    "goal": ("goal", "goals"),
}


def url_int(param: str, default: int, allowed: range | list[int]) -> int:
    raw = st.query_params.get(param)
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value in allowed else default


def keep_in_url(param: str, value: object, default: object) -> None:
    """Write a selection to the URL, leaving defaults out so links stay short."""
    if value != default:
        st.query_params[param] = str(value)
    elif param in st.query_params:
        del st.query_params[param]


def setting_input(where, key: str, param: str, default: int) -> int:
    setting = REGISTRY[key]
    low, high = int(setting.minimum or 1), int(setting.maximum or 365)
    value = where.number_input(
        setting.label,
        min_value=low,
        max_value=high,
        value=url_int(param, default, range(low, high + 1)),
        step=1,
        key=f"audit_{param}",
        help=setting.help + f" Clinic default: {default}.",
    )
    keep_in_url(param, int(value), default)
    return int(value)


def percent(rate: float) -> str:
    return "—" if pd.isna(rate) else f"{rate:.0%}"


def change_delta(change: float) -> tuple[str | None, str]:
    """The tile's change since the previous period in whole points, and its arrow: a change
    that rounds to nothing reads "±0 pts" without an arrow, not "-0 pts" pointing down."""
    if pd.isna(change):
        return None, "auto"
    points = round(change * 100)
    return ("±0 pts", "off") if points == 0 else (f"{points:+d} pts", "auto")


def counts_text(numerator: int, denominator: int, case: str) -> str:
    one, many = CASE_NOUNS[case]
    return (
        f"no {many} to count"
        if denominator == 0
        else f"{numerator} of {denominator} {one if denominator == 1 else many}"
    )


viewer = require_viewer()
if viewer.role == "therapist":
    st.error("The follow-up audit is for clinical supervisors and administrators.")
    st.stop()
as_of = as_of_date()
defaults = load(get_settings)

st.title("Follow-up audit")
who_label = "everyone in the clinic" if viewer.role == "admin" else "your team"

controls = st.columns([2, 1, 1, 1])
months = controls[0].selectbox(
    "Period",
    list(PERIODS),
    index=list(PERIODS).index(url_int("months", 3, list(PERIODS))),
    format_func=PERIODS.get,
    key="audit_months",
    help="Calendar months up to the “As of” date; compared with the same number of months before.",
)
keep_in_url("months", months, 3)
n = setting_input(controls[1], "audit.goal_by_session", "n", int(defaults["audit.goal_by_session"]))
d = setting_input(controls[2], "audit.review_days", "d", int(defaults["audit.review_days"]))
k = setting_input(controls[3], "audit.lapse_sessions", "k", int(defaults["audit.lapse_sessions"]))

period = audit_period(as_of, months)
before = previous_period(period)
st.caption(
    f"Goal-setting and follow-up for {who_label}, {period.start:%-d %b %Y} – {period.end:%-d %b %Y}, "
    f"compared with {before.start:%-d %b %Y} – {before.end:%-d %b %Y}. Every number opens into "
    "its cases below."
)

with st.expander("How these numbers are counted"):
    st.markdown(
        "\n".join(f"- **{m.label}** ({m.case}s): {m.describe(n, d, k)}" for m in METRICS)
        + "\n\nEach rate is *counted ÷ out of*. Session metrics and clients lacking follow-up "
        "count what happened in the period; review cadence and target-date review are read on "
        "its last day. Cases belong to the client's practitioner. Full rules: docs/audit.md."
    )

try:
    # The headline, the table and everyone's monthly trend come from one query.
    overview = load(audit_overview, viewer.scope, period, as_of, TREND_MONTHS, n, d, k)
except WaymarkError as err:
    st.error(f"**{err.title}.** {err}")
    st.stop()

headline, table = overview.headline, overview.table
practitioners = table[table["level"] == "practitioner"]
names_by_id = dict(zip(practitioners["group_id"], practitioners["group_name"], strict=True))
if practitioners.empty:
    st.info(
        "There is nobody with a caseload in your view yet. Once practitioners and their "
        "clients are imported on the Data page, the audit shows here."
    )
    st.stop()

# --- headline tiles -------------------------------------------------------------------
st.subheader("Everyone in view" if viewer.role == "admin" else "Your team")
# Two rows of three, so that every label is read whole.
tiles = [*st.columns(3), *st.columns(3)]
for tile, row in zip(tiles, headline.itertuples(), strict=True):
    metric = METRIC_BY_KEY[row.metric]
    delta, arrow = change_delta(row.change)
    tile.metric(
        metric.label,
        percent(row.rate),
        delta=delta,
        delta_arrow=arrow,
        delta_color=("normal" if metric.higher_is_better else "inverse") if arrow == "auto" else "off",
        help=f"{metric.describe(n, d, k)} Previous period: {percent(row.previous_rate)} "
        f"({counts_text(row.previous_numerator, row.previous_denominator, metric.case)}).",
        border=True,
    )
    tile.caption(counts_text(row.numerator, row.denominator, metric.case))
lacking = headline.set_index("metric").loc["lacking_followup"]
if lacking["denominator"]:
    st.caption(
        f"{percent(lacking['rate'])} of clients in care lacked goal-setting or follow-up in this "
        "period, beside the one client in four who report this in research on therapy clients."
    )

# --- per practitioner -----------------------------------------------------------------
st.subheader("By practitioner, worst first")
sort_key = st.selectbox(
    "Metric",
    METRIC_KEYS,
    index=METRIC_KEYS.index(st.query_params.get("metric", "followup_sessions"))
    if st.query_params.get("metric") in METRIC_KEYS
    else METRIC_KEYS.index("followup_sessions"),
    format_func=lambda key: METRIC_BY_KEY[key].label,
    key="audit_metric",
    help="Orders the practitioners (worst first) and chooses the bars; also the metric of the cases below.",
)
keep_in_url("metric", sort_key, "followup_sessions")
ordered = worst_first(table, sort_key)

column_config: dict[str, object] = {"group_name": st.column_config.TextColumn("Practitioner", pinned=True)}
shown = ["group_name"]
for metric in METRICS:
    column_config[f"{metric.key}_rate"] = st.column_config.ProgressColumn(
        metric.label, format="percent", min_value=0, max_value=1, help=metric.describe(n, d, k)
    )
    column_config[f"{metric.key}_numerator"] = st.column_config.NumberColumn("counted", width="small")
    column_config[f"{metric.key}_denominator"] = st.column_config.NumberColumn("out of", width="small")
    shown += [f"{metric.key}_rate", f"{metric.key}_numerator", f"{metric.key}_denominator"]

chart_tab, table_tab = st.tabs(["Chart", "Table"])
with chart_tab:
    st.vega_lite_chart(
        spec=spec(audit_bars_chart, viewer.scope, period, as_of, TREND_MONTHS, n, d, k, sort_key),
        width="stretch",
        key="audit_bars",
    )
    st.caption("The dashed line is everyone in view. Bars show the rate; the text, the counts.")
with table_tab:
    st.dataframe(
        ordered[shown], hide_index=True, column_config=column_config, width="stretch", key="audit_table"
    )

teams = table[table["level"] == "team"]
if len(teams) > 1:
    with st.expander(f"By team ({len(teams)} teams)"):
        st.dataframe(
            teams.sort_values("group_name")[shown],
            hide_index=True,
            column_config={**column_config, "group_name": st.column_config.TextColumn("Team", pinned=True)},
            width="stretch",
        )

export = table.drop(columns=["team_id"]).rename(columns={"group_id": "id", "group_name": "name"})
# Built when clicked, not on every rerun (ui/exports.py); the click is recorded as it is built.
widgets.csv_download_button(
    "Download the audit (CSV)",
    export,
    PAGE,
    f"audit {period.start}..{period.end} n={n} d={d} k={k}",
    f"follow-up-audit-{period.start:%Y-%m}-to-{period.end:%Y-%m-%d}.csv",
)

# --- monthly trends -------------------------------------------------------------------
st.subheader(f"Month by month, last {TREND_MONTHS} months")
trend_options = ["all", *sorted(names_by_id, key=names_by_id.get)]
trend_requested = st.query_params.get("trend", "all")
trend_who = st.selectbox(
    "Whose months",
    trend_options,
    index=trend_options.index(trend_requested) if trend_requested in trend_options else 0,
    format_func=lambda pid: "Everyone in view" if pid == "all" else names_by_id[pid],
    key="audit_trend_who",
)
keep_in_url("trend", trend_who, "all")
try:
    trends = (
        overview.trends
        if trend_who == "all"
        else load(monthly_trends, viewer.scope, as_of, TREND_MONTHS, n, d, k, "clinic", trend_who)
    )
except WaymarkError as err:
    st.error(f"**{err.title}.** {err}")
    st.stop()
trend_chart, trend_table = st.tabs(["Chart", "Table"])
with trend_chart:
    st.vega_lite_chart(
        spec=spec(audit_trend_chart, viewer.scope, period, as_of, TREND_MONTHS, n, d, k, trend_who),
        width="stretch",
        key="audit_trends",
    )
    st.caption(
        "Clients lacking follow-up is the one where lower is better. A month with nothing to "
        "count has no point."
    )
with trend_table:
    wide_trends = widen(trends.drop(columns=["label", "month"]))
    st.dataframe(
        wide_trends[["period_start", *shown[1:]]],
        hide_index=True,
        column_config={
            **column_config,
            "period_start": st.column_config.DateColumn("Month", format="MMM YYYY"),
        },
        width="stretch",
    )

# --- drill-down -----------------------------------------------------------------------
st.subheader("The cases behind a number")
options = [*ordered["group_id"].tolist(), "all"]
# The worst practitioner on the chosen metric first: their cases are the ones to look at.
worst = options[0]
requested = st.query_params.get("who", worst)
left, right = st.columns([2, 1])
who = left.selectbox(
    "Practitioner",
    options,
    index=options.index(requested) if requested in options else 0,
    format_func=lambda pid: "Everyone in view" if pid == "all" else names_by_id[pid],
    key="audit_who",
    help="Practitioners are listed worst first on the metric chosen above.",
)
keep_in_url("who", who, worst)
only_misses = right.toggle(
    "Only the cases that fall short",
    value=st.query_params.get("misses") == "1",
    key="audit_misses",
    help="For clients lacking follow-up, the clients who lacked it; for every other metric, "
    "the cases not counted.",
)
keep_in_url("misses", "1" if only_misses else "0", "0")

chosen = METRIC_BY_KEY[sort_key]
try:
    cases = load(audit_cases, viewer.scope, sort_key, period, n, d, k, None if who == "all" else who)
except WaymarkError as err:
    st.error(f"**{err.title}.** {err}")
    st.stop()
record_view(PAGE, None, f"cases {sort_key} {who} {period.start}..{period.end}")
one, many = CASE_NOUNS[chosen.case]
counted = int(cases["counted"].sum())
st.markdown(
    f"**{chosen.label}**, {'everyone in view' if who == 'all' else names_by_id[who]}: "
    f"{counted:,} of {len(cases):,} {many} counted ({percent(counted / len(cases) if len(cases) else float('nan'))})."
)
st.caption(chosen.describe(n, d, k))
view = cases[cases["miss"]] if only_misses else cases
if view.empty:
    st.info(
        f"No {many} fall short here."
        if only_misses and not cases.empty
        else f"There are no {many} to count for this practitioner in this period."
    )
else:
    columns = ["display_code", "practitioner", "case_date", "goal", "counted", "detail"]
    if who != "all":
        columns.remove("practitioner")
    if chosen.case in ("client", "session"):
        columns.remove("goal")
    date_title = {
        "goal_setting": f"Session {n} on",
        "followup_sessions": "Session on",
        "followup_pairs": "Session on",
        "review_cadence": "Last check-in",
        "target_review": "Target date",
        "lacking_followup": "Session on",
    }[sort_key]
    if len(view) > widgets.CASES_SHOWN:
        st.caption(
            f"Showing the first {widgets.CASES_SHOWN:,} of {len(view):,} {many}: those that fall short "
            f"first, then by practitioner, client and date. The CSV below holds all {len(view):,}."
        )
    st.dataframe(
        view[columns].head(widgets.CASES_SHOWN),
        hide_index=True,
        width="stretch",
        column_config={
            "display_code": "Client",
            "practitioner": "Practitioner",
            "case_date": st.column_config.DateColumn(date_title, format="D MMM YYYY"),
            "goal": "Goal",
            "counted": st.column_config.CheckboxColumn(
                "Lacking" if not chosen.higher_is_better else "Counted", help="In the numerator."
            ),
            "detail": st.column_config.TextColumn("Why", width="large"),
        },
        key="audit_cases",
    )
    export_cases = view.drop(columns=["client_id", "miss"])
    widgets.csv_download_button(
        f"Download these {len(view):,} {many} (CSV)",
        export_cases,
        PAGE,
        f"cases {sort_key} {who} {period.start}..{period.end}",
        f"audit-{sort_key}-{who}-{period.start:%Y-%m}-to-{period.end:%Y-%m-%d}.csv",
    )
