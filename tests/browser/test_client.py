"""The Client page in a real browser, over the demo clinic: a goal's timeline is drawn."""

from __future__ import annotations

from pathlib import Path

from analytics.db import Database
from tests.browser.conftest import CHARTS, screenshot, sign_in, wait_for_app


def choose_first(page, label: str) -> None:  # noqa: ANN001
    """Open the selectbox labelled `label` in the main area and take its first option."""
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text=label).first.click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_app(page)


def busiest_active_goal(demo_db: Path) -> tuple[str, str]:
    """(client id, goal id) of the active goal with the most check-ins of a client in care:
    the densest path a clinician opens, where crowded labels would show first."""
    row = Database(demo_db).query_sql(
        "SELECT g.client_id, g.goal_id FROM goals g JOIN clients c USING (client_id) "
        "JOIN goal_checkins k USING (goal_id) WHERE g.lifecycle_status = 'active' "
        "AND c.discharge_date IS NULL GROUP BY ALL ORDER BY count(*) DESC, g.goal_id LIMIT 1"
    )
    return str(row.iloc[0, 0]), str(row.iloc[0, 1])


def test_a_clinician_opens_a_clients_busiest_goal_from_a_link_and_sees_its_timeline(
    page, app_url, demo_db: Path
) -> None:
    client_id, goal_id = busiest_active_goal(demo_db)
    sign_in(page, app_url, "admin@waymark.example", f"/client?client={client_id}&goal={goal_id}")
    page.get_by_text("Black line: the actual check-ins in time order").wait_for()
    page.wait_for_function(f"() => document.querySelectorAll('{CHARTS}').length >= 2")
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHARTS} svg path, {CHARTS} canvas').length > 0"
    )
    page.set_viewport_size({"width": 1400, "height": 2200})
    shot = screenshot(page, "client-timeline-busiest-goal")
    assert shot.stat().st_size > 10_000


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


def test_a_therapist_downloads_a_clients_progress_report_to_share_and_it_is_logged(
    page, start_app, demo_db, tmp_path
) -> None:
    import shutil
    from pathlib import Path

    from analytics.db import Database
    from tests.browser.conftest import ARTIFACTS, demo_email

    served = tmp_path / "served.duckdb"
    shutil.copy(demo_db, served)
    email = demo_email(demo_db, "therapist")
    url = start_app(served)
    sign_in(page, url, email)
    page.get_by_role("link", name="Client").click()
    page.get_by_role("heading", name="Client", exact=True).wait_for()
    wait_for_app(page)
    choose_first(page, "Client")
    page.get_by_role("heading", name="Goals").wait_for()
    page.get_by_role("button", name="Progress report").click()
    button = page.get_by_role("button", name="Download (PNG)")
    button.wait_for()
    screenshot(page, "client-progress-report-menu")
    with page.expect_download(timeout=60_000) as got:
        button.click()
    assert got.value.suggested_filename.startswith("progress-report-")
    report = ARTIFACTS / "client-progress-report.png"
    got.value.save_as(report)
    assert Path(report).read_bytes().startswith(b"\x89PNG")
    wait_for_app(page)
    db = Database(served)
    try:
        last = db.query_sql(
            "SELECT user_id, action, page, detail, client_id IS NOT NULL AS about_a_client "
            "FROM access_log ORDER BY access_id DESC LIMIT 1"
        ).values.tolist()
    finally:
        db.close()
    assert last == [[email, "export", "client", "progress-report.png", True]]
