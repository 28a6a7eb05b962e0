"""Who is looking: the viewer's identity, role and scope for this browser session."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from analytics.scope import Role, Scope


@dataclass(frozen=True)
class Viewer:
    user_id: str
    display_name: str
    role: Role
    practitioner_id: str | None
    scope: Scope


def current_viewer() -> Viewer | None:
    """The signed-in viewer of this session, or None."""
    return st.session_state.get("viewer")


# The file names (stems) of the pages the viewer's role may open, set by app.py's router.
ALLOWED_PAGES = "_allowed_pages"


def require_viewer() -> Viewer:
    """The viewer, if they may see the calling page; else sign in, or refuse, and stop.

    app.py signs people in before it runs any page. But with a folder named `pages/`,
    Streamlit runs a `pages/*.py` file directly, without app.py, for the first session
    after a server start (its legacy multipage mode, design.md). So every page checks
    here too: nobody signed in gets the sign-in page, and a page that is not one of the
    viewer's role's pages shows nothing.
    """
    from ui.auth import sign_in_gate
    from ui.first_run import database_ready

    # When app.py did not run first: build the demo on a first run (else sign-in would open,
    # and so create, an empty database), and end a session idle for too long.
    database_ready()
    viewer = sign_in_gate()
    allowed = st.session_state.get(ALLOWED_PAGES)
    if allowed is not None:
        caller = sys._getframe(1).f_globals.get("__file__") or ""
        if Path(caller).stem not in allowed:
            if not allowed:
                # Signed in on a page run without the router: let app.py run, which
                # draws this role's navigation and opens its first page.
                with contextlib.suppress(StreamlitAPIException):
                    st.switch_page(
                        str(Path(__file__).resolve().parent.parent / "app.py"),
                        query_params=st.query_params.to_dict(),
                    )
            st.error(
                "**Access is not allowed.** This page is not one of the pages for your role.",
                icon=":material/block:",
            )
            st.stop()
    return viewer


def allow_pages(stems: set[str]) -> None:
    """Record which page files (by name without `.py`) this session's role may open."""
    st.session_state[ALLOWED_PAGES] = frozenset(stems)
