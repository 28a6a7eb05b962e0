"""The follow-up audit page under AppTest, on the hand-worked clinic of tests/test_audit.py."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from streamlit.proto.Metric_pb2 import Metric

from analytics.db import Database
from tests.apptest import chart_data, run_page, viewer_for
from tests.factories import Clinic
from tests.test_audit import build


@pytest.fixture
def clinic_file(tmp_path):
    db = Database(tmp_path / "audit.duckdb")
    db.migrate()
    build(Clinic(db))
    db.close()
    return tmp_path / "audit.duckdb"


def cases_table(at):
    """The drill-down table: the one dataframe listing clients by display code."""
    found = [df.value for df in at.dataframe if "display_code" in df.value.columns]
    assert len(found) == 1
    return found[0]


def tiles(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def one_month(clinic_file, monkeypatch, as_of: str = "2026-02-28", role: str = "supervisor"):  # noqa: ANN001, ANN201
    """The audit page for the one month up to `as_of`, as sup (or an admin)."""
    db = Database(clinic_file)
    viewer = viewer_for(db, role, "sup" if role == "supervisor" else None)
    return run_page("audit", clinic_file, viewer, {"as_of": as_of, "months": "1"}, monkeypatch)


def test_supervisor_sees_february_tiles_with_the_change_since_january(clinic_file, monkeypatch) -> None:
    at = one_month(clinic_file, monkeypatch)
    assert not at.exception
    shown = tiles(at)
    # February 6/9 sessions followed up against January 5/6: 67 %, 67 − 83 = −17 points.
    assert shown["Follow-up rate (sessions)"] == ("67%", "-17 pts")
    # Goal-setting 1/2 (January 2/2); lacking follow-up 2/5 (January 0/4).
    assert shown["Goal-setting rate"] == ("50%", "-50 pts")
    assert shown["Clients lacking follow-up"] == ("40%", "+40 pts")
    assert shown["Target-date review"][0] == "67%"
    # The bars are worst first on follow-up: p2 (0/3), p1 (6/6), then p3 with nothing to count.
    bars = chart_data(at, 0)
    assert bars["practitioner"].tolist() == ["Pip Two", "Pat One", "Poe Three"]
    assert bars["label"].tolist() == ["0 of 3", "6 of 6", "nothing to count"]
    # p9 is not in sup's team.
    assert "Quinn Nine" not in bars["practitioner"].tolist()


def test_no_change_since_the_previous_period_reads_plus_minus_zero_without_an_arrow(
    clinic_file, monkeypatch
) -> None:
    at = one_month(clinic_file, monkeypatch, "2026-01-31")
    assert not at.exception
    shown = {m.label: m for m in at.metric}
    # Every client in sup's team had a goal in January and in December: 100 % both times, a
    # change of 0, which must not read "+0 pts" with an arrow pointing up (or "-0" down).
    goal_setting = shown["Goal-setting rate"]
    assert (goal_setting.value, goal_setting.delta) == ("100%", "±0 pts")
    assert goal_setting.proto.direction == Metric.MetricDirection.NONE
    # A real change keeps its sign and arrow: follow-up at sessions rose by 83 points.
    assert shown["Follow-up rate (sessions)"].delta == "+83 pts"
    assert shown["Follow-up rate (sessions)"].proto.direction == Metric.MetricDirection.UP


def test_changing_the_period_and_the_settings_changes_the_numbers(clinic_file, monkeypatch) -> None:
    at = one_month(clinic_file, monkeypatch)
    assert tiles(at)["Follow-up rate (sessions)"][0] == "67%"
    # Three months (Dec–Feb): December 0/2, January 5/6, February 6/9 = 11/17 = 65 %.
    at.selectbox(key="audit_months").set_value(3).run()
    assert not at.exception
    assert tiles(at)["Follow-up rate (sessions)"][0] == "65%"
    # Three months is the default, so the URL drops it (links stay short).
    assert "months" not in at.query_params
    # Back to February; K = 4 leaves only D lacking follow-up: 1 of 5 = 20 %.
    at.selectbox(key="audit_months").set_value(1).run()
    at.number_input(key="audit_k").set_value(4).run()
    assert not at.exception
    assert tiles(at)["Clients lacking follow-up"][0] == "20%"
    assert at.query_params["k"] == "4"
    # D = 10: A2, B1, B2 reviewed, C1 not, F2 not: 3 of 5 = 60 %.
    at.number_input(key="audit_d").set_value(10).run()
    assert tiles(at)["Review cadence"][0] == "60%"


def test_the_drill_down_lists_the_cases_behind_a_practitioners_number(clinic_file, monkeypatch) -> None:
    db = Database(clinic_file)
    params = {"as_of": "2026-02-28", "months": "1", "metric": "lacking_followup", "who": "p2"}
    at = run_page("audit", clinic_file, viewer_for(db, "supervisor", "sup"), params, monkeypatch)
    assert not at.exception
    cases = cases_table(at)
    assert cases["display_code"].tolist() == ["C-C", "C-D", "C-E"]
    assert cases["counted"].tolist() == [True, True, False]
    assert any("2 of 3 clients counted" in m.value for m in at.markdown)
    # Only the shortfalls: C and D.
    at.toggle(key="audit_misses").set_value(True).run()
    assert cases_table(at)["display_code"].tolist() == ["C-C", "C-D"]
    # Another metric from the same selectbox: p2's three February sessions without check-ins.
    at.selectbox(key="audit_metric").set_value("followup_sessions").run()
    sessions = cases_table(at)
    assert sessions["case_date"].astype(str).tolist() == ["2026-02-02", "2026-02-16", "2026-02-23"]
    # Real names never appear; display codes do.
    assert "real_name" not in sessions.columns


def test_a_long_case_list_shows_its_first_rows_and_the_download_holds_them_all(
    clinic_file, monkeypatch
) -> None:
    from tests.test_access_matrix import MANAGERS, STORAGES, RecordingManager, RecordingStorage

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", RecordingManager)
    # The cap is 1,000 cases; at 2, p2's three February sessions without a check-in are a
    # "long" list: the first two are shown, and the file has all three.
    monkeypatch.setattr("ui.widgets.CASES_SHOWN", 2)
    db = Database(clinic_file)
    params = {"as_of": "2026-02-28", "months": "1", "metric": "followup_sessions", "who": "p2"}
    at = run_page("audit", clinic_file, viewer_for(db, "supervisor", "sup"), params, monkeypatch)
    assert not at.exception
    assert cases_table(at)["case_date"].astype(str).tolist() == ["2026-02-02", "2026-02-16"]
    assert any("Showing the first 2 of 3 sessions" in c.value for c in at.caption)
    exports = "SELECT detail FROM access_log WHERE action = 'export' ORDER BY access_id"
    button = next(b for b in at.get("download_button") if "sessions" in b.proto.label)
    assert button.proto.label == "Download these 3 sessions (CSV)"
    # Built when clicked, not with the page: nothing is exported until then.
    assert button.proto.deferred_file_id and not button.proto.url
    assert Database(clinic_file).query_sql(exports).empty
    url = MANAGERS[-1].execute_deferred(button.proto.deferred_file_id)
    csv = bytes(STORAGES[-1].get_file(url.rsplit("/", 1)[-1].split("?")[0]).content).decode()
    rows = pd.read_csv(io.StringIO(csv))
    assert rows["case_date"].tolist() == ["2026-02-02", "2026-02-16", "2026-02-23"]
    assert set(rows["display_code"]) <= {"C-C", "C-D", "C-E"} and "real_name" not in rows.columns
    assert Database(clinic_file).query_sql(exports)["detail"].tolist() == [
        "cases followup_sessions p2 2026-02-01..2026-02-28"
    ]


def test_an_admin_sees_everyone_including_practitioners_without_a_supervisor(
    clinic_file, monkeypatch
) -> None:
    at = one_month(clinic_file, monkeypatch, role="admin")
    assert not at.exception
    assert "Quinn Nine" in chart_data(at, 0)["practitioner"].tolist()
    # Z attended once in February, not lacking: 2 of 6 clients.
    assert tiles(at)["Clients lacking follow-up"][0] == "33%"


def test_a_therapist_is_told_the_audit_is_not_for_them(clinic_file, monkeypatch) -> None:
    db = Database(clinic_file)
    at = run_page("audit", clinic_file, viewer_for(db, "therapist", "p1"), None, monkeypatch)
    assert not at.exception
    assert "supervisors" in at.error[0].value


def test_an_empty_team_is_told_so_kindly(tmp_path, monkeypatch) -> None:
    db = Database(tmp_path / "empty.duckdb")
    db.migrate()
    Clinic(db).practitioner("sup", role="supervisor")
    at = run_page("audit", db.path, viewer_for(db, "supervisor", "sup"), None, monkeypatch)
    assert not at.exception
    assert "nobody with a caseload" in at.info[0].value


def test_the_trend_can_show_one_practitioners_months(clinic_file, monkeypatch) -> None:
    at = one_month(clinic_file, monkeypatch)
    trend = chart_data(at, 1)
    feb = trend[(trend["metric"] == "followup_sessions") & (trend["month"] == "2026-02-01")]
    assert feb["rate"].iloc[0] == pytest.approx(6 / 9)
    at.selectbox(key="audit_trend_who").set_value("p2").run()
    assert not at.exception
    trend = chart_data(at, 1)
    feb = trend[(trend["metric"] == "followup_sessions") & (trend["month"] == "2026-02-01")]
    assert feb["rate"].iloc[0] == 0.0
    assert at.query_params["trend"] == "p2"
