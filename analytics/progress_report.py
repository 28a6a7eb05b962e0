"""A client's one-page progress report (PNG or PDF), for sharing with the client in session.

It shows the goal timelines (each goal's check-ins as progress from where the client started,
0 %, to their target, 100 %), the GAS T-score (Kiresuk & Sherman 1968, via
`analytics.timeline.gas_t_score`) and the first and latest PHQ-9/GAD-7 scores with their
severity bands and reliable change (Jacobson & Truax 1991, via
`analytics.timeline.standard_scores`). The client is named by their pseudonymous display
code unless a real name is asked for. Rendering is offline (vl-convert), about 0.1 s.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import vl_convert as vlc

from analytics.charts.progress_report import progress_report_chart
from analytics.charts.timeline import time_domain
from analytics.db import Database
from analytics.errors import AccessDenied, WaymarkError
from analytics.scope import Scope
from analytics.timeline import client_view

MEASURE_NAMES = {"phq-9": "PHQ-9 (low mood)", "gad-7": "GAD-7 (anxiety)"}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _day(value: object) -> str:
    return pd.Timestamp(value).strftime("%d %b %Y")


def progress_report_content(
    db: Database, scope: Scope, client_id: str, as_of: dt.date, with_real_name: bool = False
) -> dict:
    """Everything the report says: `title`, `subtitle`, `panels` (check-ins per goal),
    `domain` (time axis), `summary` and `footnote` lines. Raises AccessDenied out of scope."""
    who = db.query("data_export.client_in_scope", {**scope.params(), "client_id": client_id})
    if who.empty:
        raise AccessDenied("That client is not in your caseload, or does not exist.")
    name = str(who.iloc[0]["display_code"])
    if with_real_name:
        real = db.scalar("SELECT real_name FROM clients WHERE client_id = $c", {"c": client_id})
        name = str(real) if real else name
    view = client_view(db, scope, client_id, as_of)
    goals, panels, gas, scores = view["goals"], view["panels"], view["gas"], view["scores"]
    chain = (
        goals.rename(columns={}) if not goals.empty else pd.DataFrame(columns=["start_date", "target_date"])
    )
    domain = time_domain(panels, chain, as_of) if not panels.empty else []
    # A revised goal and the goals before it are one goal to the client: count the latest.
    heads = goals[~goals["superseded"]] if not goals.empty else goals
    active = int((heads["lifecycle_status"] == "active").sum()) if not heads.empty else 0
    drawn = set(panels["panel_goal_id"]) if not panels.empty else set()
    unrated = [
        str(d)
        for g, d in zip(heads.get("goal_id", []), heads.get("description", []), strict=True)
        if g not in drawn
    ]
    summary = ["Where things stand"]
    if unrated:
        summary.append(f"No check-in yet ({len(unrated)}): " + "; ".join(unrated) + ".")
    if gas["t_score"] is None:
        summary.append("Goal Attainment Scaling: no GAS goal has a rating yet.")
    else:
        summary.append(
            f"Goal Attainment Scaling T-score: {gas['t_score']:.0f} over {_count(gas['n_goals'], 'goal')} "
            "(50 = goals met as expected, above 50 = better)."
        )
    if scores.empty:
        summary.append("Questionnaires: no PHQ-9 or GAD-7 score is recorded.")
    for s in scores.to_dict("records"):
        label = MEASURE_NAMES.get(s["measure"], s["measure"])
        if s["n_scores"] > 1:
            summary.append(
                f"{label}: {s['latest_score']:g} on {_day(s['latest_date'])} ({s['severity']}), "
                f"first {s['first_score']:g} on {_day(s['first_date'])} ({s['first_severity']}): {s['reliable_change']}."
            )
        else:
            summary.append(
                f"{label}: {s['latest_score']:g} on {_day(s['latest_date'])} ({s['severity']}); one score so far."
            )
    return {
        "title": f"Progress report · {name}",
        "subtitle": f"As of {as_of:%d %B %Y} · {_count(len(heads), 'goal')}, {active} active",
        "panels": panels,
        "domain": domain,
        "summary": summary,
        "footnote": [
            "Each panel is one goal. 0 % is where you started (your baseline), 100 % is your target; the dashed lines mark both.",
            "Dots are your check-ins, joined in time order and not smoothed: ups and downs are a normal part of change.",
            "For PHQ-9 and GAD-7, lower scores mean fewer symptoms; the chart is turned so that up is always better.",
        ],
    }


def render_progress_report(
    db: Database, scope: Scope, client_id: str, as_of: dt.date, fmt: str = "pdf", with_real_name: bool = False
) -> bytes:
    """The report as PNG or PDF bytes."""
    content = progress_report_content(db, scope, client_id, as_of, with_real_name)
    spec = progress_report_chart(**content).to_dict()
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=2)
    if fmt == "pdf":
        return vlc.vegalite_to_pdf(spec)
    raise WaymarkError(f"Unknown report format {fmt!r}; use png or pdf.")
