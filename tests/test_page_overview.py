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


def test_the_chart_is_drawn_once_per_answer_and_again_for_another_viewer(tmp_path, monkeypatch) -> None:
    # ui.charts.data_spec caches the chart's spec under the data's own key, the viewer's
    # scope included: a rerun draws nothing anew, another viewer's answer is drawn for them.
    import functools

    import analytics.charts.overview

    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    build(Clinic(db))
    drawn: list[int] = []
    original = analytics.charts.overview.monthly_activity_chart

    @functools.wraps(original)  # keeps the name that data_spec looks the chart up by
    def counting(activity):  # noqa: ANN001, ANN202
        drawn.append(int(activity["attended_sessions"].sum()))
        return original(activity)

    monkeypatch.setattr(analytics.charts.overview, "monthly_activity_chart", counting)
    supervisor = viewer_for(db, "supervisor", "sup")
    at = run_page("overview", db.path, supervisor, {"as_of": "2026-03-01"}, monkeypatch)
    at.run()
    assert not at.exception and drawn == [4]
    admin = viewer_for(db, "admin", None)
    at = run_page("overview", db.path, admin, {"as_of": "2026-03-01"}, monkeypatch)
    assert not at.exception and len(drawn) == 2
    assert chart_data(at)["attended_sessions"].sum() == drawn[1]


def test_every_page_draws_its_charts_from_cached_specs() -> None:
    # st.altair_chart would rebuild and revalidate the chart on every rerun (ui/charts.py).
    from pathlib import Path

    pages = sorted((Path(__file__).resolve().parent.parent / "pages").glob("*.py"))
    assert pages
    assert [p.name for p in pages if ".altair_chart(" in p.read_text(encoding="utf-8")] == []
    assert any("data_spec(" in p.read_text(encoding="utf-8") for p in pages)
