"""Signing in and out: OIDC through `st.login` when configured, else local accounts.

`sign_in_gate()` is called by app.py before any navigation is drawn. It returns the
signed-in `Viewer`, or draws the sign-in page as the only page there is and stops, so a
person who is not signed in never learns which pages exist. A session idle for longer
than the idle timeout (no click, no widget change) is signed out.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

import streamlit as st

from analytics.access_log import record_access
from analytics.auth import (
    DEMO_PASSWORD,
    Account,
    account_for_email,
    verify_sign_in,
)
from analytics.errors import WaymarkError
from analytics.scope import scope_for
from ui.data import data_version, get_database
from ui.viewer import Viewer, allow_pages, current_viewer

IDLE_MINUTES_DEFAULT = 30
_LAST_SEEN = "_auth_last_seen"
_NOTICE = "_auth_notice"
_WANTED_PAGE = "_auth_wanted_page"
_SCOPE_VERSION = "_auth_scope_version"


def _secrets_section(name: str) -> object | None:
    try:
        return st.secrets.get(name)
    except Exception:  # no secrets.toml: the embedded sign-in
        return None


def oidc_configured() -> bool:
    """Whether `[auth]` in `.streamlit/secrets.toml` configures an OIDC provider."""
    return _secrets_section("auth") is not None


def idle_minutes() -> float:
    """Minutes without interaction after which a session must sign in again."""
    raw = os.environ.get("WAYMARK_IDLE_MINUTES") or _secrets_section("WAYMARK_IDLE_MINUTES")
    try:
        return float(raw) if raw else IDLE_MINUTES_DEFAULT
    except (TypeError, ValueError):
        return IDLE_MINUTES_DEFAULT


def viewer_from_account(account: Account) -> Viewer:
    """The session's viewer for an account: its role and the scope that role gives."""
    return Viewer(
        user_id=account.user_id,
        display_name=account.display_name,
        role=account.role,
        practitioner_id=account.practitioner_id,
        scope=scope_for(get_database(), account.role, account.practitioner_id),
    )


def _start_session(account: Account, how: str) -> Viewer:
    viewer = viewer_from_account(account)
    st.session_state["viewer"] = viewer
    # No page may open until app.py's router has listed this role's pages.
    allow_pages(set())
    st.session_state[_LAST_SEEN] = time.monotonic()
    st.session_state[_SCOPE_VERSION] = data_version(get_database())
    record_access(get_database(), viewer.user_id, "sign-in", "sign-in", detail=how)
    return viewer


def _refresh_scope(viewer: Viewer) -> Viewer:
    """The viewer with a scope recomputed once the database has changed since it was set.

    A scope lists practitioner ids; an import (from the Data page or the command line, while
    the app runs) can add practitioners to a supervisor's team or to the clinic, and a
    signed-in viewer should see them on the next rerun, not after signing in again.
    """
    db = get_database()
    version = data_version(db)
    known = st.session_state.get(_SCOPE_VERSION)
    st.session_state[_SCOPE_VERSION] = version
    if known is None or known == version:
        return viewer
    scope = scope_for(db, viewer.role, viewer.practitioner_id)
    if scope != viewer.scope:
        viewer = replace(viewer, scope=scope)
        st.session_state["viewer"] = viewer
    return viewer


def sign_out(reason: str = "signed out") -> None:
    """End this session's sign-in (and the OIDC cookie, if any), recording why."""
    viewer = current_viewer()
    if viewer is not None:
        record_access(get_database(), viewer.user_id, "sign-out", "sign-out", detail=reason)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if reason == "idle":
        st.session_state[_NOTICE] = (
            f"You were signed out after {idle_minutes():g} minutes without activity. Please sign in again."
        )
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def _expire_idle_session() -> None:
    viewer = current_viewer()
    last = st.session_state.get(_LAST_SEEN)
    if viewer is not None and last is not None and time.monotonic() - last > idle_minutes() * 60:
        sign_out("idle")
    st.session_state[_LAST_SEEN] = time.monotonic()


