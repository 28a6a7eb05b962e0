"""Client: all goals of one client as small multiples, their scores, and one goal's full
non-linear timeline. Selections live in the URL: `?client=<client_id>&goal=<goal_id>`.
Rules and sources: docs/progress.md."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.charts.timeline import MEASURE_TITLES
from analytics.errors import WaymarkError
from analytics.scope import Scope
from analytics.timeline import client_view, clients_in_scope, goal_view
from ui.access import deny_client, record_view
from ui.charts import small_multiples_chart, spec, timeline_chart
from ui.data import get_database, load
from ui.viewer import require_viewer
from ui.widgets import as_of_date, progress_report_button

PAGE = "client"
# Pixels for the plot area of the timeline; fixed because Vega-Lite cannot size the panels of a
# vertical concatenation to the container. Fits the wide layout on a 1280-pixel screen.
TIMELINE_WIDTH = 760
STATUS_WORDS = {
    "in-progress": "in progress",
    "improving": "improving",
    "worsening": "worsening",
    "no-change": "no change",
    "achieved": "achieved",
    "sustaining": "sustaining",
    "not-achieved": "not achieved",
    "no-progress": "no progress",
}


def set_param(name: str, value: str | None) -> None:
    if value is None:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value


def status_word(status: object) -> str:
    return STATUS_WORDS.get(status, "—") if isinstance(status, str) else "—"


def _client_changed() -> None:
    set_param("client", st.session_state.get("client_pick"))
    set_param("goal", None)
    st.session_state.pop("goal_pick", None)


def _goal_changed() -> None:
    set_param("goal", st.session_state.get("goal_pick"))


def choose_client(clients: pd.DataFrame) -> str | None:
    """The client chosen by display code, kept in the URL as `client` (the client id)."""
    ids = clients["client_id"].tolist()
    codes = dict(zip(clients["client_id"], clients["display_code"], strict=True))
    requested = st.query_params.get("client")
    if requested is not None and requested not in codes:
        deny_client(PAGE, requested)
    # The URL leads (a deep link, a reload, the back button); the widget writes it on change.
    if st.session_state.get("client_pick") != requested:
        st.session_state["client_pick"] = requested
    return st.selectbox(
        "Client",
        ids,
        index=None,
        key="client_pick",
        format_func=codes.get,
        placeholder="Choose a client by code…",
        on_change=_client_changed,
        help="Only clients in your caseload (or your team's) are listed.",
    )


def goal_label(goals: pd.DataFrame) -> dict[str, str]:
    labels = {}
    for row in goals.itertuples():
        revised = " (revised: see its later goal)" if row.superseded else ""
        labels[row.goal_id] = (
            f"{row.description} · {row.lifecycle_status} · {status_word(row.derived_status)}{revised}"
        )
    return labels


def choose_goal(goals: pd.DataFrame) -> str | None:
    """The goal whose timeline is open, kept in the URL as `goal`."""
    ids = goals["goal_id"].tolist()
    requested = st.query_params.get("goal")
    if requested is not None and requested not in ids:
        st.warning("That goal is not one of this client's goals in your view; choose one below.")
        set_param("goal", None)
        requested = None
    if st.session_state.get("goal_pick") != requested:
        st.session_state["goal_pick"] = requested
    return st.selectbox(
        "Goal",
        ids,
        index=None,
        key="goal_pick",
        format_func=goal_label(goals).get,
        placeholder="Choose a goal to open its timeline…",
        on_change=_goal_changed,
    )


def scores_row(view: dict, active_goals: int) -> None:
    gas = view["gas"]
    scores = view["scores"].set_index("measure")
    cols = st.columns(4)
    cols[0].metric("Active goals", active_goals)
    if gas["t_score"] is None:
        cols[1].metric("GAS T-score", "—", help="No Goal Attainment Scaling goal has a check-in yet.")
    else:
        cols[1].metric(
            "GAS T-score",
            f"{gas['t_score']:.1f}",
            help=f"Over {gas['n_goals']} GAS goal(s), latest levels; 50 = expected outcome on average "
            "(Kiresuk & Sherman 1968, ρ = 0.3, equal weights).",
        )
    for col, measure, name in ((cols[2], "phq-9", "PHQ-9"), (cols[3], "gad-7", "GAD-7")):
        if measure not in scores.index:
            col.metric(f"{name} (latest)", "—", help=f"No {name} score recorded for this client.")
            continue
        row = scores.loc[measure]
        delta = None
        if row["n_scores"] > 1:
            delta = f"{row['change']:+g} · {row['reliable_change']}"
        col.metric(
            f"{name} (latest, {row['latest_date']:%d %b})",
            f"{row['latest_score']:g}",
            delta=delta,
            delta_color="inverse",
            help=f"Severity bands: Kroenke 2001 (PHQ-9), Spitzer 2006 (GAD-7). Change and reliable change "
            f"from the first score ({row['first_score']:g}, {row['first_severity']}, "
            f"{row['first_date']:%d %b %Y}): Jacobson & Truax 1991, "
            f"RCI {row['rci']:+.2f}, reliable at |RCI| ≥ 1.96.",
        )
        # The band under the number: "moderately severe" does not fit beside it in a metric.
        col.caption(f"**{row['severity']}** · first {row['first_score']:g} ({row['first_severity']})")


def goals_section(view: dict, scope: Scope, client_id: str, as_of: dt.date) -> None:
    st.subheader("Goals")
    goals, panels = view["goals"], view["panels"]
    table = goals[
        [
            "description",
            "life_area",
            "measure",
            "lifecycle_status",
            "derived_status",
            "n_checkins",
            "last_checkin_date",
            "last_value",
            "last_progress",
            "superseded",
        ]
    ]
    config = {
        "description": "Goal",
        "life_area": "Life area",
        "measure": "Measure",
        "lifecycle_status": "Lifecycle",
        "derived_status": st.column_config.TextColumn(
            "Achievement (derived)", help="FHIR achievementStatus by the rule in docs/progress.md."
        ),
        "n_checkins": "Check-ins",
        "last_checkin_date": st.column_config.DateColumn("Last check-in", format="D MMM YYYY"),
        "last_value": st.column_config.NumberColumn("Last value", format="%g"),
        "last_progress": st.column_config.ProgressColumn(
            "Progress to target", min_value=0, max_value=1, format="percent"
        ),
        "superseded": st.column_config.CheckboxColumn("Revised into a later goal"),
    }
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        if panels.empty:
            st.info("None of these goals has a check-in yet, so there is no path to draw.")
        else:
            st.caption(
                "Each panel is one goal (a revised goal with the goals before it, faded), on a shared "
                "time axis in progress units: 0% = baseline, 100% = target. Triangles are sudden "
                "gains (up) and losses (down)."
            )
            st.vega_lite_chart(
                spec=spec(small_multiples_chart, scope, client_id, as_of),
                key="small_multiples",
                width="content",
                theme=None,
            )
    with table_tab:
        st.dataframe(table, hide_index=True, column_config=config, width="stretch", key="goals_table")


def timeline_section(client_id: str, goal_id: str, as_of: dt.date, viewer) -> None:
    view = load(goal_view, viewer.scope, client_id, goal_id, as_of)
    chain = view["chain"]
    if chain.empty:
        st.info("This goal had not been set yet on the chosen date.")
        return
    goal = chain[chain["goal_id"] == goal_id].iloc[0]
    points, events, sessions, practice = view["points"], view["events"], view["sessions"], view["practice"]

    st.subheader(goal["description"])
    target = f"{goal['target']:g}" if pd.notna(goal["target"]) else "the best end of the scale"
    baseline = f"{goal['baseline']:g}" if pd.notna(goal["baseline"]) else "its first check-in"
    due = f", by {goal['target_date']:%d %B %Y}" if pd.notna(goal["target_date"]) else ""
    st.caption(
        f"{MEASURE_TITLES.get(goal['measure'], goal['measure'])} · {goal['life_area']} · from {baseline} "
        f"towards {target}{due} · set {goal['start_date']:%d %B %Y}"
    )
    if len(chain) > 1:
        steps = " → ".join(
            f"{row.description} (from {row.start_date:%d %b %Y})"
            for row in chain.sort_values("position").itertuples()
        )
        st.info(
            f"**Revised goal.** This goal's history continues across its revisions: {steps}.",
            icon=":material/history:",
        )

    missed = int((~sessions["has_checkin"]).sum()) if not sessions.empty else 0
    if points.empty:
        st.info(
            "No check-in has been recorded for this goal yet"
            + (f"; {missed} attended session(s) since it was set had none." if missed else ".")
        )
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        st.vega_lite_chart(
            spec=spec(timeline_chart, viewer.scope, client_id, goal_id, as_of, TIMELINE_WIDTH),
            key="timeline",
            width="content",
            # Vega's own theme: Streamlit's shrinks the legend symbols until the phase shapes
            # (triangles for sudden gains and losses) cannot be told apart.
            theme=None,
        )
        st.caption(
            "Black line: the actual check-ins in time order. Blue line: the trend, the median of the "
            "last three check-ins. Shaded: plateaus, setbacks, sudden gains and losses, maintaining. "
            "Purple rules: lifecycle events. Hollow triangles on the axis: sessions without a check-in "
            f"of this goal ({missed} of {len(sessions)} attended while it was active)."
            + (" Below: coping-skill practice per week." if practice["logs"].sum() else "")
        )
    with table_tab:
        if points.empty:
            st.write("No check-ins to list.")
        else:
            st.dataframe(
                points[
                    [
                        "checkin_date",
                        "description",
                        "value",
                        "progress",
                        "trend_value",
                        "phase",
                        "reporter",
                        "note",
                    ]
                ],
                hide_index=True,
                width="stretch",
                key="timeline_table",
                column_config={
                    "checkin_date": st.column_config.DateColumn("Date", format="D MMM YYYY"),
                    "description": "Goal",
                    "value": st.column_config.NumberColumn("Value", format="%g"),
                    "progress": st.column_config.NumberColumn("Progress to target", format="percent"),
                    "trend_value": st.column_config.NumberColumn("Trend (median of 3)", format="%g"),
                    "phase": "Phase",
                    "reporter": "Reported by",
                    "note": "Note",
                },
            )
        if not events.empty:
            st.dataframe(
                events[["event_date", "label", "note"]],
                hide_index=True,
                width="stretch",
                key="events_table",
                column_config={
                    "event_date": st.column_config.DateColumn("Date", format="D MMM YYYY"),
                    "label": "Lifecycle event",
                    "note": "Note",
                },
            )


def progress_report_menu(where, client_id: str, code: str, as_of: dt.date, viewer) -> None:
    """The client's one-page progress report, to share with them in session (built on click)."""
    db = get_database()
    with where.popover("Progress report", icon=":material/description:", width="stretch"):
        st.caption(
            f"One page for {code}: each goal's path from baseline to target and the latest "
            f"scores, as of {as_of:%d %B %Y}. It names the client by code only."
        )
        for fmt in ("pdf", "png"):
            progress_report_button(
                st, PAGE, f"Download ({fmt.upper()})", db, viewer.scope, client_id, code, as_of, fmt,
                key=f"progress_report_{fmt}",
            )  # fmt: skip


