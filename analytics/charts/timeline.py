"""Charts for a goal's non-linear timeline and a client's goals as small multiples.

The actual check-ins are points joined in time order; the trend beside them is the running
median of three computed in `analytics.progress` (never a fitted line: no regression transform
is used anywhere here). Phases are shaded and labelled, lifecycle events are labelled rules,
and sessions without a check-in are hollow marks on the time axis. Colours: Okabe–Ito.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import altair as alt
import pandas as pd

from analytics.charts import OKABE_ITO

# One colour per phase; the salient phases also get a shaded band and a label. Sudden
# changes additionally get a triangle, so they read without colour.
PHASE_COLOURS = {
    "start": OKABE_ITO["black"],
    "gain": OKABE_ITO["sky"],
    "sudden gain": OKABE_ITO["green"],
    "maintaining": OKABE_ITO["blue"],
    "plateau": OKABE_ITO["grey"],
    "setback": OKABE_ITO["orange"],
    "sudden loss": OKABE_ITO["vermillion"],
}
SHADED_PHASES = ("sudden gain", "sudden loss", "setback", "plateau", "maintaining")
PHASE_SCALE = alt.Scale(domain=list(PHASE_COLOURS), range=list(PHASE_COLOURS.values()))
PHASE_SHAPES = alt.Scale(
    domain=list(PHASE_COLOURS),
    range=["circle", "circle", "triangle-up", "circle", "circle", "circle", "triangle-down"],
)

MEASURE_TITLES = {
    "self-rated-0-10": "Self-rated progress (0–10)",
    "gas": "GAS level (−2…+2)",
    "phq-9": "PHQ-9 score (lower is better)",
    "gad-7": "GAD-7 score (lower is better)",
}

# Set at the top level too: Streamlit's chart theme otherwise shrinks legend symbols until
# the phase triangles cannot be told apart.
LEGEND = {"symbolSize": 110, "labelFontSize": 12, "titleFontSize": 12}

TIME_AXIS = alt.Axis(format="%d %b %Y", labelAngle=0, tickCount="month", title=None, grid=False)


def time_domain(points: pd.DataFrame, chain: pd.DataFrame, as_of: dt.date, pad_days: int = 5) -> list[str]:
    """The shared time domain [first day − pad, last day + pad] as ISO dates, covering the
    goals' start and target dates, the check-ins and the as-of date."""
    days = [pd.Timestamp(as_of)]
    for frame, column in ((points, "checkin_date"), (chain, "start_date"), (chain, "target_date")):
        if not frame.empty and column in frame:
            days.extend(pd.to_datetime(frame[column]).dropna().tolist())
    lo = min(days) - pd.Timedelta(days=pad_days)
    hi = max(days) + pd.Timedelta(days=pad_days)
    return [lo.date().isoformat(), hi.date().isoformat()]


def _phase_runs(points: pd.DataFrame) -> pd.DataFrame:
    """Consecutive intervals of the same salient phase merged into one band per run.

    Interval i of a goal runs from check-in i−1 to check-in i and has check-in i's phase; a
    run is a maximal sequence of a goal's intervals with one phase. Done with column
    operations: a Python loop over the rows was 30 ms for a client's 638 check-ins."""
    ordered = points.sort_values(["checkin_date", "seq"])
    # Goals in the order they first appear, intervals in time order within each goal.
    first_seen = {goal: i for i, goal in enumerate(dict.fromkeys(ordered["goal_id"]))}
    ordered = ordered.assign(goal_order=ordered["goal_id"].map(first_seen)).sort_values(
        "goal_order", kind="stable"
    )
    by_goal = ordered.groupby("goal_order", sort=False)
    intervals = ordered.assign(start=by_goal["checkin_date"].shift(1), previous=by_goal["phase"].shift(1))
    first = by_goal.cumcount() == 0
    intervals = intervals[~first]
    # A run starts at a goal's first interval or where the phase changes.
    starts = by_goal.cumcount()[~first].eq(1) | intervals["phase"].ne(intervals["previous"])
    intervals = intervals.assign(run=starts.cumsum())
    runs = (
        intervals[intervals["phase"].isin(SHADED_PHASES)]
        .groupby("run", sort=True)
        .agg(
            goal_id=("goal_id", "first"),
            phase=("phase", "first"),
            start=("start", "first"),
            end=("checkin_date", "last"),
            checkins=("checkin_date", "size"),
        )
        .reset_index(drop=True)
    )
    runs["middle"] = runs["start"] + (runs["end"] - runs["start"]) / 2
    ends = (
        set(points.loc[points["provisional"].astype(bool), "checkin_date"])
        if "provisional" in points
        else set()
    )
    runs["label"] = [
        f"{phase} (provisional)" if end in ends and phase in ("sudden gain", "sudden loss") else phase
        for phase, end in zip(runs["phase"], runs["end"], strict=True)
    ]
    return runs


