"""Encryption at rest: encrypt and rekey keep every row, the file hides its text, and a
missing or wrong key is refused with a clear message and nothing overwritten."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from analytics.access_log import record_access
from analytics.cli import main
from analytics.db import Database
from analytics.encryption import EncryptionError, encrypt_database, rekey_database
from analytics.errors import EncryptionKeyError
from tests.factories import Clinic

# A note no database would hold by chance, so finding its bytes means finding the note.
NOTE = "Client said the quetzal harbour walk at dawn helped most 7f3a91"
KEY = "first key: 3b8c7e1d-long-random"
NEW_KEY = "second key: 91aa04f2-long-random"


def plain_clinic(path: Path) -> Path:
    db = Database(path)
    db.migrate()
    c = Clinic(db)
    c.practitioner("p1")
    c.client("c1", "p1")
    c.session("s1", "c1", "2026-01-05")
    c.goal("g1", "c1", start="2026-01-05", measure="self-rated-0-10", baseline=2, target=8)
    db.execute_sql("UPDATE goals SET description = $note", {"note": NOTE})
    db.execute_sql(
        "INSERT INTO goal_checkins VALUES ('k1', 'g1', 's1', DATE '2026-01-12', 4, 'client', $note)",
        {"note": NOTE},
    )
    record_access(db, "p1@example.org", "view", "client", "c1")
    db.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def everything(db: Database) -> dict[str, list]:
    tables = [
        "practitioners",
        "clients",
        "sessions",
        "goals",
        "goal_checkins",
        "access_log",
        "schema_version",
    ]
    return {t: db.query_sql(f"SELECT * FROM {t} ORDER BY ALL").astype(str).values.tolist() for t in tables}


def test_encrypting_keeps_every_row_and_the_file_no_longer_holds_the_note(tmp_path: Path) -> None:
    path = plain_clinic(tmp_path / "w.duckdb")
    assert NOTE.encode() in path.read_bytes()  # the plain file shows the note: the check can see it
    before = everything(Database(path))

    swap = encrypt_database(path, KEY)

    assert swap.backup == Path(str(path) + ".plain-backup")
    assert NOTE.encode() not in path.read_bytes()
    assert not Path(str(path) + ".wal").exists() and not Path(str(path) + ".encrypting").exists()
    # Neither a readable fragment of the note: not even its distinctive last word.
    assert b"7f3a91" not in path.read_bytes() and b"quetzal" not in path.read_bytes()
    encrypted = Database(path, KEY)
    assert everything(encrypted) == before
    # The access log's sequence goes on where it stood: the next row is number 2, not 1.
    record_access(encrypted, "p1@example.org", "view", "client", "c1")
    assert encrypted.query_sql("SELECT access_id FROM access_log ORDER BY 1")["access_id"].tolist() == [1, 2]
    # And writes go on being encrypted.
    encrypted.execute_sql("UPDATE goals SET description = description || ' again'")
    encrypted.close()
    assert NOTE.encode() not in path.read_bytes()
    # The original is kept, unencrypted, until the operator destroys it.
    assert NOTE.encode() in swap.backup.read_bytes()


def test_opening_an_encrypted_file_without_its_key_says_so_and_changes_nothing(tmp_path: Path) -> None:
    path = plain_clinic(tmp_path / "w.duckdb")
    encrypt_database(path, KEY)
    fingerprint = digest(path)
    with pytest.raises(EncryptionKeyError, match="is encrypted. Set WAYMARK_DB_KEY") as no_key:
        Database(path).migrate()
    with pytest.raises(EncryptionKeyError, match="does not open") as wrong:
        Database(path, "not the key").migrate()
    assert digest(path) == fingerprint
    for err in (no_key.value, wrong.value):
        assert NOTE not in str(err) and KEY not in str(err)


def test_a_plain_file_opened_with_a_key_is_refused_unchanged(tmp_path: Path) -> None:
    path = plain_clinic(tmp_path / "w.duckdb")
    fingerprint = digest(path)
    with pytest.raises(EncryptionKeyError, match="is not encrypted"):
        Database(path, KEY).migrate()
    assert digest(path) == fingerprint


def test_rekeying_moves_to_the_new_key_and_keeps_the_old_file_until_deleted(tmp_path: Path) -> None:
    path = plain_clinic(tmp_path / "w.duckdb")
    before = everything(Database(path))
    encrypt_database(path, KEY)

    swap = rekey_database(path, KEY, NEW_KEY)

    assert everything(Database(path, NEW_KEY)) == before
    with pytest.raises(EncryptionKeyError):
        Database(path, KEY).migrate()
    # The backup still opens with the old key and holds the same rows.
    assert swap.backup == Path(str(path) + ".old-key-backup")
    assert everything(Database(swap.backup, KEY)) == before
    assert NOTE.encode() not in path.read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("not the key", NEW_KEY, "does not open"),
        (None, NEW_KEY, "Set WAYMARK_DB_KEY to the current key"),
        (KEY, None, "WAYMARK_NEW_DB_KEY"),
        (KEY, KEY, "the same as WAYMARK_DB_KEY"),
    ],
)
def test_rekeying_with_a_missing_or_wrong_key_changes_nothing(
    tmp_path: Path, old: str | None, new: str | None, says: str
) -> None:
    path = plain_clinic(tmp_path / "w.duckdb")
    encrypt_database(path, KEY)
    Path(str(path) + ".plain-backup").unlink()
    fingerprint = digest(path)
    with pytest.raises(EncryptionKeyError, match=says):
        rekey_database(path, old, new)
    assert digest(path) == fingerprint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


def test_encrypting_without_a_key_or_twice_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    path = plain_clinic(tmp_path / "w.duckdb")
    fingerprint = digest(path)
    with pytest.raises(EncryptionKeyError, match="Set WAYMARK_DB_KEY"):
        encrypt_database(path, None)
    assert digest(path) == fingerprint and sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]

    encrypt_database(path, KEY)
    # The plain backup of the first run is still there: refuse rather than overwrite it.
    with pytest.raises(EncryptionError, match="exists from an earlier run"):
        encrypt_database(path, KEY)
    Path(str(path) + ".plain-backup").unlink()
    with pytest.raises(EncryptionError, match="encrypted already"):
        encrypt_database(path, KEY)


def test_encrypting_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EncryptionError, match="There is no database"):
        encrypt_database(tmp_path / "absent.duckdb", KEY)


def test_the_cli_encrypts_and_rekeys_with_keys_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = plain_clinic(tmp_path / "w.duckdb")
    monkeypatch.delenv("WAYMARK_DB_KEY", raising=False)
    assert main(["encrypt", "--db", str(path)]) == 2
    assert "Set WAYMARK_DB_KEY" in capsys.readouterr().err

    monkeypatch.setenv("WAYMARK_DB_KEY", KEY)
    assert main(["encrypt", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "verified" in out and "shred -u" in out and KEY not in out

    monkeypatch.setenv("WAYMARK_NEW_DB_KEY", NEW_KEY)
    assert main(["rekey", "--db", str(path)]) == 0
    assert Database(path, NEW_KEY).scalar("SELECT count(*) FROM goal_checkins") == 1


def test_writes_to_an_encrypted_database_are_encrypted_in_the_write_ahead_log_too(tmp_path: Path) -> None:
    path = plain_clinic(tmp_path / "w.duckdb")
    encrypt_database(path, KEY)
    db = Database(path, KEY)
    wal = Path(str(path) + ".wal")
    # Held open, a small write stays in the write-ahead log until the next checkpoint.
    with db.connection() as cur:
        cur.execute(
            "INSERT INTO goal_checkins VALUES ('k2', 'g1', NULL, DATE '2026-01-19', 5, 'client', $n)",
            {"n": NOTE},
        )
        assert wal.exists() and wal.stat().st_size > 0
        assert NOTE.encode() not in wal.read_bytes()
        assert NOTE.encode() not in path.read_bytes()
    db.close()
    assert Database(path, KEY).scalar("SELECT count(*) FROM goal_checkins WHERE note = $n", {"n": NOTE}) == 2
