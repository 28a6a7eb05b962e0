"""The database as a Streamlit resource, and cached calls into `analytics`.

Cached values are shared by every user of the server, so the cache key of every call
holds everything that changes the answer: the function, the database file and its last
modification (so a CLI import is seen at once), and every argument, the viewer's
`Scope` included. Nothing is excluded from the key with a leading underscore.
"""

from __future__ import annotations

import contextlib
import importlib
import os
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


def data_version(db: Database) -> int:
    """Changes whenever the file (or its write-ahead log) is written by any process."""
    if db.path == MEMORY:
        return 0
    stamp = 0
    for suffix in ("", ".wal"):
        with contextlib.suppress(FileNotFoundError):
            stamp ^= os.stat(db.path + suffix).st_mtime_ns
    return stamp


@st.cache_data(ttl=600, show_spinner=False, max_entries=4096)
def _cached_call(module: str, name: str, db_path: str, version: int, args: tuple, kwargs: tuple) -> Any:
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
