"""Signing in to the whole app (app.py under AppTest): local accounts, OIDC, idle timeout."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics.auth import DEMO_PASSWORD, add_user, create_demo_accounts
from analytics.db import Database
from tests.factories import Clinic

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    c = Clinic(db)
    # sup supervises t1; t2 is outside sup's team. The demo accounts pick sup and t1.
    c.practitioner("sup", role="supervisor", name="Dr Sup")
    c.practitioner("t1", supervisor="sup", name="Tess One")
    c.practitioner("t2", name="Tom Two")
    c.client("c1", "t1", intake="2026-01-05")
    c.client("c2", "t2", intake="2026-01-05")
    create_demo_accounts(db)
    db.close()
    return tmp_path / "w.duckdb"


def app(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("WAYMARK_DB", str(db_path))
    monkeypatch.delenv("WAYMARK_DB_KEY", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


def sign_in(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input(key="sign_in_email").input(email)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


def navigation() -> tuple[dict[str, str], dict[str, dict[str, list[str]]]]:
    """app.py's PAGES (key -> title) and NAVIGATION (role -> section -> keys), read from its source."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    titles: dict[str, str] = {}
    nav: dict = {}
    for node in tree.body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if getattr(target, "id", None) == "PAGES":
            for key, call in zip(node.value.keys, node.value.values, strict=True):
                title = next(kw.value.value for kw in call.keywords if kw.arg == "title")
                titles[key.value] = title
        elif getattr(target, "id", None) == "NAVIGATION":
            nav = ast.literal_eval(node.value)
    return titles, nav


def role_page_titles(role: str) -> list[str]:
    titles, nav = navigation()
    return [titles[name] for names in nav[role].values() for name in names]


def log_rows(db_path: Path) -> list[list]:
    return (
        Database(db_path)
        .query_sql("SELECT user_id, action, page, detail FROM access_log ORDER BY access_id")
        .values.tolist()
    )


