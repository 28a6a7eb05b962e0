"""`python -m analytics`: the command line. Each command lives in its own module, which
defines `register(subparsers)`; add the module to COMMANDS to make it available."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from analytics.errors import WaymarkError

COMMANDS: tuple[str, ...] = (
    "analytics.commands.migrate",
    "analytics.commands.users",
    "analytics.commands.encrypt",
    "analytics.commands.import_",
    "analytics.commands.export",
    "analytics.commands.bench",
    "analytics.commands.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Waymark: therapy-goal progress analytics over DuckDB.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except WaymarkError as err:
        print(f"{err.title}: {err}", file=sys.stderr)
        return 2
