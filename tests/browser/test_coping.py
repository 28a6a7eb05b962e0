"""The coping-skills page in a real browser, over the demo clinic."""

from __future__ import annotations

from tests.browser.conftest import charts_drawn, demo_email, screenshot, sign_in, wait_for_app


def test_therapist_sees_a_clients_practice_and_what_helps_them(page, app_url, demo_db) -> None:
    sign_in(page, app_url, demo_email(demo_db, "therapist"))
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
    sign_in(page, app_url, demo_email(demo_db, "supervisor"))
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
