"""The one gateway to the database: open, migrate, run named SQL with bound values.

Design (see docs/architecture.md):

- DuckDB lets one process hold a database file for writing, and no other process can open
  it meanwhile. So Waymark holds **no lock between units of work**: a process keeps one
  in-memory DuckDB connection (with the httpfs extension loaded once, for encryption) and
  ATTACHes the file only while some thread is using it, reference-counted, then DETACHes.
  A CLI import can therefore run while the app is serving, and the app sees new data on
  its next query without a restart. Attach/detach costs about 5 ms here.
- Every thread gets its own cursor (`con.cursor()`); a DuckDB connection must not be
  shared between Streamlit's session threads.
- Every value is bound (`$name`). ATTACH is the one statement DuckDB cannot bind (checked
  on 1.5.5), so the file path and key, which come from operator configuration and never
  from a viewer or a file's contents, are quoted as literals by `_sql_literal` alone.
- DuckDB errors are translated once, here, into `analytics.errors` with messages a
  clinician or an operator can act on, and that never contain client data.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.errors import (
    DatabaseBusyError,
    DatabaseFileError,
    EncryptionKeyError,
    QueryError,
    WaymarkError,
)
from analytics.schema import NEW_DATA_VERSION

SQL_DIR = Path(__file__).parent / "sql"
ALIAS = "waymark"
DYNAMIC_IN_FILTER_LIMIT = 1000  # keys of a join's small side pushed into the other side's scan
MEMORY = ":memory:"

Params = Mapping[str, Any] | Sequence[Any] | None

# The app keeps the file attached this long after a query, so one page run (and the next
# rerun) shares one attachment and DuckDB's buffer cache; a process that waits for the file
# (a CLI import) is let in at once. The benchmark times the pages' calls with the same.
APP_LINGER_SECONDS = 1.0
WATCHER_NAME = "waymark-linger"  # the thread that detaches a lingering file

# Every open gateway in this process. DuckDB refuses to attach one file twice in a process
# ("Unique file handle conflict"), so a gateway that lingers on a file must step aside
# for another gateway of the same file, as it does for another process.
_GATEWAYS: weakref.WeakSet[Database] = weakref.WeakSet()


def _close_every_gateway() -> None:
    """Close every open gateway at interpreter exit.

    A gateway that lingers has a watcher thread and a DuckDB instance with threads of its own;
    closed here, while the interpreter is whole, DuckDB shuts them down in order instead of
    during the interpreter's teardown (a test run once ended with "terminate called without an
    active exception" after every test had passed)."""
    for db in list(_GATEWAYS):
        with contextlib.suppress(Exception):
            db.close()


atexit.register(_close_every_gateway)


def _sql_literal(text: str) -> str:
    """Quote operator configuration (a path or a key) as a SQL string literal."""
    if any(ord(ch) < 32 for ch in text):
        raise WaymarkError("A database path or key contains control characters; remove them.")
    return "'" + text.replace("'", "''") + "'"


@cache
def named_queries() -> dict[str, str]:
    """All named queries from `analytics/sql/*.sql`, keyed `file.name`.

    A file holds blocks that start with `-- name: some_name`; the next comment lines say
    what the query returns.
    """
    queries: dict[str, str] = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        current: str | None = None
        lines: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"--\s*name:\s*([a-z0-9_]+)\s*$", line)
            if match:
                if current:
                    queries[f"{path.stem}.{current}"] = "\n".join(lines).strip()
                current, lines = match.group(1), []
            elif current is not None:
                lines.append(line)
        if current:
            queries[f"{path.stem}.{current}"] = "\n".join(lines).strip()
    return queries


