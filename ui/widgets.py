"""Widgets whose values live in the URL (`st.query_params`), so a view can be bookmarked
and survives a reload."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from analytics.db import Database
from analytics.overview import default_as_of
from analytics.scope import Scope
from ui import exports
from ui.access import recorded_download
from ui.data import load

# A list of cases longer than this shows its first rows and offers all of them as a file: a
# health system's drill-down for everyone in view is 175,714 sessions, which no one reads on
# screen and whose CSV alone took 2.4 s to build (docs/audit.md, "Drill-down and export").
CASES_SHOWN = 1_000


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


REPORT_MIME = {"pdf": "application/pdf", "png": "image/png"}


def progress_report_button(
    where: Any,
    page: str,
    label: str,
    db: Database,
    scope: Scope,
    client_id: str,
    code: str,
    as_of: dt.date,
    fmt: str,
    key: str,
) -> None:
    """A download of the client's one-page progress report (built on click, by code only),
    recorded in the access log as an export from `page`."""
    where.download_button(
        label,
        data=recorded_download(
            exports.progress_report(db, scope, client_id, as_of, fmt),
            page,
            client_id,
            f"progress-report.{fmt}",
        ),
        file_name=f"progress-report-{code}-{as_of.isoformat()}.{fmt}",
        mime=REPORT_MIME[fmt],
        icon=":material/download:",
        on_click="ignore",
        key=key,
    )


def csv_download_button(label: str, frame: pd.DataFrame, page: str, detail: str, file_name: str) -> None:
    """A download of `frame` as spreadsheet-safe CSV, built on click and recorded then as an
    export from `page` (`detail` says which file; never client data)."""
    st.download_button(
        label,
        data=recorded_download(exports.safe_csv(frame), page, None, detail),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
