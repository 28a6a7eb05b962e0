"""Clinic overview: honest counts and monthly activity for the viewer's scope."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.db import Database
from analytics.scope import Scope


def clinic_counts(db: Database, scope: Scope, as_of: dt.date) -> dict[str, int]:
    """Practitioners with active clients, active clients, active goals, and attended
    sessions and goal check-ins in the 90 days up to `as_of` (counts)."""
    row = db.query("overview.clinic_counts", {**scope.params(), "as_of": as_of}).iloc[0]
    return {name: int(value) for name, value in row.items()}


def monthly_activity(db: Database, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Per month: attended sessions and those with a goal check-in (`month`, counts,
    and `checkin_share` 0–1)."""
    frame = db.query("overview.monthly_activity", {**scope.params(), "as_of": as_of})
    frame["checkin_share"] = (
        frame["sessions_with_checkin"] / frame["attended_sessions"].where(frame["attended_sessions"] > 0)
    ).fillna(0.0)
    return frame


def default_as_of(db: Database, today: dt.date | None = None) -> dt.date:
    """The date views are computed at: today, unless the data stops more than a week
    earlier (a demo or a stale export), in which case the last recorded date, so that
    every client does not look like a drop-out."""
    today = today or dt.date.today()
    latest = db.scalar(db.sql_text("overview.latest_activity"))
    if latest is None:
        return today
    latest = pd.Timestamp(latest).date()
    return today if (today - latest).days <= 7 else latest
