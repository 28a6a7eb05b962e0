"""The caseload page under AppTest, over the hand-made clinic of tests/test_caseload.py."""

from __future__ import annotations

import pytest

from analytics.db import Database
from tests.apptest import run_page, viewer_for
from tests.factories import Clinic
from tests.test_caseload import EXPECTED, build

AS_OF = {"as_of": "2026-03-02"}
ATTENTION = [code for code, _ in EXPECTED]


@pytest.fixture
def clinic_file(tmp_path):
    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    build(Clinic(db))
    db.close()
    return db


def rows(at) -> list[str]:
    return at.dataframe[0].value["display_code"].tolist()


def test_the_therapist_sees_totals_and_clients_in_attention_order(clinic_file, monkeypatch) -> None:
    viewer = viewer_for(clinic_file, "therapist", "p1")
    at = run_page("caseload", clinic_file.path, viewer, AS_OF, monkeypatch)
    assert not at.exception
    # The counts of tests/test_caseload.py: D and R need a review, W is worsening, ...
    assert at.markdown[0].value.startswith("##### 2 clients need a review, 1 is worsening")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Clients in care"] == "10"
    assert metrics["Possible drop-out"] == "2"
    assert rows(at) == ATTENTION
    table = at.dataframe[0].value.set_index("display_code")
    assert list(table.loc["W-01", "badges"]) == ["Worsening"]
    assert table.loc["E-09", "why"] == "Nothing due"
    assert table.loc["R-04", "link"] == "client?client=r"
    # A therapist has no practitioner filter.
    assert "Practitioner" not in [m.label for m in at.multiselect]


@pytest.mark.parametrize(
    ("key", "value", "codes"),
    [
        ("flag", ["dropout"], ["D-02", "O-03"]),
        ("area", ["mood"], ["W-01", "A-07", "S-08"]),
        ("status", ["improving"], ["R-04", "P-06"]),
    ],
)
def test_filters_change_the_rows(clinic_file, monkeypatch, key, value, codes) -> None:
    at = run_page(
        "caseload", clinic_file.path, viewer_for(clinic_file, "therapist", "p1"), AS_OF, monkeypatch
    )
    assert rows(at) == ATTENTION
    at.multiselect(key=key).set_value(value).run()
    assert not at.exception
    assert rows(at) == codes
    assert at.caption[1].value.startswith(f"Showing {len(codes)} of 10 clients")


def test_search_and_order_change_the_rows_and_a_filter_in_the_url_is_applied(
    clinic_file, monkeypatch
) -> None:
    viewer = viewer_for(clinic_file, "therapist", "p1")
    at = run_page("caseload", clinic_file.path, viewer, {**AS_OF, "flag": "Review overdue"}, monkeypatch)
    # A flag filter in the URL (by its label, as the page writes it) is applied on arrival.
    assert rows(at) == ["D-02", "R-04"]
    at.text_input(key="q").set_value("r-0").run()
    assert rows(at) == ["R-04"]
    at.text_input(key="q").set_value("").run()
    at.multiselect(key="flag").set_value([]).run()
    at.selectbox(key="sort").set_value("code").run()
    assert rows(at) == sorted(ATTENTION)
    at.text_input(key="q").set_value("nobody").run()
    assert not at.dataframe
    assert "No client matches these filters" in at.info[0].value


def test_saving_the_rules_changes_the_flags(clinic_file, monkeypatch) -> None:
    at = run_page(
        "caseload", clinic_file.path, viewer_for(clinic_file, "therapist", "p1"), AS_OF, monkeypatch
    )
    assert {m.label: m.value for m in at.metric}["Review overdue"] == "2"
    # N = 3: R's two sessions without a check-in no longer make a review overdue (D's 35 days
    # still do); W = 6 weeks: D's 35 days without a session are no longer a drop-out.
    at.number_input(key="rule_review_sessions").set_value(3)
    at.number_input(key="rule_dropout_weeks").set_value(6)
    at.button[0].click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Review overdue"] == "1"
    assert metrics["Possible drop-out"] == "1"
    table = at.dataframe[0].value.set_index("display_code")
    assert list(table.loc["R-04", "badges"]) == []
    assert list(table.loc["D-02", "badges"]) == ["Review overdue"]
    # Stored: a fresh run of the page reads the new rules.
    again = run_page(
        "caseload", clinic_file.path, viewer_for(clinic_file, "therapist", "p1"), AS_OF, monkeypatch
    )
    assert {m.label: m.value for m in again.metric}["Review overdue"] == "1"
    assert "last 3 attended sessions" in again.expander[-1].caption[0].value


def test_a_supervisor_filters_by_practitioner(clinic_file, monkeypatch) -> None:
    viewer = viewer_for(clinic_file, "supervisor", "sup")
    at = run_page("caseload", clinic_file.path, viewer, AS_OF, monkeypatch)
    assert not at.exception
    assert len(rows(at)) == 11
    at.multiselect(key="practitioner").set_value(["p2"]).run()
    assert rows(at) == ["Z-12"]
    assert at.dataframe[0].value["practitioner_name"].tolist() == ["Dr Two"]


def test_an_empty_caseload_says_so_plainly(tmp_path, monkeypatch) -> None:
    db = Database(tmp_path / "empty.duckdb")
    db.migrate()
    Clinic(db).practitioner("p1")
    db.close()
    at = run_page("caseload", db.path, viewer_for(db, "therapist", "p1"), AS_OF, monkeypatch)
    assert not at.exception
    assert "No clients are in care" in at.info[0].value
    assert not at.dataframe
