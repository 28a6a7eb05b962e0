"""The README's run command is all a demo user needs: the first run builds the demo clinic
with its accounts, and the sign-in page says how to use them."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics.auth import DEMO_ADMIN_EMAIL, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def test_the_first_run_builds_the_demo_with_accounts_that_sign_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No configuration: the default database path (pointed at a temporary folder here).
    default = tmp_path / "data" / "waymark.duckdb"
    monkeypatch.delenv("WAYMARK_DB", raising=False)
    monkeypatch.delenv("WAYMARK_DB_KEY", raising=False)
    monkeypatch.setattr("ui.data.database_path", lambda: default)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert default.exists()
    assert [t.value for t in at.title] == ["Sign in to Waymark"]
    help_text = at.info[0].value
    assert f"`{DEMO_ADMIN_EMAIL}`" in help_text and f"`{DEMO_PASSWORD}`" in help_text
    assert help_text.count("@waymark.example`") == 3  # one account per role

    at.text_input(key="sign_in_email").input(DEMO_ADMIN_EMAIL)
    at.text_input(key="sign_in_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert at.session_state["viewer"].role == "admin"


@pytest.mark.parametrize("page", ["client.py", "caseload.py", "audit.py"])
def test_a_deep_link_as_the_first_request_builds_the_demo_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    # Streamlit runs a pages/*.py file on its own, without app.py, for the first session after
    # a server start. So a bookmarked page as the very first request used to open, and so
    # create, an empty database at the default path ("this database has no accounts"), and
    # the demo was never built (seen from a fresh clone, 3 December).
    default = tmp_path / "data" / "waymark.duckdb"
    monkeypatch.delenv("WAYMARK_DB", raising=False)
    monkeypatch.delenv("WAYMARK_DB_KEY", raising=False)
    monkeypatch.setattr("ui.data.database_path", lambda: default)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=120)
    at.query_params["client"] = "cl-0078"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to Waymark"]
    help_text = at.info[0].value
    assert f"`{DEMO_ADMIN_EMAIL}`" in help_text and help_text.count("@waymark.example`") == 3

    at.text_input(key="sign_in_email").input(DEMO_ADMIN_EMAIL)
    at.text_input(key="sign_in_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert at.session_state["viewer"].role == "admin"
