"""The access-log page (administrators only) under AppTest."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest

from analytics.access_log import record_access
from analytics.db import Database
from tests.apptest import run_page, viewer_for
from tests.factories import Clinic

NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    db = Database(tmp_path / "w.duckdb")
    db.migrate()
    c = Clinic(db)
    c.practitioner("p1")
    c.practitioner("p2")
    c.client("c1", "p1", code="AMBER-1")
    c.client("c2", "p2", code="BIRCH-2")
    # Two days ago p1 viewed and exported AMBER-1; yesterday p2 viewed BIRCH-2 and p1 was
    # refused BIRCH-2; 40 days ago (outside the default 30 days) p1 viewed AMBER-1.
    record_access(db, "p1@example.org", "view", "client", "c1", now=NOW - dt.timedelta(days=2))
    record_access(db, "p1@example.org", "export", "client", "c1", "goals.csv", now=NOW - dt.timedelta(days=2))
    record_access(db, "p2@example.org", "view", "coping", "c2", now=NOW - dt.timedelta(days=1))
    record_access(db, "p1@example.org", "denied", "client", "c2", now=NOW - dt.timedelta(days=1))
    record_access(db, "p1@example.org", "view", "client", "c1", now=NOW - dt.timedelta(days=40))
    db.close()
    return tmp_path / "w.duckdb"


def admin(db_path: Path):
    return viewer_for(Database(db_path), "admin", None, "admin@waymark.example")


def table(at) -> list[list]:
    frame = at.dataframe[0].value
    return frame[["user_id", "action", "display_code"]].values.tolist()


def test_the_admin_sees_the_last_thirty_days_newest_first_with_counts(db_path: Path, monkeypatch) -> None:
    at = run_page("access_log", db_path, admin(db_path), None, monkeypatch)
    assert not at.exception
    # The 40-day-old view is outside the default period; the four recent rows remain.
    assert table(at) == [
        ["p1@example.org", "denied", "BIRCH-2"],
        ["p2@example.org", "view", "BIRCH-2"],
        ["p1@example.org", "export", "AMBER-1"],
        ["p1@example.org", "view", "AMBER-1"],
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows": "4", "Views": "2", "Exports": "1", "Refused": "1"}
    # The log is shown read-only: a table, never an editor.
    assert at.get("data_editor") == [] and at.get("arrow_data_editor") == []


def test_searching_by_client_code_and_action_narrows_the_rows_and_lands_in_the_url(
    db_path: Path, monkeypatch
) -> None:
    at = run_page("access_log", db_path, admin(db_path), None, monkeypatch)
    at.text_input(key="log_client").input("amber-1").run()
    assert [row[1] for row in table(at)] == ["export", "view"]
    at.selectbox(key="log_action").select("export").run()
    assert table(at) == [["p1@example.org", "export", "AMBER-1"]]
    assert at.query_params["client"] == "amber-1" and at.query_params["action"] == "export"


def test_a_wider_period_from_the_url_brings_back_older_rows(db_path: Path, monkeypatch) -> None:
    start = (NOW - dt.timedelta(days=60)).date().isoformat()
    at = run_page("access_log", db_path, admin(db_path), {"from": start, "user": "p1@"}, monkeypatch)
    assert [row[1] for row in table(at)] == ["denied", "export", "view", "view"]


def test_opening_the_page_is_itself_logged(db_path: Path, monkeypatch) -> None:
    run_page("access_log", db_path, admin(db_path), None, monkeypatch)
    last = Database(db_path).query_sql(
        "SELECT user_id, action, page FROM access_log ORDER BY access_id DESC LIMIT 1"
    )
    assert last.values.tolist() == [["admin@waymark.example", "view", "access_log"]]


def test_the_download_holds_the_rows_shown_and_is_logged_when_the_file_is_built(
    db_path: Path, monkeypatch
) -> None:
    from tests.test_access_matrix import MANAGERS, STORAGES, RecordingManager, RecordingStorage

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", RecordingManager)
    at = run_page("access_log", db_path, admin(db_path), {"client": "amber-1"}, monkeypatch)
    assert not at.exception
    button = at.get("download_button")[0]
    # The search for AMBER-1 in the last 30 days: p1's view and p1's export.
    assert button.proto.label == "Download these 2 rows (CSV)"
    exports = "SELECT user_id, detail FROM access_log WHERE action = 'export' AND page = 'access_log'"
    # Built when clicked, not with every rerun of the search: no export is logged until then.
    assert button.proto.deferred_file_id and not button.proto.url
    assert Database(db_path).query_sql(exports).empty
    url = MANAGERS[-1].execute_deferred(button.proto.deferred_file_id)
    csv = bytes(STORAGES[-1].get_file(url.rsplit("/", 1)[-1].split("?")[0]).content).decode()
    rows = pd.read_csv(io.StringIO(csv))
    assert rows[["user_id", "action", "display_code"]].values.tolist() == [
        ["p1@example.org", "export", "AMBER-1"],
        ["p1@example.org", "view", "AMBER-1"],
    ]
    assert Database(db_path).query_sql(exports).values.tolist() == [
        ["admin@waymark.example", "access-log.csv"]
    ]


@pytest.mark.parametrize(("role", "practitioner"), [("therapist", "p1"), ("supervisor", "p1")])
def test_other_roles_are_refused_even_by_typed_url(
    db_path: Path, monkeypatch, role: str, practitioner: str
) -> None:
    at = run_page("access_log", db_path, viewer_for(Database(db_path), role, practitioner), None, monkeypatch)
    assert not at.exception
    assert "Access is not allowed" in at.error[0].value
    assert at.dataframe == [] and at.metric == []
