"""The pages' charts as Vega-Lite specs, cached like the data they draw.

Building a chart with Altair and turning it into a validated Vega-Lite spec was most of a
cached rerun (py-spy), paid again on every widget change although the data had not changed:
with a goal open on the client page at clinic scale a cached rerun took 0.64 s, and 0.11 s
with the specs cached (docs/performance.md). So each spec is built once per answer and cached
under the same key as the data it draws: the chart, the call, the database file and its last
change, and every argument, the viewer's `Scope` included (cached values are shared by every
user of the server, ui/data.py).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

import altair as alt
import streamlit as st

# Streamlit's own conversion of an Altair chart, exactly as `st.altair_chart` does it (the
# chart's data as Arrow datasets); a private function of the pinned Streamlit 1.67, checked
# by tests/test_page_client.py against `st.altair_chart`'s output.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from analytics.audit import Period, audit_overview, monthly_trends, worst_first
from analytics.charts.audit import monthly_trend_chart, practitioner_bars
from analytics.charts.timeline import goal_small_multiples, goal_timeline_view, time_domain
from analytics.scope import Scope
from analytics.timeline import client_view, goal_view
from ui.data import DEPENDENT_CACHES, data_version, get_database, load


def timeline_chart(
    scope: Scope, client_id: str, goal_id: str, as_of: dt.date, width: int
) -> alt.TopLevelMixin:
    """The goal's full timeline (`goal_timeline_view`) with its coping-practice panel."""
    view = load(goal_view, scope, client_id, goal_id, as_of)
    return goal_timeline_view(
        view["points"], view["chain"], view["events"], view["sessions"], as_of, view["practice"], width=width
    )


def small_multiples_chart(scope: Scope, client_id: str, as_of: dt.date) -> alt.TopLevelMixin:
    """One panel per goal of the client (`goal_small_multiples`) on a shared time axis."""
    view = load(client_view, scope, client_id, as_of)
    chains = view["goals"].drop_duplicates("chain_head")
    # Target dates beyond the as-of day would only stretch every panel: leave them out here.
    domain = time_domain(view["panels"], chains.drop(columns="target_date"), as_of)
    return goal_small_multiples(view["panels"], domain)


def audit_bars_chart(
    scope: Scope, period: Period, as_of: dt.date, months: int, n: int, d: int, k: int, metric: str
) -> alt.TopLevelMixin:
    """The follow-up audit's bars of one metric per practitioner, worst first, with everyone's
    rate as a rule (`practitioner_bars`), from the page's `audit_overview`."""
    overview = load(audit_overview, scope, period, as_of, months, n, d, k)
    clinic_rate = overview.headline.set_index("metric").loc[metric, "rate"]
    return practitioner_bars(worst_first(overview.table, metric), metric, clinic_rate)


def audit_trend_chart(
    scope: Scope, period: Period, as_of: dt.date, months: int, n: int, d: int, k: int, who: str
) -> alt.TopLevelMixin:
    """The audit's month-by-month lines (`monthly_trend_chart`) of everyone in view (`who` =
    "all", from the page's `audit_overview`) or of one practitioner."""
    if who == "all":
        trends = load(audit_overview, scope, period, as_of, months, n, d, k).trends
    else:
        trends = load(monthly_trends, scope, as_of, months, n, d, k, "clinic", who)
    return monthly_trend_chart(trends)


class _Unvalidated:
    """A chart whose `to_dict()` skips Altair's JSON-schema check of the finished spec.

    That check was half of converting a goal's timeline (150 of 315 ms on a slow host,
    docs/performance.md), paid on every uncached view although a spec's shape comes from
    the code, not the data. The check is kept where it can fail a change: the tests validate
    every chart the benchmark's page views draw (tests/test_chart_specs.py), and the chart
    tests' `to_dict()` validates too."""

    def __init__(self, chart: alt.TopLevelMixin) -> None:
        self._chart = chart

    def to_dict(self) -> dict[str, Any]:
        return self._chart.to_dict(validate=False)


def vega_lite(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite spec Streamlit draws for `chart` (data as Arrow datasets), unvalidated."""
    return _convert_altair_to_vega_lite_spec(_Unvalidated(chart))


# A spec carries its data as Arrow (tens of kB), hence fewer entries than ui/data.py keeps.
@st.cache_data(ttl=600, show_spinner=False, max_entries=512)
def _cached_spec(name: str, db_path: str, version: str, args: tuple) -> dict[str, Any]:
    chart: Callable[..., alt.TopLevelMixin] = getattr(importlib.import_module(__name__), name)
    return vega_lite(chart(*args))


@st.cache_data(ttl=600, show_spinner=False, max_entries=512)
def _cached_data_spec(
    chart: tuple[str, str],
    data: tuple[str, str],
    db_path: str,
    version: str,
    args: tuple,
    parts: tuple,
    extra: tuple,
) -> dict[str, Any]:
    draw = getattr(importlib.import_module(chart[0]), chart[1])
    answer = load(getattr(importlib.import_module(data[0]), data[1]), *args)
    frames = [answer[part] for part in parts] if parts else [answer]
    return vega_lite(draw(*frames, *extra))


def data_spec(
    chart: Callable[..., alt.TopLevelMixin],
    data: Callable[..., Any],
    *args: Any,
    parts: tuple[str, ...] = (),
    extra: tuple = (),
) -> dict[str, Any]:
    """The Vega-Lite spec of an `analytics.charts` function drawn from an `analytics` call:
    `chart(answer, *extra)`, or `chart(answer[p1], answer[p2], …, *extra)` for `parts`, where
    `answer = load(data, *args)` (ui/data.py); cached by all of these and the database's
    version, like the answer itself."""
    if not chart.__module__.startswith("analytics.charts."):
        raise ValueError("only analytics.charts functions are drawn here")
    db = get_database()
    return _cached_data_spec(
        (chart.__module__, chart.__name__),
        (data.__module__, data.__name__),
        db.path,
        data_version(db),
        args,
        parts,
        extra,
    )


def spec(chart: Callable[..., alt.TopLevelMixin], *args: Any) -> dict[str, Any]:
    """The Vega-Lite spec of `chart(*args)` (one of this module's charts), cached by every
    argument and the database's version; draw it with `st.vega_lite_chart(spec=...)`."""
    if chart.__module__ != __name__:
        raise ValueError("only this module's charts are cached here")
    db = get_database()
    return _cached_spec(chart.__name__, db.path, data_version(db), args)


DEPENDENT_CACHES.extend([_cached_spec, _cached_data_spec])
