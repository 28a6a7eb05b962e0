"""The benchmark: every analytics function the pages call, timed at a given scale against
two references (pandas over the same data in memory, and a bare DuckDB scan, "the floor"),
with the budgets of docs/performance.md printed beside each number.

Nothing here asserts a time, and nothing is cached for the benchmark's sake: every timed
call goes through the same gateway the pages use (`Database`, which attaches the file for a
query and, as the app's does, stays attached for `APP_LINGER_SECONDS` after it), and the first
call of each function, on a fresh gateway with DuckDB's buffers empty, is reported on its own
as "cold". A function that has not landed on main is listed as absent, never given a number.

Streamlit-dependent parts (page reruns through AppTest, the app's cold start, the load run)
live in `ui/bench_pages.py`, so `analytics/` stays free of Streamlit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import inspect
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.db import APP_LINGER_SECONDS, Database
from analytics.derived import refresh as refresh_derived
from analytics.scope import Scope, scope_for

SCALES: tuple[str, ...] = ("tiny", "clinic", "system")
DEFAULT_SEED = 7
DEFAULT_RUNS = 7
ROOT = Path(__file__).resolve().parent.parent

# Budgets in milliseconds (median of warm runs, 2 cores), from issue 8. `None` = no budget.
PAGE_BUDGET_MS = {"clinic": 50.0}
SYSTEM_BUDGET_MS = {"caseload_practitioner": 50.0, "goal_timeline": 30.0, "audit_system": 1500.0}
PANDAS_SPEEDUP_BUDGET = 5.0  # DuckDB at least 5x faster than pandas, system scale
FLOOR_RATIO_BUDGET = 4.0  # whole-system audit within 4x of the floor scan
IMPORT_BUDGET_ROWS_PER_S = 500_000.0
# The report's sections, in the order the table and docs/performance.md print them
# (scripts/bench_markdown.py reads this too).
REPORT_KINDS = (
    "gateway",
    "analytics",
    "page analytics",
    "floor",
    "pandas",
    "page",
    "app",
    "import",
    "load",
    "memory",
)
AUDIT_MONTHS = 3  # the audit period timed: the last 3 calendar months up to as-of


# --------------------------------------------------------------------------- the database
def sidecar(path: Path) -> Path:
    """Where the benchmark records the scale and seed a database was built with."""
    return path.with_name(path.name + ".bench.json")


def _row_counts(db: Database) -> dict[str, int]:
    row = db.query("bench.row_counts").iloc[0]
    return {name: int(value) for name, value in row.items()}


def _prune_to_tiny(db: Database) -> None:
    """Keep one supervisor's team with two therapists: the clinic demo cut down so CI stays fast."""
    team = db.query("bench.busiest_therapist")
    keep = [str(team["practitioner_id"].iloc[0]), str(team["supervisor_id"].iloc[0])]
    statements = [
        "DELETE FROM coping_logs WHERE client_id NOT IN "
        "(SELECT client_id FROM clients WHERE practitioner_id IN (SELECT unnest($keep::VARCHAR[])))",
        "DELETE FROM goal_checkins WHERE goal_id NOT IN (SELECT goal_id FROM goals WHERE client_id IN "
        "(SELECT client_id FROM clients WHERE practitioner_id IN (SELECT unnest($keep::VARCHAR[]))))",
        "DELETE FROM goal_events WHERE goal_id NOT IN (SELECT goal_id FROM goals WHERE client_id IN "
        "(SELECT client_id FROM clients WHERE practitioner_id IN (SELECT unnest($keep::VARCHAR[]))))",
        "DELETE FROM goals WHERE client_id NOT IN "
        "(SELECT client_id FROM clients WHERE practitioner_id IN (SELECT unnest($keep::VARCHAR[])))",
        "DELETE FROM sessions WHERE client_id NOT IN "
        "(SELECT client_id FROM clients WHERE practitioner_id IN (SELECT unnest($keep::VARCHAR[])))",
        "DELETE FROM clients WHERE practitioner_id NOT IN (SELECT unnest($keep::VARCHAR[]))",
        "DELETE FROM practitioners WHERE practitioner_id NOT IN (SELECT unnest($keep::VARCHAR[]))",
    ]
    with db.transaction() as cur:
        # Keep only the two practitioners' clients, and the clients only a few of each.
        for sql in statements:
            cur.execute(sql, {"keep": keep})
        cur.execute(
            # Clients still in care first, so the caseload has rows to time.
            "DELETE FROM clients WHERE client_id NOT IN (SELECT client_id FROM clients QUALIFY row_number() "
            "OVER (PARTITION BY practitioner_id ORDER BY discharge_date IS NULL DESC, client_id) <= 6)"
        )
        for sql in (
            "DELETE FROM coping_logs WHERE client_id NOT IN (SELECT client_id FROM clients)",
            "DELETE FROM sessions WHERE client_id NOT IN (SELECT client_id FROM clients)",
            "DELETE FROM goals WHERE client_id NOT IN (SELECT client_id FROM clients)",
            "DELETE FROM goal_checkins WHERE goal_id NOT IN (SELECT goal_id FROM goals)",
            "DELETE FROM goal_events WHERE goal_id NOT IN (SELECT goal_id FROM goals)",
        ):
            cur.execute(sql)
        cur.execute(
            "UPDATE coping_logs SET goal_id = NULL WHERE goal_id IS NOT NULL "
            "AND goal_id NOT IN (SELECT goal_id FROM goals)"
        )
        # The audit's derived rows follow the clinical rows (analytics/derived.py).
        refresh_derived(cur)
    db.execute_sql("CHECKPOINT", changes_data=False)


def _demo_scales() -> tuple[str, ...]:
    """The scales the demo generator itself knows, read from its signature or a SCALES table."""
    demo = importlib.import_module("analytics.demo")
    known = getattr(demo, "SCALES", None)
    if isinstance(known, dict | tuple | list):
        return tuple(known)
    return ("clinic", "system")


