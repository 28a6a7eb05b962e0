"""The README's run command on a fresh checkout: no configuration, no database yet."""

from __future__ import annotations

import shutil
from pathlib import Path

from analytics.db import Database
from tests.browser.conftest import ROOT, _start, _stop, screenshot, wait_for_app


def test_first_run_builds_the_demo_clinic_and_opens_on_the_sign_in_page(page, tmp_path: Path) -> None:
    # A copy of the app's code with an empty data/ folder, as after `git clone`.
    checkout = tmp_path / "waymark"
    for name in ("app.py", "analytics", "pages", "ui", ".streamlit"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            checkout.mkdir(exist_ok=True)
            shutil.copy(src, checkout / name)
    (checkout / "data").mkdir()
    url, proc = _start(None, tmp_path, cwd=checkout)
    try:
        page.goto(url)
        page.get_by_text("Sign in to Waymark").wait_for(timeout=120_000)
        wait_for_app(page)
        screenshot(page, "first-run-sign-in")
    finally:
        _stop(proc)
    built = checkout / "data" / "waymark.duckdb"
    assert built.exists()
    assert not (checkout / "data" / "waymark.duckdb.building").exists()
    db = Database(built)
    # The demo clinic: about 150 clients, and one sign-in account per role.
    assert 130 <= db.scalar("SELECT count(*) FROM clients") <= 170
    assert set(db.query_sql("SELECT role FROM app_users")["role"]) == {"therapist", "supervisor", "admin"}
    db.close()
