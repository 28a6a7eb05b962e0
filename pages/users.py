"""Accounts (administrators): who may sign in, with which role; add, set passwords, remove."""

from __future__ import annotations

import streamlit as st

from analytics.access_log import record_access
from analytics.auth import add_user, list_users, recent_sign_in_failures, remove_user, set_password
from analytics.errors import WaymarkError
from analytics.scope import ROLES, practitioner_directory
from ui.access import record_view
from ui.data import get_database, load
from ui.viewer import require_viewer

PAGE = "users"
MATCH = "match by e-mail"

viewer = require_viewer()
if viewer.role != "admin":
    st.error("**Access is not allowed.** Accounts are managed by administrators.", icon=":material/block:")
    st.stop()

st.title("Accounts")
st.caption(
    "Who may sign in and with which role. A therapist or supervisor account belongs to a "
    "practitioner, whose clients (and team) it may see. Passwords are stored as argon2id "
    "hashes only; with OIDC sign-in, accounts need no password. The same can be done with "
    "`python -m analytics users` (docs/security.md)."
)
record_view(PAGE)


def _done(message: str, detail: str) -> None:
    record_access(get_database(), viewer.user_id, "account", PAGE, detail=detail)
    st.session_state["_users_notice"] = message


notice = st.session_state.pop("_users_notice", None)
if notice:
    st.success(notice, icon=":material/check:")

accounts = load(list_users)
if accounts.empty:
    st.info("There are no accounts yet. Add the first one below.")
else:
    st.dataframe(
        accounts,
        hide_index=True,
        width="stretch",
        column_config={
            "email": "E-mail",
            "role": "Role",
            "practitioner_id": "Practitioner id",
            "practitioner_name": "Practitioner",
            "has_password": st.column_config.CheckboxColumn(
                "Password", help="Without one: OIDC sign-in only."
            ),
            "disabled": st.column_config.CheckboxColumn("Disabled"),
            "demo_account": st.column_config.CheckboxColumn(
                "Demo",
                help="Made by the demo builder with the published demo password: remove before real use.",
            ),
            "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
        },
    )

# Not cached: a lock-out ends with the clock, not with a write, so a cached answer goes stale.
failures = recent_sign_in_failures(get_database())
if not failures.empty:
    st.subheader("Failed sign-ins, last 24 hours")
    st.caption(
        "Counted since each e-mail's last successful sign-in. After 5 failures within 15 minutes "
        "an e-mail is locked for the rest of those 15 minutes; setting a new password ends it."
    )
    st.dataframe(
        failures,
        hide_index=True,
        width="stretch",
        column_config={
            "email": "E-mail tried",
            "failures": "Failures",
            "last_failure": st.column_config.DatetimeColumn(
                "Last failure (UTC)", format="YYYY-MM-DD HH:mm:ss"
            ),
            "locked_until": st.column_config.DatetimeColumn("Locked until (UTC)", format="HH:mm:ss"),
        },
    )

add_tab, password_tab, remove_tab = st.tabs(["Add an account", "Set a new password", "Remove an account"])

with add_tab, st.form("add_account", clear_on_submit=True):
    people = load(practitioner_directory)
    names = {str(p["practitioner_id"]): f"{p['display_name']} ({p['role']})" for p in people}
    email = st.text_input("E-mail", key="add_email")
    cols = st.columns(2)
    role = cols[0].selectbox(
        "Role",
        ["from the practitioner", *ROLES],
        key="add_role",
        help="By default, the practitioner's own role.",
    )
    practitioner = cols[1].selectbox(
        "Practitioner", [MATCH, *names], format_func=lambda p: names.get(p, p), key="add_practitioner"
    )
    password = st.text_input(
        "Password (leave empty for OIDC sign-in only)",
        type="password",
        key="add_password",
        autocomplete="new-password",
    )
    again = st.text_input(
        "Same password again", type="password", key="add_password_again", autocomplete="new-password"
    )
    if st.form_submit_button("Add account", type="primary"):
        try:
            if password != again:
                raise WaymarkError("The two passwords differ.")
            account = add_user(
                get_database(),
                email,
                None if role == "from the practitioner" else role,
                password or None,
                None if practitioner == MATCH else practitioner,
            )
        except WaymarkError as err:
            st.error(f"**{err.title}.** {err}")
        else:
            _done(f"Added {account.email} ({account.role}).", f"added {account.email} as {account.role}")
            st.rerun()

emails = accounts["email"].tolist() if not accounts.empty else []

with password_tab, st.form("set_password", clear_on_submit=True):
    who = st.selectbox("Account", emails, index=None, key="pw_email", placeholder="Choose an account")
    password = st.text_input("New password", type="password", key="pw_new", autocomplete="new-password")
    again = st.text_input("Same password again", type="password", key="pw_again", autocomplete="new-password")
    if st.form_submit_button("Set password", type="primary"):
        try:
            if not who:
                raise WaymarkError("Choose the account first.")
            if password != again:
                raise WaymarkError("The two passwords differ.")
            set_password(get_database(), who, password)
        except WaymarkError as err:
            st.error(f"**{err.title}.** {err}")
        else:
            _done(f"New password set for {who}; any lock-out has ended.", f"set password of {who}")
            st.rerun()

with remove_tab, st.form("remove_account"):
    others = [e for e in emails if e != viewer.user_id]
    who = st.selectbox("Account", others, index=None, key="rm_email", placeholder="Choose an account")
    sure = st.checkbox("Yes, remove this account (its access-log rows stay)", key="rm_sure")
    if st.form_submit_button("Remove account"):
        try:
            if not who or not sure:
                raise WaymarkError("Choose the account and tick the box to confirm.")
            remove_user(get_database(), who)
        except WaymarkError as err:
            st.error(f"**{err.title}.** {err}")
        else:
            _done(f"Removed {who}.", f"removed {who}")
            st.rerun()
    st.caption(
        "You cannot remove your own account here, so a clinic is never left without an administrator by accident."
    )
