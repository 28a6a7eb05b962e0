"""Exports as deferred downloads: each function returns a no-argument callable that
`st.download_button(data=...)` runs only when the button is clicked.

A table at health-system scale is millions of rows, and a progress report takes a fraction
of a second to render: building either on every rerun of a page would slow every widget
change for a file that is rarely wanted. The callables run on Streamlit's download thread,
outside the script, so they take the gateway and the viewer's scope as values (no
Streamlit calls inside).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pandas as pd

from analytics import data_export
from analytics.db import Database
from analytics.exports import to_safe_csv
from analytics.scope import Scope

Download = Callable[[], bytes]


def table_or_view(
    db: Database, scope: Scope, kind: str, name: str, fmt: str, as_of: dt.date, with_real_names: bool
) -> Download:
    """An importable table (`kind` "table") or an analytics view ("view") as CSV or Parquet."""

    def build() -> bytes:
        if kind == "table":
            frame = data_export.table_frame(db, scope, name, with_real_names=with_real_names)
        else:
            frame = data_export.view_frame(db, scope, name, as_of)
        return data_export.export_bytes(frame, fmt)

    return build


def fhir_bundle(db: Database, scope: Scope, client_id: str) -> Download:
    """A client's FHIR R4 Bundle as JSON."""
    return lambda: json.dumps(data_export.client_bundle(db, scope, client_id), indent=2).encode()


def progress_report(db: Database, scope: Scope, client_id: str, as_of: dt.date, fmt: str) -> Download:
    """A client's one-page progress report as PNG or PDF (pseudonymous code, not a name)."""

    def build() -> bytes:
        from analytics.progress_report import render_progress_report  # vl-convert: load when asked

        return render_progress_report(db, scope, client_id, as_of, fmt)

    return build


def safe_csv(frame: pd.DataFrame) -> Download:
    """A frame the page already holds (a drill-down, a search) as spreadsheet-safe CSV."""
    return lambda: to_safe_csv(frame)