def _generator_digest() -> str:
    """A digest of the demo generator's code and SQL: a database built by another version of
    the generator is rebuilt rather than reused."""
    import hashlib

    digest = hashlib.sha256()
    for part in (ROOT / "analytics" / "demo.py", ROOT / "analytics" / "sql" / "demo.sql"):
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class BuildInfo:
    path: str
    scale: str
    seed: int
    reused: bool
    build_seconds: float | None
    rows: dict[str, int]
    note: str = ""


def prepare_database(
    path: Path,
    scale: str,
    seed: int = DEFAULT_SEED,
    echo: Callable[[str], None] = print,
    rebuild: bool = False,
) -> BuildInfo:
    """Build the demo database of `scale` at `path`, or reuse it when its sidecar records the
    same scale and seed (the file is never trusted without the record). A database built by
    another version of the generator is reused with a note saying so; `rebuild` forces a build."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}")
    path = Path(path)
    record = sidecar(path)
    if path.exists() and record.exists() and not rebuild:
        meta = json.loads(record.read_text())
        if meta.get("scale") == scale and meta.get("seed") == seed:
            db = Database(path)
            try:
                # As the app does on start-up: a file from an older schema is upgraded (and
                # its derived tables built) before anything is timed.
                db.migrate()
                rows = _row_counts(db)
            finally:
                db.close()
            note = meta.get("note", "")
            if meta.get("generator") != _generator_digest():
                note = (note + "; " if note else "") + (
                    "built by an earlier version of the demo generator (use --rebuild for the current one)"
                )
            echo(f"Reusing {path} ({scale}, seed {seed}, built in {meta.get('build_seconds')} s)")
            return BuildInfo(str(path), scale, seed, True, meta.get("build_seconds"), rows, note)
    from analytics.demo import build_demo  # absent until the demo generator lands

    for leftover in (path, path.with_name(path.name + ".wal"), record):
        leftover.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    generator_scale = scale
    note = ""
    if scale == "tiny" and "tiny" not in _demo_scales():
        generator_scale = "clinic"
        note = "tiny = the clinic demo cut to one supervisor and one therapist with 6 clients each"
    db = Database(path)
    last = [0.0]

    def progress(fraction: float, message: str) -> None:
        if fraction - last[0] >= 0.25 or fraction >= 1.0:
            last[0] = fraction
            echo(f"  building {scale}: {fraction:4.0%} {message}")

    try:
        db.migrate()
        started = time.perf_counter()
        build_demo(db, seed=seed, scale=generator_scale, progress=progress)
        build_seconds = time.perf_counter() - started
        if generator_scale != scale:
            _prune_to_tiny(db)
        rows = _row_counts(db)
    finally:
        db.close()
    record.write_text(
        json.dumps(
            {
                "scale": scale,
                "seed": seed,
                "generator": _generator_digest(),
                "build_seconds": round(build_seconds, 2),
                "rows": rows,
                "note": note,
            },
            indent=2,
        )
    )
    echo(f"Built {path} ({scale}, seed {seed}) in {build_seconds:.1f} s: {rows}")
    return BuildInfo(str(path), scale, seed, False, round(build_seconds, 2), rows, note)


# --------------------------------------------------------------------------- whom to time
@dataclass
class Context:
    """Who and what the benchmark looks at: the busiest therapist, their supervisor's team,
    everyone, the therapist's client and goal with the most check-ins, and for the coping
    page the therapist's client with the most coping-skill logs in its default period (the
    client with the most check-ins may have logged none then: at both demo scales they had
    not, so the coping client view was timed on an empty period until 3 December)."""

    db: Database
    as_of: dt.date
    practitioner_id: str
    supervisor_id: str
    client_id: str
    display_code: str
    goal_id: str
    chain_ids: tuple[str, ...]
    chain_start: dt.date
    coping_client_id: str
    coping_display_code: str
    coping_goal_id: str
    therapist: Scope
    team: Scope
    everyone: Scope

    @property
    def start(self) -> dt.date:
        """The start of the coping page's default period: whole weeks from Monday, the last 12
        weeks ending with the week of as-of (pages/coping.py)."""
        monday = self.as_of - dt.timedelta(days=self.as_of.weekday())
        return monday - dt.timedelta(weeks=11)

    def describe(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "practitioner_id": self.practitioner_id,
            "supervisor_id": self.supervisor_id,
            "client_id": self.client_id,
            "display_code": self.display_code,
            "goal_id": self.goal_id,
            "chain_ids": list(self.chain_ids),
            "coping_client_id": self.coping_client_id,
            "coping_display_code": self.coping_display_code,
            "coping_goal_id": self.coping_goal_id,
            "therapist_scope": len(self.therapist.practitioner_ids),
            "team_scope": len(self.team.practitioner_ids),
            "everyone_scope": len(self.everyone.practitioner_ids),
        }


def _chain(db: Database, scope: Scope, goal_id: str, as_of: dt.date) -> tuple[tuple[str, ...], dt.date]:
    """The goal's revision chain and its first start (the arguments the client page passes to
    the timeline's events, sessions and practice calls); the goal alone before that landed."""
    try:
        from analytics.timeline import goal_chain
    except ImportError:
        start = db.scalar("SELECT start_date FROM goals WHERE goal_id = $goal", {"goal": goal_id})
        return (goal_id,), pd.Timestamp(start).date()
    chain = goal_chain(db, scope, goal_id, as_of)
    return tuple(str(g) for g in chain["goal_id"]), chain["start_date"].min().date()


