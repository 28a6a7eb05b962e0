# ruff: noqa: S608 -- identifiers here come only from the allow-list in analytics/ingest/tables.py; values are bound.
"""CSV and Parquet files into the raw staging tables, through DuckDB's own readers.

Every value is staged as text first (`raw_<table>`), with the file name and the row
number, so that type errors become problems with a row and a column instead of one
failed read. The file's bytes are checked before DuckDB sees them (empty, binary, a
spreadsheet or Parquet file with a .csv name, not UTF-8) so each gives a clear reason.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from pathlib import Path

import duckdb

from analytics.ingest.report import ImportReport
from analytics.ingest.tables import BY_NAME, TABLES, Table

BOM = codecs.BOM_UTF8
CHUNK = 1 << 20


def table_for(name: str, header: list[str]) -> Table | None:
    """The table a file holds: by its name (`goal_checkins.csv`, `goals-2026.csv`), else by
    a header that fits exactly one table."""
    stem = Path(name).stem.lower()
    by_name = [t for t in TABLES if stem == t.name or re.match(re.escape(t.name) + r"[-_. ]", stem)]
    if by_name:
        return max(by_name, key=lambda t: len(t.name))
    names = set(header)
    fits = [
        t
        for t in TABLES
        if names <= set(t.column_names) and {c.name for c in t.columns if c.required} <= names
    ]
    return fits[0] if len(fits) == 1 else None


def _sniff_bytes(path: Path, shown: str, report: ImportReport) -> bytes | None:
    """The first chunk of the file, or None after reporting why it cannot be a CSV."""
    size = path.stat().st_size
    if size == 0:
        report.error(shown, "", "", "The file is empty: it has no header and no rows.")
        return None
    with path.open("rb") as fh:
        head = fh.read(CHUNK)
    if head.startswith(b"PK\x03\x04"):
        report.error(
            shown, "", "", "This is a spreadsheet workbook or zip archive, not a CSV file. "
            "In the spreadsheet use Save As > CSV UTF-8.",
        )  # fmt: skip
        return None
    if head.startswith(b"PAR1"):
        report.error(shown, "", "", "This is a Parquet file with a .csv name; rename it to .parquet.")
        return None
    if b"\x00" in head:
        report.error(
            shown, "", "", "This is not a text file (it contains binary data). "
            "Export the table as CSV UTF-8.",
        )  # fmt: skip
        return None
    # Check every byte is UTF-8, chunk by chunk (fast), and say on which line it is not.
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].count(b"\n")
                report.error(
                    shown, f"line {line}", "", "The file is not UTF-8 text (it may be Latin-1 or "
                    "Windows-1252). Save it as CSV UTF-8 and import it again.",
                )  # fmt: skip
                return None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            report.error(
                shown, f"line {line}", "", "The file ends in the middle of a character: it may be truncated."
            )
            return None
    return head


def _header(head: bytes) -> tuple[list[str], str]:
    """The header's column names and the delimiter (comma, semicolon or tab) that splits it."""
    text = head.removeprefix(BOM).decode("utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    best: tuple[int, list[str], str] = (-1, [], ",")
    known = {c for t in TABLES for c in t.column_names}
    # The delimiter is the one that splits the header into the most known column names:
    # spreadsheets write commas, semicolons where the comma is the decimal mark, tabs (.tsv).
    for delim in (",", ";", "\t"):
        names = [n.strip() for n in next(csv.reader(io.StringIO(first), delimiter=delim), [])]
        score = sum(n in known for n in names)
        if score > best[0]:
            best = (score, names, delim)
    return best[1], best[2]


def _check_header(table: Table, names: list[str], shown: str, report: ImportReport) -> bool:
    ok = True
    seen: set[str] = set()
    for name in names:
        if name in seen:
            report.error(shown, "1", name, "This column appears twice in the header.")
            ok = False
        seen.add(name)
        if name not in table.column_names:
            report.error(
                shown, "1", name or "(blank)",
                f"Unknown column for table {table.name}; see docs/data-format.md for its columns.",
            )  # fmt: skip
            ok = False
    for col in table.columns:
        if col.required and col.default is None and col.name not in seen:
            report.error(
                shown, "1", col.name, f"Required column of table {table.name} is missing from the header."
            )
            ok = False
    return ok


_REJECT_REASONS = {
    "UNQUOTED VALUE": "A quoted field is not closed properly (a stray quote, or the file is truncated).",
    "LINE SIZE OVER MAXIMUM": "The line is too long to be a row (a quote may be missing).",
    "INVALID UNICODE": "The line is not valid UTF-8.",
}


def stage_csv(cur: duckdb.DuckDBPyConnection, path: Path, shown: str, report: ImportReport) -> int:
    """Read one CSV file into `raw_<table>`; returns the rows staged (0 after a problem)."""
    head = _sniff_bytes(path, shown, report)
    if head is None:
        return 0
    names, delim = _header(head)
    table = table_for(shown, names)
    if table is None:
        report.error(
            shown, "", "", "Cannot tell which table this file holds. Name it after its table "
            "(for example goal_checkins.csv) and use the template's header.",
        )  # fmt: skip
        return 0
    if not _check_header(table, names, shown, report):
        return 0
    for t in ("reject_errors", "reject_scans"):
        with contextlib.suppress(duckdb.Error):
            cur.execute(f"DELETE FROM {t}")
    columns = {name: "VARCHAR" for name in names}
    select = ", ".join(f'"{n}"' for n in names)  # names are checked against the allow-list
    before = cur.execute(f"SELECT count(*) FROM raw_{table.name}").fetchone()[0]
    try:
        cur.execute(
            f"INSERT INTO raw_{table.name} (__file, __row, __seq, {select}) "
            f"SELECT $shown, CAST(n + 1 AS VARCHAR), $seq + n, {select} FROM ("
            "SELECT row_number() OVER () AS n, * FROM read_csv($path, delim = $delim, header = true, "
            "auto_detect = false, columns = $columns, quote = '\"', escape = '\"', store_rejects = true, "
            "ignore_errors = true, strict_mode = true))",
            {"shown": shown, "path": str(path), "delim": delim, "columns": columns, "seq": before},
        )
    except duckdb.Error:
        report.error(shown, "", "", "The file could not be read as CSV (its structure is broken).")
        return 0
    rows = cur.execute(f"SELECT count(*) FROM raw_{table.name}").fetchone()[0] - before
    rejects = cur.execute(
        "SELECT line, error_type, error_message FROM reject_errors ORDER BY line"
    ).fetchall()
    if rejects:
        for line, kind, message in rejects:
            if kind in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
                found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message or "")
                detail = (
                    f" has {found.group(2)} fields where the header has {found.group(1)}" if found else ""
                )
                reason = (
                    f"The row{detail}: mixed delimiters (comma and semicolon), an unquoted "
                    "delimiter inside a value, or a truncated line."
                )
            else:
                reason = _REJECT_REASONS.get(kind, "The row could not be read as CSV.")
            report.error(shown, f"line {line}", "", reason)
        # Row numbers after a broken row no longer match the file: check values only
        # once the structure is fixed.
        cur.execute(f"DELETE FROM raw_{table.name} WHERE __file = $shown", {"shown": shown})
        report.notes.append(
            f"{shown}: values were not checked because rows could not be read; fix those first."
        )
        return 0
    if rows == 0:
        report.error(shown, "", "", "The file has a header but no rows.")
    return rows