# Laying out phase labels without measuring text: the labels are 11 px bold, about 6.5 px a
# character, and a chart drawn to its container's width is assumed to have a plot at least
# LABEL_LAYOUT_WIDTH px wide (the client page's in a 1,400 px window, legend aside): on a wider
# plot no label collides, on a narrower one a few may touch.
LABEL_CHAR_PX = 6.5
LABEL_GAP_PX = 8.0
LABEL_LAYOUT_WIDTH = 620
LABEL_ROWS = 2


def label_rows(
    middles: list[pd.Timestamp], labels: list[str], domain: list[str], width_px: float, rows: int = LABEL_ROWS
) -> list[int | None]:
    """The row (0 = top) for each label centred at `middles`, or None when it fits in no row
    without overlapping a label already placed there: labels in time order, each in the first
    row whose last label ends (plus a gap) before it starts. A dense goal then shows the labels
    that can be read, and its other bands keep their colour and tooltip."""
    start, end = pd.Timestamp(domain[0]), pd.Timestamp(domain[1])
    px_per_day = width_px / max((end - start) / pd.Timedelta(days=1), 1.0)
    last_end: list[float] = [float("-inf")] * rows
    placed: list[int | None] = [None] * len(labels)
    for i in sorted(range(len(labels)), key=lambda i: middles[i]):
        centre = (middles[i] - start) / pd.Timedelta(days=1) * px_per_day
        half = len(labels[i]) * LABEL_CHAR_PX / 2
        for row in range(rows):
            if centre - half >= last_end[row] + LABEL_GAP_PX:
                placed[i] = row
                last_end[row] = centre + half
                break
    return placed


def _event_days(events: pd.DataFrame) -> pd.DataFrame:
    """One row per event day, labels of the same day joined ("completed · revised"), so that
    a revision point reads as one labelled rule."""
    if events.empty:
        return pd.DataFrame(columns=["event_date", "label", "note", "revision"])
    return (
        events.assign(note=events["note"].fillna(""))
        .groupby("event_date", as_index=False)
        .agg(
            label=("label", lambda x: " · ".join(dict.fromkeys(x))),
            note=("note", lambda x: "; ".join(n for n in dict.fromkeys(x) if n)),
            revision=("revision", "any"),
        )
    )


def _reference_lines(chain: pd.DataFrame, as_of: dt.date, y_field: str) -> pd.DataFrame:
    """Baseline and target of each goal of the chain as horizontal segments over the span the
    goal was the current one (its start to the next goal's start, or to the as-of date)."""
    chain = chain.sort_values("position").reset_index(drop=True)
    rows = []
    for i, goal in chain.iterrows():
        end = chain.loc[i + 1, "start_date"] if i + 1 < len(chain) else pd.Timestamp(as_of)
        end = max(end, goal["start_date"])
        if y_field == "progress":
            levels = {"baseline": 0.0, "target": 1.0}
        else:
            levels = {"baseline": goal["baseline"], "target": goal["target"]}
        for kind, level in levels.items():
            if pd.notna(level):
                rows.append(
                    {
                        "goal_id": goal["goal_id"],
                        "kind": kind,
                        "level": float(level),
                        "start": goal["start_date"],
                        "end": end,
                        "label": f"{kind} {level:g}" if y_field == "value" else kind,
                    }
                )
    return pd.DataFrame(rows, columns=["goal_id", "kind", "level", "start", "end", "label"])


def _y_scale(chain: pd.DataFrame, points: pd.DataFrame, y_field: str) -> alt.Scale:
    if y_field == "progress":
        values = [0.0, 1.0, *points["progress"].dropna().tolist()] if not points.empty else [0.0, 1.0]
        lo, hi = min(values), max(values)
        pad = 0.1 * (hi - lo or 1)
        return alt.Scale(domain=[lo - pad, hi + pad], nice=False)
    return alt.Scale(domain=[float(chain["scale_min"].min()), float(chain["scale_max"].max())], nice=False)


