"""Widgets whose values live in the URL (`st.query_params`), so a view can be bookmarked
and survives a reload."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics.overview import default_as_of
from ui.data import load


def as_of_date() -> dt.date:
    """The sidebar's "as of" date, kept in the URL as `as_of=YYYY-MM-DD`."""
    default = load(default_as_of)
    raw = st.query_params.get("as_of")
    try:
        value = dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        value = default
    chosen = st.sidebar.date_input(
        "As of",
        value=value,
        key="as_of",
        help="Views are computed at this date. It defaults to today, or to the last day "
        "with recorded data when the data stops more than a week ago (as in the demo).",
    )
    if chosen != default:
        st.query_params["as_of"] = chosen.isoformat()
    elif "as_of" in st.query_params:
        del st.query_params["as_of"]
    return chosen
