"""The Accounts page (administrators only) under AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.auth import SignInRefused, add_user, list_users, verify_sign_in
from analytics.db import Database
from tests.apptest import run_page, viewer_for
from tests.factories import Clinic

ADMIN = "boss@example.org"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    c = Clinic(db)
    c.practitioner("sup", role="supervisor", name="Sam Super")
    c.practitioner("t1", supervisor="sup", name="Tess One")
    add_user(db, ADMIN, "admin", "admin passphrase")
    add_user(db, "sup@example.org", password="supervisor passphrase")
    db.close()
    return tmp_path / "w.duckdb"


def admin_page(db_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    viewer = viewer_for(Database(db_path), "admin", None, ADMIN)
    return run_page("users", db_path, viewer, None, monkeypatch)


def test_the_page_lists_accounts_without_hashes(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = admin_page(db_path, monkeypatch)
    assert not at.exception
    shown = at.dataframe[0].value
    assert shown["email"].tolist() == [ADMIN, "sup@example.org"]
    assert shown["practitioner_name"].fillna("-").tolist() == ["-", "Sam Super"]
    assert "password_hash" not in shown.columns


def test_adding_an_account_matches_the_practitioner_and_is_logged(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = admin_page(db_path, monkeypatch)
    at.text_input(key="add_email").input("T1@example.org")
    at.text_input(key="add_password").input("therapist passphrase")
    at.text_input(key="add_password_again").input("therapist passphrase")
    at.button[0].click().run()
    assert not at.exception
    assert at.success[0].value == "Added t1@example.org (therapist)."
    db = Database(db_path)
    assert verify_sign_in(db, "t1@example.org", "therapist passphrase").practitioner_id == "t1"
    last = db.query_sql(
        "SELECT user_id, action, page, detail FROM access_log ORDER BY access_id DESC LIMIT 1"
    )
    assert last.values.tolist() == [[ADMIN, "account", "users", "added t1@example.org as therapist"]]
    # The log never holds the password.
    assert db.scalar("SELECT count(*) FROM access_log WHERE detail LIKE '%passphrase%'") == 0


@pytest.mark.parametrize(
    ("password", "again", "says"),
    [
        ("short", "short", "at least 10 characters"),
        ("long enough one", "long enough two", "two passwords differ"),
    ],
)
def test_a_refused_account_says_why_and_adds_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, password: str, again: str, says: str
) -> None:
    at = admin_page(db_path, monkeypatch)
    at.text_input(key="add_email").input("t1@example.org")
    at.text_input(key="add_password").input(password)
    at.text_input(key="add_password_again").input(again)
    at.button[0].click().run()
    assert says in at.error[0].value
    assert len(list_users(Database(db_path))) == 2


def test_an_admin_sets_a_password_and_removes_an_account_but_not_their_own(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = admin_page(db_path, monkeypatch)
    at.selectbox(key="pw_email").select("sup@example.org")
    at.text_input(key="pw_new").input("a fresh passphrase")
    at.text_input(key="pw_again").input("a fresh passphrase")
    at.button[1].click().run()
    assert verify_sign_in(Database(db_path), "sup@example.org", "a fresh passphrase").role == "supervisor"

    assert at.selectbox(key="rm_email").options == ["sup@example.org"]  # never the admin's own
    at.selectbox(key="rm_email").select("sup@example.org")
    at.checkbox(key="rm_sure").check()
    at.button[2].click().run()
    assert list_users(Database(db_path))["email"].tolist() == [ADMIN]


@pytest.mark.parametrize(("role", "practitioner"), [("therapist", "t1"), ("supervisor", "sup")])
def test_other_roles_are_refused(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, role: str, practitioner: str
) -> None:
    at = run_page("users", db_path, viewer_for(Database(db_path), role, practitioner), None, monkeypatch)
    assert "Access is not allowed" in at.error[0].value
    assert at.dataframe == [] and at.text_input == []


def test_failed_sign_ins_show_with_their_lock(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(db_path)
    for _ in range(5):
        with pytest.raises(SignInRefused):
            verify_sign_in(db, "sup@example.org", "not the password")
    at = admin_page(db_path, monkeypatch)
    failures = at.dataframe[1].value
    assert failures[["email", "failures"]].values.tolist() == [["sup@example.org", 5]]
    assert failures["locked_until"].notna().all()
