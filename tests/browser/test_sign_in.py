"""Signing in on a freshly started server: each demo role sees exactly its own pages.

Each test starts its own server, because the risk is specific to a server's first session:
with a folder named `pages/`, Streamlit's legacy multipage mode can list (and run) every
file in `pages/` until app.py has called `st.navigation` once (design.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics.auth import DEMO_PASSWORD, demo_accounts
from analytics.db import Database
from tests.browser.conftest import screenshot, wait_for_app
from tests.test_sign_in import navigation, role_page_titles

ALL_TITLES = sorted(set(navigation()[0].values()))


@pytest.fixture
def fresh_demo(demo_db: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A private copy of the demo clinic, and its demo account e-mail per role."""
    db_path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db_path)
    db = Database(db_path)
    emails = {row.role: row.email for row in demo_accounts(db).itertuples()}
    db.close()
    return db_path, emails


def sign_in(page, email: str) -> None:  # noqa: ANN001 - a Playwright Page
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for(timeout=60_000)
    wait_for_app(page)


def sidebar_links(page) -> list[str]:  # noqa: ANN001
    # The account box and the links are drawn in one script run, but not in one frame:
    # wait for the links before reading them.
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').first.wait_for(timeout=60_000)
    # Each link's text is its icon's ligature name, then its label: keep the label.
    return [
        text.strip().splitlines()[-1]
        for text in page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').all_inner_texts()
    ]


def test_before_signing_in_no_page_name_appears_anywhere(page, start_app, fresh_demo) -> None:
    db_path, emails = fresh_demo
    url = start_app(db_path)
    page.goto(url)
    page.get_by_text("This is the demo clinic").wait_for(timeout=60_000)
    wait_for_app(page)
    body = page.inner_text("body")
    for title in ALL_TITLES:
        assert title not in body, f"{title!r} is visible before sign-in"
    # Streamlit's own auto-discovered page list is never drawn.
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    for email in emails.values():
        assert email in body
    page.get_by_role("textbox", name="Password").wait_for()
    screenshot(page, "sign-in")


@pytest.mark.parametrize("role", ["therapist", "supervisor", "admin"])
def test_each_demo_role_sees_exactly_its_own_pages_on_a_fresh_server(
    page, start_app, fresh_demo, role: str
) -> None:
    db_path, emails = fresh_demo
    url = start_app(db_path)
    page.goto(url)
    page.get_by_text("Sign in to Waymark").wait_for(timeout=60_000)
    sign_in(page, emails[role])
    expected = role_page_titles(role)
    assert sidebar_links(page) == expected
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    # No other page's name appears anywhere in the sidebar (the main area may mention a
    # page in prose, so only the navigation is held to this).
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    for title in ALL_TITLES:
        if title not in expected:
            assert title not in sidebar, f"{role} sees {title!r}"
    page.get_by_role("heading", name=expected[0]).first.wait_for(timeout=60_000)
    wait_for_app(page)
    screenshot(page, f"signed-in-{role}")


def test_a_page_url_opened_first_on_a_fresh_server_asks_to_sign_in_and_then_obeys_the_role(
    page, start_app, fresh_demo
) -> None:
    db_path, emails = fresh_demo
    url = start_app(db_path)
    # The very first request of this server names an admin-only page.
    page.goto(f"{url}/access_log")
    page.get_by_text("Sign in to Waymark").wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.get_by_role("heading", name="Access log").count() == 0
    sign_in(page, emails["therapist"])
    assert sidebar_links(page) == role_page_titles("therapist")
    assert page.get_by_role("heading", name="Access log").count() == 0
    assert page.locator('[data-testid="stDataFrame"]').filter(has_text="user_id").count() == 0


def test_a_shared_client_link_opens_after_sign_in_only_for_a_client_in_scope(
    page, start_app, fresh_demo
) -> None:
    db_path, emails = fresh_demo
    db = Database(db_path)
    supervisor = db.scalar(
        "SELECT practitioner_id FROM practitioners WHERE email = $e", {"e": emails["supervisor"]}
    )
    team = "(SELECT practitioner_id FROM practitioners WHERE practitioner_id = $s OR supervisor_id = $s)"
    ours = db.scalar(f"SELECT min(client_id) FROM clients WHERE practitioner_id IN {team}", {"s": supervisor})
    theirs = db.scalar(
        f"SELECT min(client_id) FROM clients WHERE practitioner_id NOT IN {team}", {"s": supervisor}
    )
    db.close()
    url = start_app(db_path)
    page.goto(url)  # the server's first session opens the home page
    page.get_by_text("Sign in to Waymark").wait_for(timeout=60_000)

    for client, allowed in [(ours, True), (theirs, False)]:
        page.goto(f"{url}/client?client={client}")
        page.get_by_text("Sign in to Waymark").wait_for(timeout=60_000)
        sign_in(page, emails["supervisor"])
        page.get_by_role("heading", name="Client").first.wait_for(timeout=60_000)
        wait_for_app(page)
        assert f"/client?client={client}" in page.url
        refused = page.get_by_text("Access is not allowed").count() > 0
        assert refused is not allowed, (client, allowed)
