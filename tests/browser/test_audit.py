"""The follow-up audit in a real browser, over the demo clinic: the supervisor's home."""

from __future__ import annotations

import re

from tests.browser.conftest import charts_drawn, demo_email, screenshot, sign_in, wait_for_app


def test_a_supervisor_lands_on_the_audit_with_tiles_bars_trends_and_cases(page, app_url, demo_db) -> None:
    sign_in(page, app_url, demo_email(demo_db, "supervisor"))
    # The audit is the supervisor's first page: no click needed.
    page.get_by_role("heading", name="Follow-up audit").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Your team").wait_for()
    tiles = page.locator('[data-testid="stMetric"]')
    tiles.nth(5).wait_for()
    assert tiles.count() == 6
    assert "Clients lacking follow-up" in tiles.nth(5).inner_text()
    page.set_viewport_size({"width": 1440, "height": 2750})
    page.get_by_role("heading", name="The cases behind a number").wait_for()
    # The label carries the count ("Download these 1,234 sessions (CSV)"), which the demo sets.
    page.get_by_role("button", name=re.compile(r"^Download these [\d,]+ sessions \(CSV\)$")).wait_for()
    charts_drawn(page, at_least=2)
    wait_for_app(page)
    shot = screenshot(page, "audit-supervisor")
    assert shot.stat().st_size > 10_000


def test_a_therapist_has_no_audit_in_the_menu(page, app_url, demo_db) -> None:
    sign_in(page, app_url, demo_email(demo_db, "therapist"))
    assert page.get_by_role("link", name="Follow-up audit").count() == 0