def pick_context(db: Database) -> Context:
    from analytics.overview import default_as_of

    busiest = db.query("bench.busiest_therapist")
    if busiest.empty:
        raise ValueError("the database has no therapist with clients to benchmark")
    practitioner = str(busiest["practitioner_id"].iloc[0])
    supervisor = str(busiest["supervisor_id"].iloc[0])
    client = db.query("bench.busiest_client", {"practitioner": practitioner})
    as_of = default_as_of(db)
    goal_id = str(client["goal_id"].iloc[0])
    therapist = scope_for(db, "therapist", practitioner)
    chain_ids, chain_start = _chain(db, therapist, goal_id, as_of)
    monday = as_of - dt.timedelta(days=as_of.weekday())
    coping = db.query(
        "bench.busiest_coping_client",
        {"practitioner": practitioner, "start": monday - dt.timedelta(weeks=11), "as_of": as_of},
    )
    if coping.empty:  # nobody logged in the period: the page then shows the same client
        coping = client.assign(goal_id=goal_id)
    return Context(
        db=db,
        as_of=as_of,
        practitioner_id=practitioner,
        supervisor_id=supervisor,
        client_id=str(client["client_id"].iloc[0]),
        display_code=str(client["display_code"].iloc[0]),
        goal_id=goal_id,
        chain_ids=chain_ids,
        chain_start=chain_start,
        coping_client_id=str(coping["client_id"].iloc[0]),
        coping_display_code=str(coping["display_code"].iloc[0]),
        coping_goal_id=str(coping["goal_id"].iloc[0]),
        therapist=therapist,
        team=scope_for(db, "supervisor", supervisor),
        everyone=scope_for(db, "admin", None),
    )


# --------------------------------------------------------------------------- timing
@dataclass
class Timing:
    cold_ms: float
    median_ms: float
    min_ms: float
    max_ms: float
    runs: int
    cpu_ms: float | None = None  # median CPU time of this process (all threads) per warm call

    @classmethod
    def of(cls, cold_s: float, warm_s: list[float], cpu_s: list[float] | None = None) -> Timing:
        ms = [s * 1000.0 for s in warm_s]
        return cls(
            cold_ms=round(cold_s * 1000.0, 2),
            median_ms=round(statistics.median(ms), 2),
            min_ms=round(min(ms), 2),
            max_ms=round(max(ms), 2),
            runs=len(ms),
            cpu_ms=round(statistics.median(cpu_s) * 1000.0, 2) if cpu_s else None,
        )


def time_call(call: Callable[[], Any], runs: int) -> tuple[Timing, Any]:
    """Time `call`: the first call on its own (cold, which is also the warm-up), then `runs`
    further calls; returns the timing and the last answer. Wall time is what a person waits;
    the CPU time of the process (DuckDB's threads included) is reported beside it because on
    a shared machine other work stretches the wall time but not the CPU time."""
    started = time.perf_counter()
    answer = call()
    cold = time.perf_counter() - started
    warm: list[float] = []
    cpu: list[float] = []
    for _ in range(max(runs, 1)):
        started, cpu_started = time.perf_counter(), time.process_time()
        answer = call()
        warm.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return Timing.of(cold, warm, cpu), answer


