"""The clinic overview page under AppTest."""

from __future__ import annotations

from analytics.db import Database
from tests.apptest import chart_data, run_page, viewer_for
from tests.factories import Clinic
from tests.test_overview import build


def test_overview_shows_scoped_counts_and_a_chart(tmp_path, monkeypatch) -> None:
    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    build(Clinic(db))
    viewer = viewer_for(db, "supervisor", "sup")
    at = run_page("overview", db.path, viewer, {"as_of": "2026-03-01"}, monkeypatch)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Active clients"] == "2"
    assert metrics["Sessions attended, 90 days"] == "4"
    assert chart_data(at)["attended_sessions"].tolist() == [2, 2]


def test_overview_says_so_kindly_when_nothing_is_in_view(tmp_path, monkeypatch) -> None:
    db = Database(tmp_path / "empty.duckdb")
    db.migrate()
    Clinic(db).practitioner("p1")
    at = run_page("overview", db.path, viewer_for(db, "therapist", "p1"), None, monkeypatch)
    assert not at.exception
    assert "no active clients" in at.info[0].value