def _translate(exc: Exception, path: str) -> WaymarkError:
    """Turn a DuckDB error into a Waymark error that says what to do."""
    text = str(exc)
    where = "the in-memory database" if path == MEMORY else f"'{path}'"
    if "Wrong encryption key" in text:
        return EncryptionKeyError(
            f"The key in WAYMARK_DB_KEY does not open {where}. Set the key this file was "
            "encrypted with; the file was not changed."
        )
    if "is not encrypted" in text:
        return EncryptionKeyError(
            f"{where} is not encrypted, but WAYMARK_DB_KEY is set. Unset it, or encrypt the "
            "file first with `python -m analytics encrypt`; the file was not changed."
        )
    if "without a key" in text:
        return EncryptionKeyError(
            f"{where} is encrypted. Set WAYMARK_DB_KEY (environment or Streamlit secrets) "
            "to its key; the file was not changed."
        )
    if "not a valid DuckDB database file" in text or "database file" in text and "corrupt" in text:
        return DatabaseFileError(
            f"{where} is not a DuckDB database, or it is damaged. Point WAYMARK_DB at the "
            "right file, or move this one away to start afresh; it was not changed."
        )
    if "Could not set lock" in text or "Conflicting lock" in text or "Unique file handle conflict" in text:
        return DatabaseBusyError(
            f"{where} is held by another program (an import, the demo builder, or another "
            "Waymark). Try again when it has finished."
        )
    if isinstance(exc, duckdb.IOException):
        return DatabaseFileError(
            f"{where} could not be read or written ({type(exc).__name__}). Check that the "
            "folder exists and is writable; nothing was changed."
        )
    # Constraint and other query errors: the DuckDB text names columns and constraints
    # but can quote a value; keep the kind and the first line, and drop quoted values.
    first = re.sub(r"'[^']*'", "'…'", text.splitlines()[0] if text else type(exc).__name__)
    return QueryError(f"{first}")


