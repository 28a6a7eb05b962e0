"""The follow-up audit in a real browser, over the demo clinic: the supervisor's home."""

from __future__ import annotations

from analytics.auth import DEMO_PASSWORD, demo_accounts
from analytics.db import Database
from tests.browser.conftest import screenshot, wait_for_app

CHARTS = '[data-testid="stVegaLiteChart"]'


def account(demo_db, role: str) -> str:  # noqa: ANN001 - a Path
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
    page.get_by_role("link", name="Follow-up audit").wait_for(timeout=60_000)
    wait_for_app(page)


def charts_drawn(page) -> None:  # noqa: ANN001
    page.locator(CHARTS).first.wait_for()
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHARTS} svg path, {CHARTS} canvas').length > 1"
    )


def test_a_supervisor_lands_on_the_audit_with_tiles_bars_trends_and_cases(page, app_url, demo_db) -> None:
    sign_in(page, app_url, account(demo_db, "supervisor"))
    # The audit is the supervisor's first page: no click needed.
    page.get_by_role("heading", name="Follow-up audit").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Your team").wait_for()
    tiles = page.locator('[data-testid="stMetric"]')
    tiles.nth(5).wait_for()
    assert tiles.count() == 6
    assert "Clients lacking follow-up" in tiles.nth(5).inner_text()
    page.set_viewport_size({"width": 1440, "height": 2750})
    page.get_by_role("heading", name="The cases behind a number").wait_for()
    page.get_by_role("button", name="Download these sessions (CSV)").wait_for()
    charts_drawn(page)
    wait_for_app(page)
    shot = screenshot(page, "audit-supervisor")
    assert shot.stat().st_size > 10_000


def test_a_therapist_has_no_audit_in_the_menu(page, app_url, demo_db) -> None:
    page.goto(f"{app_url}/")
    wait_for_app(page)
    page.get_by_label("E-mail").fill(account(demo_db, "therapist"))
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.get_by_role("link", name="Follow-up audit").count() == 0