def goal_timeline_chart(
    points: pd.DataFrame,
    chain: pd.DataFrame,
    events: pd.DataFrame,
    sessions: pd.DataFrame,
    as_of: dt.date,
    domain: list[str] | None = None,
    height: int = 340,
    width: int | str = "container",
) -> alt.LayerChart:
    """A goal's path: phase bands with labels, baseline and target rules, the target date,
    lifecycle events as labelled rules, the check-ins joined in time order with phase-coloured
    points, the running-median trend, and sessions without a check-in as hollow marks on the
    time axis. The y axis is the goal's own scale, or progress (0 = baseline, 1 = target)
    when a revision changed the measure."""
    y_field = "value" if chain["measure"].nunique() <= 1 else "progress"
    measure = chain["measure"].iloc[-1] if not chain.empty else "self-rated-0-10"
    y_title = (
        MEASURE_TITLES.get(measure, "Value") if y_field == "value" else "Progress (0 = baseline, 1 = target)"
    )
    domain = domain or time_domain(points, chain, as_of)
    x_scale = alt.Scale(domain=domain)
    y_scale = _y_scale(chain, points, y_field)
    y_top, y_bottom = y_scale.domain[1], y_scale.domain[0]

    runs = _phase_runs(points)
    # Labels sit in two rows at the top; one that would overlap its neighbours in both is left
    # out (label_rows).
    rows = label_rows(
        list(runs["middle"]),
        list(runs["label"]),
        domain,
        width if isinstance(width, int) else LABEL_LAYOUT_WIDTH,
    )
    runs["label_y"] = [None if r is None else y_top - r * 0.07 * (y_top - y_bottom) for r in rows]
    phase_bands = (
        alt.Chart(runs, name="phase_bands")
        .mark_rect(opacity=0.16)
        .encode(
            x=alt.X("start:T", scale=x_scale, axis=TIME_AXIS),
            x2=alt.X2("end:T"),
            color=alt.Color("phase:N", scale=PHASE_SCALE, legend=None),
            tooltip=[
                alt.Tooltip("label:N", title="Phase"),
                alt.Tooltip("start:T", title="From", format="%d %b %Y"),
                alt.Tooltip("end:T", title="To", format="%d %b %Y"),
                alt.Tooltip("checkins:Q", title="Check-ins"),
            ],
        )
    )
    phase_labels = (
        alt.Chart(runs[runs["label_y"].notna()], name="phase_labels")
        .mark_text(baseline="top", dy=4, fontSize=11, fontWeight="bold")
        .encode(
            x=alt.X("middle:T", scale=x_scale),
            y=alt.Y("label_y:Q", scale=y_scale),
            text=alt.Text("label:N"),
            color=alt.Color("phase:N", scale=PHASE_SCALE, legend=None),
        )
    )

    lines = _reference_lines(chain, as_of, y_field)
    reference_layers = []
    for kind, colour in (("baseline", OKABE_ITO["grey"]), ("target", OKABE_ITO["green"])):
        part = lines[lines["kind"] == kind]
        reference_layers.append(
            alt.Chart(part, name=kind)
            .mark_rule(strokeDash=[6, 3], strokeWidth=1.5, color=colour)
            .encode(
                x=alt.X("start:T", scale=x_scale),
                x2=alt.X2("end:T"),
                y=alt.Y("level:Q", scale=y_scale, title=y_title),
                tooltip=[alt.Tooltip("label:N", title="Reference")],
            )
        )
        reference_layers.append(
            alt.Chart(part, name=f"{kind}_label")
            .mark_text(align="right", baseline="bottom", dx=-2, dy=-2, fontSize=10, color=colour)
            .encode(
                x=alt.X("end:T", scale=x_scale), y=alt.Y("level:Q", scale=y_scale), text=alt.Text("label:N")
            )
        )

    head = chain.sort_values("position").iloc[[-1]] if not chain.empty else chain
    target_dates = head[head["target_date"].notna()][["target_date"]].assign(label="target date")
    target_date = (
        alt.Chart(target_dates, name="target_date")
        .mark_rule(color=OKABE_ITO["green"], strokeDash=[2, 2], strokeWidth=1.5)
        .encode(
            x=alt.X("target_date:T", scale=x_scale),
            tooltip=[alt.Tooltip("target_date:T", title="Target date", format="%d %b %Y")],
        )
    )
    target_date_label = (
        alt.Chart(target_dates, name="target_date_label")
        .mark_text(
            angle=270, align="right", baseline="bottom", dx=-4, dy=-3, fontSize=10, color=OKABE_ITO["green"]
        )
        # Below the two rows of phase labels, so that it never runs through one.
        .encode(
            x=alt.X("target_date:T", scale=x_scale),
            y=alt.YDatum(y_top - 0.16 * (y_top - y_bottom)),
            text=alt.Text("label:N"),
        )
    )

    days = _event_days(events)
    event_rules = (
        alt.Chart(days, name="events")
        .mark_rule(color=OKABE_ITO["purple"])
        .encode(
            x=alt.X("event_date:T", scale=x_scale),
            # The revision point of a chain stands out: thicker and dashed.
            strokeWidth=alt.StrokeWidthValue(1.2, condition={"test": "datum.revision", "value": 2.5}),
            strokeDash=alt.StrokeDashValue([1, 0], condition={"test": "datum.revision", "value": [5, 3]}),
            tooltip=[
                alt.Tooltip("event_date:T", title="Date", format="%d %b %Y"),
                alt.Tooltip("label:N", title="Event"),
                alt.Tooltip("note:N", title="Note"),
            ],
        )
    )
    event_labels = (
        alt.Chart(days, name="event_labels")
        .mark_text(
            angle=270, align="left", baseline="bottom", dx=18, dy=-3, fontSize=10, color=OKABE_ITO["purple"]
        )
        .encode(
            x=alt.X("event_date:T", scale=x_scale),
            y=alt.YDatum(y_bottom),
            text=alt.Text("label:N"),
        )
    )

    missed = sessions[~sessions["has_checkin"]] if not sessions.empty else sessions
    missed = missed.assign(what="session without a check-in of this goal")
    no_checkin = (
        alt.Chart(missed, name="sessions_without_checkin")
        .mark_point(shape="triangle-up", filled=False, size=70, strokeWidth=1.5, color=OKABE_ITO["black"])
        .encode(
            x=alt.X("session_date:T", scale=x_scale),
            y=alt.YDatum(y_bottom),
            tooltip=[
                alt.Tooltip("session_date:T", title="Session", format="%d %b %Y"),
                alt.Tooltip("what:N", title="Follow-up"),
            ],
        )
    )

    tooltip = [
        alt.Tooltip("checkin_date:T", title="Date", format="%d %b %Y"),
        alt.Tooltip("value:Q", title="Value", format="g"),
        alt.Tooltip("progress:Q", title="Progress to target", format=".0%"),
        alt.Tooltip("phase:N", title="Phase"),
        alt.Tooltip("reporter:N", title="Reported by"),
        alt.Tooltip("note:N", title="Note"),
        alt.Tooltip("description:N", title="Goal"),
    ]
    path = (
        alt.Chart(points, name="checkins_path")
        .mark_line(color=OKABE_ITO["black"], strokeWidth=1.6, opacity=0.85)
        .encode(
            x=alt.X("checkin_date:T", scale=x_scale),
            y=alt.Y(f"{y_field}:Q", scale=y_scale),
            order=alt.Order("checkin_date:T"),
            detail=alt.Detail("goal_id:N"),
            tooltip=tooltip,
        )
    )
    trend = (
        alt.Chart(points, name="trend")
        .mark_line(color=OKABE_ITO["blue"], strokeWidth=3, opacity=0.55, strokeDash=[1, 0])
        .encode(
            x=alt.X("checkin_date:T", scale=x_scale),
            y=alt.Y("trend_y:Q", scale=y_scale),
            order=alt.Order("checkin_date:T"),
            detail=alt.Detail("goal_id:N"),
            tooltip=[
                alt.Tooltip("checkin_date:T", title="Date", format="%d %b %Y"),
                alt.Tooltip("trend_y:Q", title="Trend (median of last 3)", format=".3g"),
            ],
        )
        .transform_calculate(trend_y=f"datum.{'trend_value' if y_field == 'value' else 'trend_progress'}")
        .transform_filter("isValid(datum.trend_y)")
    )
    trend_label = (
        alt.Chart(points, name="trend_label")
        .mark_text(align="left", baseline="top", dx=6, dy=6, fontSize=10, color=OKABE_ITO["blue"])
        .encode(
            x=alt.X("checkin_date:T", scale=x_scale),
            y=alt.Y("trend_y:Q", scale=y_scale),
            text=alt.TextValue("trend"),
        )
        .transform_calculate(trend_y=f"datum.{'trend_value' if y_field == 'value' else 'trend_progress'}")
        .transform_filter("isValid(datum.trend_y)")
        .transform_window(rank="rank()", sort=[alt.SortField("checkin_date", order="descending")])
        .transform_filter("datum.rank == 1")
    )
    checkins = (
        alt.Chart(points, name="checkins")
        .mark_point(filled=True, opacity=1, stroke="white", strokeWidth=0.8)
        .encode(
            x=alt.X("checkin_date:T", scale=x_scale),
            y=alt.Y(f"{y_field}:Q", scale=y_scale),
            color=alt.Color(
                "phase:N", scale=PHASE_SCALE, title="Phase", legend=alt.Legend(orient="right", symbolSize=90)
            ),
            shape=alt.Shape("phase:N", scale=PHASE_SHAPES, title="Phase", legend=alt.Legend(symbolSize=90)),
            size=alt.SizeValue(80, condition={"test": "indexof(datum.phase, 'sudden') >= 0", "value": 220}),
            tooltip=tooltip,
        )
    )
    return alt.layer(
        phase_bands,
        *reference_layers,
        target_date,
        target_date_label,
        event_rules,
        event_labels,
        no_checkin,
        trend,
        trend_label,
        path,
        checkins,
        phase_labels,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent", shape="independent")),
        height=height,
        width=width,
    )


