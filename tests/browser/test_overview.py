"""The clinic overview in a real browser, over the demo clinic."""

from __future__ import annotations

from analytics.auth import DEMO_ADMIN_EMAIL
from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.test_sign_in import sign_in


def test_admin_sees_clinic_counts_and_the_monthly_chart(page, app_url) -> None:
    page.goto(app_url)
    page.get_by_text("Sign in to Waymark").wait_for(timeout=60_000)
    sign_in(page, DEMO_ADMIN_EMAIL)
    # A page load would start a new session, so navigate as a person does: the sidebar link.
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').filter(
        has_text="Clinic overview"
    ).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Clinic overview").wait_for(timeout=60_000)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    assert any(text.startswith("Active clients") for text in metrics)
    # The demo clinic has about 150 clients over 9+ months; some are still in care.
    active = next(t for t in metrics if t.startswith("Active clients")).splitlines()[-1]
    assert int(active) > 20
    page.wait_for_function(
        '() => document.querySelectorAll(\'[data-testid="stVegaLiteChart"] svg path, '
        '[data-testid="stVegaLiteChart"] canvas\').length > 0'
    )
    screenshot(page, "overview")