def peak_memory_mb() -> float:
    """This process's peak resident memory so far, in MB (getrusage ru_maxrss, KB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


# --------------------------------------------------------------------------- the cases
@dataclass
class Case:
    """One analytics call a page makes: which function, with which arguments, for which page."""

    key: str
    label: str
    page: str
    module: str
    function: str
    call: Callable[[Callable[..., Any], Context], Any]
    floor: str = "scoped"  # "scoped", "all" or "coping"
    floor_scope: str = "therapist"  # therapist, team, everyone, client, goal
    pandas: str | None = None  # which pandas reference answers the same question
    view: str = ""  # the page's view (whose, which tab): calls of one view add up to a page total
    # False for a call timed for its budget or for comparison that the page's default view
    # does not make itself, or makes inside another timed call (client_view, goal_view,
    # client_practice, goal_practice): timed on its own, left out of the page total.
    on_page: bool = True


def _scope_of(ctx: Context, which: str) -> Scope:
    return {"therapist": ctx.therapist, "team": ctx.team, "everyone": ctx.everyone}.get(which, ctx.therapist)


def _params_for_floor(case: Case, ctx: Context) -> tuple[str, dict[str, Any]]:
    if case.floor == "all":
        return "bench.floor_all", {}
    scope = (
        ctx.team
        if case.floor_scope == "team"
        else ctx.everyone
        if case.floor_scope == "everyone"
        else ctx.therapist
    )
    client = ctx.client_id if case.floor_scope in ("client", "goal") else None
    if case.floor == "coping":
        client = ctx.coping_client_id if client else None
        return "bench.floor_coping", {**scope.params(), "client_id": client}
    goal = ctx.goal_id if case.floor_scope == "goal" else None
    return "bench.floor_scoped", {**scope.params(), "client_id": client, "goal_id": goal}


def _kwargs_supported(fn: Callable[..., Any], **candidates: Any) -> dict[str, Any]:
    """The keyword arguments `fn` accepts among `candidates` (owners add options over time)."""
    accepted = inspect.signature(fn).parameters
    return {k: v for k, v in candidates.items() if k in accepted}


def _rules(ctx: Context) -> Any:
    from analytics.caseload import caseload_rules

    return caseload_rules(ctx.db)


def _audit_period(ctx: Context) -> Any:
    from analytics.audit import audit_period

    return audit_period(ctx.as_of, AUDIT_MONTHS)


def _case(
    key: str, label: str, page: str, view: str, module: str, function: str, call: Any, **kw: Any
) -> Case:
    return Case(key, label, page, module, function, call, view=view, **kw)


# The analytics calls each page makes on its default view, with the arguments the page passes
# (read from pages/*.py; the rules and settings a page loads first are timed as calls too).
# Keys named in SYSTEM_BUDGET_MS carry the system-scale budgets.
CASES: tuple[Case, ...] = (
    # pages/caseload.py: the rules, then caseload_view (clients and goals together).
    _case(
        "caseload_rules",
        "caseload rules (settings)",
        "caseload",
        "therapist",
        "analytics.caseload",
        "caseload_rules",
        lambda fn, c: fn(c.db),
        floor_scope="therapist",
    ),
    _case(
        "caseload_practitioner",
        "caseload, one practitioner",
        "caseload",
        "therapist",
        "analytics.caseload",
        "caseload_view",
        lambda fn, c: fn(c.db, c.therapist, c.as_of, _rules(c)),
        pandas="caseload",
    ),
    _case(
        "caseload_team",
        "caseload, one supervisor's team",
        "caseload",
        "supervisor",
        "analytics.caseload",
        "caseload_view",
        lambda fn, c: fn(c.db, c.team, c.as_of, _rules(c)),
        floor_scope="team",
    ),
    # pages/client.py: the client list, then the client's goals, scores and small multiples in
    # one call (client_view); each part is also timed on its own, outside the page total.
    _case(
        "client_view",
        "client page: goals, scores and small multiples (client_view)",
        "client",
        "therapist",
        "analytics.timeline",
        "client_view",
        lambda fn, c: fn(c.db, c.therapist, c.client_id, c.as_of),
        floor_scope="client",
    ),
    _case(
        "client_list",
        "client page: clients in scope",
        "client",
        "therapist",
        "analytics.timeline",
        "clients_in_scope",
        lambda fn, c: fn(c.db, c.therapist, c.as_of),
        floor_scope="therapist",
    ),
    _case(
        "client_goals",
        "client page: goals of one client (inside client_view)",
        "client",
        "therapist",
        "analytics.timeline",
        "client_goals",
        lambda fn, c: fn(c.db, c.therapist, c.client_id, c.as_of),
        floor_scope="client",
        on_page=False,
    ),
    _case(
        "client_gas",
        "client page: GAS T-score (inside client_view)",
        "client",
        "therapist",
        "analytics.timeline",
        "gas_t_score",
        lambda fn, c: fn(c.db, c.therapist, c.client_id, c.as_of),
        floor_scope="client",
        on_page=False,
    ),
    _case(
        "client_scores",
        "client page: standard scores (inside client_view)",
        "client",
        "therapist",
        "analytics.timeline",
        "standard_scores",
        lambda fn, c: fn(c.db, c.therapist, c.client_id, c.as_of),
        floor_scope="client",
        on_page=False,
    ),
    _case(
        "client_panels",
        "client page: small multiples (inside client_view)",
        "client",
        "therapist",
        "analytics.timeline",
        "client_goal_panels",
        lambda fn, c: fn(c.db, c.therapist, c.client_id, c.as_of),
        floor_scope="client",
        on_page=False,
    ),
    # ...and, with a goal chosen, that goal's timeline (its revision chain, events, sessions,
    # practice) in one call (goal_view); goal_timeline carries the system budget.
    _case(
        "goal_view",
        "goal timeline: chain, points, events, sessions, practice (goal_view)",
        "client",
        "goal open",
        "analytics.timeline",
        "goal_view",
        lambda fn, c: fn(c.db, c.therapist, c.client_id, c.goal_id, c.as_of),
        floor_scope="goal",
    ),
    _case(
        "goal_chain",
        "goal timeline: revision chain (inside goal_view)",
        "client",
        "goal open",
        "analytics.timeline",
        "goal_chain",
        lambda fn, c: fn(c.db, c.therapist, c.goal_id, c.as_of),
        floor_scope="goal",
        on_page=False,
    ),
    _case(
        "goal_timeline",
        "goal timeline, one goal (inside goal_view)",
        "client",
        "goal open",
        "analytics.timeline",
        "goal_timeline",
        lambda fn, c: fn(c.db, c.therapist, c.goal_id, c.as_of),
        floor_scope="goal",
        pandas="timeline",
        on_page=False,
    ),
    _case(
        "goal_events",
        "goal timeline: lifecycle events (inside goal_view)",
        "client",
        "goal open",
        "analytics.timeline",
        "lifecycle_events",
        lambda fn, c: fn(c.db, c.therapist, list(c.chain_ids), c.as_of),
        floor_scope="goal",
        on_page=False,
    ),
    _case(
        "goal_sessions",
        "goal timeline: sessions with/without check-in (inside goal_view)",
        "client",
        "goal open",
        "analytics.timeline",
        "goal_sessions",
        lambda fn, c: fn(c.db, c.therapist, list(c.chain_ids), c.as_of),
        floor_scope="goal",
        on_page=False,
    ),
    _case(
        "goal_practice",
        "goal timeline: weekly practice panel (inside goal_view)",
        "client",
        "goal open",
        "analytics.coping",
        "weekly_practice",
        lambda fn, c: fn(c.db, c.therapist, c.client_id, c.chain_start, c.as_of),
        floor="coping",
        floor_scope="client",
        on_page=False,
    ),
    # pages/audit.py on its default view (3 months, N/D/K defaults, everyone's trend, the
    # "follow-up (sessions)" drill-down for everyone in view), for a supervisor's team and for
    # an admin (whole system): the settings, audit_overview (headline, table and trend in one
    # query) and audit_cases. The headline, the table (which carries the system budget) and
    # the trend are also timed on their own, outside the page total.
    *(
        _case(
            f"{key}_settings_{who}",
            f"audit settings ({who})",
            "audit",
            view,
            "analytics.settings",
            "get_settings",
            lambda fn, c: fn(c.db),
            floor_scope=floor_scope,
            floor=floor,
        )
        for key, who, view, floor_scope, floor in (
            ("audit", "team", "supervisor", "team", "scoped"),
            ("audit", "system", "admin", "everyone", "all"),
        )
    ),
    *(
        case
        for who, view, scope_name, floor_scope, floor in (
            ("team", "supervisor", "team", "team", "scoped"),
            ("system", "admin", "everyone", "everyone", "all"),
        )
        for case in (
            _case(
                f"audit_overview_{who}",
                f"audit overview (headline, table, 12-month trend), {'one team' if who == 'team' else 'whole system'}",
                "audit",
                view,
                "analytics.audit",
                "audit_overview",
                lambda fn, c, s=scope_name: fn(c.db, getattr(c, s), _audit_period(c), c.as_of, 12, 3, 30, 3),
                floor_scope=floor_scope,
                floor=floor,
            ),
            _case(
                f"audit_headline_{who}",
                f"audit headline, {'one team' if who == 'team' else 'whole system'}",
                "audit",
                view,
                "analytics.audit",
                "clinic_headline",
                lambda fn, c, s=scope_name: fn(c.db, getattr(c, s), _audit_period(c), 3, 30, 3),
                floor_scope=floor_scope,
                floor=floor,
                on_page=False,
            ),
            _case(
                f"audit_{who}",
                f"follow-up audit, {'one team' if who == 'team' else 'whole system'}",
                "audit",
                view,
                "analytics.audit",
                "practitioner_audit",
                lambda fn, c, s=scope_name: fn(c.db, getattr(c, s), _audit_period(c), 3, 30, 3),
                floor_scope=floor_scope,
                floor=floor,
                on_page=False,
                pandas="audit" if who == "system" else None,
            ),
            _case(
                f"audit_trends_{who}",
                f"audit monthly trends (12), {'one team' if who == 'team' else 'whole system'}",
                "audit",
                view,
                "analytics.audit",
                "monthly_trends",
                lambda fn, c, s=scope_name: fn(c.db, getattr(c, s), c.as_of, 12, 3, 30, 3),
                floor_scope=floor_scope,
                floor=floor,
                on_page=False,
            ),
            _case(
                f"audit_cases_{who}",
                f"audit drill-down cases, {'one team' if who == 'team' else 'whole system'}",
                "audit",
                view,
                "analytics.audit",
                "audit_cases",
                lambda fn, c, s=scope_name: fn(
                    c.db, getattr(c, s), "followup_sessions", _audit_period(c), 3, 30, 3, None
                ),
                floor_scope=floor_scope,
                floor=floor,
            ),
        )
    ),
    # pages/coping.py, client view (12 weeks, min 3 rated uses, unlinked logs counted): the
    # client list, the summary, weekly practice and goals (client_practice), the skill effects,
    # and practice beside the chosen goal's progress (goal_practice), for the therapist's
    # client who logged the most in the period (Context.coping_client_id).
    _case(
        "coping_client_practice",
        "coping per client: summary, weekly practice, goals (client_practice)",
        "coping",
        "client view",
        "analytics.coping",
        "client_practice",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id, c.start, c.as_of),
        floor="coping",
        floor_scope="client",
    ),
    _case(
        "coping_goal_practice",
        "coping per client: practice beside a goal's progress (goal_practice)",
        "coping",
        "client view",
        "analytics.coping",
        "goal_practice",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id, c.coping_goal_id, c.start, c.as_of, True),
        floor="coping",
        floor_scope="client",
    ),
    _case(
        "coping_clients",
        "coping: clients in scope",
        "coping",
        "client view",
        "analytics.coping",
        "coping_clients",
        lambda fn, c: fn(c.db, c.therapist, c.as_of),
        floor="coping",
    ),
    _case(
        "coping_client_summary",
        "coping per client: summary (inside client_practice)",
        "coping",
        "client view",
        "analytics.coping",
        "client_summary",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id, c.start, c.as_of),
        floor="coping",
        floor_scope="client",
        on_page=False,
    ),
    _case(
        "coping_client_weekly",
        "coping per client: weekly practice (inside client_practice)",
        "coping",
        "client view",
        "analytics.coping",
        "weekly_practice",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id, c.start, c.as_of),
        floor="coping",
        floor_scope="client",
        on_page=False,
    ),
    _case(
        "coping_client_effects",
        "coping per client: skill effects",
        "coping",
        "client view",
        "analytics.coping",
        "skill_effects",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id, c.start, c.as_of, 3),
        floor="coping",
        floor_scope="client",
    ),
    _case(
        "coping_client_goals",
        "coping per client: goals (inside client_practice)",
        "coping",
        "client view",
        "analytics.coping",
        "client_goals",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id),
        floor_scope="client",
        on_page=False,
    ),
    _case(
        "coping_between_checkins",
        "coping per client: practice between check-ins (inside goal_practice)",
        "coping",
        "client view",
        "analytics.coping",
        "practice_between_checkins",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id, c.coping_goal_id, c.start, c.as_of, True),
        floor="coping",
        floor_scope="client",
        on_page=False,
    ),
    _case(
        "coping_goal_weekly",
        "coping per client: weekly practice for a goal (inside goal_practice)",
        "coping",
        "client view",
        "analytics.coping",
        "weekly_practice",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id, c.start, c.as_of, c.coping_goal_id, True),
        floor="coping",
        floor_scope="client",
        on_page=False,
    ),
    _case(
        "coping_association",
        "coping per client: practice and progress (inside goal_practice)",
        "coping",
        "client view",
        "analytics.coping",
        "practice_progress_association",
        lambda fn, c: fn(c.db, c.therapist, c.coping_client_id, c.coping_goal_id, c.start, c.as_of, True),
        floor="coping",
        floor_scope="client",
        on_page=False,
    ),
    # pages/coping.py, clinic view for a supervisor's team (min 5 rated uses, 4 weeks).
    _case(
        "coping_life_areas",
        "coping per clinic: practice by life area",
        "coping",
        "clinic view (team)",
        "analytics.coping",
        "life_area_practice",
        lambda fn, c: fn(c.db, c.team, c.start, c.as_of),
        floor="coping",
        floor_scope="team",
    ),
    _case(
        "coping_clinic_skills",
        "coping per clinic: skills",
        "coping",
        "clinic view (team)",
        "analytics.coping",
        "clinic_skills",
        lambda fn, c: fn(c.db, c.team, c.start, c.as_of, None, 5),
        floor="coping",
        floor_scope="team",
    ),
    _case(
        "coping_clinic_stopped",
        "coping per clinic: stopped practice",
        "coping",
        "clinic view (team)",
        "analytics.coping",
        "stopped_practising",
        lambda fn, c: fn(c.db, c.team, c.as_of, 4),
        floor="coping",
        floor_scope="team",
    ),
    # pages/coping.py, clinic view for an admin: the whole system.
    _case(
        "coping_life_areas_all",
        "coping per clinic: practice by life area, all",
        "coping",
        "clinic view (all)",
        "analytics.coping",
        "life_area_practice",
        lambda fn, c: fn(c.db, c.everyone, c.start, c.as_of),
        floor="coping",
        floor_scope="everyone",
    ),
    _case(
        "coping_clinic_skills_all",
        "coping per clinic: skills, all",
        "coping",
        "clinic view (all)",
        "analytics.coping",
        "clinic_skills",
        lambda fn, c: fn(c.db, c.everyone, c.start, c.as_of, None, 5),
        floor="coping",
        floor_scope="everyone",
    ),
    _case(
        "coping_clinic_stopped_all",
        "coping per clinic: stopped practice, all",
        "coping",
        "clinic view (all)",
        "analytics.coping",
        "stopped_practising",
        lambda fn, c: fn(c.db, c.everyone, c.as_of, 4),
        floor="coping",
        floor_scope="everyone",
    ),
)


def _cases() -> tuple[Case, ...]:
    return CASES


# --------------------------------------------------------------------------- running
@dataclass
class Row:
    """One line of the report."""

    kind: str  # analytics, floor, pandas, gateway, page, app, import, load, memory
    key: str
    label: str
    page: str = ""
    cold_ms: float | None = None
    median_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    runs: int = 0
    cpu_ms: float | None = None
    budget: str = ""
    status: str = ""  # pass / over / "" (no budget)
    floor_ms: float | None = None
    pandas_ms: float | None = None
    ratio_to_floor: float | None = None
    pandas_speedup: float | None = None
    # pandas ÷ DuckDB with the two timed alternately, call by call (bench_pandas.paired_ratio):
    # the host's drift over the minutes between the two sets of runs falls on both alike.
    paired_speedup: float | None = None
    agree: bool | None = None
    value: float | None = None  # rows/s for import, MB for memory, p95 for load
    unit: str = ""
    note: str = ""


@dataclass
class Report:
    scale: str
    machine: dict[str, Any]
    database: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    absent: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    started_at: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["rows"] = [asdict(r) for r in self.rows]
        return out


def machine_info() -> dict[str, Any]:
    """The machine the numbers were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import duckdb

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": _git_commit(),
    }


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _resolve(case: Case) -> Callable[..., Any] | str:
    """The function a case times, or the reason it cannot be timed (not landed yet)."""
    try:
        module = importlib.import_module(case.module)
    except ModuleNotFoundError as exc:
        return f"module {case.module} is not on main ({exc.name})"
    fn = getattr(module, case.function, None)
    if fn is None:
        return f"{case.module}.{case.function} does not exist"
    return fn


