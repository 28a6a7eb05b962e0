"""Caseload: the therapist's home. Every client in care, who needs attention first, and why."""

from __future__ import annotations

from urllib.parse import quote

import streamlit as st

from analytics.caseload import (
    FLAG_KEYS,
    FLAG_LABELS,
    FLAGS,
    SORTS,
    caseload_rules,
    caseload_totals,
    caseload_view,
    filter_caseload,
    headline,
    sort_caseload,
)
from analytics.charts import OKABE_ITO
from analytics.errors import WaymarkError
from analytics.progress import FHIR_ACHIEVEMENT
from analytics.settings import REGISTRY, save_settings
from ui.access import record_view
from ui.data import clear_cache, get_database, load
from ui.viewer import require_viewer
from ui.widgets import as_of_date

viewer = require_viewer()
as_of = as_of_date()

st.title("Caseload")

try:
    rules = load(caseload_rules)
    view = load(caseload_view, viewer.scope, as_of, rules)
except WaymarkError as err:
    st.error(f"**{err.title}.** {err}")
    st.stop()
clients, goals = view["clients"], view["goals"]

team = viewer.role != "therapist"
whose = "Clients in care in your team" if team else "Your clients in care"
st.caption(f"{whose} on {as_of:%-d %B %Y}, the ones who need attention first at the top.")
record_view("caseload")


def rules_sentence() -> str:
    return (
        f"Review overdue: an active goal without a check-in at the last {rules.review_sessions} "
        f"attended sessions or in {rules.review_days} days. Possible drop-out: no attended session "
        f"in {rules.dropout_weeks} weeks. No goal yet: after {rules.goal_by_session} attended sessions."
    )


def settings_panel() -> None:
    """The flag rules, shown and editable; they are stored for the whole clinic."""
    with st.expander("Flag rules", icon=":material/tune:"):
        st.caption(rules_sentence() + " These rules apply to everyone in the clinic.")
        with st.form("caseload_rules"):
            cols = st.columns(4)
            fields = {
                "caseload.review_sessions": ("N: sessions without a check-in", rules.review_sessions),
                "caseload.review_days": ("D: days without a check-in", rules.review_days),
                "caseload.dropout_weeks": ("W: weeks without a session", rules.dropout_weeks),
                "caseload.goal_by_session": ("Sessions before a goal is due", rules.goal_by_session),
            }
            chosen = {}
            for col, (key, (label, value)) in zip(cols, fields.items(), strict=True):
                setting = REGISTRY[key]
                chosen[key] = col.number_input(
                    label,
                    min_value=int(setting.minimum or 1),
                    max_value=int(setting.maximum or 365),
                    value=int(value),
                    step=1,
                    help=setting.help,
                    key=f"rule_{key.split('.')[1]}",
                )
            if st.form_submit_button("Save rules", icon=":material/save:"):
                try:
                    save_settings(get_database(), chosen)
                except WaymarkError as err:
                    st.error(f"**{err.title}.** {err}")
                else:
                    clear_cache()
                    st.rerun()


if clients.empty:
    st.info(
        "No clients are in care in your caseload on this date. Clients appear here from their "
        "intake date until their discharge; import data on the Data page, or choose another date.",
        icon=":material/group_off:",
    )
    settings_panel()
    st.stop()

# ---------------------------------------------------------------- totals
totals = caseload_totals(clients)
st.markdown(f"##### {headline(totals)}")
cols = st.columns(len(FLAGS) + 1)
cols[0].metric("Clients in care", f"{int(totals['clients']):,}")
for col, flag in zip(cols[1:], FLAGS, strict=True):
    col.metric(flag.total_label, f"{int(totals[flag.key]):,}", help=flag.meaning)

# ---------------------------------------------------------------- filters (kept in the URL)
statuses = [s for s in FHIR_ACHIEVEMENT if any(s in v for v in clients["derived_statuses"])]
areas = sorted({area for values in clients["life_areas"] for area in values})
row = st.columns([2, 3, 2, 2, 2] + ([2] if team else []))
search = row[0].text_input(
    "Search client code", key="q", bind="query-params", placeholder="e.g. C-012", icon=":material/search:"
)
chosen_flags = row[1].multiselect(
    "Flag", FLAG_KEYS, format_func=FLAG_LABELS.get, key="flag", bind="query-params", placeholder="Any flag"
)
chosen_statuses = row[2].multiselect(
    "Goal status",
    statuses,
    key="status",
    bind="query-params",
    placeholder="Any status",
    help="The derived achievement status of an active goal (docs/progress.md).",
)
chosen_areas = row[3].multiselect("Life area", areas, key="area", bind="query-params", placeholder="Any area")
sort = row[4].selectbox(
    "Order", list(SORTS), format_func=lambda k: SORTS[k][0], key="sort", bind="query-params"
)
chosen_practitioners: list[str] = []
if team:
    names = dict(zip(clients["practitioner_id"], clients["practitioner_name"], strict=True))
    chosen_practitioners = row[5].multiselect(
        "Practitioner",
        sorted(names, key=lambda p: str(names[p])),
        format_func=lambda p: str(names[p]),
        key="practitioner",
        bind="query-params",
        placeholder="Everyone",
    )

shown = sort_caseload(
    filter_caseload(
        clients,
        flags=chosen_flags,
        statuses=chosen_statuses,
        life_areas=chosen_areas,
        practitioners=chosen_practitioners,
        search=search or "",
    ),
    sort,
)

