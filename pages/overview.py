"""Clinic overview: honest counts for the viewer's scope and monthly goal follow-up."""

from __future__ import annotations

import streamlit as st

from analytics.charts.overview import monthly_activity_chart
from analytics.overview import clinic_counts, monthly_activity
from ui.charts import data_spec
from ui.data import load
from ui.viewer import require_viewer
from ui.widgets import as_of_date

viewer = require_viewer()
as_of = as_of_date()

st.title("Clinic overview")
st.caption(f"What {viewer.display_name} may see, as of {as_of:%d %B %Y}.")

counts = load(clinic_counts, viewer.scope, as_of)
if counts["active_clients"] == 0:
    st.info(
        "There are no active clients in your view on this date. Import data on the Data page, or choose another date."
    )
    st.stop()

cols = st.columns(5)
cols[0].metric(
    "Practitioners", f"{counts['practitioners']:,}", help="Practitioners with at least one active client."
)
cols[1].metric("Active clients", f"{counts['active_clients']:,}")
cols[2].metric("Active goals", f"{counts['active_goals']:,}")
cols[3].metric("Sessions attended, 90 days", f"{counts['sessions_90d']:,}")
cols[4].metric("Goal check-ins, 90 days", f"{counts['checkins_90d']:,}")

st.subheader("Sessions with a goal check-in, by month")
activity = load(monthly_activity, viewer.scope, as_of)
chart_tab, table_tab = st.tabs(["Chart", "Table"])
with chart_tab:
    st.caption("Light bars: sessions attended. Dark bars: those at which at least one goal got a check-in.")
    st.vega_lite_chart(
        spec=data_spec(monthly_activity_chart, monthly_activity, viewer.scope, as_of), width="stretch"
    )
with table_tab:
    st.dataframe(
        activity,
        hide_index=True,
        column_config={
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "attended_sessions": "Sessions attended",
            "sessions_with_checkin": "With a goal check-in",
            "checkin_share": st.column_config.ProgressColumn(
                "Share", format="percent", min_value=0, max_value=1
            ),
        },
    )