def _budget(scale: str, case: Case) -> float | None:
    if scale == "system":
        return SYSTEM_BUDGET_MS.get(case.key)
    return PAGE_BUDGET_MS.get(scale)


def run_analytics(
    report: Report,
    path: Path,
    runs: int,
    echo: Callable[[str], None] = print,
    pandas_refs: bool = True,
) -> dict[str, Any]:
    """Time every case that has landed, its floor, and the pandas references; fill `report`."""
    answers: dict[str, Any] = {}
    # Each timed case's call on a given gateway, for the paired pandas comparison.
    duck_calls: dict[str, Callable[[Database], Any]] = {}
    db = Database(path)
    try:
        ctx = pick_context(db)
        report.context = ctx.describe()
        # The gateway's own cost: attach, one trivial query, detach.
        timing, _ = time_call(lambda: db.scalar("SELECT 1"), runs)
        report.rows.append(
            Row(
                "gateway",
                "gateway",
                "gateway: attach + SELECT 1 + detach",
                **_t(timing),
                note="paid by every analytics call",
            )
        )
        # What attaching per query costs once the file is large: one goal's check-ins (an
        # index lookup) through the gateway as the pages call it, and with the file held.
        point = {"goal": ctx.goal_id}
        timing, _ = time_call(lambda: db.query("bench.goal_checkin_count", point), runs)
        report.rows.append(
            Row("gateway", "gateway_point", "gateway: one goal's check-ins, attach per query", **_t(timing))
        )
        with db.hold():
            timing, _ = time_call(lambda: db.query("bench.goal_checkin_count", point), runs)
        report.rows.append(
            Row(
                "gateway",
                "gateway_point_held",
                "gateway: one goal's check-ins, file held attached",
                **_t(timing),
                note="the difference is the attach/detach and the cold buffer cache after it",
            )
        )
        floors: dict[tuple[str, str], Timing] = {}
        # The floor scans through a gateway that lingers too, so both sides of `× floor` pay
        # the same attachment costs.
        floor_db = Database(path, linger=APP_LINGER_SECONDS)
        for case in _cases():
            fn = _resolve(case)
            if isinstance(fn, str):
                report.absent.append({"key": case.key, "label": case.label, "reason": fn})
                echo(f"  absent: {case.label}: {fn}")
                continue
            # A fresh gateway per function, so "cold" is this function's first call in a new
            # connection (file in the OS cache, DuckDB's buffers empty). It lingers on the file
            # as the app's does, so the warm runs are what back-to-back page runs pay: one
            # attachment and DuckDB's buffer cache, never a cached result.
            fresh = Database(path, linger=APP_LINGER_SECONDS)
            fresh_ctx = Context(**{**ctx.__dict__, "db": fresh})
            try:
                timing, answer = time_call(lambda fn=fn, c=fresh_ctx, k=case: k.call(fn, c), runs)
            except Exception as exc:  # an owner's signature changed: report, never invent a number
                report.errors.append(
                    {"key": case.key, "label": case.label, "error": f"{type(exc).__name__}: {exc}"}
                )
                echo(f"  error: {case.label}: {type(exc).__name__}: {exc}")
                continue
            finally:
                fresh.close()
            answers[case.key] = answer
            duck_calls[case.key] = lambda c, fn=fn, k=case: k.call(fn, Context(**{**ctx.__dict__, "db": c}))
            name, params = _params_for_floor(case, ctx)
            floor_key = (name, json.dumps(params, sort_keys=True, default=str))
            if floor_key not in floors:
                floors[floor_key], _ = time_call(lambda n=name, p=params: floor_db.query(n, p), runs)
            floor = floors[floor_key]
            budget = _budget(report.scale, case)
            row = Row(
                "analytics",
                case.key,
                case.label,
                f"{case.page} · {case.view}" if case.view else case.page,
                **_t(timing),
                budget=f"< {budget:g} ms" if budget else "",
                status=("pass" if timing.median_ms < budget else "over") if budget else "",
                floor_ms=floor.median_ms,
                ratio_to_floor=round(timing.median_ms / floor.median_ms, 2) if floor.median_ms else None,
                note=_size_note(answer),
            )
            if case.key == "audit_system" and report.scale == "system" and row.ratio_to_floor is not None:
                within = row.ratio_to_floor <= FLOOR_RATIO_BUDGET
                row.note = (
                    row.note
                    + f"; floor ratio budget <= {FLOOR_RATIO_BUDGET:g}x: "
                    + ("pass" if within else "over")
                ).lstrip("; ")
            report.rows.append(row)
            echo(_line(row))
        _page_totals(report)
        for (name, params), floor in floors.items():
            report.rows.append(Row("floor", name, _floor_label(name, json.loads(params)), **_t(floor)))
        if pandas_refs:
            from analytics import bench_pandas

            bench_pandas.run_references(report, db, ctx, answers, runs, echo, duck_calls)
    finally:
        db.close()
        with contextlib.suppress(NameError):
            floor_db.close()
    report.rows.append(
        Row(
            "memory",
            "peak_rss_analytics",
            "peak memory (after analytics + pandas)",
            value=peak_memory_mb(),
            unit="MB",
        )
    )
    return answers


