"""The stored data version that keys every cached answer (docs/architecture.md, "Caching").

It must change with every write that can change an answer, whoever writes, and must not
change with the writes that change the file but no answer: an access-log row (every first
view of a client writes one) and DuckDB's checkpoint (every detach of a lingering gateway).
Keyed by the file's modification time instead, one therapist opening a client made every
cached answer of every user stale, and so did a checkpoint between two reruns.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from analytics.access_log import record_access
from analytics.auth import SignInRefused, add_user, verify_sign_in
from analytics.db import Database
from analytics.ingest import import_files
from analytics.settings import save_settings
from ui.data import data_version

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"


@pytest.fixture
def example_db(tmp_path: Path) -> Database:
    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    assert import_files(db, [EXAMPLES]).ok
    return db


def test_every_write_that_can_change_an_answer_gives_the_data_a_new_version(example_db: Database) -> None:
    db = example_db
    seen = [db.data_version()]

    def changed() -> bool:
        seen.append(db.data_version())
        return seen[-1] != seen[-2]

    # A re-import of the same files changes nothing, and writes nothing.
    assert import_files(db, [EXAMPLES]).ok
    assert not changed()
    db.execute_sql("UPDATE goals SET description = description || '.' WHERE goal_id = 'g-001'")
    assert changed()
    save_settings(db, {"caseload.review_days": 21})
    assert changed()
    add_user(db, "new.admin@example.org", role="admin", password="a long enough passphrase 1")
    assert changed()
    # A re-import that changes a check-in's note is a write.
    folder = Path(db.path).parent / "in"
    shutil.copytree(EXAMPLES, folder)
    checkins = folder / "goal_checkins.csv"
    text = checkins.read_text(encoding="utf-8")
    assert "k-001,g-001,s-001,2026-01-05,2,client,\n" in text
    checkins.write_text(
        text.replace("2026-01-05,2,client,\n", "2026-01-05,2,client,slept badly\n"), encoding="utf-8"
    )
    assert import_files(db, [folder]).ok
    assert changed()
    with pytest.raises(RuntimeError), db.transaction() as cur:
        cur.execute("DELETE FROM goal_checkins")
        raise RuntimeError("rolled back")
    assert not changed()
    assert db.scalar("SELECT count(*) FROM goal_checkins") > 0
    # The first stamp and one for each of the four writes that changed something.
    assert len(set(seen)) == 5


def test_an_access_log_row_a_checkpoint_and_a_sign_in_attempt_leave_the_version_as_it_was(
    example_db: Database,
) -> None:
    db = example_db
    before = db.data_version()
    record_access(db, "t@example.org", "view", "client", "c-001")
    db.execute_sql("CHECKPOINT", changes_data=False)
    with pytest.raises(SignInRefused):
        verify_sign_in(db, "nobody@example.org", "a wrong password")
    assert db.data_version() == before
    assert db.scalar("SELECT count(*) FROM sign_in_attempts") == 1
    assert db.scalar("SELECT count(*) FROM access_log") == 1


def test_two_new_files_never_share_a_version(tmp_path: Path) -> None:
    # A random stamp, not a counter: a file rebuilt at the same path starts afresh.
    first, second = Database(tmp_path / "a.duckdb"), Database(tmp_path / "b.duckdb")
    first.migrate()
    second.migrate()
    assert first.data_version() != second.data_version()


def test_the_apps_version_follows_the_data_not_the_file(example_db: Database) -> None:
    db = example_db
    db.execute_sql("CHECKPOINT", changes_data=False)
    # Let the file's stamp settle, so the app remembers the version read at it.
    old = time.time() - 5
    os.utime(db.path, (old, old))
    version = data_version(db)
    assert data_version(db) == version
    # A view and a checkpoint change the file's stamps but not the version.
    stamps = os.stat(db.path).st_mtime_ns
    record_access(db, "t@example.org", "view", "client", "c-001")
    db.execute_sql("CHECKPOINT", changes_data=False)
    db.close()
    assert os.stat(db.path).st_mtime_ns != stamps
    assert data_version(db) == version
    # Another process's write is seen at once, even within the clock tick of the last read.
    other = Database(db.path)
    other.execute_sql("UPDATE clients SET display_code = display_code || '!' WHERE client_id = 'c-001'")
    other.close()
    assert data_version(db) == other.data_version() != version


@pytest.mark.parametrize(
    ("age_ns", "whole_second", "reads"),
    [
        # Stamps 5 s old: settled, so the version read once is remembered for the next call.
        (5_000_000_000, False, 1),
        # Just written (here: stamped a second ahead of the clock, so that a slow machine
        # cannot make it old): a write in the same clock tick could still come, so read
        # every time.
        (-1_000_000_000, False, 2),
        # Under a second old, on a file system that keeps whole seconds: settled only after
        # 2 s there (it would be after 50 ms with nanosecond stamps).
        (0, True, 2),
        (3_000_000_000, True, 1),
    ],
)
def test_the_app_remembers_a_version_only_once_the_files_stamps_have_settled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, age_ns: int, whole_second: bool, reads: int
) -> None:
    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    db.execute_sql("CHECKPOINT", changes_data=False)
    db.close()
    stamp = time.time_ns() - age_ns
    if whole_second:
        stamp -= stamp % 1_000_000_000
    else:
        stamp += 1 if stamp % 1_000_000_000 == 0 else 0
    os.utime(db.path, ns=(stamp, stamp))
    asked: list[str] = []
    real = Database.data_version

    def counted(self: Database) -> str:
        asked.append(self.path)
        return real(self)

    monkeypatch.setattr(Database, "data_version", counted)
    assert data_version(db) == data_version(db)
    assert len(asked) == reads
