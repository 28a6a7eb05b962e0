"""Local accounts: argon2id hashing, sign-in, rate limiting, matching to practitioners."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from analytics import auth
from analytics.auth import (
    ATTEMPT_LIMIT,
    ATTEMPT_WINDOW,
    AccountError,
    SignInRefused,
    TooManyAttempts,
    account_for_email,
    add_user,
    create_demo_accounts,
    list_users,
    locked_until,
    remove_user,
    set_password,
    verify_sign_in,
)
from analytics.db import Database
from tests.factories import Clinic

PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 11, 22, 9, 0, 0)


@pytest.fixture
def team(clinic: Clinic) -> Clinic:
    # sup supervises t1 and t2; solo has no supervisor. Factory e-mails are <id>@example.org.
    clinic.practitioner("sup", role="supervisor")
    clinic.practitioner("t1", supervisor="sup")
    clinic.practitioner("t2", supervisor="sup")
    clinic.practitioner("solo")
    return clinic


def attempts(db: Database) -> list[tuple]:
    return db.query_sql(
        "SELECT attempted_at, email, succeeded FROM sign_in_attempts ORDER BY 1"
    ).values.tolist()


def test_a_password_is_stored_as_a_salted_argon2id_hash_never_as_text(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    add_user(db, "t2@example.org", password=PASSWORD)
    hashes = db.query_sql("SELECT password_hash FROM app_users ORDER BY email")["password_hash"].tolist()
    assert all(h.startswith("$argon2id$") for h in hashes)
    # Same password, different salts: the two hashes differ, and neither contains the text.
    assert hashes[0] != hashes[1]
    assert not any(PASSWORD in h for h in hashes)
    assert auth.password_matches(hashes[0], PASSWORD)
    assert not auth.password_matches(hashes[0], PASSWORD + "!")
    assert not auth.password_matches("not a hash", PASSWORD)


def test_an_account_is_matched_to_its_practitioner_by_email_in_any_case(db: Database, team: Clinic) -> None:
    account = add_user(db, "  T1@Example.ORG ", password=PASSWORD)
    # The role comes from the practitioner (t1 is a therapist) and the name from them too.
    assert (account.email, account.role, account.practitioner_id) == ("t1@example.org", "therapist", "t1")
    assert account.display_name == "Practitioner t1"
    assert verify_sign_in(db, "t1@EXAMPLE.org", PASSWORD).practitioner_id == "t1"


@pytest.mark.parametrize(
    ("email", "role", "password", "practitioner", "says"),
    [
        ("t1@example.org", None, "short", None, "at least 10"),
        ("t1@example.org", None, "t1@example.org", None, "must not be the account's e-mail"),
        ("nobody@example.org", "therapist", PASSWORD, None, "must belong to a practitioner"),
        ("x@example.org", "supervisor", PASSWORD, "ghost", "no practitioner with id"),
        ("not-an-email", "admin", PASSWORD, None, "e-mail address"),
    ],
)
def test_accounts_that_would_be_unsafe_or_unusable_are_refused(
    db: Database,
    team: Clinic,
    email: str,
    role: str | None,
    password: str,
    practitioner: str | None,
    says: str,
) -> None:
    with pytest.raises(AccountError, match=says):
        add_user(db, email, role, password, practitioner)
    assert list_users(db).empty


def test_a_second_account_for_the_same_email_is_refused(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    with pytest.raises(AccountError, match="exists already"):
        add_user(db, "T1@example.org", password=PASSWORD)


def test_the_account_list_never_carries_password_hashes(db: Database, team: Clinic) -> None:
    add_user(db, "boss@example.org", "admin", PASSWORD)
    users = list_users(db)
    assert "password_hash" not in users.columns
    assert not users.astype(str).apply(lambda col: col.str.contains("argon2")).any().any()
    assert users.iloc[0][["email", "role", "has_password"]].tolist() == ["boss@example.org", "admin", True]


def test_a_wrong_password_and_an_unknown_email_get_the_same_refusal(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    with pytest.raises(SignInRefused) as wrong:
        verify_sign_in(db, "t1@example.org", "wrong password!", now=T0)
    with pytest.raises(SignInRefused) as unknown:
        verify_sign_in(db, "who@example.org", PASSWORD, now=T0)
    assert str(wrong.value) == str(unknown.value) == "The e-mail or the password is not right."
    # Both failures are recorded (guesses at unknown e-mails are limited as well).
    assert attempts(db) == [[T0, "t1@example.org", False], [T0, "who@example.org", False]]


def test_an_account_without_a_password_cannot_sign_in_with_an_empty_one(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org")  # OIDC only
    with pytest.raises(SignInRefused):
        verify_sign_in(db, "t1@example.org", "")


def test_a_disabled_account_cannot_sign_in(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    db.execute_sql("UPDATE app_users SET disabled = true")
    with pytest.raises(SignInRefused):
        verify_sign_in(db, "t1@example.org", PASSWORD)
    assert account_for_email(db, "t1@example.org") is None


def fail(db: Database, email: str, minutes: list[float]) -> None:
    for m in minutes:
        with pytest.raises(SignInRefused):
            verify_sign_in(db, email, "a wrong password", now=T0 + dt.timedelta(minutes=m))


def test_five_failures_in_fifteen_minutes_lock_the_email_out_even_for_the_right_password(
    db: Database, team: Clinic
) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    # Failures at minutes 0, 1, 2, 3, 4: the fifth lands inside the 15-minute window, so
    # the e-mail is locked until the oldest of them (minute 0) is 15 minutes old: 09:15.
    fail(db, "t1@example.org", [0, 1, 2, 3, 4])
    at_five = T0 + dt.timedelta(minutes=5)
    assert locked_until(db, "t1@example.org", at_five) == T0 + ATTEMPT_WINDOW
    with pytest.raises(TooManyAttempts, match="Try again in 10 minutes") as locked:
        verify_sign_in(db, "t1@example.org", PASSWORD, now=at_five)
    assert locked.value.until == dt.datetime(2026, 11, 22, 9, 15)
    # A refused attempt is not checked and not recorded: it does not extend the lock.
    assert len(attempts(db)) == ATTEMPT_LIMIT
    # One second after 09:15 the window holds only four failures: the right password works.
    after = T0 + ATTEMPT_WINDOW + dt.timedelta(seconds=1)
    assert verify_sign_in(db, "t1@example.org", PASSWORD, now=after).email == "t1@example.org"


def test_the_lock_applies_to_one_email_only(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    add_user(db, "t2@example.org", password=PASSWORD)
    fail(db, "t1@example.org", [0, 1, 2, 3, 4])
    assert (
        verify_sign_in(db, "t2@example.org", PASSWORD, now=T0 + dt.timedelta(minutes=5)).practitioner_id
        == "t2"
    )


@pytest.mark.parametrize(
    ("failures", "locked"),
    [
        # Four failures are one short of the limit.
        ([0, 1, 2, 3], False),
        # Five failures, but the first (minute 0) is more than 15 minutes before minute 16.
        ([0, 12, 13, 14, 15], False),
        # Five failures within minutes 2..15: all inside the window ending at minute 16.
        ([2, 12, 13, 14, 15], True),
    ],
)
def test_only_failures_inside_the_window_count(
    db: Database, team: Clinic, failures: list[int], locked: bool
) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    fail(db, "t1@example.org", failures)
    assert (locked_until(db, "t1@example.org", T0 + dt.timedelta(minutes=16)) is not None) is locked


def test_a_success_clears_earlier_failures(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    # Four failures, a success at minute 5, four more: only the last four count, so no lock.
    fail(db, "t1@example.org", [0, 1, 2, 3])
    verify_sign_in(db, "t1@example.org", PASSWORD, now=T0 + dt.timedelta(minutes=5))
    fail(db, "t1@example.org", [6, 7, 8, 9])
    assert locked_until(db, "t1@example.org", T0 + dt.timedelta(minutes=10)) is None


def test_an_administrator_setting_a_new_password_ends_the_lock(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    now = auth.utc_now()
    for _ in range(ATTEMPT_LIMIT):
        with pytest.raises(SignInRefused):
            verify_sign_in(db, "t1@example.org", "a wrong password", now=now)
    assert locked_until(db, "t1@example.org", now) is not None
    set_password(db, "t1@example.org", "a brand new passphrase")
    later = auth.utc_now()
    assert locked_until(db, "t1@example.org", later) is None
    assert verify_sign_in(db, "t1@example.org", "a brand new passphrase", now=later).role == "therapist"
    with pytest.raises(SignInRefused):
        verify_sign_in(db, "t1@example.org", PASSWORD, now=later)


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.execute_sql("UPDATE app_users SET password_hash = $h", {"h": weak})
    verify_sign_in(db, "t1@example.org", PASSWORD)
    stored = db.scalar("SELECT password_hash FROM app_users")
    assert stored != weak and "m=65536,t=3,p=4" in stored


def test_oidc_email_finds_the_account_and_links_its_practitioner(db: Database, team: Clinic) -> None:
    # An OIDC-only account created before the practitioner had an e-mail on file.
    db.execute_sql("UPDATE practitioners SET email = NULL WHERE practitioner_id = 't2'")
    add_user(db, "t2@example.org", "therapist", practitioner_id="t2")
    db.execute_sql("UPDATE app_users SET practitioner_id = NULL")
    assert account_for_email(db, "t2@example.org") is None  # no practitioner to match yet
    db.execute_sql("UPDATE practitioners SET email = 'T2@example.org' WHERE practitioner_id = 't2'")
    account = account_for_email(db, "t2@example.org")
    assert account is not None and account.practitioner_id == "t2"
    assert account_for_email(db, "stranger@example.org") is None


def test_removing_an_account_stops_its_sign_in(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    remove_user(db, "T1@example.org")
    assert list_users(db).empty
    with pytest.raises(AccountError, match="no account"):
        remove_user(db, "t1@example.org")


def test_demo_accounts_are_one_per_role_with_the_fullest_views(db: Database, team: Clinic) -> None:
    # sup's team: t1 has 1 client in care (and 1 discharged), t2 has 2 -> 3 in care.
    # sup2's team: t3 has 2 in care. So the supervisor is sup (3 > 2), and the therapist
    # is t2, the member of sup's team with the most clients in care.
    team.practitioner("sup2", role="supervisor")
    team.practitioner("t3", supervisor="sup2")
    team.client("a", "t1")
    team.client("b", "t1", discharge="2026-03-01")
    team.client("c", "t2")
    team.client("d", "t2")
    team.client("e", "t3")
    team.client("f", "t3")
    accounts = create_demo_accounts(db)
    assert [(a.email, a.role, a.practitioner_id) for a in accounts] == [
        ("admin@waymark.example", "admin", None),
        ("sup@example.org", "supervisor", "sup"),
        ("t2@example.org", "therapist", "t2"),
    ]
    assert all(a.demo_account and a.has_password for a in accounts)
    # Idempotent: a second call finds the same accounts and adds none.
    assert create_demo_accounts(db) == accounts
    assert len(list_users(db)) == 3
    assert verify_sign_in(db, "sup@example.org", auth.DEMO_PASSWORD).role == "supervisor"


def test_recent_failures_are_counted_per_email_with_the_lock(db: Database, team: Clinic) -> None:
    add_user(db, "t1@example.org", password=PASSWORD)
    # t1: five failures at minutes 0-4 (locked until 09:15); who@: one failure at minute 2.
    fail(db, "t1@example.org", [0, 1, 2, 3, 4])
    fail(db, "who@example.org", [2])
    rows = auth.recent_sign_in_failures(db, now=T0 + dt.timedelta(minutes=6))
    assert rows[["email", "failures"]].values.tolist() == [["t1@example.org", 5], ["who@example.org", 1]]
    assert rows["locked_until"].tolist()[0] == dt.datetime(2026, 11, 22, 9, 15)
    assert rows["locked_until"].isna().tolist() == [False, True]
