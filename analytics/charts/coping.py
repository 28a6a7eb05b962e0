"""Charts for coping-skill logs: practice per week, the distress drop per skill with its
spread, helpfulness, practice beside goal check-ins, and the clinic's skills by life area.

SUDS (Wolpe, 1969) drops are in points on the 0–100 scale; a positive drop means calmer
after using the skill. Every chart takes a frame from `analytics.coping` as it is.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.charts import OKABE_ITO

DROP_TITLE = "Drop in distress (SUDS points, before − after)"


def _monday_axis(weeks: pd.Series, title: str | None) -> alt.Axis:
    """An axis labelled on Mondays (Vega's own week ticks fall on Sundays), at most ~14 labels."""
    mondays = sorted(pd.to_datetime(weeks).dropna().unique())
    step = max(1, -(-len(mondays) // 14))
    values = [alt.DateTime(year=m.year, month=m.month, date=m.day) for m in mondays[::step]]
    return alt.Axis(format="%d %b", values=values, title=title, labelOverlap=True)


def _week_domain(weekly: pd.DataFrame) -> list[alt.DateTime]:
    """From the first Monday to the Monday after the last week, so no bar is clipped."""
    if weekly.empty:
        return []
    start = pd.Timestamp(weekly["week"].min())
    end = pd.Timestamp(weekly["week"].max()) + pd.Timedelta(days=7)
    return [alt.DateTime(year=t.year, month=t.month, date=t.day) for t in (start, end)]


def weekly_practice_chart(
    weekly: pd.DataFrame, height: int = 220, domain: list[alt.DateTime] | None = None
) -> alt.Chart:
    """Skill logs per week as bars spanning Monday to Sunday (weeks without practice show as
    gaps at zero)."""
    titled = domain is None
    domain = domain or _week_domain(weekly)
    return (
        alt.Chart(weekly)
        # The bar runs from Monday to Sunday noon, so neighbouring weeks keep a visible gap.
        .transform_calculate(week_end="timeOffset('hours', datum.week, 156)")
        .mark_bar(color=OKABE_ITO["blue"])
        .encode(
            x=alt.X(
                "week:T",
                scale=alt.Scale(domain=domain) if domain else alt.Undefined,
                axis=_monday_axis(weekly["week"], "Week starting" if titled else None),
            ),
            x2=alt.X2("week_end:T"),
            y=alt.Y("logs:Q", title="Skill logs", axis=alt.Axis(tickMinStep=1)),
            y2=alt.Y2Datum(0),
            tooltip=[
                alt.Tooltip("week:T", title="Week starting", format="%d %B %Y"),
                alt.Tooltip("logs:Q", title="Skill logs"),
                alt.Tooltip("distinct_skills:Q", title="Different skills"),
                alt.Tooltip("mean_distress_drop:Q", title="Mean drop (SUDS points)", format=".1f"),
            ],
        )
        .properties(height=height)
    )


def _rated(effects: pd.DataFrame) -> pd.DataFrame:
    """Skills with a rated use: ranked ones first in rank order, then the rest by median."""
    rated = effects[effects["rated_uses"] > 0].copy()
    rated["ranked"] = rated["help_rank"].notna()
    rated["rank_text"] = [
        f"{int(r)}" if pd.notna(r) else "not ranked (too few rated uses)" for r in rated["help_rank"]
    ]
    return rated.sort_values(
        ["ranked", "help_rank", "median_drop", "skill"], ascending=[False, True, False, True]
    )


def distress_drop_chart(effects: pd.DataFrame) -> alt.LayerChart:
    """Per skill a box of the distress drop: whiskers from lowest to highest, the box from
    the first to the third quartile, a tick at the median and a diamond at the mean.

    Only rated uses (with an "after" rating) are drawn. Ranked skills (`help_rank`) come
    first in rank order with a solid box; the others follow by median drop, faint.
    """
    rated = _rated(effects)
    order = rated["skill"].tolist()
    y = alt.Y("skill:N", title=None, sort=order, axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip("skill:N", title="Skill"),
        alt.Tooltip("rank_text:N", title="Helps most, rank"),
        alt.Tooltip("rated_uses:Q", title="Uses with an after rating"),
        alt.Tooltip("uses:Q", title="All uses"),
        alt.Tooltip("median_drop:Q", title="Median drop", format=".1f"),
        alt.Tooltip("q1_drop:Q", title="Lower quartile", format=".1f"),
        alt.Tooltip("q3_drop:Q", title="Upper quartile", format=".1f"),
        alt.Tooltip("mean_drop:Q", title="Mean drop", format=".1f"),
        alt.Tooltip("min_drop:Q", title="Smallest", format=".0f"),
        alt.Tooltip("max_drop:Q", title="Largest", format=".0f"),
    ]
    base = alt.Chart(rated).encode(y=y, tooltip=tooltip)
    # Vega-Lite leaves the whiskers' far ends (x2) out of the domain; give it explicitly.
    low = min(0.0, float(rated["min_drop"].min())) if len(rated) else 0.0
    high = max(0.0, float(rated["max_drop"].max())) if len(rated) else 1.0
    x_scale = alt.Scale(domain=[low, high if high > low else low + 1], nice=True, padding=10)
    whiskers = base.mark_rule(color=OKABE_ITO["grey"], strokeWidth=1.5).encode(
        x=alt.X("min_drop:Q", title=DROP_TITLE, scale=x_scale), x2=alt.X2("max_drop:Q")
    )
    # Skills with too few rated uses to rank are drawn faint: their spread says little yet.
    box = base.mark_bar(color=OKABE_ITO["sky"], size=16).encode(
        x=alt.X("q1_drop:Q"),
        x2=alt.X2("q3_drop:Q"),
        opacity=alt.OpacityValue(0.3, condition={"test": "datum.ranked", "value": 0.9}),
    )
    median = base.mark_tick(color=OKABE_ITO["blue"], thickness=3, size=20).encode(x=alt.X("median_drop:Q"))
    mean = base.mark_point(shape="diamond", filled=True, size=70, color=OKABE_ITO["orange"]).encode(
        x=alt.X("mean_drop:Q")
    )
    no_change = (
        alt.Chart(pd.DataFrame({"zero": [0]}))
        .mark_rule(color=OKABE_ITO["black"], strokeDash=[4, 3], opacity=0.6)
        .encode(x=alt.X("zero:Q"), tooltip=alt.TooltipValue("No change in distress"))
    )
    return alt.layer(whiskers, box, median, mean, no_change, height=max(120, 38 * len(order) + 40))


def helpfulness_chart(effects: pd.DataFrame) -> alt.LayerChart:
    """Per skill the mean helpfulness rating (1 = not helpful, 5 = very helpful) as a
    lollipop from 1, with the number of ratings in the tooltip."""
    rated = effects[effects["helpfulness_n"] > 0].sort_values(
        ["mean_helpfulness", "skill"], ascending=[False, True]
    )
    order = rated["skill"].tolist()
    base = alt.Chart(rated.assign(floor=1.0)).encode(
        y=alt.Y("skill:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
        tooltip=[
            alt.Tooltip("skill:N", title="Skill"),
            alt.Tooltip("mean_helpfulness:Q", title="Mean helpfulness (1–5)", format=".1f"),
            alt.Tooltip("helpfulness_n:Q", title="Ratings"),
        ],
    )
    stem = base.mark_rule(color=OKABE_ITO["green"], strokeWidth=2).encode(
        x=alt.X("floor:Q", title="Mean helpfulness (1 = not, 5 = very)", scale=alt.Scale(domain=[1, 5])),
        x2=alt.X2("mean_helpfulness:Q"),
    )
    dot = base.mark_circle(color=OKABE_ITO["green"], size=110, opacity=1).encode(
        x=alt.X("mean_helpfulness:Q")
    )
    return alt.layer(stem, dot, height=max(120, 38 * len(order) + 40))


def practice_beside_progress_chart(
    weekly: pd.DataFrame, intervals: pd.DataFrame, measure_title: str
) -> alt.VConcatChart:
    """Skill logs per week above the goal's check-in values, on one shared time axis, so
    weeks with more practice can be read beside the change in check-ins."""
    domain = _week_domain(weekly)
    practice = weekly_practice_chart(weekly, height=150, domain=domain)
    points = pd.concat(
        [
            intervals[["from_date", "from_value"]].head(1).set_axis(["date", "value"], axis=1),
            intervals[["to_date", "to_value"]].set_axis(["date", "value"], axis=1),
        ],
        ignore_index=True,
    )
    checkins = (
        alt.Chart(points)
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True, color=OKABE_ITO["vermillion"]))
        .encode(
            x=alt.X(
                "date:T", scale=alt.Scale(domain=domain), axis=_monday_axis(weekly["week"], "Week starting")
            ),
            y=alt.Y("value:Q", title=measure_title, scale=alt.Scale(zero=False)),
            color=alt.ColorValue(OKABE_ITO["vermillion"]),
            tooltip=[
                alt.Tooltip("date:T", title="Check-in", format="%d %B %Y"),
                alt.Tooltip("value:Q", title="Value", format=".1f"),
            ],
        )
        .properties(height=170)
    )
    return alt.vconcat(
        practice, checkins, spacing=8, resolve=alt.Resolve(scale=alt.ScaleResolveMap(x="shared"))
    )


def clinic_practice_chart(skills: pd.DataFrame, top: int = 20) -> alt.Chart:
    """The most practised skills (uses, with clients in the tooltip) as horizontal bars."""
    shown = skills.sort_values("practice_rank").head(top)
    return (
        alt.Chart(shown)
        .mark_bar(color=OKABE_ITO["blue"])
        .encode(
            y=alt.Y("skill:N", title=None, sort=shown["skill"].tolist(), axis=alt.Axis(labelLimit=220)),
            x=alt.X("uses:Q", title="Skill logs"),
            tooltip=[
                alt.Tooltip("skill:N", title="Skill"),
                alt.Tooltip("uses:Q", title="Skill logs"),
                alt.Tooltip("clients:Q", title="Clients"),
                alt.Tooltip("category:N", title="Kind of skill"),
            ],
        )
        .properties(height=max(120, 30 * len(shown) + 40))
    )


def life_area_heatmap(area_practice: pd.DataFrame) -> alt.Chart:
    """Skill logs per life area and skill as a heat map (darker = more logs)."""
    frame = area_practice.assign(life_area=area_practice["life_area"].fillna("No goal recorded"))
    return (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                "life_area:N",
                title="Life area",
                axis=alt.Axis(labelAngle=-30, labelLimit=200, labelOverlap=False),
            ),
            y=alt.Y("skill:N", title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
            color=alt.Color(
                "uses:Q",
                title="Skill logs",
                scale=alt.Scale(range=["#F2F7FB", OKABE_ITO["blue"]]),
            ),
            tooltip=[
                alt.Tooltip("life_area:N", title="Life area"),
                alt.Tooltip("skill:N", title="Skill"),
                alt.Tooltip("uses:Q", title="Skill logs"),
                alt.Tooltip("clients:Q", title="Clients"),
            ],
        )
        .properties(height=max(120, 30 * frame["skill"].nunique() + 20))
    )