def stage_parquet(cur: duckdb.DuckDBPyConnection, path: Path, shown: str, report: ImportReport) -> int:
    """Read one Parquet file into `raw_<table>`; returns the rows staged."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"PAR1":
        report.error(
            shown, "", "", "This is not a Parquet file (it does not start with the Parquet signature)."
        )
        return 0
    try:
        described = cur.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)}).fetchall()
    except duckdb.Error:
        report.error(shown, "", "", "The Parquet file is damaged or truncated and cannot be read.")
        return 0
    names = [str(row[0]) for row in described]
    table = table_for(shown, names)
    if table is None:
        report.error(shown, "", "", "Cannot tell which table this file holds; name it after its table.")
        return 0
    if not _check_header(table, names, shown, report):
        return 0
    select = ", ".join(f'"{n}"' for n in names)
    cast = ", ".join(f'CAST("{n}" AS VARCHAR)' for n in names)
    before = cur.execute(f"SELECT count(*) FROM raw_{table.name}").fetchone()[0]
    try:
        cur.execute(
            f"INSERT INTO raw_{table.name} (__file, __row, __seq, {select}) "
            f"SELECT $shown, CAST(n AS VARCHAR), $seq + n, {cast} FROM "
            "(SELECT row_number() OVER () AS n, * FROM read_parquet($path))",
            {"shown": shown, "path": str(path), "seq": before},
        )
    except duckdb.Error:
        report.error(shown, "", "", "The Parquet file is damaged or truncated and cannot be read.")
        return 0
    rows = cur.execute(f"SELECT count(*) FROM raw_{table.name}").fetchone()[0] - before
    if rows == 0:
        report.error(shown, "", "", "The file has columns but no rows.")
    return rows


__all__ = ["BY_NAME", "stage_csv", "stage_parquet", "table_for"]