def _floor_label(name: str, params: dict[str, Any]) -> str:
    """A short label for a floor row: which floor, over how many practitioners, for whom."""
    parts = [name.split(".")[1]]
    if "scope" in params:
        parts.append(f"{len(params['scope'])} practitioner(s)")
    if params.get("client_id"):
        parts.append("one client")
    if params.get("goal_id"):
        parts.append("one goal")
    return "floor: " + ", ".join(parts)


def _page_totals(report: Report) -> None:
    """Per page view, the sum of its analytics calls (what one uncached page run spends in
    analytics); the clinic budget applies to these totals as well as to each call."""
    off_page = {case.key for case in _cases() if not case.on_page}
    views: dict[str, list[Row]] = {}
    for row in report.rows:
        if row.kind == "analytics" and row.key not in off_page:
            views.setdefault(row.page, []).append(row)
    budget = PAGE_BUDGET_MS.get(report.scale)
    for view, rows in views.items():
        cold = round(sum(r.cold_ms or 0.0 for r in rows), 2)
        median = round(sum(r.median_ms or 0.0 for r in rows), 2)
        report.rows.append(
            Row(
                "page analytics",
                f"total {view}",
                f"page {view}: all its analytics calls",
                view,
                cold_ms=cold,
                median_ms=median,
                runs=min(r.runs for r in rows),
                budget=f"< {budget:g} ms" if budget else "",
                status=("pass" if median < budget else "over") if budget else "",
                note=f"sum of {len(rows)} calls' medians",
            )
        )