def practice_panel_chart(
    practice: pd.DataFrame, domain: list[str], height: int = 110, width: int | str = "container"
) -> alt.LayerChart:
    """Coping-skill practice per week under the timeline, on the same time scale: skill logs as
    bars and the mean SUDS distress drop (Wolpe 1969) as points on a second axis."""
    x_scale = alt.Scale(domain=domain)
    most = int(practice["logs"].max()) if not practice.empty else 0
    step = max(1, -(-most // 4))  # whole-number ticks, at most about five
    log_ticks = list(range(0, most + step, step))
    tooltip = [
        alt.Tooltip("week:T", title="Week starting", format="%d %b %Y"),
        alt.Tooltip("logs:Q", title="Skill logs"),
        alt.Tooltip("distinct_skills:Q", title="Different skills"),
        alt.Tooltip("mean_distress_drop:Q", title="Mean distress drop (SUDS)", format=".1f"),
    ]
    bars = (
        alt.Chart(practice, name="practice_logs")
        .mark_bar(color=OKABE_ITO["sky"], width=6)
        .encode(
            x=alt.X("week:T", scale=x_scale, axis=TIME_AXIS),
            y=alt.Y(
                "logs:Q",
                title="Skill logs / week",
                axis=alt.Axis(values=log_ticks, format="d", titleColor=OKABE_ITO["blue"]),
            ),
            tooltip=tooltip,
        )
    )
    drop = (
        alt.Chart(practice, name="practice_distress_drop")
        .mark_line(
            color=OKABE_ITO["vermillion"], point=alt.OverlayMarkDef(color=OKABE_ITO["vermillion"], size=25)
        )
        .encode(
            x=alt.X("week:T", scale=x_scale),
            y=alt.Y(
                "mean_distress_drop:Q",
                title="Mean SUDS drop",
                axis=alt.Axis(orient="right", titleColor=OKABE_ITO["vermillion"]),
            ),
            tooltip=tooltip,
        )
        .transform_filter("isValid(datum.mean_distress_drop)")
    )
    return alt.layer(
        bars,
        drop,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")),
        height=height,
        width=width,
    )


def goal_timeline_view(
    points: pd.DataFrame,
    chain: pd.DataFrame,
    events: pd.DataFrame,
    sessions: pd.DataFrame,
    as_of: dt.date,
    practice: pd.DataFrame | None = None,
    width: int | str = "container",
) -> alt.LayerChart | alt.VConcatChart:
    """The full timeline, with the weekly coping-practice panel aligned below it when given
    (both on one time scale)."""
    # A goal that was closed is drawn up to its closing day, not to today.
    if not events.empty and events.iloc[-1]["lifecycle_status"] in (
        "completed",
        "cancelled",
        "entered-in-error",
    ):
        as_of = min(as_of, pd.Timestamp(events.iloc[-1]["event_date"]).date())
    domain = time_domain(points, chain, as_of)
    top = goal_timeline_chart(points, chain, events, sessions, as_of, domain=domain, width=width)
    if practice is None or practice.empty or practice["logs"].sum() == 0:
        # Set on the chart just built rather than by `configure_legend`, which deep-copies
        # the whole chart first (as do `resolve_scale` and `properties`: docs/performance.md).
        top.config = alt.Config(legend=LEGEND)
        return top
    bottom = practice_panel_chart(practice, domain, width=width)
    return alt.vconcat(
        top,
        bottom,
        spacing=6,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(x="shared", color="independent")),
        config=alt.Config(legend=LEGEND),
    )


def goal_small_multiples(
    panels: pd.DataFrame, domain: list[str], width: int = 230, *, full_titles: bool = False
) -> alt.FacetChart:
    """One small panel per goal (revision chain) on a shared time axis, in progress units
    (0 = baseline, 1 = target) so that goals on different scales read alike; the path is
    joined in time order, sudden changes are triangles and revised earlier goals are faded.

    `full_titles` wraps each goal's whole title over lines: for the printed report, where a
    title cut short reads wrong. Every panel has its own time axis on the same scale."""
    x_scale = alt.Scale(domain=domain)
    tooltip = [
        alt.Tooltip("checkin_date:T", title="Date", format="%d %b %Y"),
        alt.Tooltip("value:Q", title="Value", format="g"),
        alt.Tooltip("measure:N", title="Measure"),
        alt.Tooltip("progress:Q", title="Progress to target", format=".0%"),
        alt.Tooltip("phase:N", title="Phase"),
        alt.Tooltip("reporter:N", title="Reported by"),
        alt.Tooltip("note:N", title="Note"),
    ]
    panels = panels.assign(
        panel_title=[
            f"{title} · {status}" if isinstance(status, str) else str(title)
            for title, status in zip(panels["panel"], panels["panel_status"], strict=True)
        ]
    )
    header = alt.Header(labelFontWeight="bold", labelLimit=width, labelAnchor="start")
    if full_titles:
        # A header label that is an array of lines is drawn as several lines.
        chars = max(int(width / 6.5), 20)
        panels = panels.assign(
            panel_title=["\n".join(textwrap.wrap(t, chars)) for t in panels["panel_title"]]
        )
        header = alt.Header(
            labelFontWeight="bold", labelAnchor="start", labelExpr="split(datum.value, '\\n')"
        )
    panels = panels.assign(target_level=1.0, baseline_level=0.0)
    base = alt.Chart(panels)
    # One axis definition for every layer, so each panel shows a single 0%/100% axis.
    y_axis = alt.Axis(values=[0, 1], format=".0%", title="Progress")
    reference = base.mark_rule(color=OKABE_ITO["green"], strokeDash=[4, 3]).encode(
        y=alt.Y("target_level:Q", axis=y_axis)
    )
    zero = base.mark_rule(color=OKABE_ITO["grey"], strokeDash=[4, 3]).encode(
        y=alt.Y("baseline_level:Q", axis=y_axis)
    )
    path = base.mark_line(color=OKABE_ITO["black"], strokeWidth=1.3).encode(
        x=alt.X(
            "checkin_date:T",
            scale=x_scale,
            axis=alt.Axis(format="%b %Y", title=None, grid=False, tickCount="month", labelAngle=0),
        ),
        y=alt.Y("progress:Q", axis=y_axis),
        order=alt.Order("checkin_date:T"),
        detail=alt.Detail("goal_id:N"),
        opacity=alt.OpacityValue(1.0, condition={"test": "datum.revised", "value": 0.45}),
    )
    points = base.mark_point(filled=True, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("checkin_date:T", scale=x_scale),
        y=alt.Y("progress:Q"),
        color=alt.Color(
            "phase:N", scale=PHASE_SCALE, title="Phase", legend=alt.Legend(orient="top", symbolSize=70)
        ),
        shape=alt.Shape(
            "phase:N", scale=PHASE_SHAPES, title="Phase", legend=alt.Legend(orient="top", symbolSize=70)
        ),
        size=alt.SizeValue(40, condition={"test": "indexof(datum.phase, 'sudden') >= 0", "value": 110}),
        tooltip=tooltip,
    )
    return alt.layer(zero, reference, path, points, width=width, height=110).facet(
        facet=alt.Facet("panel_title:N", title=None, sort=alt.SortField("panel_order"), header=header),
        columns=3,
        resolve=alt.Resolve(
            scale=alt.ScaleResolveMap(y="independent"),
            # Every panel its own time axis (the scale stays shared): with one axis per
            # column, a column without a panel in the last row drew its axis under an empty
            # cell, which read as an empty goal.
            axis=alt.AxisResolveMap(x="independent"),
        ),
        config=alt.Config(legend=LEGEND),
    )
