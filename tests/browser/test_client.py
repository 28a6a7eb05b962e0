"""The Client page in a real browser, over the demo clinic: a goal's timeline is drawn."""

from __future__ import annotations

from tests.browser.conftest import CHARTS, screenshot, sign_in, wait_for_app


def choose_first(page, label: str) -> None:  # noqa: ANN001
    """Open the selectbox labelled `label` in the main area and take its first option."""
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text=label).first.click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_app(page)


def test_a_clinician_opens_a_clients_goal_and_sees_its_timeline(page, app_url) -> None:
    # The administrator's account is the one demo account whose address never changes.
    sign_in(page, app_url, "admin@waymark.example")
    page.get_by_role("link", name="Client").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Client", exact=True).wait_for()
    choose_first(page, "Client")
    page.get_by_role("heading", name="Goals").wait_for()
    choose_first(page, "Goal")
    page.get_by_text("Black line: the actual check-ins in time order").wait_for()
    page.wait_for_function(f"() => document.querySelectorAll('{CHARTS}').length >= 2")
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHARTS} svg path, {CHARTS} canvas').length > 0"
    )
    # The view is in the URL, so it can be shared.
    assert "client=" in page.url and "goal=" in page.url
    page.set_viewport_size({"width": 1400, "height": 2200})
    shot = screenshot(page, "client-timeline")
    assert shot.stat().st_size > 10_000
