"""`python -m analytics migrate`: create or upgrade a database's schema."""

from __future__ import annotations

import argparse

from analytics.db import Database, database_key, database_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("migrate", help="create or upgrade the schema of a database")
    p.add_argument("--db", default=None, help="database file (default: $WAYMARK_DB or data/waymark.duckdb)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    db = Database(args.db or database_path(), database_key())
    version = db.migrate()
    print(f"{db.path}: schema version {version}")
    return 0
