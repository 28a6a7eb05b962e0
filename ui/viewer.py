"""Who is looking: the viewer's identity, role and scope for this browser session."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

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


def require_viewer() -> Viewer:
    """The viewer, or stop the page (app.py signs people in before any page runs)."""
    viewer = current_viewer()
    if viewer is None:
        st.warning("Please sign in to see this page.")
        st.stop()
    return viewer