class Database:
    """A Waymark database file (or an in-memory one for tests), opened through one gateway.

    Use `query`/`execute` for single statements; `connection()` or `transaction()` to run
    several statements on one cursor.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        key: str | None = None,
        *,
        busy_timeout: float = 30.0,
        linger: float = 0.0,
    ) -> None:
        self.path = str(path) if str(path) == MEMORY else str(Path(path).resolve())
        self._key = key or None
        self.busy_timeout = busy_timeout
        # Seconds to keep the file attached after the last user, so one page run's
        # queries share an attachment and DuckDB's buffer cache. Another process that
        # wants the file announces itself (`_announce_waiting`) and is let in at once.
        self.linger = linger
        # While the file lingers, one watcher thread per attachment (not one per unit of
        # work: starting a thread at every query's end, each polling, cost every call).
        self._watcher: threading.Thread | None = None
        self._idle_since = 0.0
        self._lock = threading.RLock()
        self._users = 0
        self._con: duckdb.DuckDBPyConnection | None = None
        self._is_attached = False
        # The cursor this thread is using, so that nested uses (the queries of one `hold`)
        # share it instead of opening a cursor and running USE for every statement.
        self._local = threading.local()
        # An in-memory database lives only while attached, so it stays attached.
        self._pinned = self.path == MEMORY
        _GATEWAYS.add(self)

    def __repr__(self) -> str:  # never show the key
        return f"Database({self.path!r}, encrypted={self._key is not None})"

    @property
    def encrypted(self) -> bool:
        return self._key is not None

    @classmethod
    def memory(cls) -> Database:
        """A fresh, migrated in-memory database (tests, notebooks)."""
        db = cls(MEMORY)
        db.migrate()
        return db

    # ------------------------------------------------------------------ attaching
    def _root(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            con = duckdb.connect(MEMORY)
            # Strings are written without FSST compression. Every page reads one client's or
            # one goal's rows through an index, and DuckDB 1.5.5 fetches FSST strings slowly
            # one row at a time (one goal's 75 check-ins: 5 ms with FSST, 1.4 ms without); the
            # price is a bigger file (docs/architecture.md, "The database gateway").
            con.execute("SET disabled_compression_methods = 'fsst'")
            # A join whose small side has up to this many keys passes them to the scan of the
            # large side as an IN filter, so a caseload's or a team's few hundred clients are
            # read through the index instead of scanning every row between the lowest and the
            # highest id (DuckDB's default is 50; a therapist's coping clients at system scale:
            # 57 → 27 ms; docs/performance.md).
            con.execute("SET GLOBAL dynamic_or_filter_threshold = $limit", {"limit": DYNAMIC_IN_FILTER_LIMIT})
            if self._key is not None:
                # Encrypted writes need OpenSSL from httpfs; load it from the pinned
                # package so it works offline (design.md: never force_mbedtls_unsafe).
                from duckdb_extensions import import_extension

                import_extension("httpfs", con=con)
                con.execute("LOAD httpfs")
            self._con = con
        return self._con

    def _attach(self) -> None:
        con = self._root()
        if self.path == MEMORY:
            con.execute(f"ATTACH ':memory:' AS {ALIAS}")
            self._is_attached = True
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        options = ""
        if self._key is not None:
            options = f" (ENCRYPTION_KEY {_sql_literal(self._key)})"
        statement = f"ATTACH {_sql_literal(self.path)} AS {ALIAS}{options}"
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.02
        waiting = Path(f"{self.path}.waiting-{os.getpid()}")
        try:
            while True:
                self._nudge_siblings()
                try:
                    con.execute(statement)
                    self._is_attached = True
                    return
                except duckdb.Error as exc:
                    err = _translate(exc, self.path)
                    if isinstance(err, DatabaseBusyError) and time.monotonic() < deadline:
                        # Tell a lingering holder (the app) that someone is waiting.
                        waiting.touch()
                        time.sleep(delay)
                        delay = min(delay * 2, 0.5)
                        continue
                    raise err from None
        finally:
            waiting.unlink(missing_ok=True)

    def _nudge_siblings(self) -> None:
        """Ask idle gateways of the same file in this process to detach now."""
        for other in list(_GATEWAYS):
            if other is self or other.path != self.path:
                continue
            # Never block on another gateway's lock: two gateways nudging each other
            # would deadlock. A busy sibling is simply retried.
            if other._lock.acquire(blocking=False):
                try:
                    if other._users == 0 and other._attached():
                        other._detach()
                finally:
                    other._lock.release()

    def _others_waiting(self) -> bool:
        """Whether another process is waiting for this file (a fresh `.waiting-PID` mark)."""
        if self.path == MEMORY:
            return False
        folder, prefix = Path(self.path).parent, Path(self.path).name + ".waiting-"
        own = f"{prefix}{os.getpid()}"
        fresh_after = time.time() - 5  # waiters touch their mark at least every 0.5 s
        try:
            marks = [p for p in folder.iterdir() if p.name.startswith(prefix) and p.name != own]
        except OSError:
            return False
        for mark in marks:
            with contextlib.suppress(OSError):
                if mark.stat().st_mtime > fresh_after:
                    return True
        return False

    def _wait_for_others(self) -> None:
        """Before re-attaching, let a waiting process go first (bounded by busy_timeout)."""
        deadline = time.monotonic() + self.busy_timeout
        while self._others_waiting() and time.monotonic() < deadline:
            time.sleep(0.05)

    def _release(self) -> None:
        """The last user is done: detach now, or after `linger` if nobody is waiting."""
        if self._pinned:
            return
        if self.linger <= 0 or self._others_waiting():
            self._detach()
            return
        # Called with self._lock held, as `_watch` decides under it: a watcher that is
        # ending has already cleared `_watcher`, so a new one starts.
        self._idle_since = time.monotonic()
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name=WATCHER_NAME, daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        """While attached: detach once no unit of work has run for `linger` seconds, or as
        soon as another process waits and nobody is using the file; then end."""
        try:
            while True:
                time.sleep(0.05)
                waiting = self._others_waiting()
                with self._lock:
                    idle = time.monotonic() - self._idle_since >= self.linger
                    if self._attached() and self._users == 0 and (waiting or idle):
                        self._detach()
                    if not self._attached():  # detached here, by a sibling, or closed
                        self._watcher = None  # under the lock: the next release starts one
                        return
        except BaseException:
            # A detach that failed must not leave the file watched by nobody: the next unit
            # of work's end starts a new watcher.
            with self._lock:
                self._watcher = None
            raise

    def _detach(self) -> None:
        if self._con is not None and self._is_attached:
            self._con.execute(f"DETACH {ALIAS}")
            self._is_attached = False

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the attached database, for this thread only. Inside another use on the
        same thread (a `hold`, a `transaction`) it is that use's cursor: every reader of this
        class fetches its whole result before the next statement, so sharing is safe, and a
        read inside a transaction sees the transaction's own writes."""
        shared = getattr(self._local, "cursor", None)
        if shared is not None:
            yield shared
            return
        with self._lock:
            if self._users == 0:
                if self._attached() and not self._pinned and self._others_waiting():
                    self._detach()
                if not self._attached():
                    if self.linger > 0:
                        self._wait_for_others()
                    self._attach()
            self._users += 1
        try:
            cur = self._root().cursor()
            try:
                cur.execute(f"USE {ALIAS}")
                self._local.cursor = cur
                yield cur
            finally:
                self._local.cursor = None
                cur.close()
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._release()

    def _attached(self) -> bool:
        # Kept in Python: only this class attaches and detaches, and asking DuckDB cost a
        # query at the start of every unit of work.
        return self._con is not None and self._is_attached

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the file attached across several queries (one page run, one import)."""
        with self.connection():
            yield

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN … COMMIT that gives the data a new version (`data_version`);
        any error rolls everything back."""
        with self.connection() as cur:
            cur.execute("BEGIN TRANSACTION")
            self._local.in_transaction = True
            try:
                yield cur
                cur.execute(NEW_DATA_VERSION)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                try:
                    cur.execute("COMMIT")
                except duckdb.Error as exc:
                    raise _translate(exc, self.path) from None
            finally:
                self._local.in_transaction = False

    def data_version(self) -> str:
        """The stored data version: a stamp that every write which can change an answer
        replaces in its own transaction (`transaction`, `execute_sql`, the importer), and
        that the access log's rows and DuckDB's checkpoints leave alone, though they change
        the file. Cached answers are keyed by it (ui/data.py)."""
        return str(self.scalar("SELECT stamp FROM data_version"))

    def close(self) -> None:
        """Detach and drop the in-memory root connection."""
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
            self._is_attached = False
            self._users = 0

    # ------------------------------------------------------------------ running SQL
    @staticmethod
    def sql_text(name: str) -> str:
        """The text of a named query (`file.name`), or KeyError."""
        try:
            return named_queries()[name]
        except KeyError:
            raise KeyError(f"No named query {name!r} in analytics/sql/") from None

    def query(self, name: str, params: Params = None) -> pd.DataFrame:
        """Run the named query with bound parameters and return a DataFrame."""
        return self.query_sql(self.sql_text(name), params)

    def query_sql(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run SQL text written in this package (never user text) with bound parameters."""
        with self.connection() as cur:
            try:
                return cur.execute(sql, params).df()
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from None

    def rows(self, name: str, params: Params = None) -> list[tuple]:
        """A named query's rows as tuples: for a handful of rows worked on in Python, where
        building a DataFrame costs more than the query (docs/performance.md)."""
        with self.connection() as cur:
            try:
                return cur.execute(self.sql_text(name), params).fetchall()
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from None

    def result_sql(self, sql: str, params: Params = None) -> tuple[list[tuple[str, str]], list[tuple]]:
        """Run SQL text written in this package (never user text) with bound parameters: each
        column's name and DuckDB type, and the rows as tuples (see `rows`)."""
        with self.connection() as cur:
            try:
                result = cur.execute(sql, params)
                columns = [(d[0], str(d[1])) for d in result.description]
                return columns, result.fetchall()
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from None

    def records(self, name: str, params: Params = None) -> list[dict[str, Any]]:
        """A named query's rows as dicts by column name (see `rows`)."""
        with self.connection() as cur:
            try:
                result = cur.execute(self.sql_text(name), params)
                names = [d[0] for d in result.description]
                return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from None

    def frame(self, name: str, params: Params, dtypes: Mapping[str, str]) -> pd.DataFrame:
        """A named query's result as a DataFrame whose columns have the given `dtypes` (one
        per result column, in any order): for the few rows of one client's or one goal's
        view, where DuckDB's own conversion (`query`) costs a millisecond or more beyond the
        query (docs/architecture.md). The types are stated, not guessed, so an empty result
        has them too. A NULL in an "int64" or "bool" column is an error, never a 0 or False."""
        with self.connection() as cur:
            try:
                result = cur.execute(self.sql_text(name), params)
                names = [d[0] for d in result.description]
                rows = result.fetchall()
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from None
        if set(names) != set(dtypes):
            raise ValueError(f"{name}: columns {names} do not match the stated types {sorted(dtypes)}")
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        return pd.DataFrame(
            {n: _column(n, values, dtypes[n]) for n, values in zip(names, columns, strict=True)}
        )

    def execute(self, name: str, params: Params = None) -> None:
        """Run a named statement that returns nothing."""
        self.execute_sql(self.sql_text(name), params)

    def execute_sql(self, sql: str, params: Params = None, *, changes_data: bool = True) -> None:
        """Run one statement; unless `changes_data` is False (an access-log row, a
        checkpoint), in a transaction that gives the data a new version (`data_version`),
        or in the caller's transaction, which does."""
        if changes_data and not getattr(self._local, "in_transaction", False):
            try:
                with self.transaction() as cur:
                    cur.execute(sql, params)
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from None
            return
        with self.connection() as cur:
            try:
                cur.execute(sql, params)
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from None

    def scalar(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        with self.connection() as cur:
            try:
                row = cur.execute(sql, params).fetchone()
            except duckdb.Error as exc:
                raise _translate(exc, self.path) from None
        return None if row is None else row[0]

    # ------------------------------------------------------------------ schema
    def migrate(self) -> int:
        """Create or upgrade the schema; returns the version now in the file."""
        from analytics.schema import migrate

        with self.connection() as cur:
            return migrate(cur, self.path)


def _column(name: str, values: Sequence[Any], dtype: str) -> Any:
    """One column of `Database.frame`: "str" (pandas' string type, None as missing), "Int64"
    (pandas' nullable integer) or a numpy dtype ("int64", "float64", "bool", "datetime64[us]";
    None as NaN or NaT)."""
    if dtype in ("str", "Int64"):
        return pd.array(values, dtype=dtype)
    if dtype in ("int64", "bool") and any(v is None for v in values):
        raise ValueError(f"column {name} has a NULL, which {dtype} cannot hold")
    return np.array(values, dtype=dtype)


def open_database(path: str | os.PathLike[str] | None = None, key: str | None = None) -> Database:
    """Open (creating if needed) and migrate the database at `path` or `$WAYMARK_DB`."""
    db = Database(path or database_path(), key if key is not None else database_key())
    db.migrate()
    return db


def database_path() -> Path:
    """Where the database lives: `$WAYMARK_DB`, else `data/waymark.duckdb` in the project."""
    env = os.environ.get("WAYMARK_DB")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data" / "waymark.duckdb"


def database_key() -> str | None:
    """The encryption key from `$WAYMARK_DB_KEY`, or None for a plain file."""
    return os.environ.get("WAYMARK_DB_KEY") or None