def _t(t: Timing) -> dict[str, Any]:
    return {
        "cold_ms": t.cold_ms,
        "median_ms": t.median_ms,
        "min_ms": t.min_ms,
        "max_ms": t.max_ms,
        "runs": t.runs,
        "cpu_ms": t.cpu_ms,
    }


def _size_note(answer: Any) -> str:
    if isinstance(answer, pd.DataFrame):
        return f"{len(answer)} rows"
    if isinstance(answer, dict):
        frames = {k: len(v) for k, v in answer.items() if isinstance(v, pd.DataFrame)}
        return ", ".join(f"{k} {n} rows" for k, n in frames.items()) or f"{len(answer)} keys"
    if isinstance(answer, list | tuple):
        return f"{len(answer)} items"
    return type(answer).__name__


def _line(row: Row) -> str:
    def ms(v: float | None) -> str:
        return "—" if v is None else f"{v:,.1f}"

    parts = [
        f"{row.label[:46]:<46}",
        f"{ms(row.cold_ms):>9}",
        f"{ms(row.median_ms):>9}",
        f"{ms(row.min_ms):>9}",
        f"{ms(row.max_ms):>9}",
        f"{ms(row.cpu_ms):>9}",
        f"{row.budget:>10}",
        f"{row.status:>5}",
    ]
    extra = []
    if row.ratio_to_floor is not None:
        extra.append(f"{row.ratio_to_floor:g}x floor")
    if row.pandas_speedup is not None:
        extra.append(f"pandas/duckdb {row.pandas_speedup:g}x")
    if row.paired_speedup is not None:
        extra.append(f"paired {row.paired_speedup:g}x")
    if row.agree is not None:
        extra.append("answers agree" if row.agree else "ANSWERS DIFFER")
    if row.value is not None:
        extra.append(f"{row.value:,.1f} {row.unit}")
    if row.note:
        extra.append(row.note)
    return " ".join(parts) + ("  " + "; ".join(extra) if extra else "")


