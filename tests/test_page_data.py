"""The Data page under AppTest: uploads are checked before anything is written, a valid
upload imports and says how many rows, an invalid one shows every problem and writes
nothing, only administrators reach the page, and every download is in the access log.

The files are the worked example in data/examples/ (2 practitioners, 3 clients, 9 sessions,
4 goals, 6 goal events, 10 check-ins, 3 coping skills, 4 coping logs: 41 rows).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from analytics.data_export import export_bytes, table_frame
from analytics.db import Database
from analytics.ingest import TABLES, import_files
from analytics.scope import scope_for
from tests.apptest import run_page, viewer_for
from tests.test_access_matrix import downloads, record_downloads  # noqa: F401 - the fixture
from tests.test_ingest_csv import EXAMPLES

ADMIN = "admin@clinic.example"
EXAMPLE_COUNTS = {
    "practitioners": 2, "clients": 3, "sessions": 9, "goals": 4,
    "goal_events": 6, "goal_checkins": 10, "coping_skills": 3, "coping_logs": 4,
}  # fmt: skip


@pytest.fixture
def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.duckdb"
    db = Database(path)
    db.migrate()
    db.close()
    return path


@pytest.fixture
def example_file(empty_file: Path) -> Path:
    db = Database(empty_file)
    assert import_files(db, [EXAMPLES]).ok
    db.close()
    return empty_file


def admin(path: Path):  # noqa: ANN201 - a Viewer
    db = Database(path)
    try:
        return viewer_for(db, "admin", None, ADMIN)
    finally:
        db.close()


def table_counts(path: Path) -> dict[str, int]:
    db = Database(path)
    try:
        return {t.name: int(db.scalar(f"SELECT count(*) FROM {t.name}")) for t in TABLES}
    finally:
        db.close()


def log_rows(path: Path) -> list[list]:
    db = Database(path)
    try:
        rows = db.query_sql("SELECT action, page, client_id, detail FROM access_log ORDER BY access_id")
        return rows.astype(object).where(rows.notna(), None).values.tolist()
    finally:
        db.close()


def example_uploads(changes: dict[str, tuple[str, str]] | None = None) -> list[tuple[str, bytes, str]]:
    """The worked example's files as uploads, with `changes` (file -> (old, new)) made."""
    files = []
    for path in sorted(EXAMPLES.glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        for old, new in [v for k, v in (changes or {}).items() if k == path.name]:
            assert old in text
            text = text.replace(old, new, 1)
        files.append((path.name, text.encode(), "text/csv"))
    return files


def table(at, *columns: str):  # noqa: ANN001, ANN201 - an AppTest, a DataFrame
    """The page's (only) table whose first columns are `columns` (dataframes carry no key)."""
    frames = [df.value for df in at.dataframe] + [t.value for t in at.table]
    found = [f for f in frames if tuple(f.columns[: len(columns)]) == columns]
    assert len(found) == 1, [list(df.value.columns) for df in at.dataframe]
    return found[0]


COUNTS = ("Table", "New", "Changed", "Unchanged")
EVERY = ("severity", "file", "where")
KINDS = ("Severity", "File", "Column", "What is wrong", "How many")


def texts(at, kind: str) -> list[str]:  # noqa: ANN001 - an AppTest
    return [el.value for el in at.get(kind)]


def test_a_valid_upload_is_checked_then_imported_and_the_counts_are_shown(
    empty_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page("data", empty_file, admin(empty_file), None, monkeypatch)
    assert not at.exception
    at.file_uploader[0].set_value(example_uploads()).run()
    assert not at.exception
    # The check: every row is new, and nothing has been written yet.
    assert any(
        t.startswith("**Ready to import from 8 files: 41 new rows, 0 changed") for t in texts(at, "success")
    )
    check = table(at, *COUNTS).set_index("Table")
    assert check["New"].to_dict() == EXAMPLE_COUNTS
    assert set(check["Changed"]) == {0} and set(check["Unchanged"]) == {0}
    assert set(table_counts(empty_file).values()) == {0}
    assert at.button(key="import").disabled is False

    at.button(key="import").click().run()
    assert not at.exception
    assert table_counts(empty_file) == EXAMPLE_COUNTS
    assert texts(at, "success")[0].startswith(
        "**Imported from 8 files: 41 new rows, 0 changed, 0 unchanged.**"
    )
    assert table(at, *COUNTS).set_index("Table")["New"].to_dict() == EXAMPLE_COUNTS
    # A fresh, empty uploader for the next files; the import is in the access log.
    assert at.file_uploader[0].value in (None, [])
    assert ["import", "data", None, "imported from 8 files: 41 new rows, 0 changed, 0 unchanged"] in log_rows(
        empty_file
    )
    # The export section now offers the imported clients (the admin's scope grew with the
    # import: it names practitioners, and p-ana and p-sam are new).
    assert at.selectbox(key="export_client").options == ["Heron-42", "Kestrel-17", "Wren-08"]  # by code


def test_an_invalid_upload_shows_every_problem_and_writes_nothing(
    example_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = table_counts(example_file)
    # Worked out by hand from the example:
    # - goal_checkins.csv rows 3 and 4 (k-002, k-003) rate g-001, a 0-10 goal, 30 and 50;
    # - coping_logs.csv row 3 (l-002) has a SUDS of 600 (0-100) and a helpfulness of 9 (1-5);
    # - sessions.csv row 8 (s-007) moves to the day after c-002's discharge (2026-04-20):
    #   a warning, which alone would not stop the import.
    changes = {
        "goal_checkins.csv": ("k-002,g-001,s-002,2026-01-19,3,", "k-002,g-001,s-002,2026-01-19,30,"),
        "coping_logs.csv": ("2026-01-21 21:10:00,60,50,2", "2026-01-21 21:10:00,600,50,9"),
        "sessions.csv": ("s-007,c-002,p-ana,2026-04-20", "s-007,c-002,p-ana,2026-04-21"),
    }
    uploads = example_uploads(changes)
    uploads = [
        (n, c.replace(b"k-003,g-001,s-004,2026-02-16,5,", b"k-003,g-001,s-004,2026-02-16,50,"), m)
        for n, c, m in uploads
    ]
    at = run_page("data", example_file, admin(example_file), None, monkeypatch)
    at.file_uploader[0].set_value(uploads).run()
    assert not at.exception
    assert texts(at, "error")[0].startswith(
        "**Not imported: 4 error(s) to fix and 1 warning(s) to look at.** Nothing was written."
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Errors"] == "4" and metrics["Warnings"] == "1" and metrics["Files"] == "8"
    every = table(at, *EVERY)
    assert every.values.tolist() == [
        ["error", "coping_logs.csv", "row 3", "distress_before", "Outside its range 0 to 100."],
        ["error", "coping_logs.csv", "row 3", "helpfulness", "Outside its range 1 to 5."],
        ["error", "goal_checkins.csv", "row 3", "value", "Outside its goal's scale (0.0 to 10.0)."],
        ["error", "goal_checkins.csv", "row 4", "value", "Outside its goal's scale (0.0 to 10.0)."],
        ["warning", "sessions.csv", "row 8", "session_date", "The session is dated after the client's discharge."],
    ]  # fmt: skip
    kinds = table(at, *KINDS)
    # The two check-ins share one kind of problem: one line, counted twice. Errors first,
    # then file by file, in the order of each kind's first row.
    assert kinds[["Severity", "File", "Column", "How many", "Where"]].values.tolist() == [
        ["error", "coping_logs.csv", "distress_before", 1, "row 3"],
        ["error", "coping_logs.csv", "helpfulness", 1, "row 3"],
        ["error", "goal_checkins.csv", "value", 2, "row 3, row 4"],
        ["warning", "sessions.csv", "session_date", 1, "row 8"],
    ]
    assert at.button(key="import").disabled is True
    assert table_counts(example_file) == before

    # The report downloads as CSV (the same rows), and the download is logged.
    csv = downloads(at)[0].decode()
    assert csv.splitlines()[0] == "severity,file,row,column,reason"
    assert len(csv.splitlines()) == 1 + 5
    at.download_button(key="report_csv").click().run()
    assert log_rows(example_file)[-1] == ["export", "data", None, "import-check.csv"]
    assert table_counts(example_file) == before


def test_an_unreadable_upload_is_named_and_nothing_is_written(
    example_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = table_counts(example_file)
    at = run_page("data", example_file, admin(example_file), None, monkeypatch)
    # A PNG renamed .csv beside a valid file: the whole upload is refused.
    at.file_uploader[0].set_value(
        [
            ("sessions.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv"),
            ("coping_skills.csv", b"skill_id,name,category\nsk-new,Cold water,grounding\n", "text/csv"),
        ]
    ).run()
    assert table(at, *EVERY).values.tolist() == [
        ["error", "sessions.csv", "the whole file", "",
         "This is not a text file (it contains binary data). Export the table as CSV UTF-8."],
    ]  # fmt: skip
    assert at.button(key="import").disabled is True
    assert table_counts(example_file) == before


def test_re_uploading_what_is_stored_has_nothing_to_import(
    example_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page("data", example_file, admin(example_file), None, monkeypatch)
    at.file_uploader[0].set_value(example_uploads()).run()
    assert texts(at, "info")[0].startswith("**Nothing to import.**")
    assert table(at, *COUNTS)["Unchanged"].sum() == 41
    assert at.button(key="import").disabled is True


@pytest.mark.parametrize(("role", "practitioner"), [("therapist", "p-ana"), ("supervisor", "p-sam")])
def test_non_admins_cannot_reach_the_data_page(
    example_file: Path, monkeypatch: pytest.MonkeyPatch, role: str, practitioner: str
) -> None:
    from tests.test_sign_in import navigation

    _, nav = navigation()
    assert [
        role for role, sections in nav.items() if any("data" in pages for pages in sections.values())
    ] == ["admin"]
    viewer = viewer_for(Database(example_file), role, practitioner)
    at = run_page("data", example_file, viewer, None, monkeypatch)
    assert not at.exception
    assert texts(at, "error") == [
        "**Access is not allowed.** Importing and exporting data is for administrators."
    ]
    assert not at.file_uploader and not at.get("download_button")


def test_every_download_gives_its_file_and_is_recorded_in_the_access_log(
    example_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page("data", example_file, admin(example_file), None, monkeypatch)
    at.selectbox(key="format_table").select("goals").run()
    at.selectbox(key="export_what").select(("table", "goal_checkins")).run()
    at.selectbox(key="export_client").select("c-001").run()
    assert not at.exception
    keys = [b.key for b in at.get("download_button")]
    assert keys == [
        "export_table", "export_bundle", "export_report_pdf", "export_report_png", "example_zip", "template",
    ]  # fmt: skip
    # Files built on click are logged as they are built (here by downloads(), as the browser's
    # request would); the ready ones when their button is clicked.
    assert [row for row in log_rows(example_file) if row[0] == "export"] == []
    files = dict(zip(keys, downloads(at), strict=True))
    assert [row[3] for row in log_rows(example_file) if row[0] == "export"] == [
        "table goal_checkins.csv", "fhir-bundle.json", "progress-report.pdf", "progress-report.png",
    ]  # fmt: skip
    db = Database(example_file)
    scope = scope_for(db, "admin", None)
    assert files["export_table"] == export_bytes(table_frame(db, scope, "goal_checkins"), "csv")
    db.close()
    bundle = json.loads(files["export_bundle"])
    assert bundle["resourceType"] == "Bundle"
    # c-001 (Kestrel-17): 4 sessions, 2 goals, 5 check-ins; Ana, her supervisor Sam; the Patient
    # and its EpisodeOfCare.
    kinds = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds.count("Encounter") == 4 and kinds.count("Goal") == 2 and kinds.count("Observation") == 5
    assert files["export_report_pdf"].startswith(b"%PDF")
    assert files["export_report_png"].startswith(b"\x89PNG")
    names = zipfile.ZipFile(io.BytesIO(files["example_zip"])).namelist()
    assert sorted(names) == sorted(f"waymark-example/{p.name}" for p in EXAMPLES.glob("*.csv"))
    assert files["template"] == (EXAMPLES.parent / "templates" / "goals.csv").read_bytes()

    # A click on a built-on-click button writes nothing itself (it does not even rerun the page).
    for key in keys:
        at.download_button(key=key).click().run()
        assert not at.exception
    exports = [row for row in log_rows(example_file) if row[0] == "export"]
    assert exports == [
        ["export", "data", None, "table goal_checkins.csv"],
        ["export", "data", "c-001", "fhir-bundle.json"],
        ["export", "data", "c-001", "progress-report.pdf"],
        ["export", "data", "c-001", "progress-report.png"],
        ["export", "data", None, "worked example"],
        ["export", "data", None, "template goals.csv"],
    ]


def test_a_fhir_bundle_exported_here_imports_into_an_empty_database_here(
    example_file: Path, empty_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page("data", example_file, admin(example_file), None, monkeypatch)
    at.selectbox(key="export_client").select("c-001").run()
    bundle = downloads(at)[1]
    fresh = tmp_path / "fresh.duckdb"
    db = Database(fresh)
    db.migrate()
    db.close()
    at = run_page("data", fresh, admin(fresh), None, monkeypatch)
    at.file_uploader[0].set_value(("Kestrel-17.fhir.json", bundle, "application/fhir+json")).run()
    assert not at.exception and at.button(key="import").disabled is False
    at.button(key="import").click().run()
    # c-001's record: Ana and Sam, the client, 4 sessions, 2 goals with one imported event
    # each (FHIR carries a goal's current status, not its history), 5 check-ins.
    assert table_counts(fresh) == {
        "practitioners": 2, "clients": 1, "sessions": 4, "goals": 2,
        "goal_events": 2, "goal_checkins": 5, "coping_skills": 0, "coping_logs": 0,
    }  # fmt: skip
