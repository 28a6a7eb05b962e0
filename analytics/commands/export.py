"""`python -m analytics export`: a table or analytics view as CSV (formula-safe) or Parquet,
a client's FHIR R4 Bundle, or a client's one-page progress report (PNG or PDF).

Command-line exports run with an administrator's scope (every practitioner): the person at
the server's shell can already read the whole database file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from analytics.db import Database, database_key, database_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="export a table or view (CSV/Parquet), a client's FHIR Bundle or progress report",
        description="Export data. Exactly one of --table, --view, --fhir CLIENT or --report CLIENT.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--table",
        help="an importable table: practitioners, clients, sessions, goals, goal_events, goal_checkins, coping_skills, coping_logs",
    )
    what.add_argument("--view", help="an analytics view: monthly_activity, clients_in_scope, coping_clients")
    what.add_argument(
        "--fhir", metavar="CLIENT_ID", help="a client's goals, check-ins and sessions as a FHIR R4 Bundle"
    )
    what.add_argument("--report", metavar="CLIENT_ID", help="a client's one-page progress report")
    p.add_argument("--format", choices=("csv", "parquet", "png", "pdf"), default=None,
                   help="csv (default) or parquet for tables and views; png or pdf (default) for --report")  # fmt: skip
    p.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        help="date for views and reports (YYYY-MM-DD; default today)",
    )
    p.add_argument(
        "--real-names", action="store_true", help="include real names (default: pseudonymous codes only)"
    )
    p.add_argument("--out", "-o", default=None, help="output file (default: standard output)")
    p.add_argument("--db", default=None, help="database file (default: $WAYMARK_DB or data/waymark.duckdb)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analytics import data_export
    from analytics.access_log import record_access
    from analytics.commands import COMMAND_LINE_PAGE, command_line_user
    from analytics.errors import WaymarkError
    from analytics.scope import scope_for

    db = Database(args.db or database_path(), database_key())
    db.migrate()
    scope = scope_for(db, "admin", None)
    as_of = args.as_of or dt.date.today()
    if args.table or args.view:
        fmt = args.format or "csv"
        if fmt not in ("csv", "parquet"):
            raise WaymarkError("Tables and views export as csv or parquet.")
        frame = (
            data_export.table_frame(db, scope, args.table, with_real_names=args.real_names)
            if args.table
            else data_export.view_frame(db, scope, args.view, as_of)
        )
        data = data_export.export_bytes(frame, fmt)
        client, detail = None, f"{'table' if args.table else 'view'} {args.table or args.view} as {fmt}"
    elif args.fhir:
        data = json.dumps(data_export.client_bundle(db, scope, args.fhir), indent=2).encode()
        client, detail = args.fhir, "FHIR R4 Bundle"
    else:
        from analytics.progress_report import render_progress_report

        fmt = args.format or "pdf"
        if fmt not in ("png", "pdf"):
            raise WaymarkError("A progress report exports as png or pdf.")
        data = render_progress_report(db, scope, args.report, as_of, fmt, with_real_name=args.real_names)
        client, detail = args.report, f"progress report as {fmt}"
    # Every export leaves a row, as the pages' downloads do; the detail names what, never a value.
    record_access(db, command_line_user(), "export", COMMAND_LINE_PAGE, client, detail)
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"Wrote {args.out} ({len(data):,} bytes)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0
