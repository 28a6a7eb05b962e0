"""On the demo clinic, the deliberately low-diligence practitioners come out worst.

The generator (analytics/demo.py, docs/demo-clinic.md) gives one therapist a low check-in
rate ("rare-checkins": about one session in five followed up) and one a habit of setting
the first goal late ("late-goals": about half of their clients get no goal by session 3).
The audit must find them without being told who they are.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from analytics.audit import audit_period, practitioner_audit, worst_first
from analytics.db import Database
from analytics.demo import build_demo, low_diligence_practitioners
from analytics.overview import default_as_of
from analytics.scope import scope_for


@pytest.fixture(scope="module")
def year() -> Iterator[pd.DataFrame]:
    """The audit of the demo clinic's last 12 months, as the clinic administrator sees it."""
    db = Database.memory()
    build_demo(db, seed=7, scale="clinic")
    period = audit_period(default_as_of(db), 12)
    yield practitioner_audit(db, scope_for(db, "admin", None), period)
    db.close()


LOW = low_diligence_practitioners("clinic")
RARE, LATE = LOW["rare-checkins"][0], LOW["late-goals"][0]


@pytest.mark.parametrize("metric", ["followup_sessions", "followup_pairs", "review_cadence"])
def test_the_practitioner_who_rarely_records_checkins_is_worst_on_followup(year, metric) -> None:
    ranked = worst_first(year, metric)
    assert ranked["group_id"].iloc[0] == RARE
    # Clearly apart, not by a whisker: at least 20 points below the next practitioner.
    rates = ranked[f"{metric}_rate"]
    assert rates.iloc[1] - rates.iloc[0] >= 0.2


def test_the_practitioner_who_sets_goals_late_is_worst_on_goal_setting(year) -> None:
    ranked = worst_first(year, "goal_setting")
    assert ranked["group_id"].iloc[0] == LATE
    assert ranked["goal_setting_rate"].iloc[0] < 0.75 < ranked["goal_setting_rate"].iloc[1]


def test_both_low_diligence_practitioners_lead_the_clients_lacking_follow_up(year) -> None:
    ranked = worst_first(year, "lacking_followup")
    assert set(ranked["group_id"].iloc[:2]) == {RARE, LATE}
    # Everyone else leaves at most one client in ten without follow-up.
    assert (ranked["lacking_followup_rate"].iloc[2:].dropna() <= 0.1).all()
