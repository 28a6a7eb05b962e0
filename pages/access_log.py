"""Access log (administrators): who viewed or exported which client's data, when, from where."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics.access_log import ACTIONS, SEARCH_LIMIT, search_access_log
from analytics.errors import WaymarkError
from ui.access import record_view
from ui.data import get_database
from ui.viewer import require_viewer
from ui.widgets import csv_download_button

PAGE = "access_log"
DEFAULT_DAYS = 30

viewer = require_viewer()
if viewer.role != "admin":
    # The navigation never offers this page to other roles; refuse a typed URL as well.
    st.error("**Access is not allowed.** The access log is for administrators.", icon=":material/block:")
    st.stop()

st.title("Access log")
st.caption(
    "Every view and export of client data, every refused request and every sign-in, newest "
    "first. Times are UTC. The log can only grow: Waymark has no way to change or remove a row."
)


def _date_param(name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return default


today = dt.datetime.now(dt.UTC).date()
cols = st.columns([2, 2, 1.4, 2.2])
user = cols[0].text_input(
    "User", value=st.query_params.get("user", ""), placeholder="part of an e-mail", key="log_user"
)
client = cols[1].text_input(
    "Client", value=st.query_params.get("client", ""), placeholder="client code or id", key="log_client"
)
action_options = ["any", *ACTIONS]
wanted_action = st.query_params.get("action", "any")
action = cols[2].selectbox(
    "Action",
    action_options,
    index=action_options.index(wanted_action) if wanted_action in action_options else 0,
    key="log_action",
)
period = cols[3].date_input(
    "From – to (UTC)",
    value=(_date_param("from", today - dt.timedelta(days=DEFAULT_DAYS)), _date_param("to", today)),
    key="log_period",
)
date_from, date_to = period if isinstance(period, tuple) and len(period) == 2 else (period[0], period[0])

# Keep the search in the URL, so it can be bookmarked or handed to a colleague.
for name, value, default in [
    ("user", user.strip(), ""),
    ("client", client.strip(), ""),
    ("action", action, "any"),
    ("from", date_from.isoformat(), (today - dt.timedelta(days=DEFAULT_DAYS)).isoformat()),
    ("to", date_to.isoformat(), today.isoformat()),
]:
    if value != default:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]

try:
    # Read afresh on every run, not through `load`: an access-log row leaves the stored data
    # version alone (analytics/access_log.py), so a cached search would miss the newest rows.
    rows = search_access_log(
        get_database(),
        viewer.scope,
        user=user,
        client=client,
        date_from=date_from,
        date_to=date_to,
        action=None if action == "any" else action,
    )
except WaymarkError as err:
    st.error(f"**{err.title}.** {err}")
    st.stop()

record_view(PAGE, None, "search")

if rows.empty:
    st.info("No access-log rows match this search. Widen the dates or clear a filter.")
    st.stop()

counts = rows["action"].value_counts()
metrics = st.columns(4)
metrics[0].metric("Rows", f"{len(rows):,}")
metrics[1].metric("Views", f"{int(counts.get('view', 0)):,}")
metrics[2].metric("Exports", f"{int(counts.get('export', 0)):,}")
metrics[3].metric(
    "Refused",
    int(counts.get("denied", 0)),
    help="Requests for a client outside the person's caseload or team.",
)
if len(rows) >= SEARCH_LIMIT:
    st.warning(f"Showing the newest {SEARCH_LIMIT:,} rows only; narrow the search to see older ones.")

st.dataframe(
    rows.drop(columns=["access_id"]),
    hide_index=True,
    width="stretch",
    column_config={
        "accessed_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "user_id": "User",
        "action": "Action",
        "page": "Page",
        "client_id": "Client id",
        "display_code": "Client code",
        "detail": "Detail",
    },
)
# Built when clicked, like every large export: up to SEARCH_LIMIT rows are not turned into a
# file on every rerun of the search.
csv_download_button(
    f"Download these {len(rows):,} rows (CSV)",
    rows,
    PAGE,
    "access-log.csv",
    f"waymark-access-log-{date_from.isoformat()}-{date_to.isoformat()}.csv",
)
