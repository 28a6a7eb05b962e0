"""The files the Data page takes in and hands out: uploaded files imported through a private
temporary folder, the import templates, the worked example, and the validation report
grouped so that a person can see what to fix.

No Streamlit here: the page passes the uploaded files' names and contents in.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from analytics.db import Database
from analytics.ingest.load import SUPPORTED, Progress, import_files
from analytics.ingest.report import ImportReport
from analytics.ingest.tables import BY_NAME, TABLES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "data" / "templates"
EXAMPLES = ROOT / "data" / "examples"

Upload = tuple[str, bytes | BinaryIO]


def _shown_name(name: str) -> str:
    """The upload's own file name without any folder part a browser may send."""
    return Path(name.replace("\\", "/")).name or "upload"


def import_uploads(
    db: Database,
    uploads: Sequence[Upload],
    *,
    write: bool,
    progress: Progress | None = None,
    default_practitioner: str | None = None,
) -> ImportReport:
    """Check (and, if `write` and every check passes, import) uploaded files, given as
    (file name, contents) pairs. Returns the importer's report, naming files as uploaded.

    The contents go to a private temporary folder (mode 0700, files 0600) under names
    Waymark chooses, so an uploaded name can never point anywhere else; the folder is
    removed afterwards, whatever happens.
    """
    folder = Path(tempfile.mkdtemp(prefix="waymark-upload-"))
    try:
        pairs: list[tuple[Path, str]] = []
        for i, (name, content) in enumerate(uploads):
            shown = _shown_name(name)
            suffix = Path(shown).suffix.lower()
            # An unsupported suffix is kept as one, so the importer names the problem.
            path = folder / f"upload-{i:03d}{suffix if suffix in SUPPORTED else '.unsupported'}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                if isinstance(content, bytes | bytearray):
                    fh.write(content)
                else:
                    content.seek(0)
                    shutil.copyfileobj(content, fh, 1 << 20)
            pairs.append((path, shown))
        return import_files(
            db, pairs, write=write, progress=progress, default_practitioner=default_practitioner
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def import_summary(report: ImportReport) -> str:
    """The rows an import wrote (or would write), in words: 'from 8 files: 41 new rows, ...'."""
    total = {k: sum(c[k] for c in report.counts.values()) for k in ("inserted", "updated", "unchanged")}
    files = len(report.files)
    return (
        f"from {files} file{'s' if files != 1 else ''}: {total['inserted']:,} new rows, "
        f"{total['updated']:,} changed, {total['unchanged']:,} unchanged"
    )


def template_csv(table: str) -> bytes:
    """The import template of `table`: its header row (data/templates/<table>.csv)."""
    if table not in BY_NAME:
        raise KeyError(table)
    return (TEMPLATES / f"{table}.csv").read_bytes()


def worked_example_zip() -> bytes:
    """The worked example (data/examples/*.csv, a small consistent clinic) as one zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(EXAMPLES.glob("*.csv")):
            archive.write(path, f"waymark-example/{path.name}")
    return buffer.getvalue()


def columns_frame(table: str) -> pd.DataFrame:
    """One row per column of `table`: column, type, required, allowed values or range, meaning."""
    rows = []
    for c in BY_NAME[table].columns:
        allowed = ", ".join(c.values) if c.values else ""
        if c.low is not None:
            allowed = f"{c.low:g} to {c.high:g}"
        if c.default is not None:
            allowed += f" (empty: {c.default})"
        rows.append(
            {
                "column": c.name,
                "type": _TYPE_WORDS[c.type],
                "required": c.required,
                "allowed": allowed,
                "meaning": c.description,
                "example": c.example,
            }
        )
    return pd.DataFrame(rows, columns=["column", "type", "required", "allowed", "meaning", "example"])


_TYPE_WORDS = {
    "VARCHAR": "text",
    "DATE": "date (YYYY-MM-DD)",
    "DOUBLE": "number",
    "BOOLEAN": "true / false",
    "INTEGER": "whole number",
    "TIMESTAMP": "date and time",
}


def _where(row: str) -> str:
    """A problem's place in words: 'row 5', 'line 3', 'Goal/g1' or '' (the whole file)."""
    return f"row {row}" if row.isdigit() else row


def problems_by_kind(report: ImportReport, examples: int = 5) -> pd.DataFrame:
    """The problems grouped by what is wrong: severity, file, column, reason, `count` and
    `where` (the first few places, in file order). Errors first, then file by file in the
    order of each kind's first row, so a person can work through one file at a time."""
    frame = report.problems_frame()
    columns = ["severity", "file", "column", "reason", "count", "where"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    groups = []
    for (severity, file, column, reason), rows in frame.groupby(
        ["severity", "file", "column", "reason"], sort=False
    ):
        places = [_where(str(r)) for r in rows["row"] if str(r)]
        shown = ", ".join(places[:examples]) + (
            f" and {len(places) - examples} more" if len(places) > examples else ""
        )
        groups.append(
            {
                "severity": severity,
                "file": file,
                "column": column,
                "reason": reason,
                "count": len(rows),
                "where": shown or "the whole file",
            }
        )
    # `problems_frame` is sorted errors first, then by file and row; groupby(sort=False)
    # keeps the order in which each kind first appears.
    return pd.DataFrame(groups, columns=columns)


def problems_table(report: ImportReport) -> pd.DataFrame:
    """Every problem, one row each, for the page: severity, file, where, column, reason."""
    frame = report.problems_frame()
    if frame.empty:
        return pd.DataFrame(columns=["severity", "file", "where", "column", "reason"])
    frame["where"] = [_where(str(r)) or "the whole file" for r in frame["row"]]
    return frame[["severity", "file", "where", "column", "reason"]]


__all__ = [
    "TABLES",
    "columns_frame",
    "import_summary",
    "import_uploads",
    "problems_by_kind",
    "problems_table",
    "template_csv",
    "worked_example_zip",
]
