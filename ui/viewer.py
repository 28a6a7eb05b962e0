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


def demo_viewer_picker() -> None:
    """Choose whose view to see, for the demo clinic before accounts exist."""
    from analytics.scope import practitioner_directory, scope_for
    from ui.data import get_database

    db = get_database()
    people = practitioner_directory(db)
    options = ["admin"] + [str(p["practitioner_id"]) for p in people]
    names = {str(p["practitioner_id"]): f"{p['display_name']} ({p['role']})" for p in people}
    names["admin"] = "Clinic administrator (admin)"
    roles = {str(p["practitioner_id"]): p["role"] for p in people}
    chosen = st.sidebar.selectbox(
        "View as", options, format_func=names.get, key="view_as", help="Demo clinic: whose view to see."
    )
    role = "admin" if chosen == "admin" else roles[chosen]
    practitioner_id = None if chosen == "admin" else chosen
    current = current_viewer()
    if current is None or current.user_id != chosen:
        st.session_state["viewer"] = Viewer(
            user_id=chosen,
            display_name=names[chosen],
            role=role,  # type: ignore[arg-type]
            practitioner_id=practitioner_id,
            scope=scope_for(db, role, practitioner_id),  # type: ignore[arg-type]
        )
