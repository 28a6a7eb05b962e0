"""`python -m analytics encrypt` and `rekey`: encryption at rest for a database file.

Keys come from the environment only (`WAYMARK_DB_KEY`, and `WAYMARK_NEW_DB_KEY` for rekey),
never from the command line, where `ps` and shell history would keep them.
"""

from __future__ import annotations

import argparse
import os

from analytics.db import database_path
from analytics.encryption import encrypt_database, rekey_database


def register(subparsers: argparse._SubParsersAction) -> None:
    enc = subparsers.add_parser(
        "encrypt",
        help="encrypt a plain database with the key in WAYMARK_DB_KEY (the original is kept as PATH.plain-backup)",
    )
    enc.add_argument("--db", default=None, help="database file (default: $WAYMARK_DB or data/waymark.duckdb)")
    enc.set_defaults(run=run_encrypt)
    rek = subparsers.add_parser(
        "rekey",
        help="change an encrypted database's key from WAYMARK_DB_KEY to WAYMARK_NEW_DB_KEY "
        "(the old file is kept as PATH.old-key-backup)",
    )
    rek.add_argument("--db", default=None, help="database file (default: $WAYMARK_DB or data/waymark.duckdb)")
    rek.set_defaults(run=run_rekey)


def run_encrypt(args: argparse.Namespace) -> int:
    done = encrypt_database(args.db or database_path(), os.environ.get("WAYMARK_DB_KEY"))
    print(
        f"Encrypted {done.path} ({done.tables} tables, {done.rows} rows, each table's rows "
        f"and content hash verified).\n"
        f"The unencrypted original is {done.backup}. Start Waymark with WAYMARK_DB_KEY set and "
        f"check it opens, then destroy the original: shred -u '{done.backup}' "
        "(docs/security.md)."
    )
    return 0


def run_rekey(args: argparse.Namespace) -> int:
    done = rekey_database(
        args.db or database_path(), os.environ.get("WAYMARK_DB_KEY"), os.environ.get("WAYMARK_NEW_DB_KEY")
    )
    print(
        f"Re-keyed {done.path} ({done.tables} tables, {done.rows} rows verified).\n"
        f"The file under the old key is {done.backup}. Set WAYMARK_DB_KEY to the new key, check "
        f"that Waymark opens, then delete the old file: shred -u '{done.backup}' (docs/security.md)."
    )
    return 0
