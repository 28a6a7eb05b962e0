"""Local accounts: argon2id password hashes, rate-limited sign-in, matching to practitioners.

Waymark's embedded sign-in keeps accounts in `app_users` (see docs/security.md). Passwords
are hashed with argon2id (RFC 9106) by `argon2-cffi`'s `PasswordHasher`, whose defaults
follow the RFC's second recommended profile (t=3, m=64 MiB, p=4). A hash made with older
parameters is upgraded at the next successful sign-in.

Failed sign-ins are recorded in `sign_in_attempts` and limited per e-mail: after
`ATTEMPT_LIMIT` failures within `ATTEMPT_WINDOW` (counting only failures since the last
success), that e-mail is refused for `ATTEMPT_WINDOW` after the oldest of those failures,
without its password being checked. An unknown e-mail is treated exactly like a known one
(same hash cost, same message, same limit) so the form does not reveal who has an account.

With OIDC (`st.login`), the identity provider checks the password; `account_for_email`
then finds the Waymark account for the e-mail the provider vouched for.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal, cast

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics.db import Database
from analytics.errors import WaymarkError
from analytics.scope import ROLES, Role

ATTEMPT_LIMIT = 5
ATTEMPT_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

# The demo clinic's accounts share one password, shown on the sign-in page and in the
# README; `python -m analytics users remove` them before real data goes in.
DEMO_PASSWORD = "waymark-demo"
DEMO_ADMIN_EMAIL = "admin@waymark.example"

_hasher = PasswordHasher()
# Verified against when the e-mail has no account, so that a wrong e-mail costs as much
# time as a wrong password and the response time does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("no account has this password")

Outcome = Literal["ok", "wrong", "locked"]


class AccountError(WaymarkError):
    """An account could not be added or changed (duplicate e-mail, weak password, …)."""

    title = "The account was not changed"


class SignInRefused(WaymarkError):
    """The e-mail and password did not match an enabled account."""

    title = "Sign-in refused"


class TooManyAttempts(SignInRefused):
    """Too many failed sign-ins for this e-mail; try again later."""

    title = "Too many failed sign-ins"

    def __init__(self, message: str, *, until: dt.datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class Account:
    """A Waymark account: who signs in, their role, and the practitioner they are."""

    user_id: str
    email: str
    role: Role
    practitioner_id: str | None
    display_name: str
    disabled: bool
    has_password: bool
    demo_account: bool = False


def utc_now() -> dt.datetime:
    """Now in UTC as a naive timestamp (how every Waymark timestamp is stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def normalize_email(email: str) -> str:
    """The e-mail as stored and compared: trimmed and lower-cased."""
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string, with its own salt and parameters)."""
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether `password` is the one `stored_hash` was made from (constant-time compare)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str, email: str = "") -> None:
    """Refuse passwords too short to resist guessing, or equal to the e-mail."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if email and normalize_email(password) == normalize_email(email):
        raise AccountError("A password must not be the account's e-mail address.")


# ---------------------------------------------------------------------------- accounts
def get_account(db: Database, email: str) -> Account | None:
    """The account with this e-mail (any case), or None."""
    rows = db.query("auth.account_by_email", {"email": normalize_email(email)})
    if rows.empty:
        return None
    row = rows.iloc[0]
    return Account(
        user_id=str(row["user_id"]),
        email=str(row["email"]),
        role=cast(Role, row["role"]),
        practitioner_id=None if pd.isna(row["practitioner_id"]) else str(row["practitioner_id"]),
        display_name=str(row["display_name"]),
        disabled=bool(row["disabled"]),
        has_password=bool(row["has_password"]),
        demo_account=bool(row["demo_account"]),
    )


def practitioner_for_email(db: Database, email: str) -> dict[str, str] | None:
    """The practitioner whose e-mail matches (case-insensitive): id, role, display name."""
    rows = db.query("auth.practitioner_by_email", {"email": normalize_email(email)})
    if rows.empty:
        return None
    if len(rows) > 1:
        raise AccountError(
            "More than one practitioner has this e-mail address; give the practitioner id "
            "with --practitioner."
        )
    return {k: str(v) for k, v in rows.iloc[0].items()}


