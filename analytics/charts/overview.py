"""Charts for the clinic overview."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.charts import OKABE_ITO


def monthly_activity_chart(activity: pd.DataFrame) -> alt.LayerChart:
    """Attended sessions per month as bars, those with a goal check-in overlaid."""
    base = alt.Chart(activity).encode(
        x=alt.X("yearmonth(month):O", title="Month", axis=alt.Axis(labelAngle=0)),
        tooltip=[
            alt.Tooltip("month:T", title="Month", format="%B %Y"),
            alt.Tooltip("attended_sessions:Q", title="Sessions attended"),
            alt.Tooltip("sessions_with_checkin:Q", title="With a goal check-in"),
            alt.Tooltip("checkin_share:Q", title="Share", format=".0%"),
        ],
    )
    attended = base.mark_bar(color=OKABE_ITO["sky"], opacity=0.55).encode(
        y=alt.Y("attended_sessions:Q", title="Sessions")
    )
    with_checkin = base.mark_bar(color=OKABE_ITO["blue"], width={"band": 0.5}).encode(
        y=alt.Y("sessions_with_checkin:Q")
    )
    return alt.layer(attended, with_checkin, height=280)