def format_table(report: Report) -> str:
    """The report as a readable table (milliseconds unless a unit is given)."""
    head = (
        f"{'what':<46} {'cold':>9} {'median':>9} {'min':>9} {'max':>9} {'cpu':>9} {'budget':>10} {'':>5}  notes\n"
        + "-" * 120
    )
    out = [
        f"Waymark benchmark, scale {report.scale}: {report.database.get('rows')}",
        f"Machine: {report.machine.get('nproc')} cores, {report.machine.get('cpu')}, "
        f"{report.machine.get('memory_gb')} GB; DuckDB {report.machine.get('duckdb')}, pandas {report.machine.get('pandas')}; "
        f"load average {report.machine.get('load_average_at_start')} at start, "
        f"{report.machine.get('load_average_at_end')} at end (other work on the machine slows every number)",
        f"Timed for: {report.context}",
        "",
        head,
    ]
    for kind in REPORT_KINDS:
        rows = [r for r in report.rows if r.kind == kind]
        if rows:
            out.append(f"[{kind}]")
            out.extend(_line(r) for r in rows)
    if report.absent:
        out.append("")
        out.append("Not timed (not on main yet):")
        out.extend(f"  - {a['label']}: {a['reason']}" for a in report.absent)
    if report.errors:
        out.append("")
        out.append("Errors (no number reported):")
        out.extend(f"  - {e['label']}: {e['error']}" for e in report.errors)
    return "\n".join(out)


# --------------------------------------------------------------------------- CSV import
def run_import(report: Report, path: Path, rows_wanted: int, echo: Callable[[str], None] = print) -> None:
    """Time a CSV import of check-ins, validation included, into a copy of the database."""
    from analytics import bench_import

    bench_import.run(report, path, rows_wanted, echo)


def temporary_copy(path: Path) -> Path:
    """A copy of the database file in a fresh temporary folder (the benchmark never writes to
    the database it times)."""
    folder = Path(tempfile.mkdtemp(prefix="waymark-bench-"))
    target = folder / path.name
    shutil.copyfile(path, target)
    return target


# --------------------------------------------------------------------------- the whole run
def run_benchmark(
    path: Path,
    scale: str,
    *,
    seed: int = DEFAULT_SEED,
    runs: int = DEFAULT_RUNS,
    parts: set[str] | None = None,
    load: bool = False,
    sessions: int = 20,
    import_rows: int | None = None,
    page_runs: int | None = None,
    rebuild: bool = False,
    echo: Callable[[str], None] = print,
    checkpoint: Callable[[Report], None] | None = None,
) -> Report:
    """Build or reuse the database, then run the requested parts; never raises for a part
    that has not landed (it is listed as absent instead). `checkpoint(report)` is called
    after each part, so a long run that is stopped keeps what it measured."""
    save = checkpoint or (lambda report: None)
    parts = parts if parts is not None else {"analytics", "pages", "app", "import"}
    started = time.perf_counter()
    report = Report(
        scale=scale, machine=machine_info(), database={}, started_at=dt.datetime.now(dt.UTC).isoformat()
    )
    try:
        info = prepare_database(Path(path), scale, seed, echo, rebuild=rebuild)
    except ModuleNotFoundError as exc:
        report.absent.append(
            {"key": "demo", "label": "demo database", "reason": f"{exc.name} is not on main"}
        )
        report.seconds = round(time.perf_counter() - started, 1)
        return report
    report.database = asdict(info)
    report.rows.append(
        Row("memory", "peak_rss_build", "peak memory (after build/reuse)", value=peak_memory_mb(), unit="MB")
    )
    if "analytics" in parts:
        echo(f"Timing analytics ({runs} runs after a cold first call)")
        run_analytics(report, Path(path), runs, echo)
        save(report)
    else:  # pages and load still need to know whom to look at
        db = Database(path)
        try:
            report.context = pick_context(db).describe()
        finally:
            db.close()
    needs_streamlit = {"pages", "app"} & parts or load
    if needs_streamlit:
        from ui import bench_pages  # Streamlit lives outside analytics/

        if "pages" in parts:
            echo("Timing page reruns through AppTest")
            bench_pages.run_pages(report, Path(path), page_runs or runs, echo)
            save(report)
        if "app" in parts:
            echo("Timing the app's cold start")
            bench_pages.run_cold_start(report, Path(path), echo)
            save(report)
    if "import" in parts:
        echo("Timing CSV import of check-ins")
        wanted = import_rows or {"tiny": 20_000, "clinic": 200_000, "system": 2_000_000}[scale]
        run_import(report, Path(path), wanted, echo)
        save(report)
    if load:
        echo(f"Load run: {sessions} simultaneous sessions")
        from ui import bench_pages

        copy = temporary_copy(Path(path))
        try:
            from analytics import bench_import

            importer = bench_import.load_importer(copy, report)
            bench_pages.run_load(report, copy, sessions=sessions, importer=importer, echo=echo)
        finally:
            shutil.rmtree(copy.parent, ignore_errors=True)
    report.rows.append(
        Row("memory", "peak_rss", "peak memory (whole run)", value=peak_memory_mb(), unit="MB")
    )
    report.machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report.seconds = round(time.perf_counter() - started, 1)
    return report
