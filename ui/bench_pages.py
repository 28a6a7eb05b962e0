"""The benchmark's Streamlit half (analytics/ never imports Streamlit): page reruns through
AppTest, the cold start of `streamlit run`, and the load run (simultaneous sessions moving
between pages while an import writes to the same file).

Used by `python -m analytics bench`; numbers land in the same report as analytics/bench.py's.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from analytics.bench import Report, Row, Timing, peak_memory_mb
from analytics.db import Database
from analytics.scope import Role, scope_for
from ui.viewer import Viewer

# Outside `streamlit run` these two loggers warn on every cache call from a plain thread;
# the warnings are about bare mode, not about the pages, and would bury the benchmark's table.
for _name in (
    "streamlit.runtime.caching.cache_data_api",
    "streamlit.runtime.scriptrunner_utils.script_run_context",
):
    # A filter, not a level: Streamlit resets its loggers' levels when its config loads.
    logging.getLogger(_name).addFilter(lambda record: record.levelno >= logging.ERROR)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass(frozen=True)
class PageVisit:
    """One page as one viewer sees it, with the query params that choose what it shows."""

    page: str  # pages/<page>.py
    role: Role
    params: Callable[[dict[str, Any]], dict[str, str]]
    view: str = ""  # names a view other than the page's default one

    @property
    def label(self) -> str:
        opened = (
            " with a goal open"
            if "goal" in self.params({key: "" for key in ("client_id", "goal_id", "coping_display_code")})
            else ""
        )
        return f"page {self.page} ({self.role}){opened}{', ' + self.view if self.view else ''}"


# Which viewer opens which page, and with what in the URL. `ctx` is Report.context.
VISITS: tuple[PageVisit, ...] = (
    PageVisit("overview", "therapist", lambda ctx: {}),
    PageVisit("overview", "admin", lambda ctx: {}),
    PageVisit("caseload", "therapist", lambda ctx: {}),
    PageVisit("caseload", "supervisor", lambda ctx: {}),
    PageVisit("client", "therapist", lambda ctx: {"client": ctx["client_id"]}),
    PageVisit("client", "therapist", lambda ctx: {"client": ctx["client_id"], "goal": ctx["goal_id"]}),
    PageVisit("audit", "supervisor", lambda ctx: {}),
    PageVisit("audit", "admin", lambda ctx: {}),
    # The drill-down for everyone in view: every case of the system (175,714 sessions at
    # system scale), the longest list a page shows (docs/audit.md).
    PageVisit("audit", "admin", lambda ctx: {"who": "all"}, "everyone's cases"),
    PageVisit("coping", "therapist", lambda ctx: {"client": ctx["coping_display_code"]}),
    PageVisit("coping", "supervisor", lambda ctx: {"view": "clinic"}),
)


def landed_visits() -> list[PageVisit]:
    """The visits whose page file exists on main (the others are reported as absent)."""
    return [v for v in VISITS if (ROOT / "pages" / f"{v.page}.py").exists()]


def viewer_for(db: Database, role: Role, ctx: dict[str, Any]) -> Viewer:
    practitioner = {"therapist": ctx["practitioner_id"], "supervisor": ctx["supervisor_id"]}.get(role)
    return Viewer(
        user_id=practitioner or "admin",
        display_name=f"Benchmark {role}",
        role=role,
        practitioner_id=practitioner,
        scope=scope_for(db, role, practitioner),
    )


@contextlib.contextmanager
def _pointed_at(path: Path) -> Iterator[None]:
    """Point the pages at `path` (WAYMARK_DB) for a while, then restore the environment."""
    saved = {name: os.environ.get(name) for name in ("WAYMARK_DB", "WAYMARK_DB_KEY")}
    os.environ["WAYMARK_DB"] = str(path)
    os.environ.pop("WAYMARK_DB_KEY", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_visit(visit: PageVisit, viewer: Viewer, ctx: dict[str, Any], timeout: float = 300) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{visit.page}.py"), default_timeout=timeout)
    at.session_state["viewer"] = viewer
    for key, value in visit.params(ctx).items():
        at.query_params[key] = value
    return at.run()


def fingerprint(at: AppTest) -> str:
    """A digest of what the page shows (text, metrics, tables, chart data), to compare runs.

    Chart specs are left out: Altair numbers its selection parameters from a process-wide
    counter, so two correct runs differ there; the chart *data* is compared instead."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "metric", "info", "warning", "error"):
        for el in at.get(kind):
            parts.append(f"{kind}:{getattr(el, 'label', '')}:{getattr(el, 'value', '')}")
    for el in at.get("dataframe"):
        parts.append("df:" + el.value.to_csv())
    for el in at.get("vega_lite_chart"):
        for dataset in el.proto.datasets:
            parts.append("chart:" + convert_arrow_bytes_to_pandas_df(dataset.data.data).to_csv())
    if at.exception:
        parts.append("exception:" + "|".join(str(e.value) for e in at.exception))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def run_pages(report: Report, path: Path, runs: int, echo: Callable[[str], None] = print) -> dict[str, str]:
    """Time each landed page: the first run with empty caches (cold), reruns served from
    `st.cache_data` (warm), and reruns with the cache cleared each time (uncached)."""
    with _pointed_at(path):
        return _run_pages(report, path, runs, echo)


