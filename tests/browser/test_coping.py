"""The coping-skills page in a real browser, over the demo clinic."""

from __future__ import annotations

from analytics.auth import DEMO_PASSWORD, demo_accounts
from analytics.db import Database
from tests.browser.conftest import screenshot, wait_for_app

CHARTS = '[data-testid="stVegaLiteChart"]'


def email_of(demo_db, role: str) -> str:  # noqa: ANN001 - a Path
    """The demo clinic's account for `role` (the generator names the people)."""
    db = Database(demo_db)
    try:
        accounts = demo_accounts(db)
    finally:
        db.close()
    return str(accounts.loc[accounts["role"] == role, "email"].iloc[0])


def sign_in(page, app_url: str, email: str) -> None:  # noqa: ANN001 - a Playwright Page
    page.goto(f"{app_url}/")
    wait_for_app(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # The script reruns after the click; wait for the signed-in sidebar, not just a quiet app.
    page.get_by_role("link", name="Coping skills").wait_for(timeout=60_000)
    wait_for_app(page)


def charts_drawn(page) -> None:  # noqa: ANN001
    page.locator(CHARTS).first.wait_for()
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHARTS} svg path, {CHARTS} canvas').length > 0"
    )


def test_therapist_sees_a_clients_practice_and_what_helps_them(page, app_url, demo_db) -> None:
    sign_in(page, app_url, email_of(demo_db, "therapist"))
    page.get_by_role("link", name="Coping skills").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Coping skills").wait_for()
    charts_drawn(page)
    assert page.get_by_text("Weeks with practice").is_visible()
    assert page.get_by_role("heading", name="Practice per week").is_visible()
    # Therapists have no clinic view.
    assert page.get_by_text("Across the clinic").count() == 0
    # A tall window so the full-page screenshot holds the whole page; Streamlit then lays
    # its widgets out again, so wait for the last ones to be drawn.
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.get_by_text("Rated uses needed to rank a skill").wait_for()
    page.locator('[data-testid="stCheckbox"]').first.wait_for()
    page.get_by_text("This is an association, not a cause").wait_for()
    charts_drawn(page)
    shot = screenshot(page, "coping-client")
    assert shot.stat().st_size > 10_000


def test_supervisor_sees_the_clinics_skills_and_who_stopped(page, app_url, demo_db) -> None:
    sign_in(page, app_url, email_of(demo_db, "supervisor"))
    page.get_by_role("link", name="Coping skills").click()
    wait_for_app(page)
    page.get_by_text("Across the clinic").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Practice by life area").wait_for()
    charts_drawn(page)
    assert page.get_by_text("Clients whose practice stopped").is_visible()
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.get_by_text("Practice stopped: weeks without a log").wait_for()
    charts_drawn(page)
    shot = screenshot(page, "coping-clinic")
    assert shot.stat().st_size > 10_000
