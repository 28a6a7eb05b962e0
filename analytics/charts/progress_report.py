"""The one-page progress report: a header, the client's goal timelines as small multiples
(the timeline module's builder), the GAS T-score and the latest questionnaire scores, in
words a client can read in session. Rendered offline to PNG/PDF by vl-convert."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.charts import OKABE_ITO
from analytics.charts.timeline import LEGEND, goal_small_multiples

WIDTH = 230 * 3 + 60
# A font that Debian and most servers have, so vl-convert draws text offline.
FONT = "DejaVu Sans"


def _lines(lines: list[tuple[str, int, str]]) -> alt.LayerChart:
    """Text lines (text, font size, weight) stacked top to bottom."""
    layers = []
    y = 0
    for text, size, weight in lines:
        layers.append(
            alt.Chart(pd.DataFrame({"line": [text]}))
            .mark_text(
                align="left",
                baseline="top",
                fontSize=size,
                fontWeight=weight,
                color=OKABE_ITO["black"],
                limit=WIDTH,
            )
            .encode(x=alt.XValue(0), y=alt.YValue(y), text=alt.Text("line:N"))
        )
        y += size + 8
    return alt.layer(*layers, width=WIDTH, height=max(y, 10))


def progress_report_chart(
    title: str,
    subtitle: str,
    panels: pd.DataFrame,
    domain: list[str],
    summary: list[str],
    footnote: list[str],
) -> alt.VConcatChart:
    """The whole page as one chart: title lines, the goal small multiples (or a sentence when
    there are no check-ins), the score summary and the footnote explaining the charts."""
    parts: list[alt.LayerChart | alt.FacetChart] = []
    if panels.empty:
        parts.append(_lines([("No goal check-ins are recorded yet.", 13, "normal")]))
    else:
        grid = goal_small_multiples(panels, domain, full_titles=True)
        grid.config = alt.Undefined  # the page sets the configuration once, at the top
        parts.append(grid)
    parts.append(
        _lines(
            [(line, 13 if i == 0 else 12, "bold" if i == 0 else "normal") for i, line in enumerate(summary)]
        )
    )
    parts.append(_lines([(line, 10, "normal") for line in footnote]))
    # Title and configuration as arguments: each method called on a finished compound chart
    # copies all of it (analytics/charts/__init__.py).
    return alt.vconcat(
        *parts,
        spacing=14,
        title=alt.TitleParams(
            text=title, subtitle=subtitle, anchor="start", fontSize=22, subtitleFontSize=13, offset=14
        ),
        config=alt.Config(
            font=FONT, background="white", padding=24, view=alt.ViewConfig(stroke=None), legend=LEGEND
        ),
    )