def test_before_signing_in_only_the_sign_in_page_exists_and_it_explains_the_demo_accounts(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(db_path, monkeypatch).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to Waymark"]
    # No navigation at all: not one page link, and no sign of any page's content.
    assert at.get("page_link") == []
    assert "viewer" not in at.session_state
    help_text = at.info[0].value
    assert f"`{DEMO_PASSWORD}`" in help_text
    for email, role in [
        ("t1@example.org", "therapist"),
        ("sup@example.org", "supervisor"),
        ("admin@waymark.example", "admin"),
    ]:
        assert f"| {role} | `{email}` |" in help_text


@pytest.mark.parametrize(
    ("email", "role", "scope", "name"),
    [
        ("t1@example.org", "therapist", ("t1",), "Tess One"),
        ("sup@example.org", "supervisor", ("sup", "t1"), "Dr Sup"),
        ("admin@waymark.example", "admin", ("sup", "t1", "t2"), "Clinic administrator"),
    ],
)
def test_each_demo_account_signs_in_to_its_role_and_scope(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, email: str, role: str, scope: tuple, name: str
) -> None:
    at = sign_in(app(db_path, monkeypatch).run(), email, DEMO_PASSWORD)
    assert not at.exception
    viewer = at.session_state["viewer"]
    assert (viewer.role, viewer.scope.practitioner_ids, viewer.display_name) == (role, scope, name)
    # The role's first page opens, and the sidebar links to exactly the role's pages.
    assert [p.label for p in at.sidebar.get("page_link")] == role_page_titles(role)
    assert at.title[0].value == role_page_titles(role)[0]
    assert f"Signed in as **{name}** ({role})" in [c.value for c in at.sidebar.caption]
    assert log_rows(db_path)[0] == [email, "sign-in", "sign-in", "password"]


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = sign_in(app(db_path, monkeypatch).run(), "t1@example.org", "not the password")
    assert not at.exception
    assert "viewer" not in at.session_state
    assert at.error[0].value == "**Sign-in refused.** The e-mail or the password is not right."
    assert [t.value for t in at.title] == ["Sign in to Waymark"]


def test_the_sixth_try_after_five_failures_is_refused_even_with_the_right_password(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(db_path, monkeypatch).run()
    for _ in range(5):
        at = sign_in(at, "t1@example.org", "not the password")
    at = sign_in(at, "t1@example.org", DEMO_PASSWORD)
    assert "viewer" not in at.session_state
    assert at.error[0].value.startswith(
        "**Too many failed sign-ins.** Too many failed sign-ins for this e-mail."
    )


def test_signing_out_returns_to_the_sign_in_page_and_is_logged(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = sign_in(app(db_path, monkeypatch).run(), "sup@example.org", DEMO_PASSWORD)
    at = at.button(key="sign_out").click().run()
    assert not at.exception
    assert "viewer" not in at.session_state
    assert [t.value for t in at.title] == ["Sign in to Waymark"]
    assert log_rows(db_path)[-1] == ["sup@example.org", "sign-out", "sign-out", "signed out"]


def test_a_session_idle_longer_than_the_timeout_must_sign_in_again(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = sign_in(app(db_path, monkeypatch).run(), "t1@example.org", DEMO_PASSWORD)
    # Pretend the last interaction was 31 minutes ago (the timeout is 30 minutes).
    at.session_state["_auth_last_seen"] = time.monotonic() - 31 * 60
    at.run()
    assert "viewer" not in at.session_state
    assert [t.value for t in at.title] == ["Sign in to Waymark"]
    assert "signed out after 30 minutes without activity" in at.warning[0].value
    assert log_rows(db_path)[-1] == ["t1@example.org", "sign-out", "sign-out", "idle"]


def test_a_session_used_within_the_timeout_stays_signed_in(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = sign_in(app(db_path, monkeypatch).run(), "t1@example.org", DEMO_PASSWORD)
    at.session_state["_auth_last_seen"] = time.monotonic() - 29 * 60
    at.run()
    assert at.session_state["viewer"].user_id == "t1@example.org"


OIDC = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "waymark",
    "client_secret": "test-secret",
    "server_metadata_url": "https://login.example/.well-known/openid-configuration",
}


def test_with_oidc_configured_the_provider_signs_in_and_the_email_picks_the_account(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(db_path, monkeypatch)
    at.secrets["auth"] = OIDC
    at.user = {"is_logged_in": False}
    at.run()
    # No password form: one "Sign in" button that hands over to the provider.
    assert at.get("text_input") == []
    assert [b.label for b in at.button] == ["Sign in"]

    at.user = {"is_logged_in": True, "email": "SUP@example.org", "email_verified": True}
    at.run()
    viewer = at.session_state["viewer"]
    assert (viewer.user_id, viewer.role, viewer.scope.practitioner_ids) == (
        "sup@example.org",
        "supervisor",
        ("sup", "t1"),
    )
    assert log_rows(db_path)[0] == ["sup@example.org", "sign-in", "sign-in", "oidc"]


def test_with_oidc_an_email_without_an_account_gets_no_access(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app(db_path, monkeypatch)
    at.secrets["auth"] = OIDC
    at.user = {"is_logged_in": True, "email": "t2@example.org", "email_verified": True}
    at.run()
    assert "viewer" not in at.session_state
    assert "t2@example.org has no Waymark access yet" in at.warning[0].value
    # Once an administrator adds the account (matched to practitioner t2 by e-mail), it works.
    add_user(Database(db_path), "t2@example.org")
    at.run()
    assert at.session_state["viewer"].scope.practitioner_ids == ("t2",)


def test_with_oidc_an_unverified_email_is_not_trusted(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(db_path, monkeypatch)
    at.secrets["auth"] = OIDC
    at.user = {"is_logged_in": True, "email": "admin@waymark.example", "email_verified": False}
    at.run()
    assert "viewer" not in at.session_state
    assert "has not verified your e-mail" in at.warning[0].value


@pytest.mark.parametrize(("email", "page"), [("t1@example.org", "audit"), ("sup@example.org", "access_log")])
def test_a_page_outside_the_role_is_refused_even_when_streamlit_runs_it_directly(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, email: str, page: str
) -> None:
    # Sign in through app.py, then run the page file on its own with that session's state:
    # what a fresh server's first session does when its URL names a pages/ file.
    signed_in = sign_in(app(db_path, monkeypatch).run(), email, DEMO_PASSWORD)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30)
    for key in ("viewer", "_allowed_pages", "_auth_last_seen"):
        at.session_state[key] = signed_in.session_state[key]
    at.run()
    assert not at.exception
    assert at.error[0].value == "**Access is not allowed.** This page is not one of the pages for your role."
    assert at.get("vega_lite_chart") == [] and at.dataframe == [] and at.metric == []


def test_a_page_run_directly_before_sign_in_shows_the_sign_in_form(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app(db_path, monkeypatch)  # points WAYMARK_DB at the clinic
    at = AppTest.from_file(str(ROOT / "pages" / "caseload.py"), default_timeout=30).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to Waymark"]
    assert at.dataframe == [] and at.metric == []


def test_a_database_without_accounts_says_how_to_create_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(tmp_path / "empty.duckdb")
    db.migrate()
    db.close()
    at = app(tmp_path / "empty.duckdb", monkeypatch).run()
    assert not at.exception
    assert "no accounts" in at.info[0].value
    assert "python -m analytics users add you@clinic.example --role admin" in at.info[0].value
