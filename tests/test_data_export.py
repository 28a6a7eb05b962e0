"""Export: every table round-trips through CSV and Parquet, a client's FHIR Bundle reads
back to the same rows, CSV cells cannot run as formulas, and the progress report renders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from analytics.commands import command_line_user
from analytics.commands import export as export_command
from analytics.data_export import (
    TABLE_NAMES,
    client_bundle,
    export_bytes,
    table_frame,
    view_frame,
    view_names,
)
from analytics.db import Database
from analytics.derived_progress import refresh_progress
from analytics.errors import AccessDenied
from analytics.ingest import import_files
from analytics.progress_report import progress_report_content, render_progress_report
from analytics.scope import scope_for
from tests.test_ingest_csv import EXAMPLES


@pytest.fixture
def example(db: Database) -> Database:
    report = import_files(db, [EXAMPLES])
    assert report.ok
    return db


def all_tables(db: Database) -> dict[str, pd.DataFrame]:
    scope = scope_for(db, "admin", None)
    return {t: table_frame(db, scope, t) for t in TABLE_NAMES}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_table_exported_and_imported_into_an_empty_database_is_identical(
    example: Database, tmp_path: Path, fmt: str
) -> None:
    before = all_tables(example)
    for table, frame in before.items():
        (tmp_path / f"{table}.{fmt}").write_bytes(export_bytes(frame, fmt))
    fresh = Database.memory()
    report = import_files(fresh, [tmp_path])
    assert report.ok, report.to_text()
    after = all_tables(fresh)
    for table in TABLE_NAMES:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_reimporting_an_export_into_its_own_database_changes_nothing(
    example: Database, tmp_path: Path, fmt: str
) -> None:
    for table, frame in all_tables(example).items():
        (tmp_path / f"{table}.{fmt}").write_bytes(export_bytes(frame, fmt))
    report = import_files(example, [tmp_path])
    assert sum(c["unchanged"] for c in report.counts.values()) == 41
    assert sum(c["inserted"] + c["updated"] for c in report.counts.values()) == 0


def test_a_clients_fhir_bundle_reads_back_to_identical_rows(example: Database, tmp_path: Path) -> None:
    scope = scope_for(example, "admin", None)
    path = tmp_path / "c-001.json"
    path.write_text(json.dumps(client_bundle(example, scope, "c-001")))
    fresh = Database.memory()
    report = import_files(fresh, [path])
    assert report.ok, report.to_text()
    # c-001: 4 sessions, 2 goals (0-10 and GAS), 5 check-ins; Ana and her supervisor Sam.
    fresh_scope = scope_for(fresh, "admin", None)
    for table in ("practitioners", "clients", "sessions", "goals", "goal_checkins"):
        expected = table_frame(example, scope, table, None if table == "practitioners" else "c-001")
        pd.testing.assert_frame_equal(expected, table_frame(fresh, fresh_scope, table), obj=table)
    assert len(table_frame(fresh, fresh_scope, "goal_checkins")) == 5
    # And read back into the database it came from, nothing changes.
    again = import_files(example, [path])
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in again.counts.values()), again.counts


def test_the_bundle_never_carries_a_real_name(example: Database) -> None:
    example.execute_sql("UPDATE clients SET real_name = 'Jo Bloggs' WHERE client_id = 'c-001'")
    bundle = client_bundle(example, scope_for(example, "admin", None), "c-001")
    assert "Jo Bloggs" not in json.dumps(bundle)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["identifier"][0]["value"] == "Kestrel-17"


def test_exports_are_scoped_to_the_viewer(example: Database) -> None:
    # Sam (supervisor of Ana) sees all three clients; Ana sees her two, not Sam's own c-003.
    ana = scope_for(example, "therapist", "p-ana")
    assert table_frame(example, ana, "clients")["client_id"].tolist() == ["c-001", "c-002"]
    assert set(table_frame(example, ana, "goal_checkins")["goal_id"]) == {"g-001", "g-002", "g-003"}
    with pytest.raises(AccessDenied):
        client_bundle(example, ana, "c-003")
    with pytest.raises(AccessDenied):
        render_progress_report(example, ana, "c-003", dt.date(2026, 3, 1), "png")


def test_csv_export_neutralises_cells_a_spreadsheet_would_run(example: Database) -> None:
    example.execute_sql(
        "UPDATE goal_checkins SET note = '=HYPERLINK(\"http://x\")' WHERE checkin_id = 'k-001'"
    )
    data = export_bytes(table_frame(example, scope_for(example, "admin", None), "goal_checkins"), "csv")
    assert b"'=HYPERLINK" in data and b",=HYPERLINK" not in data
    assert b",-1.0," in data  # a negative GAS level stays a number


def test_every_analytics_view_exports(example: Database) -> None:
    scope = scope_for(example, "admin", None)
    for view in view_names():
        frame = view_frame(example, scope, view, dt.date(2026, 3, 1))
        assert export_bytes(frame, "parquet")[:4] == b"PAR1"


def test_the_progress_report_says_what_the_numbers_are(example: Database) -> None:
    content = progress_report_content(
        example, scope_for(example, "admin", None), "c-002", dt.date(2026, 4, 30)
    )
    # c-002 has one GAD-7 goal: 15 on 12 Jan, 11 on 9 Feb, 6 on 20 Apr (3 check-ins).
    assert content["title"] == "Progress report · Heron-42"
    assert len(content["panels"]) == 3
    # GAD-7 bands (Spitzer 2006): 15 = severe, 6 = mild.
    assert any(
        line.startswith("GAD-7 (anxiety): 6 on 20 Apr 2026 (mild), first 15 on 12 Jan 2026 (severe)")
        for line in content["summary"]
    )
    assert "Goal Attainment Scaling: no GAS goal has a rating yet." in content["summary"]


def test_the_progress_report_counts_a_revised_goal_once_and_names_goals_without_check_ins(
    example: Database,
) -> None:
    # c-001 has g-001 (3 check-ins) and g-002 (2). Add g-005, a revision of g-001 without
    # check-ins of its own, and g-006, a new goal without any.
    with example.transaction() as cur:
        for goal_id, description, revised_from in (
            ("g-005", "Speak up twice in each team meeting", "g-001"),
            ("g-006", "Sleep by midnight on weeknights", None),
        ):
            cur.execute(
                "INSERT INTO goals VALUES ($g, 'c-001', $d, 'work', DATE '2026-02-20', NULL, 'active', NULL, "
                "$r, 'self-rated-0-10', 0, 10, true, 2, 7)",
                {"g": goal_id, "d": description, "r": revised_from},
            )
        # A write by hand refreshes the client's stored progress summaries in the same
        # transaction, as every writer does (docs/caseload.md, "Derived data").
        refresh_progress(cur, ["c-001"])
    content = progress_report_content(
        example, scope_for(example, "admin", None), "c-001", dt.date(2026, 3, 1)
    )
    # To the client the chain g-001 -> g-005 is one goal, drawn with g-001's check-ins under
    # g-005's title; with g-002 and g-006 that makes 3 goals, all active, one not yet rated.
    assert content["subtitle"] == "As of 01 March 2026 · 3 goals, 3 active"
    assert set(content["panels"]["panel"]) == {
        "Speak up twice in each team meeting",
        "Walk outside three times a week",
    }
    assert "No check-in yet (1): Sleep by midnight on weeknights." in content["summary"]


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_the_progress_report_renders_offline(example: Database, fmt: str, magic: bytes) -> None:
    data = render_progress_report(
        example, scope_for(example, "admin", None), "c-001", dt.date(2026, 3, 1), fmt
    )
    assert data[:4] == magic and len(data) > 5_000


def test_the_export_command_writes_a_table_a_bundle_and_a_report(tmp_path: Path) -> None:
    from analytics.cli import main

    path = tmp_path / "w.duckdb"
    assert main(["import", str(EXAMPLES), "--db", str(path)]) == 0
    assert main(["export", "--table", "goals", "--db", str(path), "-o", str(tmp_path / "goals.csv")]) == 0
    assert (tmp_path / "goals.csv").read_text().startswith("goal_id,client_id,description")
    assert main(["export", "--fhir", "c-002", "--db", str(path), "-o", str(tmp_path / "c.json")]) == 0
    assert json.loads((tmp_path / "c.json").read_text())["resourceType"] == "Bundle"
    assert (
        main(
            [
                "export",
                "--report",
                "c-002",
                "--as-of",
                "2026-04-30",
                "--format",
                "png",
                "--db",
                str(path),
                "-o",
                str(tmp_path / "r.png"),
            ]
        )
        == 0
    )
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert export_command.register  # registered in analytics.cli.COMMANDS
    # The import and each of the three exports left one access-log row, made by the
    # operating-system account that ran the command; the details name what, never a value.
    log = Database(path).query_sql(
        "SELECT user_id, action, page, client_id, detail FROM access_log ORDER BY access_id"
    )
    assert set(log["user_id"]) == {command_line_user()} and command_line_user().startswith("os:")
    assert set(log["page"]) == {"command line"}
    assert list(zip(log["action"], log["client_id"].fillna("-"), strict=True)) == [
        ("import", "-"),
        ("export", "-"),
        ("export", "c-002"),
        ("export", "c-002"),
    ]
    assert log["detail"].tolist()[1:] == ["table goals as csv", "FHIR R4 Bundle", "progress report as png"]
    assert log["detail"][0].startswith("Imported:")


def test_the_import_command_exits_non_zero_and_writes_the_report_on_rejection(tmp_path: Path) -> None:
    from analytics.cli import main

    bad = tmp_path / "practitioners.csv"
    bad.write_text("practitioner_id,display_name,role\np1,Ana,nurse\n")
    out = tmp_path / "report.csv"
    assert main(["import", str(bad), "--db", str(tmp_path / "w.duckdb"), "--report", str(out)]) == 1
    report = pd.read_csv(out)
    assert report[["severity", "row", "column"]].values.tolist() == [["error", 2, "role"]]
