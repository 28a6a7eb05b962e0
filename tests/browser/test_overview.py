"""The clinic overview in a real browser, over the demo clinic."""

from __future__ import annotations

from tests.browser.conftest import screenshot, wait_for_app


def test_admin_sees_clinic_counts_and_the_monthly_chart(page, app_url) -> None:
    page.goto(f"{app_url}/overview")
    wait_for_app(page)
    page.get_by_role("heading", name="Clinic overview").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    assert page.get_by_text("Active clients").is_visible()
    # The chart really drew marks, not an empty frame.
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] svg path, "
        "[data-testid=\"stVegaLiteChart\"] canvas').length > 0"
    )
    shot = screenshot(page, "overview")
    assert shot.stat().st_size > 10_000
