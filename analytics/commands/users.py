"""`python -m analytics users add|remove|list|set-password`: local Waymark accounts.

Passwords are read from a prompt (not echoed) or, for scripts, from standard input with
`--password-stdin`; never from the command line, where `ps` and shell history would keep
them.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from analytics.auth import add_user, list_users, remove_user, set_password
from analytics.db import Database, database_key, database_path
from analytics.errors import WaymarkError
from analytics.scope import ROLES


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("users", help="add, remove and list sign-in accounts, set passwords")
    p.add_argument("--db", default=None, help="database file (default: $WAYMARK_DB or data/waymark.duckdb)")
    sub = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    add = sub.add_parser("add", help="create an account (matched to a practitioner by e-mail)")
    add.add_argument("email")
    add.add_argument("--role", choices=ROLES, default=None, help="default: the matched practitioner's role")
    add.add_argument("--practitioner", default=None, help="practitioner id, if the e-mail does not match one")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    how.add_argument(
        "--no-password", action="store_true", help="no password: the account signs in through OIDC only"
    )

    remove = sub.add_parser("remove", help="delete an account (its access-log rows stay)")
    remove.add_argument("email")

    sub.add_parser("list", help="list accounts (never shows password hashes)")

    setpw = sub.add_parser("set-password", help="set a new password (also ends a lock-out)")
    setpw.add_argument("email")
    setpw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(run=run)


def read_password(from_stdin: bool) -> str:
    """The new password, from standard input's first line or from a prompt typed twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Same password again: ") != first:
        raise WaymarkError("The two passwords differ; nothing was changed.", title="Passwords differ")
    return first


def run(args: argparse.Namespace) -> int:
    db = Database(args.db or database_path(), database_key())
    db.migrate()
    action = args.users_command
    if action == "add":
        password = None if args.no_password else read_password(args.password_stdin)
        account = add_user(db, args.email, args.role, password, args.practitioner)
        who = f"practitioner {account.practitioner_id}" if account.practitioner_id else "no practitioner"
        how = "password" if account.has_password else "OIDC only"
        print(f"Added {account.email}: {account.role}, {who}, signs in with {how}.")
    elif action == "remove":
        remove_user(db, args.email)
        print(f"Removed {args.email.strip().lower()}.")
    elif action == "set-password":
        set_password(db, args.email, read_password(args.password_stdin))
        print(f"New password set for {args.email.strip().lower()}.")
    elif action == "list":
        users = list_users(db)
        if users.empty:
            print("No accounts yet. Add one with: python -m analytics users add EMAIL --role admin")
            return 0
        for row in users.itertuples():
            flags = [] if row.has_password else ["OIDC only"]
            if row.disabled:
                flags.append("disabled")
            if row.demo_account:
                flags.append("demo")
            practitioner = row.practitioner_id if isinstance(row.practitioner_id, str) else "-"
            print(f"{row.email:<36} {row.role:<11} {practitioner:<12} {', '.join(flags)}".rstrip())
    return 0
