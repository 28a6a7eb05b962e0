"""`python -m analytics demo`: build the deterministic demo clinic into a database file."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from analytics.auth import DEMO_PASSWORD, create_demo_accounts
from analytics.db import Database, database_key
from analytics.demo import DEFAULT_END, SCALES, DemoDataExists, build_demo, table_counts
from analytics.schema import file_version


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="build the fictional demo clinic (deterministic for a seed)",
        description="Create (or migrate) the database file and fill it with the demo clinic. "
        "Refuses a database that already holds clinical data unless --replace is given.",
    )
    p.add_argument("--db", required=True, help="database file to create or fill")
    p.add_argument(
        "--seed", type=int, default=7, help="random seed; the same seed gives the same data (default 7)"
    )
    p.add_argument("--scale", choices=sorted(SCALES), default="clinic", help="clinic (default) or system")
    p.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=DEFAULT_END,
        help=f"last day of the demo data, YYYY-MM-DD (default {DEFAULT_END.isoformat()})",
    )
    p.add_argument("--replace", action="store_true", help="delete existing clinical data first")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.db)
    created = not path.exists()
    db = Database(path, database_key())
    if not created and not args.replace and _has_data(db):
        # Checked before migrating, so a refused file is not touched at all.
        db.close()
        print(
            f"{DemoDataExists.title}: '{db.path}' already holds clinical data. Use a new file, "
            "or pass --replace to delete that data and rebuild the demo.",
            file=sys.stderr,
        )
        return 2
    started = time.monotonic()

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", flush=True)

    try:
        db.migrate()
        counts = build_demo(
            db, seed=args.seed, scale=args.scale, progress=progress, end=args.end, replace=args.replace
        )
        accounts = create_demo_accounts(db)
    except BaseException:
        db.close()
        if created:  # never leave a half-built new file behind
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    db.close()
    print(f"Demo clinic ({args.scale}, seed {args.seed}) in {db.path}, {time.monotonic() - started:.1f} s:")
    for table, count in counts.items():
        print(f"  {table:<14} {count:>10,}")
    print(f"Sign in as one of (password {DEMO_PASSWORD}):")
    for account in accounts:
        print(f"  {account.role:<11} {account.email}")
    return 0


def _has_data(db: Database) -> bool:
    """Whether any demo table exists and holds rows, read without migrating."""
    with db.connection() as cur:
        if file_version(cur) == 0:
            return False
        return any(table_counts(cur).values())
