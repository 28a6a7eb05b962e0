"""Recording views and exports in the access log, and refusing out-of-scope clients.

Pages call these in one line each:

    record_view("client", client_id)                  # after showing a client's data
    st.download_button(..., on_click=record_export, args=("client", client_id, "goals.csv"))
    st.download_button(..., data=recorded_download(build, "client", client_id, "report.pdf"),
                       on_click="ignore")            # a file built on click
    except AccessDenied: deny_client("client", client_id)   # shows why, records, stops

A view is recorded once per consecutive (page, client, detail): Streamlit reruns the page on
every widget change, and a row per rerun would bury the log in noise without telling an
auditor anything more.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

from analytics.access_log import record_access
from ui.data import get_database
from ui.viewer import current_viewer

_LAST_VIEW = "_access_last_view"


def record_view(page: str, client_id: str | None = None, detail: str | None = None) -> None:
    """Record that the signed-in viewer saw `page` (about `client_id`), once per visit."""
    viewer = current_viewer()
    if viewer is None:
        return
    key = (page, client_id, detail)
    if st.session_state.get(_LAST_VIEW) == key:
        return
    record_access(get_database(), viewer.user_id, "view", page, client_id, detail)
    st.session_state[_LAST_VIEW] = key


def record_export(page: str, client_id: str | None = None, detail: str | None = None) -> None:
    """Record an export (a download button's `on_click`): every click is a row."""
    viewer = current_viewer()
    if viewer is not None:
        record_access(get_database(), viewer.user_id, "export", page, client_id, detail)


def recorded_download(
    build: Callable[[], bytes], page: str, client_id: str | None = None, detail: str | None = None
) -> Callable[[], bytes]:
    """A deferred download's `data` that records the export when the file is built.

    Pass it with `on_click="ignore"`. A file built on click is fetched by the browser after the
    click; a click that also reran the page (as `on_click=record_export` does) replaced the
    button's deferred file in that rerun, and on a loaded machine the browser's request
    sometimes came too late and the download never started. So these buttons do not rerun, and
    the row is written where the file is built: on Streamlit's download thread, where there is
    no session, hence the viewer and the gateway are taken now. A row per file built, after it
    was built (a build that fails exports nothing).
    """
    viewer = current_viewer()
    db = get_database()

    def build_and_record() -> bytes:
        data = build()
        if viewer is not None:
            record_access(db, viewer.user_id, "export", page, client_id, detail)
        return data

    return build_and_record


def record_import(page: str, detail: str) -> None:
    """Record that the viewer imported data (`detail`: file and row counts, never contents)."""
    viewer = current_viewer()
    if viewer is not None:
        record_access(get_database(), viewer.user_id, "import", page, None, detail)


def deny_client(page: str, client_id: str | None) -> None:
    """Say that access is not allowed, record the attempt, and stop the page.

    The message is the same whether the id names another practitioner's client or no
    client at all, so a URL cannot be used to learn which ids exist.
    """
    viewer = current_viewer()
    if viewer is not None:
        record_access(get_database(), viewer.user_id, "denied", page, client_id)
        st.session_state.pop(_LAST_VIEW, None)
    st.error(
        "**Access is not allowed.** That client is not in your caseload (or your team's), "
        "or there is no such client. Choose one of your clients instead.",
        icon=":material/block:",
    )
    st.stop()


def real_names_allowed() -> bool:
    """Whether the operator allows clients' real names in this deployment (default: no).

    Set `WAYMARK_ALLOW_REAL_NAMES = "true"` in the environment or `.streamlit/secrets.toml`.
    It is deliberately not a clinic setting that someone could switch on from a page:
    pages show pseudonymous display codes, and an export may add `real_name` only when
    this returns True (docs/security.md).
    """
    raw = os.environ.get("WAYMARK_ALLOW_REAL_NAMES")
    if raw is None:
        try:
            raw = st.secrets.get("WAYMARK_ALLOW_REAL_NAMES")
        except Exception:  # no secrets.toml: the default
            raw = None
    return str(raw).strip().lower() in ("1", "true", "yes", "on")