viewer = require_viewer()
as_of = as_of_date()
st.title("Client")

try:
    clients = load(clients_in_scope, viewer.scope, as_of)
    if clients.empty:
        requested = st.query_params.get("client")
        if requested is not None:
            deny_client(PAGE, requested)
        st.info("There are no clients in your view on this date. Clients appear here once they are imported.")
        st.stop()
    client_id = choose_client(clients)
    if client_id is None:
        st.info("Choose a client to see their goals, scores and each goal's path since it was set.")
        st.stop()
    header = clients.set_index("client_id").loc[client_id]
    view = load(client_view, viewer.scope, client_id, as_of)
    goals = view["goals"]
    record_view(PAGE, client_id, st.query_params.get("goal"))
    discharged = (
        f" · discharged {header['discharge_date']:%d %B %Y}" if pd.notna(header["discharge_date"]) else ""
    )
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(f"**{header['display_code']}** · in care since {header['intake_date']:%d %B %Y}{discharged}")
    progress_report_menu(right, client_id, str(header["display_code"]), as_of, viewer)
    if goals.empty:
        st.info(
            f"No goals have been set for {header['display_code']} by this date. Goals appear here once "
            "they are recorded with the client."
        )
        st.stop()
    scores_row(view, int((goals["lifecycle_status"] == "active").sum()))
    goals_section(view, viewer.scope, client_id, as_of)
    st.divider()
    goal_id = choose_goal(goals)
    if goal_id is None:
        st.caption("Choose a goal above to open its full timeline.")
    else:
        timeline_section(client_id, goal_id, as_of, viewer)
except WaymarkError as err:
    st.error(f"**{err.title}.** {err}")
