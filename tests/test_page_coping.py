"""The coping-skills page under AppTest, over the hand-worked clinic of tests/test_coping.py.

As of Tuesday 31 March 2026 with the default 12-week period, the page covers the weeks from
Monday 12 January to the week of Monday 30 March.
"""

from __future__ import annotations

import pytest

from analytics.db import Database
from tests.apptest import chart_data, run_page, viewer_for
from tests.factories import Clinic
from tests.test_coping import build

AS_OF = {"as_of": "2026-03-31"}


@pytest.fixture
def db_path(tmp_path):
    db = Database(tmp_path / "coping.duckdb")
    db.migrate()
    build(Clinic(db))
    db.close()
    return tmp_path / "coping.duckdb"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def open_page(db_path, monkeypatch, role, practitioner, **params):
    db = Database(db_path)
    viewer = viewer_for(db, role, practitioner)
    db.close()
    at = run_page("coping", db_path, viewer, {**AS_OF, **params}, monkeypatch)
    assert not at.exception, at.exception
    return at


def test_client_view_shows_the_hand_worked_figures(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "therapist", "p1", client="AX-01")
    # Client a in the 12 weeks: L1–L5 = 5 logs in 2 weeks, 3 skills; the rated drops 30, 10, 30, −5
    # have median 20; helpfulness 4, 3, 5, 2 has mean 3.5.
    assert metrics(at) == {
        "Skill logs": "5",
        "Weeks with practice": "2 of 12",
        "Different skills": "3",
        "Median drop in distress": "+20 points",
        "Mean helpfulness": "3.5 of 5",
    }
    assert any("1 of 5 logs have no “after” rating" in c.value for c in at.caption)
    weekly = chart_data(at, 0)
    assert len(weekly) == 12 and weekly["logs"].sum() == 5
    # Therapists see no clinic view.
    assert not at.radio


def test_changing_the_ranking_minimum_changes_what_helps_most(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "therapist", "p1", client="AX-01")
    texts = " ".join(m.value for m in at.markdown)
    # With the default of 3 rated uses, no skill of client a qualifies (breath has 2).
    assert "no skill has 3 uses with an after rating" in texts
    at.number_input(key="min_uses").set_value(1).run()
    texts = " ".join(m.value for m in at.markdown)
    # With 1: grounding (median 30) before breathing (20) before the walk (−5).
    assert (
        "**Helps AX-01 most:** **5-4-3-2-1 grounding** (median drop +30, n = 1), **Paced breathing**" in texts
    )
    assert at.query_params["min_uses"] == "1"


def test_a_shorter_period_counts_fewer_logs(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "therapist", "p1", client="AX-01")
    at.selectbox(key="weeks").set_value("4").run()
    # Four weeks from Monday 9 March: only L4 (17 March) and L5 (19 March).
    assert metrics(at)["Skill logs"] == "2"
    assert len(chart_data(at, 0)) == 4


def test_a_client_with_no_logs_gets_a_kind_empty_state(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "therapist", "p1", client="AX-01")
    at.selectbox(key="client").set_value("BX-02").run()
    assert "BX-02 has not logged a coping skill yet" in at.info[0].value
    assert not at.metric
    assert at.query_params["client"] == "BX-02"


def test_practice_beside_progress_counts_unlinked_logs_until_told_not_to(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "therapist", "p1", client="AX-01", goal="ga1")
    # Check-ins of ga1 from 23 Feb to 30 March give 5 intervals, with logs 2, 1, 0, 1 (L5, linked to
    # no goal), 0; rho = +0.73 as worked out in test_coping.py.
    table = at.dataframe[-1].value
    assert table["logs"].tolist() == [2, 1, 0, 1, 0]
    text = " ".join(m.value for m in at.markdown)
    assert "Over the 5 stretches between consecutive check-ins" in text and "ρ = +0.73" in text
    # More practice than the median of 1 a week: the first stretch, +0.1 of the scale; less: the
    # other four, mean 0.0625 (test_coping.py). One decimal, so a small change does not read
    # "+0%" or "-0%" (6.25 rounds to even: 6.2).
    assert "(n = 1) moved +10.0% of the scale on average" in text
    assert "(n = 4) moved +6.2%." in text
    assert any("association, not a cause" in c.value for c in at.caption)
    at.checkbox(key="unlinked").uncheck().run()
    assert at.dataframe[-1].value["logs"].tolist() == [2, 1, 0, 0, 0]
    assert at.query_params["unlinked"] == "0"


def test_a_client_outside_the_scope_is_refused(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "therapist", "p1", client="CX-03")
    assert "Access is not allowed" in at.error[0].value
    assert not at.metric


def test_clinic_view_shows_the_teams_skills_and_who_stopped(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "supervisor", "sup", view="clinic")
    # Team logs from 12 January to 31 March: L1–L5, C1, E1, F1 = 8 (D1 is outside the team).
    assert metrics(at)["Skill logs"] == "8"
    texts = " ".join(m.value for m in at.markdown)
    # No skill has 5 rated uses (the default minimum): none is called most helpful.
    assert "no skill has 5 uses with an after rating" in texts
    practised = chart_data(at, 0)
    assert practised.sort_values("practice_rank")["skill"].tolist()[:2] == ["Brisk walk", "Paced breathing"]
    # W = 4 as of 31 March: quiet since 4 March; c last logged on 3 March, 28 days ago.
    stopped = at.dataframe[-1].value
    assert stopped["display_code"].tolist() == ["CX-03"]
    assert stopped["days_since_last_log"].tolist() == [28]


def test_clinic_view_widgets_change_the_figures(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "supervisor", "sup", view="clinic")
    at.selectbox(key="area").set_value("work").run()
    # Work: L1, L2, L3 linked to ga1, and L5 through client a's work goal = 4 logs.
    assert metrics(at)["Skill logs"] == "4"
    at.number_input(key="clinic_min_uses").set_value(2).run()
    assert "**Most helpful:** **Paced breathing** (median drop +20, 2 rated uses, 1 clients)" in " ".join(
        m.value for m in at.markdown
    )
    at.number_input(key="stopped_weeks").set_value(2).run()
    # W = 2: quiet since 18 March. a, e and f logged on 19–20 March; c's last log (3 March) is before
    # the two weeks that preceded, so nobody is listed.
    assert "No active client in your view stopped logging skills" in at.success[0].value
    assert at.query_params["area"] == "work" and at.query_params["stopped_weeks"] == "2"


def test_switching_from_clinic_to_client_view(db_path, monkeypatch) -> None:
    at = open_page(db_path, monkeypatch, "supervisor", "sup", view="clinic")
    at.radio(key="view").set_value("client").run()
    assert not at.exception
    # With no client in the URL, the one who logged most recently up to 31 March is shown: e and f
    # both last logged on 20 March (e's 1 April log is after the as-of date); EX-05 comes first.
    assert at.selectbox(key="client").value == "EX-05"
    assert metrics(at)["Skill logs"] == "1"