def add_user(
    db: Database,
    email: str,
    role: Role | None = None,
    password: str | None = None,
    practitioner_id: str | None = None,
    *,
    demo_account: bool = False,
) -> Account:
    """Create an account; the practitioner is matched by e-mail unless given.

    Without a password the account can only sign in through OIDC (`st.login`). The role
    defaults to the matched practitioner's role. A therapist or supervisor must be a
    practitioner (their scope is their own and their team's clients).
    """
    email = normalize_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError("Give the person's e-mail address (name@clinic.example).")
    if get_account(db, email) is not None:
        raise AccountError(f"An account for {email} exists already.")
    if practitioner_id is None:
        match = practitioner_for_email(db, email)
        if match is not None:
            practitioner_id = match["practitioner_id"]
            role = role or cast(Role, match["role"])
    elif (
        db.scalar("SELECT count(*) FROM practitioners WHERE practitioner_id = $p", {"p": practitioner_id})
        == 0
    ):
        raise AccountError(f"There is no practitioner with id {practitioner_id!r}.")
    role = role or "therapist"
    if role not in ROLES:
        raise AccountError(f"The role must be one of {', '.join(ROLES)}.")
    if role in ("therapist", "supervisor") and practitioner_id is None:
        raise AccountError(
            f"A {role} account must belong to a practitioner: no practitioner has the "
            f"e-mail {email}; give one with --practitioner."
        )
    password_hash = None
    if password is not None:
        check_password_strength(password, email)
        password_hash = hash_password(password)
    db.execute_sql(
        "INSERT INTO app_users (user_id, email, role, practitioner_id, password_hash, "
        "disabled, created_at, demo_account) "
        "VALUES ($email, $email, $role, $practitioner, $hash, false, $now, $demo)",
        {
            "email": email,
            "role": role,
            "practitioner": practitioner_id,
            "hash": password_hash,
            "now": utc_now(),
            "demo": demo_account,
        },
    )
    account = get_account(db, email)
    assert account is not None
    return account


def remove_user(db: Database, email: str) -> None:
    """Delete an account (its access-log rows stay: they name the e-mail)."""
    email = normalize_email(email)
    if get_account(db, email) is None:
        raise AccountError(f"There is no account for {email}.")
    db.execute_sql("DELETE FROM app_users WHERE email = $email", {"email": email})


def set_password(db: Database, email: str, password: str) -> None:
    """Replace an account's password (and so end any lock-out for it)."""
    email = normalize_email(email)
    if get_account(db, email) is None:
        raise AccountError(f"There is no account for {email}.")
    check_password_strength(password, email)
    with db.transaction() as cur:
        cur.execute(
            "UPDATE app_users SET password_hash = $hash WHERE email = $email",
            {"hash": hash_password(password), "email": email},
        )
        # A new password is a fresh start: record it as a success so earlier failures
        # no longer count towards the limit.
        cur.execute(
            "INSERT INTO sign_in_attempts VALUES ($now, $email, true)",
            {"now": utc_now(), "email": email},
        )


def list_users(db: Database) -> pd.DataFrame:
    """Every account (e-mail, role, practitioner, has_password, disabled); never a hash."""
    return db.query("auth.list_accounts")


