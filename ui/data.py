"""The database as a Streamlit resource, and cached calls into `analytics`.

Cached values are shared by every user of the server, so the cache key of every call
holds everything that changes the answer: the function, the database file and its
stored data version (so a CLI import is seen at once), and every argument, the viewer's
`Scope` included. Nothing is excluded from the key with a leading underscore.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from analytics.db import APP_LINGER_SECONDS, MEMORY, Database, database_key, database_path

T = TypeVar("T")


def _secret(name: str) -> str | None:
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml at all is the normal demo case
        return None
    return str(value) if value else None


def configured_path() -> tuple[Path, bool]:
    """The database path, and whether it was configured (env or secrets) or defaulted."""
    env = os.environ.get("WAYMARK_DB") or _secret("WAYMARK_DB")
    return (Path(env), True) if env else (database_path(), False)


def configured_key() -> str | None:
    return database_key() or _secret("WAYMARK_DB_KEY")


@st.cache_resource(show_spinner=False)
def _database(path: str, key_given: bool) -> Database:
    # The key is read again here rather than passed, so it is never part of a cache key.
    db = Database(path, configured_key() if key_given else None, linger=APP_LINGER_SECONDS)
    db.migrate()
    return db


def get_database() -> Database:
    """The process-wide gateway to the configured database (opened and migrated once)."""
    path, _ = configured_path()
    return _database(str(path), configured_key() is not None)


# Per process and file: the file's modification stamps and the data version read at them.
_SEEN: dict[str, tuple[tuple[int, int], str]] = {}
# A file system stamps a write with the kernel's coarse clock, which ticks every 1–10 ms;
# one that keeps whole seconds (FAT, ext4 with small inodes, some network shares) needs more.
_SETTLED_NS = 50_000_000
_SETTLED_WHOLE_SECONDS_NS = 2_000_000_000


def _file_stamps(path: str) -> tuple[int, int]:
    stamps = []
    for suffix in ("", ".wal"):
        try:
            stamps.append(os.stat(path + suffix).st_mtime_ns)
        except FileNotFoundError:
            stamps.append(0)
    return stamps[0], stamps[1]


def data_version(db: Database) -> str:
    """The stored data version (`Database.data_version`): it changes with every write, by
    any process, that can change an answer, and not with the access log's rows or DuckDB's
    checkpoints, which change the file but no answer.

    Reading it is a query (1.6 ms at clinic scale, against 2 µs for a `stat`), so it is read
    again only once the file (or its write-ahead log) has been written since it was last
    read. A modification time comes from a clock that ticks every few milliseconds, so a
    write just after the `stat` could leave it as it was: a version is remembered only when
    the stamps were older than a few ticks as it was read (50 ms; 2 s on a file system that
    keeps whole seconds).
    """
    if db.path == MEMORY:
        return db.data_version()
    read_at = time.time_ns()
    stamps = _file_stamps(db.path)
    seen = _SEEN.get(db.path)
    if seen is not None and seen[0] == stamps:
        return seen[1]
    version = db.data_version()
    whole_seconds = all(stamp % 1_000_000_000 == 0 for stamp in stamps if stamp)
    if read_at - max(stamps) > (_SETTLED_WHOLE_SECONDS_NS if whole_seconds else _SETTLED_NS):
        _SEEN[db.path] = (stamps, version)
    return version


@st.cache_data(ttl=600, show_spinner=False, max_entries=4096)
def _cached_call(module: str, name: str, db_path: str, version: str, args: tuple, kwargs: tuple) -> Any:
    fn = getattr(importlib.import_module(module), name)
    return fn(get_database(), *args, **dict(kwargs))


def load(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call `fn(db, *args, **kwargs)` from `analytics`, cached by every argument."""
    if not fn.__module__.startswith("analytics."):
        raise ValueError("only analytics functions are cached here")
    db = get_database()
    return _cached_call(
        fn.__module__, fn.__name__, db.path, data_version(db), args, tuple(sorted(kwargs.items()))
    )


# Other caches keyed like `load`'s (ui/charts.py's chart specs), cleared with it.
DEPENDENT_CACHES: list[Any] = []


def clear_cache() -> None:
    """Forget every cached result (after an import or a settings change), and everything
    drawn from them."""
    _cached_call.clear()
    for cache in DEPENDENT_CACHES:
        cache.clear()
