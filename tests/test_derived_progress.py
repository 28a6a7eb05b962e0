"""The stored progress summaries (analytics/derived_progress.py): what they hold, worked out by
hand on the worked import example, how an import keeps them, and that the views read from
them give exactly the answers computed from the raw tables.

The worked example (data/examples/) has three clients. c-001: sessions 5 and 19 January and
16 February attended (2 February missed); goal g-001 (0–10, baseline 2, target 7) checked in
at 2, 3, 5 on 5 and 19 January and 16 February, events on 5 January and 16 February; goal
g-002 (GAS) checked in at −1 and 0 on 19 January and 16 February. So c-001's latest date of
anything is 16 February 2026.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analytics.caseload import caseload_rules, caseload_view
from analytics.db import Database
from analytics.demo import build_demo
from analytics.derived_progress import rebuild, refresh_progress
from analytics.ingest import import_files
from analytics.overview import default_as_of
from analytics.scope import Scope, scope_for
from analytics.timeline import client_goals, clients_in_scope

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"


def stored_goal(db: Database, goal_id: str) -> dict:
    return db.query_sql("SELECT * FROM goal_progress WHERE goal_id = $g", {"g": goal_id}).iloc[0].to_dict()


def stored_client(db: Database, client_id: str) -> dict:
    row = db.query_sql("SELECT * FROM client_progress WHERE client_id = $c", {"c": client_id})
    return row.iloc[0].to_dict()


def test_an_import_stores_each_goals_summary_and_each_clients_horizon(db: Database) -> None:
    assert import_files(db, [EXAMPLES]).ok
    assert db.scalar("SELECT count(*) FROM goal_progress") == 4
    assert db.scalar("SELECT count(*) FROM client_progress") == 3
    g = stored_goal(db, "g-001")
    # Three check-ins 2, 3, 5: progress (5 − 2) / (7 − 2) = 0.6; over the last three the value
    # rose 3 points, more than the 1-point meaningful change of a 0–10 rating: "improving".
    assert (g["practitioner_id"], g["client_id"], g["n_checkins"]) == ("p-ana", "c-001", 3)
    assert (g["last_value"], g["last_progress"], g["trend_change"]) == (5.0, pytest.approx(0.6), 3.0)
    assert g["derived_status"] == "improving"
    assert g["last_checkin_date"] == pd.Timestamp("2026-02-16")
    assert list(g["progress_series"]) == pytest.approx([0.0, 0.2, 0.6])
    # No attended session after the last check-in on 16 February (that session is the check-in).
    assert g["sessions_since_checkin"] == 0 and not g["revised"]
    c = stored_client(db, "c-001")
    assert (c["attended_sessions"], c["last_session_date"]) == (3, pd.Timestamp("2026-02-16"))
    assert c["horizon"] == pd.Timestamp("2026-02-16")


def test_an_import_refreshes_the_summaries_of_the_goals_it_touches_and_no_others(
    db: Database, tmp_path: Path
) -> None:
    assert import_files(db, [EXAMPLES]).ok
    others = db.query_sql("SELECT * FROM goal_progress WHERE client_id <> 'c-001' ORDER BY goal_id")
    # A new check-in of g-001 at 7 (its target) on 2 March, and k-005 moved from g-002 to g-001.
    new = tmp_path / "goal_checkins.csv"
    new.write_text(
        "checkin_id,goal_id,session_id,checkin_date,value,reporter,note\n"
        "k-011,g-001,,2026-03-02,7,client,\n"
        "k-005,g-001,s-004,2026-02-16,5,practitioner,\n",
        encoding="utf-8",
    )
    report = import_files(db, [new])
    assert report.ok, report.to_text()
    g1, g2 = stored_goal(db, "g-001"), stored_goal(db, "g-002")
    # g-001 now has 2, 3, 5, 5 (two on 16 February) and 7: target reached at the last check-in.
    assert (g1["n_checkins"], g1["last_value"], g1["derived_status"]) == (5, 7.0, "achieved")
    # g-002 lost k-005: only −1 on 19 January is left.
    assert (g2["n_checkins"], g2["last_value"]) == (1, -1.0)
    assert stored_client(db, "c-001")["horizon"] == pd.Timestamp("2026-03-02")
    pd.testing.assert_frame_equal(
        db.query_sql("SELECT * FROM goal_progress WHERE client_id <> 'c-001' ORDER BY goal_id"), others
    )


def test_a_client_moved_to_another_practitioner_is_read_raw_until_refreshed(db: Database) -> None:
    assert import_files(db, [EXAMPLES]).ok
    as_of = dt.date(2026, 3, 2)
    sam = Scope(("p-sam",))
    # Moved by hand, without a refresh: the stored rows still name p-ana, so they are not
    # used, and p-sam's caseload is computed from the tables (c-001 with both goals).
    db.execute_sql("UPDATE clients SET practitioner_id = 'p-sam' WHERE client_id = 'c-001'")
    goals = caseload_view(db, sam, as_of, caseload_rules(db))["goals"]
    assert sorted(goals["goal_id"]) == ["g-001", "g-002", "g-004"]
    assert caseload_view(db, Scope(("p-ana",)), as_of, caseload_rules(db))["clients"][
        "client_id"
    ].tolist() == ["c-002"]
    rebuild(db)
    assert stored_goal(db, "g-001")["practitioner_id"] == "p-sam"


def test_a_full_rebuild_drops_the_rows_of_clients_that_no_longer_exist(db: Database) -> None:
    assert import_files(db, [EXAMPLES]).ok
    db.execute_sql("DELETE FROM clients WHERE client_id = 'c-003'")
    with db.transaction() as cur:
        refresh_progress(cur)
    assert db.scalar("SELECT count(*) FROM client_progress WHERE client_id = 'c-003'") == 0
    assert db.scalar("SELECT count(*) FROM goal_progress WHERE client_id = 'c-003'") == 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "clinic.duckdb"
    db = Database(path)
    db.migrate()
    build_demo(db)
    db.close()
    return path


def _views(db: Database, as_of: dt.date) -> dict:
    """Every practitioner's caseload and client list (their own scope: a therapist's, a
    supervisor's team, the admin's everyone) and every client's goals as their practitioner
    sees them."""
    rules = caseload_rules(db)
    people = db.query_sql("SELECT practitioner_id, role FROM practitioners ORDER BY practitioner_id")
    out: dict = {}
    for pid, role in people.itertuples(index=False):
        scope = scope_for(db, role, pid)
        out[pid] = caseload_view(db, scope, as_of, rules) | {
            "clients in scope": clients_in_scope(db, scope, as_of)
        }
    out["admin"] = caseload_view(db, scope_for(db, "admin", None), as_of, rules)
    for cid, pid in db.query_sql("SELECT client_id, practitioner_id FROM clients ORDER BY 1").itertuples(
        index=False
    ):
        out[cid] = {"goals": client_goals(db, Scope((pid,)), cid, as_of)}
    return out


def _unsummarised(db: Database, as_of: dt.date) -> tuple[int, int]:
    """(clients whose stored summary is exact at as_of, clients whose is not)."""
    row = db.query_sql(
        "SELECT count(*) FILTER (WHERE horizon <= $d), count(*) FILTER (WHERE horizon > $d) FROM client_progress",
        {"d": as_of},
    )
    return int(row.iloc[0, 0]), int(row.iloc[0, 1])


@pytest.mark.parametrize("offset_days", [0, 10, -30, -120])
def test_the_stored_summaries_give_exactly_the_raw_answer_on_the_demo_clinic(
    demo: Path, tmp_path: Path, offset_days: int
) -> None:
    # The default as-of date (the demo's last day, where every summary is exact), ten days
    # later, and one and four months earlier (looking back: most clients are then computed
    # from the raw tables, those whose data ended before read from the store).
    raw_path = tmp_path / "raw.duckdb"
    shutil.copy(demo, raw_path)
    db, raw = Database(demo), Database(raw_path)
    as_of = default_as_of(db) + dt.timedelta(days=offset_days)
    exact, not_exact = _unsummarised(db, as_of)
    if offset_days >= 0:
        # Every one of the demo clinic's 150 clients (docs/demo-clinic.md).
        assert exact == 150 and not_exact == 0
    else:
        assert exact > 0 and not_exact > 0
    # The same file without stored summaries: every view computes from the raw tables.
    raw.execute_sql("DELETE FROM client_progress")
    stored_views, raw_views = _views(db, as_of), _views(raw, as_of)
    assert stored_views.keys() == raw_views.keys()
    for key, frames in stored_views.items():
        for name, frame in frames.items():
            pd.testing.assert_frame_equal(frame, raw_views[key][name], obj=f"{key} {name}")
