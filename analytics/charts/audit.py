"""Charts for the follow-up audit: per-practitioner bars and monthly trend lines."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.audit import METRICS
from analytics.charts import OKABE_ITO

# One Okabe–Ito colour per metric, fixed so a metric keeps its colour on every chart.
METRIC_COLOURS = {
    "goal_setting": OKABE_ITO["blue"],
    "followup_sessions": OKABE_ITO["orange"],
    "followup_pairs": OKABE_ITO["sky"],
    "review_cadence": OKABE_ITO["green"],
    "target_review": OKABE_ITO["purple"],
    "lacking_followup": OKABE_ITO["vermillion"],
}
LABELS = {m.key: m.label for m in METRICS}


def practitioner_bars(table: pd.DataFrame, metric: str, clinic_rate: float | None = None) -> alt.LayerChart:
    """Horizontal bars of one metric's rate per practitioner, in the table's order (worst
    first), with "numerator of denominator" beside each bar and the clinic rate as a rule."""
    rate, num, den = f"{metric}_rate", f"{metric}_numerator", f"{metric}_denominator"
    data = pd.DataFrame(
        {
            "practitioner": table["group_name"],
            "rate": table[rate].astype(float),
            "numerator": table[num].astype(int),
            "denominator": table[den].astype(int),
        }
    )
    data["label"] = [
        f"{n} of {d}" if d else "nothing to count"
        for n, d in zip(data["numerator"], data["denominator"], strict=True)
    ]
    order = data["practitioner"].tolist()
    y = alt.Y("practitioner:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False))
    tooltip = [
        alt.Tooltip("practitioner:N", title="Practitioner"),
        alt.Tooltip("rate:Q", title=LABELS[metric], format=".0%"),
        alt.Tooltip("numerator:Q", title="Counted"),
        alt.Tooltip("denominator:Q", title="Out of"),
    ]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    bars = base.mark_bar(color=METRIC_COLOURS[metric], height={"band": 0.7}).encode(
        x=alt.X(
            "rate:Q",
            title=LABELS[metric],
            # Room to the right of a full bar for its "n of d" label.
            scale=alt.Scale(domain=[0, 1.14], nice=False),
            axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
        )
    )
    labels = (
        base.mark_text(align="left", dx=4, color=OKABE_ITO["black"])
        .encode(x=alt.X("rate_or_zero:Q"), text=alt.Text("label:N"))
        .transform_calculate(rate_or_zero="isValid(datum.rate) ? datum.rate : 0")
    )
    layers: list[alt.Chart] = [bars, labels]
    if clinic_rate is not None and pd.notna(clinic_rate):
        rule = (
            alt.Chart(pd.DataFrame({"clinic": [float(clinic_rate)]}))
            .mark_rule(color=OKABE_ITO["black"], strokeDash=[4, 3])
            .encode(
                x=alt.X("clinic:Q"), tooltip=[alt.Tooltip("clinic:Q", title="Everyone in view", format=".0%")]
            )
        )
        layers.append(rule)
    # Streamlit fits the whole chart (axis and title included) into this height.
    return alt.layer(*layers, height=70 + 36 * max(len(data), 2))


def monthly_trend_chart(trends: pd.DataFrame) -> alt.LayerChart:
    """One line per metric: the monthly rate (0–100 %), with points carrying the counts."""
    data = trends.loc[:, ["month", "metric", "label", "rate", "numerator", "denominator"]].copy()
    data["rate"] = data["rate"].astype(float)
    keys = [m.key for m in METRICS]
    colour = alt.Color(
        "label:N",
        title="Metric",
        sort=[LABELS[k] for k in keys],
        scale=alt.Scale(domain=[LABELS[k] for k in keys], range=[METRIC_COLOURS[k] for k in keys]),
        legend=alt.Legend(orient="bottom", columns=3, labelLimit=260),
    )
    base = alt.Chart(data).encode(
        x=alt.X("month:T", title="Month", timeUnit="yearmonth", axis=alt.Axis(format="%b %Y")),
        y=alt.Y("rate:Q", title="Rate", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=colour,
        tooltip=[
            alt.Tooltip("month:T", title="Month", format="%B %Y"),
            alt.Tooltip("label:N", title="Metric"),
            alt.Tooltip("rate:Q", title="Rate", format=".0%"),
            alt.Tooltip("numerator:Q", title="Counted"),
            alt.Tooltip("denominator:Q", title="Out of"),
        ],
    )
    lines = base.mark_line(strokeWidth=2)
    points = base.mark_point(filled=True, size=50)
    # The height includes the axes and the two-row legend below the plot.
    return alt.layer(lines, points, height=460)
