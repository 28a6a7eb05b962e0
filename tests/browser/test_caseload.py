"""The Caseload page in a real browser, over the demo clinic: the therapist's home page."""

from __future__ import annotations

from tests.browser.conftest import demo_email, screenshot, sign_in, wait_for_app


def test_a_therapist_lands_on_their_caseload_ordered_by_who_needs_attention(page, app_url, demo_db) -> None:
    sign_in(page, app_url, demo_email(demo_db, "therapist"))
    # The caseload is the therapist's default page: no click needed after signing in.
    page.get_by_role("heading", name="Caseload", exact=True).wait_for()
    page.get_by_text("Select a row to see that client's goals").wait_for()
    assert page.get_by_text("Your clients in care on").is_visible()
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    # Select the first client (the one who needs attention first): their goals appear.
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
    wait_for_app(page)
    page.get_by_role("heading", name="Goals of").wait_for()
    assert page.get_by_role("link", name="Open the client page of").is_visible()
    shot = screenshot(page, "caseload")
    assert shot.stat().st_size > 10_000


def test_a_supervisor_filters_the_teams_caseload_by_practitioner(page, app_url, demo_db) -> None:
    sign_in(page, app_url, demo_email(demo_db, "supervisor"))
    page.locator('[data-testid="stSidebar"]').get_by_text("Caseload", exact=True).click()
    wait_for_app(page)
    page.get_by_text("Clients in care in your team on").wait_for()
    # Supervisors get a practitioner filter that therapists do not have.
    page.locator('[data-testid="stMain"]').get_by_text("Practitioner", exact=True).wait_for()
    screenshot(page, "caseload-supervisor")