def sign_in_gate() -> Viewer:
    """The signed-in viewer; otherwise draw the sign-in page and stop the script."""
    _expire_idle_session()
    viewer = current_viewer()
    if viewer is not None:
        return _refresh_scope(viewer)
    if oidc_configured():
        viewer = _oidc_viewer()
        if viewer is not None:
            return viewer
    # No st.navigation here: the sign-in form is drawn in place of whatever page the URL
    # names, and no "page not found" dialog covers it. The page asked for is remembered,
    # so that a shared link (say, to one client) opens once its reader has signed in.
    if _WANTED_PAGE not in st.session_state:
        st.session_state[_WANTED_PAGE] = _requested_page()
    _sign_in_page()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _requested_page() -> str:
    """The first part of the URL's path (a page's url_path), or '' for the home page."""
    from urllib.parse import urlsplit

    try:
        path = urlsplit(st.context.url or "").path
    except Exception:  # no browser context (tests, bare mode)
        return ""
    return path.strip("/").split("/")[-1] if path.strip("/") else ""


def open_requested_page(sections: dict[str, list]) -> None:
    """Right after sign-in, open the page the URL asked for, if the role has it (app.py)."""
    wanted = st.session_state.pop(_WANTED_PAGE, "")
    if not wanted:
        return
    for entries in sections.values():
        for entry in entries:
            if entry.url_path == wanted:
                st.switch_page(entry, query_params=st.query_params.to_dict())


def _oidc_viewer() -> Viewer | None:
    """The viewer for the person the identity provider signed in, if they have an account."""
    if not st.user.is_logged_in:
        return None
    if st.user.get("email_verified") is False:
        st.session_state[_NOTICE] = "Your identity provider has not verified your e-mail address."
        return None
    email = str(st.user.get("email") or "")
    account = account_for_email(get_database(), email) if email else None
    if account is None:
        # Signed in at the provider but not in Waymark: say so, and offer to sign out.
        st.session_state[_NOTICE] = (
            f"{email or 'Your account'} has no Waymark access yet. Ask a Waymark administrator "
            "to add you (python -m analytics users add)."
        )
        return None
    return _start_session(account, "oidc")


def _sign_in_page() -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Sign in to Waymark")
        st.caption("Progress on therapy goals, for therapists and their clinical supervisors.")
        notice = st.session_state.pop(_NOTICE, None)
        if notice:
            st.warning(notice)
        if oidc_configured():
            if st.user.is_logged_in:
                st.button("Sign out", on_click=st.logout, key="oidc_sign_out")
            else:
                st.write("Waymark uses your organisation's sign-in.")
                st.button("Sign in", on_click=st.login, type="primary", key="oidc_sign_in")
            return
        with st.form("sign_in", enter_to_submit=True):
            email = st.text_input("E-mail", key="sign_in_email", autocomplete="username")
            password = st.text_input(
                "Password", type="password", key="sign_in_password", autocomplete="current-password"
            )
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            try:
                account = verify_sign_in(get_database(), email, password)
            except WaymarkError as err:  # a refusal, or the database is busy
                st.error(f"**{err.title}.** {err}")
            else:
                _start_session(account, "password")
                st.rerun()
        _demo_accounts_help()


def _demo_accounts_help() -> None:
    """Explain the demo accounts while the demo clinic has them, or how to make the first."""
    from analytics.auth import demo_accounts, list_users

    db = get_database()
    accounts = demo_accounts(db)
    if accounts.empty:
        if list_users(db).empty:
            st.info(
                "**No one can sign in yet: this database has no accounts.** Create the first "
                "administrator on the server with `python -m analytics users add "
                "you@clinic.example --role admin` (docs/security.md). A demo database made "
                "by an older Waymark has no demo accounts: delete it and start Waymark again "
                "to rebuild the demo with them.",
                icon=":material/person_add:",
            )
        return
    lines = "\n".join(f"| {row.role} | `{row.email}` | {row.display_name} |" for row in accounts.itertuples())
    st.info(
        "**This is the demo clinic** (fictional clients, no real people). Sign in with one of "
        f"its accounts; the password of each is `{DEMO_PASSWORD}`.\n\n"
        "| role | e-mail | who |\n|---|---|---|\n" + lines + "\n\n"
        "A **therapist** sees their own caseload, a **supervisor** their team's clients and the "
        "follow-up audit, an **administrator** every client, data import and the access log.",
        icon=":material/info:",
    )


def account_sidebar(viewer: Viewer) -> None:
    """Who is signed in, and the sign-out button, at the foot of the sidebar."""
    with st.sidebar:
        st.divider()
        st.caption(f"Signed in as **{viewer.display_name}** ({viewer.role})")
        # A callback runs before the script, so the rerun it causes already sees no viewer.
        st.button("Sign out", key="sign_out", icon=":material/logout:", on_click=sign_out)
