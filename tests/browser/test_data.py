"""The Data page in a real browser, and a command-line import while the app serves.

Screenshots (test-artifacts/): data-check-errors.png (a rejected upload's report),
data-imported.png (after a successful import).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.db import Database
from analytics.overview import default_as_of
from tests.browser.conftest import ROOT, demo_email, screenshot, sign_in, wait_for_app

EXAMPLES = ROOT / "data" / "examples"


@pytest.fixture
def served_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo clinic for a test that writes to it."""
    path = tmp_path / "served.duckdb"
    shutil.copy(demo_db, path)
    return path


def open_page(page, title: str) -> None:  # noqa: ANN001 - a Playwright Page
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').filter(has_text=title).click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
    wait_for_app(page, timeout=120_000)


def upload(page, paths: list[Path]) -> None:  # noqa: ANN001
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(p) for p in paths])
    # The check runs on the rerun the upload starts: wait for its verdict.
    verdict = re.compile(r"Not imported|Ready to import|Nothing to import")
    page.locator('[data-testid="stAlert"]').filter(has_text=verdict).first.wait_for(timeout=120_000)
    wait_for_app(page, timeout=120_000)


def tall_screenshot(page, name: str) -> None:  # noqa: ANN001
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so a full-page
    screenshot would cut it off; make the window as tall as the content instead."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(1000, min(int(height) + 40, 4000))})
    wait_for_app(page)
    page.wait_for_timeout(300)  # let the grids redraw at the new size
    screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 1000})


def broken_example(tmp_path: Path) -> list[Path]:
    """The worked example with the mistakes a spreadsheet export typically has."""
    folder = tmp_path / "broken"
    shutil.copytree(EXAMPLES, folder)
    edits = {
        # Excel wrote a date as its serial number, and a status is misspelt.
        "clients.csv": [("c-002,p-ana,Heron-42,,2026-01-12", "c-002,p-ana,Heron-42,,46034")],
        "goals.csv": [("2026-04-06,active,improving", "2026-04-06,Active!,improving")],
        # Two ratings off the 0-10 scale, a check-in on a goal that does not exist.
        "goal_checkins.csv": [
            ("k-002,g-001,s-002,2026-01-19,3,", "k-002,g-001,s-002,2026-01-19,30,"),
            ("k-003,g-001,s-004,2026-02-16,5,", "k-003,g-001,s-004,2026-02-16,50,"),
            ("k-006,g-003,s-005", "k-006,g-033,s-005"),
        ],
        # SUDS 0-100 and helpfulness 1-5; a session after discharge (a warning only).
        "coping_logs.csv": [("2026-01-21 21:10:00,60,50,2", "2026-01-21 21:10:00,600,50,9")],
        "sessions.csv": [("s-007,c-002,p-ana,2026-04-20", "s-007,c-002,p-ana,2026-04-21")],
    }
    for name, changes in edits.items():
        path = folder / name
        text = path.read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    return sorted(folder.glob("*.csv"))


def counts(path: Path) -> dict[str, int]:
    db = Database(path)
    try:
        return {t: int(db.scalar(f"SELECT count(*) FROM {t}")) for t in ("clients", "goal_checkins")}
    finally:
        db.close()


def test_an_admin_sees_what_to_fix_in_a_rejected_upload_and_nothing_is_written(
    page, start_app, demo_db: Path, served_copy: Path, tmp_path: Path
) -> None:
    before = counts(served_copy)
    url = start_app(served_copy)
    sign_in(page, url, demo_email(demo_db, "admin"))
    open_page(page, "Data")
    upload(page, broken_example(tmp_path))
    verdict = page.locator('[data-testid="stAlert"]').filter(has_text="Not imported").inner_text()
    # Errors: the serial date, the misspelt status, two ratings off scale, the unknown goal,
    # SUDS and helpfulness = 7; the session after discharge is the one warning.
    assert "Not imported: 7 error(s) to fix and 1 warning(s) to look at." in verdict
    assert "Nothing was written." in verdict
    page.get_by_text("Every problem, one per line (8)").click()
    page.get_by_role("button", name="Import", exact=True).wait_for()
    assert page.get_by_role("button", name="Import", exact=True).is_disabled()
    # What to fix is a plain table, its messages read whole; the full list is a grid (drawn
    # on a canvas: AppTest reads its cells).
    kinds = page.locator('[data-testid="stTable"]')
    for words in ("Looks like an Excel serial date number; format the column as a date (YYYY-MM-DD) before saving as CSV.",
                  "Not one of the allowed values: proposed, planned, accepted, active, on-hold, completed, cancelled, entered-in-error, rejected.",
                  "Outside its goal's scale (0.0 to 10.0).", "Refers to a goal that is neither in the files nor in the database.",
                  "The session is dated after the client's discharge."):  # fmt: skip
        assert words in kinds.inner_text(), words
    page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').wait_for()
    tall_screenshot(page, "data-check-errors")
    assert counts(served_copy) == before


