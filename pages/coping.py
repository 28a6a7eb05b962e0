"""Coping skills: a client's practice and what helps them, and the clinic's skills for
supervisors. Rules and sources: docs/coping-skills.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from analytics.charts.coping import (
    clinic_practice_chart,
    distress_drop_chart,
    helpfulness_chart,
    life_area_heatmap,
    practice_beside_progress_chart,
    weekly_practice_chart,
)
from analytics.coping import (
    MIN_INTERVALS,
    client_practice,
    clinic_skills,
    coping_clients,
    goal_practice,
    life_area_practice,
    skill_effects,
    stopped_practising,
)
from analytics.errors import AccessDenied, WaymarkError
from ui.access import deny_client, record_view
from ui.charts import data_spec
from ui.data import load
from ui.viewer import require_viewer
from ui.widgets import as_of_date

PAGE = "coping"
PERIODS = [4, 8, 12, 26, 52]
MEASURE_TITLES = {
    "self-rated-0-10": "Self-rated progress (0–10)",
    "gas": "Goal attainment (−2 to +2)",
    "phq-9": "PHQ-9 (lower is better)",
    "gad-7": "GAD-7 (lower is better)",
}
UNRATED_NOTE = (
    "A log without an “after” rating counts as a use of the skill, but not in any distress "
    "figure: a drop needs both ratings."
)


def url_choice(
    label: str,
    options: Sequence[str],
    param: str,
    default: str,
    *,
    where: object = st,
    format_func: Callable[[str], str] = str,
    horizontal: bool = False,
    help: str | None = None,
) -> str:
    """A selectbox (or horizontal radio) whose value lives in the URL as `param`."""
    options = list(options)
    raw = st.query_params.get(param)
    start = raw if raw in options else default
    widget = where.radio if horizontal else where.selectbox
    kwargs = {"horizontal": True} if horizontal else {}
    value = widget(
        label, options, index=options.index(start), key=param, format_func=format_func, help=help, **kwargs
    )
    if value != default:
        st.query_params[param] = value
    elif param in st.query_params:
        del st.query_params[param]
    return value


def url_number(
    label: str, param: str, default: int, low: int, high: int, *, where: object = st, help: str = ""
) -> int:
    """A whole-number input whose value lives in the URL as `param`."""
    try:
        start = min(max(int(st.query_params.get(param, default)), low), high)
    except ValueError:
        start = default
    value = int(
        where.number_input(label, min_value=low, max_value=high, value=start, step=1, key=param, help=help)
    )
    if value != default:
        st.query_params[param] = str(value)
    elif param in st.query_params:
        del st.query_params[param]
    return value


def signed(value: float | None, fmt: str = "{:+.1f}") -> str:
    return "—" if value is None or pd.isna(value) else fmt.format(value)


def chart_or_table(chart: dict, table: pd.DataFrame, column_config: dict, key: str) -> None:
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        st.vega_lite_chart(spec=chart, width="stretch", key=f"{key}_chart")
    with table_tab:
        st.dataframe(table, hide_index=True, column_config=column_config, width="stretch", key=f"{key}_table")


SKILL_COLUMNS = {
    "skill": "Skill",
    "category": "Kind",
    "uses": st.column_config.NumberColumn("Uses", help="Every log counts, rated or not."),
    "clients": "Clients",
    "days_used": "Days used",
    "rated_uses": st.column_config.NumberColumn("With after rating", help="Logs with both SUDS ratings."),
    "median_drop": st.column_config.NumberColumn("Median drop", format="%.1f"),
    "q1_drop": st.column_config.NumberColumn("Lower quartile", format="%.1f"),
    "q3_drop": st.column_config.NumberColumn("Upper quartile", format="%.1f"),
    "mean_drop": st.column_config.NumberColumn("Mean drop", format="%.1f"),
    "min_drop": st.column_config.NumberColumn("Smallest", format="%.0f"),
    "max_drop": st.column_config.NumberColumn("Largest", format="%.0f"),
    "mean_helpfulness": st.column_config.NumberColumn("Mean helpfulness", format="%.1f"),
    "helpfulness_n": "Helpfulness ratings",
    "help_rank": st.column_config.NumberColumn(
        "Helps most (rank)", help="Blank: too few rated uses to rank."
    ),
    "practice_rank": "Most practised (rank)",
}


def client_view(viewer, as_of: dt.date, start: dt.date, weeks: int) -> None:
    clients = load(coping_clients, viewer.scope, as_of)
    if clients.empty:
        st.info(
            "There are no clients in your view yet. Once clients are imported, their skill logs show here."
        )
        return
    codes = clients["display_code"].tolist()
    requested = st.query_params.get("client")
    if requested and requested not in codes:
        deny_client(PAGE, requested)
    practising = clients[clients["logs"] > 0]
    default = (practising if not practising.empty else clients).sort_values(
        ["last_log", "display_code"], ascending=[False, True]
    )
    default_code = requested or str(default["display_code"].iloc[0])
    info = clients.set_index("display_code")

    def describe(code: str) -> str:
        row = info.loc[code]
        logs = (
            f"{row.logs} skill log{'s' if row.logs != 1 else ''} in all" if row.logs else "no skill logs yet"
        )
        return f"{code} · {logs}" + ("" if row.active else " · discharged")

    code = st.selectbox("Client", codes, index=codes.index(default_code), key="client", format_func=describe)
    st.query_params["client"] = code
    client_id = str(info.loc[code, "client_id"])

    practice = load(client_practice, viewer.scope, client_id, start, as_of)
    summary = practice["summary"]
    record_view(PAGE, client_id)
    if int(info.loc[code, "logs"]) == 0:
        st.info(
            f"**{code} has not logged a coping skill yet.** When they record a skill with their distress "
            "before and after (0–100), their practice and what helps them will show here. Logging can be "
            "agreed as between-session practice.",
            icon=":material/self_improvement:",
        )
        return
    if summary["logs"] == 0:
        last = info.loc[code, "last_log"]
        st.info(
            f"{code} logged no coping skill in these {weeks} weeks; their last log was on "
            f"{pd.Timestamp(last):%d %B %Y}. Choose a longer period in the sidebar to see it."
        )
        return

    cols = st.columns(5)
    cols[0].metric(
        "Skill logs",
        f"{summary['logs']:,}",
        help="Every log counts as a use, with or without an after rating.",
    )
    cols[1].metric("Weeks with practice", f"{summary['weeks_practised']} of {weeks}")
    cols[2].metric("Different skills", summary["distinct_skills"])
    cols[3].metric(
        "Median drop in distress",
        signed(summary["median_drop"], "{:+.0f} points"),
        help="SUDS before − after, over logs with both ratings; positive = calmer after.",
    )
    cols[4].metric(
        "Mean helpfulness",
        signed(summary["mean_helpfulness"], "{:.1f} of 5"),
        help=f"From {summary['helpfulness_n']} ratings (1 = not helpful, 5 = very helpful).",
    )
    if summary["unrated_logs"]:
        st.caption(
            f":material/info: {summary['unrated_logs']} of {summary['logs']} logs have no “after” rating. "
            + UNRATED_NOTE
        )

    st.subheader("Practice per week")
    weekly = practice["weekly"]
    chart_or_table(
        data_spec(
            weekly_practice_chart, client_practice, viewer.scope, client_id, start, as_of, parts=("weekly",)
        ),
        weekly,
        {
            "week": st.column_config.DateColumn("Week starting", format="D MMM YYYY"),
            "logs": "Skill logs",
            "distinct_skills": "Different skills",
            "mean_distress_drop": st.column_config.NumberColumn("Mean drop (SUDS)", format="%.1f"),
        },
        "weekly",
    )

    st.subheader("What each skill does for this client")
    min_uses = url_number(
        "Rated uses needed to rank a skill",
        "min_uses",
        3,
        1,
        20,
        where=st.columns(3)[0],
        help="A skill is ranked only once it has this many uses with both ratings; fewer say little.",
    )
    effects = load(skill_effects, viewer.scope, client_id, start, as_of, min_uses)
    ranked = effects[effects["help_rank"].notna()].sort_values("help_rank")
    if ranked.empty:
        st.markdown(
            f"**Helps most:** no skill has {min_uses} uses with an after rating yet, so none is ranked."
        )
    else:
        best = ", ".join(
            f"**{row.skill}** (median drop {row.median_drop:+.0f}, n = {row.rated_uses})"
            for row in ranked.head(3).itertuples()
        )
        st.markdown(f"**Helps {code} most:** {best}.")
    st.caption(
        f"Ranked by the median drop in distress over uses with both ratings (at least {min_uses}), "
        "then by mean helpfulness, then by number of uses. The box shows the middle half of the "
        "drops, the whiskers the smallest and largest, the tick the median and the diamond the mean; "
        "skills too seldom rated to rank are drawn faint. " + UNRATED_NOTE
    )
    drop_col, help_col = st.columns(2)
    with drop_col:
        st.markdown("**Drop in distress per skill**")
        st.vega_lite_chart(
            spec=data_spec(
                distress_drop_chart, skill_effects, viewer.scope, client_id, start, as_of, min_uses
            ),
            width="stretch",
            key="drop_chart",
        )
    with help_col:
        st.markdown("**Helpfulness per skill**")
        st.vega_lite_chart(
            spec=data_spec(helpfulness_chart, skill_effects, viewer.scope, client_id, start, as_of, min_uses),
            width="stretch",
            key="help_chart",
        )
    with st.expander("Table of every skill"):
        st.dataframe(
            effects.drop(columns=["skill_id"]),
            hide_index=True,
            column_config=SKILL_COLUMNS,
            width="stretch",
            key="effects_table",
        )

    practice_and_progress(viewer, client_id, start, as_of, practice["goals"])


def practice_and_progress(
    viewer, client_id: str, start: dt.date, as_of: dt.date, goals: pd.DataFrame
) -> None:
    st.subheader("Practice beside goal progress")
    if goals.empty:
        st.info("This client has no goal recorded, so there is no progress to set practice beside.")
        return
    by_id = goals.set_index("goal_id")
    ids = goals["goal_id"].tolist()
    with_checkins = goals[goals["checkins"] > 1]
    default = str((with_checkins if not with_checkins.empty else goals)["goal_id"].iloc[-1])
    left, right = st.columns([3, 2])
    goal_id = url_choice(
        "Goal",
        ids,
        "goal",
        default,
        where=left,
        format_func=lambda g: f"{by_id.loc[g, 'description']} ({by_id.loc[g, 'life_area']})",
    )
    unlinked = right.checkbox(
        "Count logs not linked to any goal",
        value=st.query_params.get("unlinked", "1") != "0",
        key="unlinked",
        help="Logs for another goal never count; logs linked to no goal are general practice.",
    )
    if unlinked:
        st.query_params.pop("unlinked", None)
    else:
        st.query_params["unlinked"] = "0"
    goal = by_id.loc[goal_id]
    beside = load(goal_practice, viewer.scope, client_id, goal_id, start, as_of, unlinked)
    intervals = beside["intervals"]
    if intervals.empty:
        st.info(
            "This goal has fewer than two check-ins in the period, so there is no change in progress "
            "to set practice beside. Choose a longer period or another goal."
        )
        return
    chart_or_table(
        data_spec(
            practice_beside_progress_chart,
            goal_practice,
            viewer.scope,
            client_id,
            goal_id,
            start,
            as_of,
            unlinked,
            parts=("weekly", "intervals"),
            extra=(MEASURE_TITLES.get(goal["measure"], "Check-in value"),),
        ),
        intervals,
        {
            "from_date": st.column_config.DateColumn("From check-in", format="D MMM YYYY"),
            "to_date": st.column_config.DateColumn("To check-in", format="D MMM YYYY"),
            "days": "Days",
            "from_value": st.column_config.NumberColumn("Value then", format="%.1f"),
            "to_value": st.column_config.NumberColumn("Value after", format="%.1f"),
            "progress_change": st.column_config.NumberColumn(
                "Change (share of scale)", format="percent", help="Positive = toward the better end."
            ),
            "logs": "Skill logs between",
            "logs_per_week": st.column_config.NumberColumn("Logs per week", format="%.1f"),
        },
        "progress",
    )
    assoc = beside["association"]
    n = assoc["intervals"]
    lines = [
        f"Over the {n} stretch{'es' if n != 1 else ''} between consecutive check-ins, the median "
        f"practice was {assoc['median_rate']:.1f} skill logs a week."
    ]
    if assoc["more_practice_n"] and assoc["less_practice_n"]:
        lines.append(
            f"Stretches with more practice than that (n = {assoc['more_practice_n']}) moved "
            f"{signed(100 * assoc['more_practice_change'])}% of the scale on average; "
            f"stretches with less (n = {assoc['less_practice_n']}) moved "
            f"{signed(100 * assoc['less_practice_change'])}%."
        )
    elif n == 1:
        lines.append("With a single stretch there is nothing to compare yet.")
    else:
        lines.append("Practice was the same in every stretch, so there is nothing to compare.")
    if assoc["rho"] is not None:
        lines.append(f"Spearman's rank correlation between practice and change: ρ = {assoc['rho']:+.2f}.")
    elif n < MIN_INTERVALS:
        lines.append(f"A correlation needs at least {MIN_INTERVALS} stretches, so none is given.")
    st.markdown(" ".join(lines))
    st.caption(
        "This is an association, not a cause: a good week can make practice easier as much as "
        "practice can make a good week, and life events, sessions and medication move both. With "
        "few check-ins it says little. Use it to start a conversation, not to conclude."
    )


def clinic_view(viewer, as_of: dt.date, start: dt.date, weeks: int) -> None:
    left, mid, right = st.columns(3)
    area_frame = load(life_area_practice, viewer.scope, start, as_of)
    areas = sorted({a for a in area_frame["life_area"] if isinstance(a, str)})
    area = url_choice(
        "Life area",
        ["all", *areas],
        "area",
        "all",
        where=left,
        format_func=lambda a: "All life areas" if a == "all" else a,
        help="A log belongs to the life area of the goal it is linked to; a log linked to no goal "
        "belongs to each life area of its client's goals.",
    )
    min_uses = url_number(
        "Rated uses needed to rank a skill",
        "clinic_min_uses",
        5,
        1,
        50,
        where=mid,
        help="Pooled over the clinic's clients; fewer rated uses say little.",
    )
    stopped_weeks = url_number(
        "Practice stopped: weeks without a log",
        "stopped_weeks",
        4,
        1,
        26,
        where=right,
        help="A client is listed when they logged in the W weeks before the last W weeks, and not since.",
    )
    record_view(PAGE, None, "clinic")
    skills_args = (viewer.scope, start, as_of, None if area == "all" else area, min_uses)
    skills = load(clinic_skills, *skills_args)
    if skills.empty:
        st.info(
            f"No coping skill was logged in your view in these {weeks} weeks"
            + ("" if area == "all" else f" for the life area “{area}”")
            + ". Choose a longer period in the sidebar, or another life area."
        )
    else:
        cols = st.columns(3)
        cols[0].metric("Skill logs", f"{int(skills['uses'].sum()):,}")
        cols[1].metric("Different skills", len(skills))
        rated = int(skills["rated_uses"].sum())
        cols[2].metric("Logs with an after rating", f"{rated:,}", help=UNRATED_NOTE)
        heading = "All life areas" if area == "all" else area
        st.subheader(f"Most practised and most helpful skills · {heading}")
        ranked = skills[skills["help_rank"].notna()].sort_values("help_rank")
        if ranked.empty:
            st.markdown(f"**Most helpful:** no skill has {min_uses} uses with an after rating yet.")
        else:
            st.markdown(
                "**Most helpful:** "
                + ", ".join(
                    f"**{r.skill}** (median drop {r.median_drop:+.0f}, {r.rated_uses} rated uses, {r.clients} clients)"
                    for r in ranked.head(3).itertuples()
                )
                + "."
            )
        st.caption(
            f"Most helpful = highest median drop in distress over uses with both ratings (at least {min_uses}), "
            "then mean helpfulness; skills too seldom rated to rank are drawn faint. Figures pool every log, so a client who logs often weighs more; the "
            "Clients column says how many people stand behind a figure. " + UNRATED_NOTE
        )
        practice_col, drop_col = st.columns(2)
        with practice_col:
            st.markdown("**Most practised**")
            st.vega_lite_chart(
                spec=data_spec(clinic_practice_chart, clinic_skills, *skills_args),
                width="stretch",
                key="clinic_practice_chart",
            )
        with drop_col:
            st.markdown("**Drop in distress per skill**")
            st.vega_lite_chart(
                spec=data_spec(distress_drop_chart, clinic_skills, *skills_args),
                width="stretch",
                key="clinic_drop_chart",
            )
        with st.expander("Table of every skill"):
            st.dataframe(
                skills.drop(columns=["skill_id"]),
                hide_index=True,
                column_config=SKILL_COLUMNS,
                width="stretch",
                key="clinic_skills_table",
            )
        st.subheader("Practice by life area")
        chart_or_table(
            data_spec(life_area_heatmap, life_area_practice, viewer.scope, start, as_of),
            area_frame.drop(columns=["skill_id"]).fillna({"life_area": "No goal recorded"}),
            {"life_area": "Life area", "skill": "Skill", "uses": "Skill logs", "clients": "Clients"},
            "areas",
        )

    st.subheader(f"Clients whose practice stopped · no log in the last {stopped_weeks} weeks")
    stopped = load(stopped_practising, viewer.scope, as_of, stopped_weeks)
    if stopped.empty:
        st.success(
            f"No active client in your view stopped logging skills: everyone who logged in the "
            f"{stopped_weeks} weeks before has logged since."
        )
    else:
        st.caption(
            f"Active clients who logged a skill in the {stopped_weeks} weeks before the last {stopped_weeks} "
            "weeks, and none since. A pause can be planned; worth asking about at the next session."
        )
        st.dataframe(
            stopped.drop(columns=["client_id"]),
            hide_index=True,
            width="stretch",
            key="stopped_table",
            column_config={
                "display_code": "Client",
                "practitioner": "Practitioner",
                "last_log": st.column_config.DateColumn("Last log", format="D MMM YYYY"),
                "days_since_last_log": "Days since",
                "logs_before": st.column_config.NumberColumn(
                    "Logs before", help=f"Skill logs in the {stopped_weeks} weeks before the quiet weeks."
                ),
                "skills_before": "Skills before",
            },
        )


viewer = require_viewer()
as_of = as_of_date()
weeks = int(
    url_choice(
        "Period",
        [str(p) for p in PERIODS],
        "weeks",
        "12",
        where=st.sidebar,
        format_func=lambda w: f"Last {w} weeks",
        help="Whole weeks from Monday, ending with the week of the as-of date.",
    )
)
monday = as_of - dt.timedelta(days=as_of.weekday())
start = monday - dt.timedelta(weeks=weeks - 1)

st.title("Coping skills")
st.caption(
    f"Skill practice and its effect on distress (SUDS, 0 = calm to 100 = worst imaginable), "
    f"{start:%d %b} – {as_of:%d %b %Y}. Drop = distress before − after; positive means calmer."
)

views = ["client", "clinic"] if viewer.role in ("supervisor", "admin") else ["client"]
view = "client"
if len(views) > 1:
    view = url_choice(
        "View",
        views,
        "view",
        "client",
        format_func=lambda v: "One client" if v == "client" else "Across the clinic",
        horizontal=True,
    )

try:
    if view == "clinic":
        clinic_view(viewer, as_of, start, weeks)
    else:
        client_view(viewer, as_of, start, weeks)
except AccessDenied:
    deny_client(PAGE, st.query_params.get("client"))
except WaymarkError as err:
    st.error(f"**{err.title}.** {err}")
