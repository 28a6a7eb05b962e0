"""First run: with no configuration and no database yet, build the demo clinic."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from ui.data import configured_path

# Two browser sessions opening a brand-new server at once must not both build the demo.
_BUILDING = threading.Lock()


def database_ready() -> None:
    """The first-run build (`ensure_database`) and the gateway opened, or the error shown and
    the run stopped. app.py calls it, and so does every page (`ui.viewer.require_viewer`):
    Streamlit runs a `pages/*.py` file on its own for the first session after a server
    start, and a deep link as the very first request used to open, and so create, an empty
    database at the default path instead of building the demo clinic."""
    from analytics.errors import WaymarkError
    from ui.data import get_database

    try:
        ensure_database()
        get_database()
    except WaymarkError as err:
        st.error(f"**{err.title}.** {err}")
        st.stop()


def ensure_database() -> None:
    """Build the demo clinic into the default path if nothing is there yet, with a
    progress bar; a configured path (WAYMARK_DB) is never filled with demo data."""
    path, configured = configured_path()
    if configured or path.exists():
        return
    with _BUILDING:
        if not path.exists():
            _build(path)


def _build(path: Path) -> None:
    from analytics.auth import create_demo_accounts
    from analytics.db import Database
    from analytics.demo import build_demo

    bar = st.progress(0.0, text="Building the demo clinic (first run only)…")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    partial = path.with_name(path.name + ".building")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    db = Database(partial)
    db.migrate()
    build_demo(db, seed=7, scale="clinic", progress=progress)
    create_demo_accounts(db)
    db.close()
    # Build beside and rename, so an interrupted first run never leaves half a clinic.
    partial.rename(path)
    bar.empty()
