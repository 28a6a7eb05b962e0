"""Coping-skill logs: practice and effect, per client and across the clinic.

Distress is SUDS, Subjective Units of Distress (Wolpe, J., 1969, *The Practice of
Behavior Therapy*, Pergamon), 0 = calm and 100 = the worst distress imaginable. The
distress drop of one log is `distress_before − distress_after` (positive = calmer after
the skill). A log without an "after" rating counts as a use of the skill but is left out
of every distress figure. Rules and their reasons: docs/coping-skills.md.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.db import Database
from analytics.errors import AccessDenied
from analytics.scope import Scope


def require_client(db: Database, scope: Scope, client_id: str) -> str:
    """The client's display code, or AccessDenied when the client is not in the scope."""
    found = db.query("coping.client_in_scope", {**scope.params(), "client": client_id})
    if found.empty:
        raise AccessDenied("That client is not in your caseload or your team's; choose another client.")
    return str(found["display_code"].iloc[0])


def weekly_practice(
    db: Database,
    scope: Scope,
    client_id: str,
    start: dt.date,
    end: dt.date,
    goal_id: str | None = None,
) -> pd.DataFrame:
    """Per week (`week`, the Monday, every week from `start`'s to `end`'s): `logs` (count of
    skill logs dated in [start, end]), `distinct_skills` (count) and `mean_distress_drop`
    (mean SUDS points of before − after over logs with an after rating; NaN if none).

    With `goal_id`, only logs linked to that goal count. SUDS: Wolpe (1969).
    """
    require_client(db, scope, client_id)
    frame = db.query(
        "coping.weekly_practice",
        {**scope.params(), "client": client_id, "start": start, "end": end, "goal": goal_id},
    )
    frame["week"] = pd.to_datetime(frame["week"])
    frame["logs"] = frame["logs"].astype("int64")
    frame["distinct_skills"] = frame["distinct_skills"].astype("int64")
    frame["mean_distress_drop"] = frame["mean_distress_drop"].astype("float64")
    return frame
