"""Encryption at rest: turn a plain database into an encrypted one, or change its key.

Both work the same careful way (docs/security.md):

1. Refuse at once, changing nothing, when a key is missing, the old key is wrong, the file
   is already in the wanted state, or a backup from an earlier run is still in the way.
2. Copy every table, view, sequence and index into a new file beside the old one
   (`COPY FROM DATABASE`, DuckDB's whole-database copy), written with the new key.
3. Verify the new file, opened afresh with the new key: every table has the same row count
   and the same content hash (the sum of DuckDB's `hash` over whole rows, so row order does
   not matter) as in the old file, and every sequence continues where the old one stood.
4. Only then swap: the old file becomes `PATH.plain-backup` (encrypt) or
   `PATH.old-key-backup` (rekey), and the new file takes its name.

DuckDB encrypts with AES-GCM; writing needs OpenSSL from the httpfs extension, which is
loaded from the pinned `duckdb-extension-httpfs` package so this works offline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.db import _sql_literal, _translate
from analytics.errors import EncryptionKeyError, WaymarkError

PLAIN_BACKUP_SUFFIX = ".plain-backup"
OLD_KEY_BACKUP_SUFFIX = ".old-key-backup"
WORK_SUFFIX = ".encrypting"


class EncryptionError(WaymarkError):
    """Encrypting or re-keying refused or failed; the original file is unchanged."""

    title = "The database was not encrypted"


@dataclass(frozen=True)
class Swap:
    """What a successful encrypt or rekey did: the new file and where the old one went."""

    path: Path
    backup: Path
    tables: int
    rows: int


def _connect() -> duckdb.DuckDBPyConnection:
    from duckdb_extensions import import_extension

    con = duckdb.connect(":memory:")
    import_extension("httpfs", con=con)
    con.execute("LOAD httpfs")
    return con


def _attach(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, key: str | None, read_only: bool = False
) -> None:
    options = []
    if key is not None:
        options.append(f"ENCRYPTION_KEY {_sql_literal(key)}")
    if read_only:
        options.append("READ_ONLY")
    suffix = f" ({', '.join(options)})" if options else ""
    try:
        con.execute(f"ATTACH {_sql_literal(str(path))} AS {alias}{suffix}")
    except duckdb.Error as exc:
        raise _translate(exc, str(path)) from None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def fingerprints(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, tuple[int, int]]:
    """Per table (`schema.table`) of an attached database: (row count, content hash)."""
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = $db ORDER BY 1, 2",
        {"db": alias},
    ).fetchall()
    result = {}
    for schema, table in tables:
        # query_table takes the name as a bound value: no SQL is built from it.
        name = f"{alias}.{_quote(schema)}.{_quote(table)}"
        count, digest = con.execute(
            "SELECT count(*), coalesce(sum(hash(t)), 0) FROM query_table($name) t", {"name": name}
        ).fetchone()
        result[f"{schema}.{table}"] = (int(count), int(digest))
    return result


def _next_values(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, int]:
    rows = con.execute(
        "SELECT schema_name || '.' || sequence_name, "
        "coalesce(last_value + increment_by, start_value) "
        "FROM duckdb_sequences() WHERE database_name = $db",
        {"db": alias},
    ).fetchall()
    return {name: int(value) for name, value in rows}


def _copy_and_verify(source: Path, source_key: str | None, target: Path, target_key: str) -> tuple[int, int]:
    """Copy `source` into a new file `target` encrypted with `target_key`, then verify it."""
    for leftover in (target, Path(str(target) + ".wal")):
        leftover.unlink(missing_ok=True)
    con = _connect()
    try:
        # Read-write: COPY FROM DATABASE refuses a read-only source on DuckDB 1.5.5, and
        # attaching read-write also replays a pending write-ahead log into the copy.
        _attach(con, source, "src", source_key)
        _attach(con, target, "dst", target_key)
        try:
            con.execute("COPY FROM DATABASE src TO dst")
        except duckdb.Error as exc:
            raise EncryptionError(
                f"Copying failed ({type(exc).__name__}); '{source}' was not changed."
            ) from None
        con.execute("DETACH dst")
        _attach(con, target, "dst", target_key, read_only=True)
        before, after = fingerprints(con, "src"), fingerprints(con, "dst")
        if before != after:
            differ = sorted(
                name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
            )
            raise EncryptionError(
                f"The copy differs from '{source}' in table(s) {', '.join(differ)}; the original "
                "was not changed and the copy was removed."
            )
        seq_before, seq_after = _next_values(con, "src"), _next_values(con, "dst")
        behind = [name for name, value in seq_before.items() if seq_after.get(name, 0) < value]
        if behind:
            raise EncryptionError(
                f"Sequence(s) {', '.join(behind)} would restart in the copy; the original was not changed."
            )
        return len(before), sum(count for count, _ in before.values())
    except BaseException:
        con.close()
        for leftover in (target, Path(str(target) + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        con.close()


def _swap(path: Path, work: Path, backup: Path) -> None:
    # Both renames are within one folder, so each is atomic; the copy was verified, and
    # the original is only renamed, never deleted.
    os.replace(path, backup)
    wal = Path(str(path) + ".wal")
    if wal.exists():
        os.replace(wal, Path(str(backup) + ".wal"))
    os.replace(work, path)


def _check_paths(path: Path, backup: Path) -> Path:
    path = path.resolve()
    if not path.exists():
        raise EncryptionError(f"There is no database at '{path}'.")
    if backup.exists():
        raise EncryptionError(
            f"'{backup}' exists from an earlier run. Check that the database opens with the "
            "current key, delete or move that backup (docs/security.md), then try again; "
            "nothing was changed."
        )
    return path


def is_encrypted(path: Path) -> bool:
    """Whether the DuckDB file at `path` is encrypted (it is opened without a key to see)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH {_sql_literal(str(path))} AS probe (READ_ONLY)")
    except duckdb.Error as exc:
        if "without a key" in str(exc) or "encrypted" in str(exc):
            return True
        raise _translate(exc, str(path)) from None
    finally:
        con.close()
    return False


