"""The project's own exceptions: every message says what happened and what to do.

Messages never contain client data (names, notes, values): they name files, tables,
columns and row numbers only, so they are safe to log and to show in the app.
"""

from __future__ import annotations


class WaymarkError(Exception):
    """Base class: `title` is a short headline, `str(err)` the actionable message."""

    title = "Waymark could not do that"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        if title is not None:
            self.title = title


class DatabaseFileError(WaymarkError):
    """The database file is missing, unreadable or not a DuckDB database."""

    title = "The database file cannot be opened"


class EncryptionKeyError(WaymarkError):
    """The database is encrypted and the key is missing or wrong."""

    title = "The database key does not fit"


class SchemaTooNewError(WaymarkError):
    """The file was written by a newer Waymark than this one."""

    title = "This database is newer than this Waymark"


class DatabaseBusyError(WaymarkError):
    """Another process holds the write lock for longer than we are willing to wait."""

    title = "The database is busy"


class QueryError(WaymarkError):
    """A query failed inside DuckDB (a bug, or a constraint the data broke)."""

    title = "A query failed"


class AccessDenied(WaymarkError):
    """The viewer asked for something outside their scope."""

    title = "Access is not allowed"
