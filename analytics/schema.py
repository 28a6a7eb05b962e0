"""Schema migrations: numbered SQL files applied in order, recorded in `schema_version`.

The app and the CLI call `migrate` at start-up. A file whose schema is newer than this
code knows is refused without being touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from analytics.errors import QueryError, SchemaTooNewError

MIGRATIONS_DIR = Path(__file__).parent / "sql" / "migrations"

# A new stamp for the stored data version (`Database.data_version`), set in the transaction
# of every write that can change an answer; the table exists from this schema version on.
NEW_DATA_VERSION = "UPDATE data_version SET stamp = gen_random_uuid()::VARCHAR"
DATA_VERSION_SINCE = 5


def _build_derived(cur: duckdb.DuckDBPyConnection) -> None:
    from analytics.derived import refresh

    refresh(cur)


def _build_progress(cur: duckdb.DuckDBPyConnection) -> None:
    from analytics.derived_progress import refresh_progress

    refresh_progress(cur)


# Work a migration needs beyond its SQL file, run in the same transaction: version 3 creates
# the audit's derived tables and version 4 the stored progress summaries, which must be
# filled for a file that already holds data.
_BUILDS: dict[int, tuple[Callable[[duckdb.DuckDBPyConnection], None], ...]] = {
    3: (_build_derived,),
    4: (_build_progress,),
}


def migrations() -> list[tuple[int, str, Path]]:
    """(version, description, file) for every migration, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = re.match(r"(\d+)_(.+)\.sql$", path.name)
        if match:
            found.append((int(match.group(1)), match.group(2).replace("_", " "), path))
    return found


def code_version() -> int:
    """The newest schema version this code can create and read."""
    return migrations()[-1][0]


def file_version(cur: duckdb.DuckDBPyConnection) -> int:
    """The schema version recorded in the attached database, 0 if it has none."""
    has_table = cur.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND table_name = 'schema_version'"
    ).fetchone()
    if not has_table or not has_table[0]:
        return 0
    row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0) if row else 0


def migrate(cur: duckdb.DuckDBPyConnection, where: str) -> int:
    """Apply every migration newer than the file's version; return the version reached."""
    current = file_version(cur)
    newest = code_version()
    if current > newest:
        raise SchemaTooNewError(
            f"'{where}' has schema version {current}, but this Waymark knows versions up "
            f"to {newest}. Upgrade Waymark (git pull, then the README's run command); the "
            "file was not changed."
        )
    for version, description, path in migrations():
        if version <= current:
            continue
        cur.execute("BEGIN TRANSACTION")
        try:
            if version == 1:
                cur.execute(
                    "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                    "description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
                )
            cur.execute(path.read_text(encoding="utf-8"))
            for build in _BUILDS.get(version, ()):
                build(cur)
            if version >= DATA_VERSION_SINCE:
                # A new schema can change answers too (NEW_DATA_VERSION above).
                cur.execute(NEW_DATA_VERSION)
            cur.execute(
                "INSERT INTO schema_version VALUES ($v, $d, current_timestamp)",
                {"v": version, "d": description},
            )
            cur.execute("COMMIT")
        except duckdb.Error as exc:
            cur.execute("ROLLBACK")
            raise QueryError(f"Migration {path.name} failed: {type(exc).__name__}") from exc
    return max(current, newest)