def encrypt_database(path: str | os.PathLike[str], key: str | None) -> Swap:
    """Encrypt the plain database at `path` with `key`; keep the original as `PATH.plain-backup`."""
    if not key:
        raise EncryptionKeyError(
            "Set WAYMARK_DB_KEY to the key to encrypt with (a long random secret, e.g. from "
            "`openssl rand -base64 32`); nothing was changed."
        )
    path = Path(path)
    backup = Path(str(path.resolve()) + PLAIN_BACKUP_SUFFIX)
    path = _check_paths(path, backup)
    if is_encrypted(path):
        raise EncryptionError(
            f"'{path}' is encrypted already. To change its key use `python -m analytics rekey`; "
            "nothing was changed."
        )
    work = Path(str(path) + WORK_SUFFIX)
    tables, rows = _copy_and_verify(path, None, work, key)
    _swap(path, work, backup)
    return Swap(path, backup, tables, rows)


def rekey_database(path: str | os.PathLike[str], old_key: str | None, new_key: str | None) -> Swap:
    """Re-encrypt the database at `path` from `old_key` to `new_key`; keep the old file as `PATH.old-key-backup`."""
    if not old_key or not new_key:
        raise EncryptionKeyError(
            "Set WAYMARK_DB_KEY to the current key and WAYMARK_NEW_DB_KEY to the new one; nothing was changed."
        )
    if old_key == new_key:
        raise EncryptionKeyError("WAYMARK_NEW_DB_KEY is the same as WAYMARK_DB_KEY; nothing was changed.")
    path = Path(path)
    backup = Path(str(path.resolve()) + OLD_KEY_BACKUP_SUFFIX)
    path = _check_paths(path, backup)
    if not is_encrypted(path):
        raise EncryptionError(
            f"'{path}' is not encrypted. Use `python -m analytics encrypt`; nothing was changed."
        )
    work = Path(str(path) + WORK_SUFFIX)
    tables, rows = _copy_and_verify(path, old_key, work, new_key)
    _swap(path, work, backup)
    return Swap(path, backup, tables, rows)