def test_a_valid_upload_imports_and_the_page_says_how_many_rows_and_logs_the_downloads(
    page, start_app, demo_db: Path, served_copy: Path
) -> None:
    before = counts(served_copy)
    url = start_app(served_copy)
    sign_in(page, url, demo_email(demo_db, "admin"))
    open_page(page, "Data")
    upload(page, sorted(EXAMPLES.glob("*.csv")))
    assert "Ready to import from 8 files: 41 new rows, 0 changed, 0 unchanged" in page.inner_text(
        '[data-testid="stMain"]'
    )
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported from 8 files: 41 new rows").wait_for(timeout=120_000)
    wait_for_app(page)
    tall_screenshot(page, "data-imported")
    assert counts(served_copy) == {
        "clients": before["clients"] + 3,
        "goal_checkins": before["goal_checkins"] + 10,
    }

    # A download built on click and a ready one both land in the access log. The one built on
    # click does not rerun the page, so its file is there when the browser asks for it (a rerun
    # used to replace it first, now and then: ui/access.recorded_download); one click is enough.
    page.get_by_role("tab", name="Export").click()
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="Download practitioners.csv").click()
    download = got.value
    assert download.suggested_filename == "waymark-practitioners.csv"
    assert Path(download.path()).read_text(encoding="utf-8").startswith("practitioner_id,display_name,role")
    page.get_by_role("tab", name="Templates and formats").click()
    with page.expect_download(timeout=90_000) as got:
        page.get_by_role("button", name="Template: practitioners.csv").click()
    assert got.value.suggested_filename == "practitioners.csv"
    wait_for_app(page)
    db = Database(served_copy)
    try:
        rows = db.query_sql(
            "SELECT action, page, detail FROM access_log WHERE action IN ('export', 'import') ORDER BY access_id"
        ).values.tolist()
    finally:
        db.close()
    # One row per file downloaded.
    assert rows[-3:] == [
        ["import", "data", "imported from 8 files: 41 new rows, 0 changed, 0 unchanged"],
        ["export", "data", "table practitioners.csv"],
        ["export", "data", "template practitioners.csv"],
    ]


def metric(page, label: str) -> int:  # noqa: ANN001
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def test_a_command_line_import_while_the_app_serves_is_shown_on_the_next_rerun(
    page, start_app, demo_db: Path, served_copy: Path, tmp_path: Path
) -> None:
    db = Database(served_copy)
    try:
        as_of = default_as_of(db)
        therapist = db.scalar("SELECT min(practitioner_id) FROM practitioners WHERE role = 'therapist'")
    finally:
        db.close()
    intake = (as_of - dt.timedelta(days=10)).isoformat()
    # A new therapist with a new client, and a new client of an existing therapist: both
    # active on the as-of date, so the overview must show 2 more active clients and 1 more
    # practitioner with active clients (whom the admin's scope did not list at sign-in).
    folder = tmp_path / "late"
    folder.mkdir()
    (folder / "practitioners.csv").write_text(
        "practitioner_id,display_name,role\np-late,Lee Late,therapist\n", encoding="utf-8"
    )
    (folder / "clients.csv").write_text(
        "client_id,practitioner_id,display_code,intake_date\n"
        f"c-late-1,p-late,LATE-001,{intake}\nc-late-2,{therapist},LATE-002,{intake}\n",
        encoding="utf-8",
    )
    url = start_app(served_copy)
    sign_in(page, url, demo_email(demo_db, "admin"))
    open_page(page, "Clinic overview")
    practitioners, active = metric(page, "Practitioners"), metric(page, "Active clients")

    # The import starts right after a page run, while the app still holds the file (it
    # lingers), and the browser keeps the server busy until the import has finished.
    open_page(page, "Caseload")
    proc = subprocess.Popen(
        [sys.executable, "-m", "analytics", "import", "--db", str(served_copy), str(folder)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    visits = 0
    while proc.poll() is None and visits < 20:
        open_page(page, "Client" if visits % 2 else "Clinic overview")
        visits += 1
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Imported: 3 inserted, 0 updated, 0 unchanged" in err
    assert visits >= 1, "the import ended before the browser asked the server for anything"

    # The same browser session, no restart and no new sign-in: the next rerun shows them.
    open_page(page, "Caseload")
    open_page(page, "Clinic overview")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert metric(page, "Active clients") == active + 2
    assert metric(page, "Practitioners") == practitioners + 1