# ---------------------------------------------------------------------------- signing in
def locked_until(db: Database, email: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When this e-mail may try again, if it has used up its failed attempts; else None."""
    now = now or utc_now()
    failures = db.query(
        "auth.recent_failures",
        {"email": normalize_email(email), "since": now - ATTEMPT_WINDOW, "limit": ATTEMPT_LIMIT},
    )
    if len(failures) < ATTEMPT_LIMIT:
        return None
    oldest = pd.Timestamp(failures["attempted_at"].min()).to_pydatetime()
    until = oldest + ATTEMPT_WINDOW
    return until if until > now else None


def _record_attempt(db: Database, email: str, succeeded: bool, now: dt.datetime) -> None:
    db.execute_sql(
        "INSERT INTO sign_in_attempts VALUES ($now, $email, $ok)",
        {"now": now, "email": email, "ok": succeeded},
        # Read only uncached (`locked_until` at sign-in, the Accounts page's failures), so a
        # sign-in need not make every cached answer stale (Database.data_version).
        changes_data=False,
    )


def verify_sign_in(db: Database, email: str, password: str, now: dt.datetime | None = None) -> Account:
    """The account if e-mail and password match an enabled account; else SignInRefused.

    Raises TooManyAttempts, without checking the password, while the e-mail is locked out.
    """
    now = now or utc_now()
    email = normalize_email(email)
    until = locked_until(db, email, now)
    if until is not None:
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        raise TooManyAttempts(
            f"Too many failed sign-ins for this e-mail. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}, or ask an administrator to set a new password.",
            until=until,
        )
    stored = db.scalar(
        "SELECT password_hash FROM app_users WHERE email = $email AND NOT disabled", {"email": email}
    )
    ok = password_matches(stored if stored else _DUMMY_HASH, password) and bool(stored)
    _record_attempt(db, email, ok, now)
    if not ok:
        raise SignInRefused("The e-mail or the password is not right.")
    if _hasher.check_needs_rehash(stored):
        db.execute_sql(
            "UPDATE app_users SET password_hash = $hash WHERE email = $email",
            {"hash": hash_password(password), "email": email},
        )
    account = get_account(db, email)
    assert account is not None
    return account


def account_for_email(db: Database, email: str) -> Account | None:
    """The enabled account for an e-mail an identity provider vouched for (OIDC), or None.

    An account without a practitioner is linked to the practitioner with the same e-mail,
    so an administrator can create OIDC accounts before the practitioners are imported.
    """
    account = get_account(db, email)
    if account is None or account.disabled:
        return None
    if account.practitioner_id is None and account.role != "admin":
        match = practitioner_for_email(db, email)
        if match is None:
            return None
        db.execute_sql(
            "UPDATE app_users SET practitioner_id = $p WHERE email = $email",
            {"p": match["practitioner_id"], "email": account.email},
        )
        account = get_account(db, email)
    return account


# ---------------------------------------------------------------------------- demo
def create_demo_accounts(db: Database, password: str = DEMO_PASSWORD) -> list[Account]:
    """One demo account per role, matched to demo practitioners by e-mail (idempotent).

    The admin is `admin@waymark.example`; the supervisor leads the team with the most
    clients in care, and the therapist is the member of that team with the most clients in
    care, so that every demo role has a full view to explore.
    """
    team = db.query("auth.demo_team")
    wanted: list[tuple[str, Role]] = [(DEMO_ADMIN_EMAIL, "admin")]
    if not team.empty:
        wanted.append((str(team.iloc[0]["supervisor_email"]), "supervisor"))
        wanted.append((str(team.iloc[0]["therapist_email"]), "therapist"))
    accounts = []
    for email, role in wanted:
        existing = get_account(db, email)
        if existing is None:
            existing = add_user(db, email, role, password, demo_account=True)
        accounts.append(existing)
    return accounts


def demo_accounts(db: Database) -> pd.DataFrame:
    """The demo clinic's enabled accounts (role, e-mail, display name), for the sign-in page."""
    return db.query("auth.demo_accounts")


def recent_sign_in_failures(db: Database, hours: int = 24, now: dt.datetime | None = None) -> pd.DataFrame:
    """Per e-mail, failed sign-ins in the last `hours` (since its last success): count, last (UTC), locked until."""
    now = now or utc_now()
    failures = db.query("auth.failures_since", {"since": now - dt.timedelta(hours=hours)})
    failures["locked_until"] = [locked_until(db, email, now) for email in failures["email"]]
    return failures
