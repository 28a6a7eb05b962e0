"""The gateway: migrations, error translation, no lock held between units of work."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics.db import Database, named_queries
from analytics.errors import DatabaseFileError, EncryptionKeyError, QueryError, SchemaTooNewError
from analytics.schema import code_version


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_migrate_creates_every_table_and_records_the_version(tmp_path: Path) -> None:
    db = Database(tmp_path / "w.duckdb")
    assert db.migrate() == code_version()
    tables = set(
        db.query_sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 'waymark'")["table_name"]
    )
    assert {
        "practitioners",
        "clients",
        "sessions",
        "goals",
        "goal_events",
        "goal_checkins",
        "coping_skills",
        "coping_logs",
        "app_users",
        "access_log",
        "settings",
        "schema_version",
    } <= tables
    # Running it again is a no-op.
    assert db.migrate() == code_version()
    assert db.scalar("SELECT count(*) FROM schema_version") == code_version()


def test_a_file_that_is_not_duckdb_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"this is a text file, not a database\n" * 50)
    before = sha(path)
    with pytest.raises(DatabaseFileError) as err:
        Database(path).migrate()
    assert str(path) in str(err.value) and "not a DuckDB database" in str(err.value)
    assert sha(path) == before


def test_a_newer_schema_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    Database(path).migrate()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (99, 'from the future', now())")
    con.close()
    before = sha(path)
    with pytest.raises(SchemaTooNewError, match="Upgrade Waymark"):
        Database(path).migrate()
    assert sha(path) == before


def test_encrypted_file_needs_its_key(tmp_path: Path) -> None:
    path = tmp_path / "secret.duckdb"
    Database(path, key="right key").migrate()
    with pytest.raises(EncryptionKeyError, match="is encrypted"):
        Database(path).migrate()
    with pytest.raises(EncryptionKeyError, match="does not open"):
        Database(path, key="wrong key").migrate()
    assert Database(path, key="right key").scalar("SELECT max(version) FROM schema_version") == code_version()


def test_fhir_value_sets_are_enforced(clinic) -> None:
    clinic.practitioner("p1")
    clinic.client("c1", "p1")
    with pytest.raises(QueryError):
        clinic.goal("g1", "c1", status="finished")  # not a FHIR Goal.lifecycleStatus


def test_no_lock_is_held_between_queries_so_another_process_can_write(tmp_path: Path) -> None:
    path = tmp_path / "shared.duckdb"
    db = Database(path)
    db.migrate()
    assert db.scalar("SELECT count(*) FROM practitioners") == 0
    # While `db` is idle, a separate process opens the file for writing.
    code = (
        "import duckdb,sys; c=duckdb.connect(sys.argv[1]);"
        "c.execute(\"INSERT INTO practitioners VALUES ('p9','P','therapist',NULL,NULL)\"); c.close()"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    # ...and this process sees the new row on its next query, without reopening.
    assert db.scalar("SELECT count(*) FROM practitioners") == 1


def test_every_named_query_has_a_comment_saying_what_it_returns() -> None:
    from analytics.db import SQL_DIR

    for path in SQL_DIR.glob("*.sql"):
        text = path.read_text()
        for block in text.split("-- name:")[1:]:
            lines = block.strip().splitlines()
            assert len(lines) > 1 and lines[1].startswith("--"), f"{path.name}: {lines[0]} lacks a comment"
    assert named_queries()


def test_a_lingering_attachment_lets_a_waiting_writer_in_at_once(tmp_path: Path) -> None:
    path = tmp_path / "linger.duckdb"
    # A holder that would keep the file for ten minutes after its last query...
    db = Database(path, linger=600)
    db.migrate()
    assert db.scalar("SELECT count(*) FROM practitioners") == 0
    assert db._attached()  # still attached: the linger keeps DuckDB's cache warm
    # ...lets another process in as soon as it announces that it is waiting.
    code = (
        "import sys; from analytics.db import Database; d=Database(sys.argv[1], busy_timeout=20);"
        "d.execute_sql(\"INSERT INTO practitioners VALUES ('p9','P','therapist',NULL,NULL)\")"
    )
    # The writer gives up after 20 s (DatabaseBusyError, non-zero exit) unless the
    # holder steps aside long before its linger is over.
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=Path(__file__).parent.parent)
    assert db.scalar("SELECT count(*) FROM practitioners") == 1
    db.close()
    assert not list(tmp_path.glob("*.waiting-*"))


def test_a_lingering_file_has_one_watcher_however_many_queries_and_detaches_when_idle(
    tmp_path: Path,
) -> None:
    # The watcher used to be a new thread at the end of every unit of work, each polling
    # until a later one took over; at page speed that was dozens alive at once, and every
    # query paid for starting one (docs/performance.md, 4 December).
    import threading
    import time

    from analytics.db import WATCHER_NAME

    def watchers() -> int:
        return sum(t.name == WATCHER_NAME and t.is_alive() for t in threading.enumerate())

    db = Database(tmp_path / "w.duckdb", linger=30)  # long enough for any pause between queries
    db.migrate()
    for _ in range(50):
        db.scalar("SELECT 1")
    assert db._attached() and watchers() == 1
    # With the linger shortened, 0.3 s after the last query it detaches and its watcher ends
    # (it polls every 0.05 s and reads the linger each time).
    db.linger = 0.3
    deadline = time.monotonic() + 10
    while (db._attached() or watchers()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not db._attached() and watchers() == 0
    # The next query attaches again, and a new watcher takes the file.
    assert db.scalar("SELECT 1") == 1
    assert db._attached() and watchers() == 1
    db.close()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_watcher_whose_detach_fails_leaves_the_file_to_the_next_one(tmp_path: Path, monkeypatch) -> None:
    import time

    Database(tmp_path / "w.duckdb").migrate()  # not lingering: no watcher before the patch
    db = Database(tmp_path / "w.duckdb", linger=0.1)
    real_detach = db._detach
    failures: list[str] = []

    def detach_once_failing() -> None:
        if not failures:
            failures.append("failed")
            raise duckdb.IOException("disk gone")
        real_detach()

    monkeypatch.setattr(db, "_detach", detach_once_failing)
    db.scalar("SELECT 1")
    deadline = time.monotonic() + 10
    while not failures and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    # The watcher died with its detach, still attached; it no longer counts as watching.
    assert failures and db._attached() and db._watcher is None
    # The next query's end starts a new watcher, which detaches after the linger.
    db.scalar("SELECT 1")
    while db._attached() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not db._attached() and db._watcher is None
    db.close()


def test_a_lingering_gateway_steps_aside_for_another_gateway_in_the_same_process(tmp_path: Path) -> None:
    # DuckDB refuses to attach one file twice in a process; the app's lingering gateway
    # must not lock out, say, an import run from a page through a second gateway.
    path = tmp_path / "two.duckdb"
    app = Database(path, linger=600)
    app.migrate()
    assert app.scalar("SELECT count(*) FROM practitioners") == 0 and app._attached()
    other = Database(path, busy_timeout=5)
    other.execute_sql("INSERT INTO practitioners VALUES ('p1', 'P', 'therapist', NULL, NULL)")
    assert not app._attached()
    assert app.scalar("SELECT count(*) FROM practitioners") == 1


def test_strings_are_written_without_fsst_compression(tmp_path: Path) -> None:
    # Ids like these, with NULLs among them, are what DuckDB compresses with FSST by default
    # (checked here on a plain connection), and FSST strings are slow to fetch a row at a time
    # (docs/architecture.md). Through the gateway the same rows are stored without it.
    rows = "SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE 's-' || lpad(i::VARCHAR, 7, '0') END AS s FROM range(200000) r(i)"
    plain = duckdb.connect(str(tmp_path / "plain.duckdb"))
    plain.execute(f"CREATE TABLE t AS {rows}")
    plain.execute("CHECKPOINT")
    methods = "SELECT DISTINCT compression FROM pragma_storage_info('t') WHERE segment_type = 'VARCHAR'"
    assert "FSST" in {m for (m,) in plain.execute(methods).fetchall()}
    plain.close()
    db = Database(tmp_path / "waymark.duckdb")
    with db.connection() as cur:
        cur.execute(f"CREATE TABLE t AS {rows}")
        cur.execute("CHECKPOINT")
        found = {m for (m,) in cur.execute(methods).fetchall()}
    db.close()
    assert found and "FSST" not in found


def test_a_join_with_a_few_hundred_keys_filters_the_other_sides_scan_by_them(tmp_path: Path) -> None:
    # DuckDB pushes a join's keys into the other side's scan as an IN filter only up to a
    # limit (50 by default); the gateway raises it so a team's few hundred clients are read by
    # index. The same join of 200 keys, on a plain connection and through the gateway:
    from analytics.db import DYNAMIC_IN_FILTER_LIMIT

    tables = [
        "CREATE TABLE big AS SELECT 'c-' || lpad(i::VARCHAR, 6, '0') AS k FROM range(200000) r(i)",
        "CREATE TABLE few AS SELECT 'c-' || lpad((i * 997)::VARCHAR, 6, '0') AS k FROM range(200) r(i)",
    ]
    join = "EXPLAIN ANALYZE SELECT count(*) FROM big JOIN few USING (k)"
    plain = duckdb.connect()
    for sql in tables:
        plain.execute(sql)
    assert "IN (" not in plain.execute(join).fetchall()[0][1]  # min/max only
    db = Database(tmp_path / "w.duckdb")
    with db.connection() as cur:
        limit = cur.execute("SELECT current_setting('dynamic_or_filter_threshold')").fetchone()[0]
        for sql in tables:
            cur.execute(sql)
        plan = cur.execute(join).fetchall()[0][1]
    db.close()
    assert limit == DYNAMIC_IN_FILTER_LIMIT >= 500
    assert "IN (" in plan  # the 200 keys themselves


def test_every_gateway_is_closed_at_exit_even_one_that_lingers(tmp_path: Path) -> None:
    from analytics.db import _close_every_gateway

    path = tmp_path / "exit.duckdb"
    db = Database(path, linger=600)
    db.migrate()
    assert db.scalar("SELECT count(*) FROM practitioners") == 0 and db._attached()
    _close_every_gateway()
    assert db._con is None and not db._attached()
    # A process that exits while its gateway lingers (a watcher thread waiting) exits cleanly.
    code = (
        "import sys; from analytics.db import Database; d=Database(sys.argv[1], linger=600);"
        "d.scalar('SELECT count(*) FROM practitioners')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "terminate called" not in done.stderr


def test_one_threads_unit_of_work_shares_its_cursor_and_other_threads_get_their_own(tmp_path: Path) -> None:
    import threading

    db = Database(tmp_path / "w.duckdb", linger=1.0)
    db.migrate()
    with db.hold(), db.connection() as outer:
        with db.connection() as inner:
            assert inner is outer  # a nested use on the thread is the same cursor
        seen: list[object] = []

        def other() -> None:
            with db.connection() as cur:
                seen.append(cur)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert seen and seen[0] is not outer  # another thread never shares it
    # A read inside a transaction sees the transaction's own write; a failure rolls it back.
    with pytest.raises(RuntimeError), db.transaction() as cur:
        cur.execute("INSERT INTO practitioners VALUES ('p1', 'P One', 'therapist', NULL, 'p1@x.example')")
        assert db.scalar("SELECT count(*) FROM practitioners") == 1
        raise RuntimeError("undo")
    assert db.scalar("SELECT count(*) FROM practitioners") == 0
    # Afterwards the thread opens a fresh cursor again, and the file is still attached (linger).
    with db.connection() as cur:
        assert cur is not outer
    assert db._attached()
    db.close()
    assert not db._attached()


def test_a_frame_has_the_stated_types_with_rows_and_without(clinic) -> None:
    import datetime as dt

    import numpy as np
    import pandas as pd

    clinic.practitioner("p1")
    clinic.client("c1", "p1", intake="2026-01-05")
    clinic.goal("g1", "c1", start="2026-01-05", measure="self-rated-0-10", baseline=2, target=8)
    clinic.checkin("k1", "g1", "2026-01-12", 3)
    from analytics.coping import GOAL_TYPES as types  # the coping page's goal list

    db = clinic.db
    params = {"scope": ["p1"], "client": "c1"}
    got = db.frame("coping.client_goals", params, types)
    # The same rows and types as DuckDB's own conversion gives this one-row result.
    pd.testing.assert_frame_equal(got, db.query("coping.client_goals", params), check_exact=True)
    assert got.loc[0, "start_date"] == pd.Timestamp(dt.date(2026, 1, 5))
    # Out of scope: no rows, and still the stated types (DuckDB's would be plain objects).
    empty = db.frame("coping.client_goals", {"scope": ["p2"], "client": "c1"}, types)
    assert empty.empty and {k: str(v) for k, v in empty.dtypes.items()} == types
    # A stated type list that is not the result's columns is a programming error.
    with pytest.raises(ValueError, match="do not match"):
        db.frame("coping.client_goals", params, {**types, "extra": "str"})
    # NULLs: NaN, NaT and missing where the type has them; an error where it has none.
    from analytics.db import _column

    assert np.isnan(_column("x", [None, 1.5], "float64")[0])
    assert pd.isna(_column("x", [None], "datetime64[us]")[0])
    assert pd.isna(_column("x", ["a", None], "str")[1])
    assert pd.isna(_column("x", [None, 2], "Int64")[0])
    for dtype in ("int64", "bool"):
        with pytest.raises(ValueError, match="has a NULL"):
            _column("x", [1, None], dtype)
