"""The README's run command on a fresh checkout: no configuration, no database yet."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from analytics.db import Database
from tests.browser.conftest import ROOT, free_port, screenshot, wait_for_app, wait_healthy


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
    env = {k: v for k, v in os.environ.items() if k not in ("WAYMARK_DB", "WAYMARK_DB_KEY")}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "streamlit.log", "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=checkout,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(url, proc)
            page.goto(url)
            page.get_by_text("Sign in to Waymark").wait_for(timeout=120_000)
            wait_for_app(page)
            screenshot(page, "first-run-sign-in")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    built = checkout / "data" / "waymark.duckdb"
    assert built.exists()
    assert not (checkout / "data" / "waymark.duckdb.building").exists()
    db = Database(built)
    # The demo clinic: about 120 clients, and one sign-in account per role.
    assert 100 <= db.scalar("SELECT count(*) FROM clients") <= 140
    assert set(db.query_sql("SELECT role FROM app_users")["role"]) == {"therapist", "supervisor", "admin"}
    db.close()
