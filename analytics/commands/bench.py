"""`python -m analytics bench`: the benchmark at a tiny, clinic or system scale (docs/performance.md)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from analytics import bench


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "bench",
        help="time every page's analytics against pandas and a bare scan, with budgets",
        description="Build (or reuse) a demo database of the given scale, time the analytics each "
        "page calls (cold and warm), pandas and floor references, page reruns, the app's cold "
        "start, CSV import and peak memory; print a table and optionally write JSON. "
        "No time is asserted.",
    )
    p.add_argument("--scale", choices=bench.SCALES, default="clinic", help="tiny (CI), clinic or system")
    p.add_argument("--json", dest="json_out", default=None, help="write the full report as JSON here")
    p.add_argument(
        "--db",
        default=None,
        help="demo database to build or reuse (default: data/bench-SCALE.duckdb); reused when "
        "its .bench.json record names the same scale and seed (see --rebuild)",
    )
    p.add_argument(
        "--rebuild", action="store_true", help="build the demo database afresh even if it can be reused"
    )
    p.add_argument("--seed", type=int, default=bench.DEFAULT_SEED, help="demo seed (default 7)")
    p.add_argument(
        "--runs", type=int, default=bench.DEFAULT_RUNS, help="timed runs after the cold one (min 5)"
    )
    p.add_argument(
        "--load", action="store_true", help="also run the load test (20 sessions while an import runs)"
    )
    p.add_argument(
        "--page-runs",
        type=int,
        default=None,
        help="AppTest reruns per page, cached and uncached each (default: --runs)",
    )
    p.add_argument("--sessions", type=int, default=20, help="simultaneous sessions in the load run")
    p.add_argument(
        "--only",
        default="analytics,pages,app,import",
        help="comma-separated parts to run: analytics, pages, app, import (default: all)",
    )
    p.add_argument("--import-rows", type=int, default=None, help="check-in rows in the CSV import test")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    runs = max(args.runs, 5)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    path = Path(args.db) if args.db else bench.ROOT / "data" / f"bench-{args.scale}.duckdb"
    out = Path(args.json_out) if args.json_out else None

    def save(report: bench.Report) -> None:
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report.to_json(), indent=2, default=str))

    report = bench.run_benchmark(
        path,
        args.scale,
        seed=args.seed,
        runs=runs,
        parts=parts,
        load=args.load,
        sessions=args.sessions,
        import_rows=args.import_rows,
        page_runs=args.page_runs,
        rebuild=args.rebuild,
        checkpoint=save,
    )
    print()
    print(bench.format_table(report))
    if out is not None:
        save(report)
        print(f"\nJSON written to {out} ({time.strftime('%H:%M:%S')})")
    return 0
