"""`python -m analytics users`: add, list, set-password, remove; passwords never in argv."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from analytics.auth import verify_sign_in
from analytics.cli import build_parser, main
from analytics.db import Database
from tests.factories import Clinic


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    Clinic(db).practitioner("t1")
    db.close()
    return tmp_path / "w.duckdb"


def users(path: Path, *args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.delenv("WAYMARK_DB_KEY", raising=False)
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["users", "--db", str(path), *args])


def test_add_list_set_password_and_remove_an_account(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        users(
            path,
            "add",
            "T1@example.org",
            "--password-stdin",
            stdin="first passphrase\n",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert (
        "Added t1@example.org: therapist, practitioner t1, signs in with password." in capsys.readouterr().out
    )
    assert (
        users(path, "add", "boss@example.org", "--role", "admin", "--no-password", monkeypatch=monkeypatch)
        == 0
    )
    capsys.readouterr()

    assert users(path, "list", monkeypatch=monkeypatch) == 0
    listing = capsys.readouterr().out
    assert listing.splitlines() == [
        f"{'boss@example.org':<36} {'admin':<11} {'-':<12} OIDC only",
        f"{'t1@example.org':<36} {'therapist':<11} {'t1':<12}".rstrip(),
    ]
    assert "argon2" not in listing and "first passphrase" not in listing

    assert (
        users(
            path,
            "set-password",
            "t1@example.org",
            "--password-stdin",
            stdin="second passphrase\n",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert verify_sign_in(Database(path), "t1@example.org", "second passphrase").practitioner_id == "t1"

    assert users(path, "remove", "t1@example.org", monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    users(path, "list", monkeypatch=monkeypatch)
    assert "t1@example.org" not in capsys.readouterr().out


def test_the_password_prompt_asks_twice_and_refuses_a_mismatch(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter(["one passphrase!", "another passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert users(path, "add", "t1@example.org", monkeypatch=monkeypatch) == 2
    assert "The two passwords differ" in capsys.readouterr().err
    typed = iter(["same passphrase!", "same passphrase!"])
    assert users(path, "add", "t1@example.org", monkeypatch=monkeypatch) == 0


def test_a_weak_password_is_refused_with_a_reason(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        users(path, "add", "t1@example.org", "--password-stdin", stdin="short\n", monkeypatch=monkeypatch)
        == 2
    )
    assert "at least 10 characters" in capsys.readouterr().err


def test_a_password_cannot_be_given_on_the_command_line() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["users", "add", "t1@example.org", "--password", "in plain sight"])