# ---------------------------------------------------------------- the table
if shown.empty:
    st.info(
        "No client matches these filters. Clear a filter to see more clients.",
        icon=":material/filter_alt_off:",
    )
else:
    st.caption(
        f"Showing {len(shown)} of {len(clients)} clients. Select a row to see that client's goals; "
        "the Open link goes to the client page."
    )
    table = shown.assign(
        why=shown["reasons"].map(lambda texts: "; ".join(texts) if texts else "Nothing due"),
        link=shown["client_id"].map(lambda cid: f"client?client={quote(str(cid), safe='')}"),
    )
    columns = ["attention", "display_code", "link", "badges", "why", "progress_series", "status_mix"]
    columns += ["days_since_review", "last_checkin_date", "last_session_date", "active_goals"]
    if team:
        columns.append("practitioner_name")
    event = st.dataframe(
        table[columns],
        hide_index=True,
        width="stretch",
        # A whole caseload of 25–40 clients at a glance, scrolling only beyond about 20.
        height=min(38 + 35 * len(table), 740),
        key="caseload_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "attention": st.column_config.NumberColumn(
                "#", help="Attention order: most urgent flag first (docs/caseload.md).", width=40, pinned=True
            ),
            "display_code": st.column_config.TextColumn("Client", pinned=True, width=70),
            "badges": st.column_config.ListColumn("Flags", width=270),
            "why": st.column_config.TextColumn("Why", width="large"),
            "progress_series": st.column_config.LineChartColumn(
                "Progress",
                help="Mean progress of the client's goals at each of the last 8 check-in dates, "
                "drawn from baseline (bottom) to target (top).",
                y_min=0,
                y_max=1,
                color=OKABE_ITO["blue"],
                width=90,
            ),
            "status_mix": st.column_config.TextColumn(
                "Goal status", help="Derived status of each active goal."
            ),
            "active_goals": st.column_config.NumberColumn("Active goals", width="small"),
            "last_session_date": st.column_config.DateColumn("Last session", format="D MMM YYYY"),
            "last_checkin_date": st.column_config.DateColumn("Last check-in", format="D MMM YYYY"),
            "days_since_review": st.column_config.NumberColumn(
                "Days since review", help="Days since the last check-in on any goal; empty if never."
            ),
            "practitioner_name": st.column_config.TextColumn("Practitioner"),
            "link": st.column_config.LinkColumn(
                "Client page", display_text="Open", help="The client's page, with all goals.", width=85
            ),
        },
    )

    # ------------------------------------------------------------ one client's goals
    selected = event.selection.rows if event is not None else []
    if selected:
        client = shown.iloc[selected[0]]
        record_view("caseload", str(client["client_id"]), "goals")
        st.subheader(f"Goals of {client['display_code']}")
        try:
            st.page_link(
                "pages/client.py",
                label=f"Open the client page of {client['display_code']}",
                icon=":material/arrow_forward:",
                query_params={"client": str(client["client_id"])},
            )
        except st.errors.StreamlitAPIException:
            # Running outside the app's navigation (AppTest of this page alone).
            st.markdown(
                f"[Open the client page of {client['display_code']}](client?client={client['client_id']})"
            )
        own = goals[goals["client_id"] == client["client_id"]]
        if own.empty:
            st.info(f"{client['display_code']} has no goals yet.", icon=":material/flag:")
        else:
            st.dataframe(
                own.assign(
                    badges=own["flags"].map(lambda keys: [FLAG_LABELS[k] for k in keys]),
                    why=own["reasons"].map(lambda texts: "; ".join(texts)),
                )[
                    [
                        "description",
                        "life_area",
                        "lifecycle_status",
                        "derived_status",
                        "badges",
                        "why",
                        "progress_series",
                        "last_checkin_date",
                        "sessions_since_checkin",
                        "target_date",
                    ]
                ],
                hide_index=True,
                width="stretch",
                key="caseload_goals",
                column_config={
                    "description": st.column_config.TextColumn("Goal", width="medium"),
                    "life_area": "Life area",
                    "lifecycle_status": "Lifecycle",
                    "derived_status": st.column_config.TextColumn(
                        "Status", help="Derived achievement status (docs/progress.md)."
                    ),
                    "badges": st.column_config.ListColumn("Flags"),
                    "why": st.column_config.TextColumn("Why", width="large"),
                    "progress_series": st.column_config.LineChartColumn(
                        "Progress",
                        help="Last 8 check-ins, drawn from baseline (bottom) to target (top).",
                        y_min=0,
                        y_max=1,
                        color=OKABE_ITO["blue"],
                    ),
                    "last_checkin_date": st.column_config.DateColumn("Last check-in", format="D MMM YYYY"),
                    "sessions_since_checkin": st.column_config.NumberColumn(
                        "Sessions since check-in", help="Attended sessions since the last check-in."
                    ),
                    "target_date": st.column_config.DateColumn("Target date", format="D MMM YYYY"),
                },
            )

with st.expander("What the flags mean", icon=":material/help:"):
    st.markdown(
        "\n".join(f"{i}. **{f.label}**: {f.meaning}" for i, f in enumerate(FLAGS, start=1))
        + "\n\nClients are ordered by their most urgent flag (in the order above), then by how many "
        "kinds of flag they have, then by the longest time since a check-in. " + rules_sentence()
    )
settings_panel()
