"""Browser tests: the real app under `streamlit run`, driven in Debian's headless Chromium.

Fixtures:
- `demo_db`: the demo clinic (seed 7), built once per test session.
- `start_app(db_path, env=None)`: starts a fresh server on a free loopback port and
  returns its base URL; stopped at the end of the test.
- `app_url`: one server over the demo clinic, shared by the session's tests.
- `page` (from pytest-playwright), launched on /usr/bin/chromium.
Screenshots go to `test-artifacts/` (kept by CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is missing: run ./scripts/test.sh (it installs it).")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not become healthy in {timeout} s")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    subprocess.run(
        [sys.executable, "-m", "analytics", "demo", "--db", str(path), "--seed", "7"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return path


def _start(
    db_path: Path | None, log_dir: Path, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[str, subprocess.Popen]:
    """Serve the app in `cwd` over `db_path` (None: no configured database, as on a
    fresh checkout); returns its URL and process once /_stcore/health answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    full_env = {k: v for k, v in os.environ.items() if k not in ("WAYMARK_DB", "WAYMARK_DB_KEY")}
    if db_path is not None:
        full_env["WAYMARK_DB"] = str(db_path)
    full_env.update(env or {})
    log = open(log_dir / f"streamlit-{port}.log", "w")  # noqa: SIM115 - closed with the process
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
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=cwd,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(url, proc)
    except Exception:
        proc.kill()
        raise
    return url, proc


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def start_app(tmp_path: Path) -> Iterator[Callable[..., str]]:
    procs: list[subprocess.Popen] = []

    def start(db_path: Path, env: dict[str, str] | None = None) -> str:
        url, proc = _start(db_path, tmp_path, env)
        procs.append(proc)
        return url

    yield start
    for proc in procs:
        _stop(proc)


@pytest.fixture(scope="session")
def app_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # A copy, so tests that write (sign-in attempts, the access log) never touch the
    # database other fixtures build from.
    db = tmp_path_factory.mktemp("served") / "demo.duckdb"
    shutil.copy(demo_db, db)
    url, proc = _start(db, tmp_path_factory.mktemp("logs"))
    yield url
    _stop(proc)


def screenshot(page, name: str) -> Path:  # noqa: ANN001 - a Playwright Page
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(page, timeout: float = 30_000) -> None:  # noqa: ANN001
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


CHARTS = '[data-testid="stVegaLiteChart"]'


def demo_email(demo_db: Path, role: str) -> str:
    """The demo clinic's sign-in account for `role` (the generator names the people)."""
    from analytics.auth import demo_accounts
    from analytics.db import Database

    db = Database(demo_db)
    try:
        accounts = demo_accounts(db)
    finally:
        db.close()
    return str(accounts.loc[accounts["role"] == role, "email"].iloc[0])


def sign_in(page, app_url: str, email: str, link: str = "/") -> None:  # noqa: ANN001 - a Playwright Page
    """Open the app at `link` in a new session and sign in with the demo password; return
    once the signed-in sidebar (account box and page links) is drawn. A link to a page opens
    that page after sign-in, as a shared link does."""
    from analytics.auth import DEMO_PASSWORD

    page.goto(f"{app_url}{link}")
    page.get_by_text("Sign in to Waymark").wait_for(timeout=60_000)
    wait_for_app(page)
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for(timeout=60_000)
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').first.wait_for(timeout=60_000)
    wait_for_app(page)


def charts_drawn(page, at_least: int = 1) -> None:  # noqa: ANN001
    """Wait until the page's charts have drawn at least `at_least` marks (not empty frames)."""
    page.locator(CHARTS).first.wait_for()
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHARTS} svg path, {CHARTS} canvas').length >= {at_least}"
    )