def _run_pages(report: Report, path: Path, runs: int, echo: Callable[[str], None]) -> dict[str, str]:
    db = Database(path)
    baselines: dict[str, str] = {}
    try:
        for visit in VISITS:
            if visit not in landed_visits():
                report.absent.append(
                    {
                        "key": visit.label,
                        "label": visit.label,
                        "reason": f"pages/{visit.page}.py is not on main",
                    }
                )
                continue
            viewer = viewer_for(db, visit.role, report.context)
            st.cache_data.clear()
            st.cache_resource.clear()
            started = time.perf_counter()
            at = run_visit(visit, viewer, report.context)
            cold = time.perf_counter() - started
            if at.exception:
                report.errors.append(
                    {"key": visit.label, "label": visit.label, "error": str(at.exception[0].value)}
                )
                echo(f"  error: {visit.label}: {at.exception[0].value}")
                continue
            baselines[visit.label] = fingerprint(at)
            warm, uncached = [], []
            for _ in range(runs):
                started = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - started)
            for _ in range(runs):
                st.cache_data.clear()
                started = time.perf_counter()
                at.run()
                uncached.append(time.perf_counter() - started)
            t_warm = Timing.of(cold, warm)
            t_uncached = Timing.of(cold, uncached)
            report.rows.append(
                Row(
                    "page",
                    visit.label,
                    f"{visit.label} rerun, cached",
                    visit.page,
                    cold_ms=t_warm.cold_ms,
                    median_ms=t_warm.median_ms,
                    min_ms=t_warm.min_ms,
                    max_ms=t_warm.max_ms,
                    runs=t_warm.runs,
                    note="cold = first run, empty caches",
                )
            )
            report.rows.append(
                Row(
                    "page",
                    visit.label + " uncached",
                    f"{visit.label} rerun, cache cleared",
                    visit.page,
                    median_ms=t_uncached.median_ms,
                    min_ms=t_uncached.min_ms,
                    max_ms=t_uncached.max_ms,
                    runs=t_uncached.runs,
                )
            )
            echo(
                f"  {visit.label}: cold {t_warm.cold_ms:.0f} ms, cached {t_warm.median_ms:.0f} ms, "
                f"uncached {t_uncached.median_ms:.0f} ms"
            )
    finally:
        db.close()
        st.cache_data.clear()
        st.cache_resource.clear()
    report.rows.append(
        Row("memory", "peak_rss_pages", "peak memory (after page reruns)", value=peak_memory_mb(), unit="MB")
    )
    return baselines


