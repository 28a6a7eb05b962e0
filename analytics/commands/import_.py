"""`python -m analytics import PATH...`: validate files and import them all, or nothing.

Exit status 0 when imported (or valid, with --check), 1 when rejected. The report goes to
stderr, or to --report FILE (`.csv` gives the problem table, anything else the text).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics.db import Database, database_key, database_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import",
        help="import CSV, Parquet or FHIR R4 JSON files (all or nothing)",
        description="Validate every file, then import all of them in one transaction, or nothing.",
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="files or folders (.csv, .parquet, .json, .ndjson)"
    )
    p.add_argument("--db", default=None, help="database file (default: $WAYMARK_DB or data/waymark.duckdb)")
    p.add_argument("--report", default=None, metavar="FILE", help="write the report here instead of stderr")
    p.add_argument("--check", action="store_true", help="validate only; write nothing")
    p.add_argument(
        "--practitioner",
        default=None,
        metavar="ID",
        help="FHIR: the practitioner for patients whose record names none",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analytics.access_log import record_access
    from analytics.commands import COMMAND_LINE_PAGE, command_line_user
    from analytics.ingest import import_files

    db = Database(args.db or database_path(), database_key())
    db.migrate()
    report = import_files(db, args.paths, write=not args.check, default_practitioner=args.practitioner)
    if report.ok and not args.check:
        # As the Data page does: who imported, and the counts (never a value from the files).
        record_access(db, command_line_user(), "import", COMMAND_LINE_PAGE, None, report.summary())
    if args.report:
        target = Path(args.report)
        target.write_bytes(report.to_csv() if target.suffix.lower() == ".csv" else report.to_text().encode())
        print(report.summary(), file=sys.stderr)
    else:
        print(report.to_text(), file=sys.stderr, end="")
    return 0 if report.ok else 1
