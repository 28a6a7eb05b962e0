"""Run a page (or the whole app) under Streamlit's AppTest against a given database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from analytics.db import Database
from analytics.scope import Role, scope_for
from ui.viewer import Viewer

ROOT = Path(__file__).resolve().parent.parent


def viewer_for(db: Database, role: Role, practitioner_id: str | None, user_id: str | None = None) -> Viewer:
    return Viewer(
        user_id=user_id or practitioner_id or "admin",
        display_name=f"Test {role}",
        role=role,
        practitioner_id=practitioner_id,
        scope=scope_for(db, role, practitioner_id),
    )


def run_page(
    page: str,
    db_path: Path,
    viewer: Viewer,
    query_params: dict[str, str] | None = None,
    monkeypatch: Any = None,
    timeout: float = 30,
) -> AppTest:
    """Run `pages/<page>.py` as `viewer` over the database at `db_path`.

    Needs pytest's `monkeypatch` to point WAYMARK_DB at the file for this test only.
    """
    monkeypatch.setenv("WAYMARK_DB", str(db_path))
    monkeypatch.delenv("WAYMARK_DB_KEY", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=timeout)
    at.session_state["viewer"] = viewer
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    return at.run()


def chart_spec(at: AppTest, index: int = 0) -> dict[str, Any]:
    """The Vega-Lite spec of the index-th chart on the page."""
    return json.loads(at.get("vega_lite_chart")[index].proto.spec)


def chart_data(at: AppTest, index: int = 0, dataset: int = 0) -> pd.DataFrame:
    """The data the index-th chart ships to the browser."""
    el = at.get("vega_lite_chart")[index]
    return convert_arrow_bytes_to_pandas_df(el.proto.datasets[dataset].data.data)