# --------------------------------------------------------------------------- cold start
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cold_start(report: Report, path: Path, echo: Callable[[str], None] = print) -> None:
    """Time `streamlit run app.py` from launch until /_stcore/health answers `ok`, and until the
    first browser session's script run has finished (the page's heading is drawn and
    Streamlit's running indicator is gone)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "WAYMARK_DB": str(path)}
    env.pop("WAYMARK_DB_KEY", None)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        health = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        health = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.05)
        if health is None:
            report.errors.append(
                {"key": "app_cold_start", "label": "app cold start", "error": "server never answered"}
            )
            return
        report.rows.append(
            Row("app", "app_health", "streamlit run → /_stcore/health ok", cold_ms=round(health * 1000, 1))
        )
        echo(f"  app healthy after {health:.2f} s")
        if not Path(CHROMIUM).exists():
            report.absent.append(
                {"key": "app_first_run", "label": "first page run", "reason": "no /usr/bin/chromium"}
            )
            return
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                opened = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")
                page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
                page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)
                first = time.perf_counter()
                heading = page.inner_text('[data-testid="stMain"] h1')
            finally:
                browser.close()
        report.rows.append(
            Row(
                "app",
                "app_first_run",
                "launch → first page script run complete",
                cold_ms=round((first - started) * 1000, 1),
                note=f"browser opened at {opened - started:.2f} s; first page: {heading!r}",
            )
        )
        echo(f"  first page run complete after {first - started:.2f} s ({heading!r})")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# --------------------------------------------------------------------------- load run
def run_load(
    report: Report,
    path: Path,
    sessions: int = 20,
    rounds: int = 3,
    importer: Callable[[], dict[str, Any]] | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """`sessions` simultaneous AppTest sessions, each visiting every landed page `rounds`
    times in its own order, while `importer` (if given) writes to the same file. Every page's
    answer is compared with the single-threaded answer; p50/p95/max page times reported."""
    with _pointed_at(path):
        _run_load(report, path, sessions, rounds, importer, echo)


def _run_load(
    report: Report,
    path: Path,
    sessions: int,
    rounds: int,
    importer: Callable[[], dict[str, Any]] | None,
    echo: Callable[[str], None],
) -> None:
    visits = landed_visits()
    db = Database(path)
    try:
        viewers = {
            role: viewer_for(db, role, report.context) for role in ("therapist", "supervisor", "admin")
        }
    finally:
        db.close()
    st.cache_data.clear()
    st.cache_resource.clear()
    expected: dict[str, str] = {}
    for visit in visits:  # the single-threaded answers
        at = run_visit(visit, viewers[visit.role], report.context)
        expected[visit.label] = fingerprint(at) if not at.exception else "exception"
    st.cache_data.clear()

    times: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    import_result: dict[str, Any] = {}

    def session(index: int) -> None:
        order = visits[index % len(visits) :] + visits[: index % len(visits)]
        for _ in range(rounds):
            for visit in order:
                started = time.perf_counter()
                try:
                    at = run_visit(visit, viewers[visit.role], report.context)
                    elapsed = time.perf_counter() - started
                    got = fingerprint(at) if not at.exception else "exception"
                    problem = None
                    if at.exception:
                        problem = f"{visit.label}: {at.exception[0].value}"
                    elif got != expected[visit.label]:
                        problem = f"{visit.label}: answer differs from the single-threaded one"
                except Exception as exc:  # a crash is a failure to report, not to hide
                    elapsed = time.perf_counter() - started
                    problem = f"{visit.label}: {type(exc).__name__}: {exc}"
                with lock:
                    times.append(elapsed)
                    if problem:
                        failures.append(problem)

    finished = threading.Event()

    def run_import() -> None:
        # Import again and again until every session has finished, so that the whole load
        # run overlaps a writer, not only its first seconds.
        runs: list[dict[str, Any]] = []
        while not finished.is_set():
            try:
                runs.append(importer() if importer else {})
            except Exception as exc:
                runs.append({"error": f"{type(exc).__name__}: {exc}"})
                break
        import_result["imports"] = len(runs)
        import_result["failed"] = sum(1 for r in runs if r.get("error") or r.get("exit_status"))
        seconds = sorted(r["seconds"] for r in runs if r.get("seconds") is not None)
        if seconds:
            import_result["seconds_min_median_max"] = [seconds[0], statistics.median(seconds), seconds[-1]]
        import_result["last"] = runs[-1] if runs else {}

    threads = [threading.Thread(target=session, args=(i,), name=f"session-{i}") for i in range(sessions)]
    # AppTest sets Streamlit's process-wide Runtime singleton (a mock) for each run and clears
    # it when the run ends, which pulls it from under the other sessions' runs. While the load
    # run lasts, a cleared singleton falls back to one shared mock runtime, built as AppTest
    # builds its own; the pages' code runs unchanged.
    from unittest.mock import MagicMock

    from streamlit.runtime.caching.storage.dummy_cache_storage import MemoryCacheStorageManager
    from streamlit.runtime.dataframe_source_manager import DataframeSourceManager
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.runtime import Runtime

    shared = MagicMock(spec=Runtime)
    shared.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    shared.dataframe_source_mgr = DataframeSourceManager()
    shared.cache_storage_manager = MemoryCacheStorageManager()
    original_instance = Runtime.__dict__["instance"]
    Runtime.instance = classmethod(lambda cls: cls._instance if cls._instance is not None else shared)
    # Each AppTest compiles its page on every run; CPython 3.11's compile() is not safe in
    # several threads at once ("AST constructor recursion depth mismatch"). The real server
    # compiles a page once for all sessions; here compiling is serialised instead.
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    original_get_bytecode = ScriptCache.get_bytecode
    compile_lock = threading.Lock()

    def get_bytecode(self: ScriptCache, script_path: str) -> Any:
        with compile_lock:
            return original_get_bytecode(self, script_path)

    ScriptCache.get_bytecode = get_bytecode
    writer = threading.Thread(target=run_import, name="import") if importer else None
    started = time.perf_counter()
    if writer:
        writer.start()
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    finally:
        finished.set()
        if writer:
            writer.join()
        Runtime.instance = original_instance
        ScriptCache.get_bytecode = original_get_bytecode
    wall = time.perf_counter() - started
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))] if ms else None
    note = (
        f"{sessions} sessions x {rounds} rounds x {len(visits)} pages = {len(ms)} page runs in {wall:.1f} s; "
        f"{len(failures)} errors or wrong answers"
    )
    if importer:
        note += f"; import during the run: {import_result}"
    else:
        note += "; no import ran (the importer is not on main)"
    report.rows.append(
        Row(
            "load",
            "load_page_time",
            f"load: page run, {sessions} simultaneous sessions",
            median_ms=round(statistics.median(ms), 1) if ms else None,
            min_ms=round(ms[0], 1) if ms else None,
            max_ms=round(ms[-1], 1) if ms else None,
            runs=len(ms),
            value=round(p95, 1) if p95 is not None else None,
            unit="ms p95",
            agree=not failures,
            note=note,
        )
    )
    if import_result.get("failed"):
        failures.append(f"the import failed during the load run: {import_result.get('last')}")
    for failure in sorted(set(failures))[:20]:
        report.errors.append({"key": "load", "label": "load run", "error": failure})
    echo(
        f"  load: p95 {p95:.0f} ms, {len(failures)} failures; {note}"
        if p95 is not None
        else "  load: no page runs"
    )
    st.cache_data.clear()
    st.cache_resource.clear()
