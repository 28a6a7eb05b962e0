"""CSV and Parquet import: every validation rule, malformed files, all-or-nothing, upserts.

The worked example in data/examples/ is a consistent clinic (2 practitioners, 3 clients,
9 sessions, 4 goals, 6 events, 10 check-ins, 3 skills, 4 coping logs = 41 rows); most tests
copy it and break one thing, so the right answer is "exactly that one problem".
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from analytics.db import Database
from analytics.ingest import TABLES, import_files
from analytics.ingest.validate import RULES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"


def example_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def table_counts(db: Database) -> dict[str, int]:
    return {t.name: int(db.scalar(f"SELECT count(*) FROM {t.name}")) for t in TABLES}


def problems(report) -> list[tuple[str, str, str, str, str]]:
    return [(p.severity, p.file, p.row, p.column, p.reason) for p in report.problems]


def test_the_worked_example_imports_cleanly_with_every_row_counted(db: Database) -> None:
    report = import_files(db, [EXAMPLES])
    assert report.ok, report.to_text()
    assert table_counts(db) == {
        "practitioners": 2, "clients": 3, "sessions": 9, "goals": 4,
        "goal_events": 6, "goal_checkins": 10, "coping_skills": 3, "coping_logs": 4,
    }  # fmt: skip
    assert sum(c["inserted"] for c in report.counts.values()) == 41
    # Every step of a written import is timed, in the order it ran (the benchmark prints them).
    assert list(report.phases) == ["read", "check", "compare", "write", "derived", "commit"]
    assert all(seconds >= 0 for seconds in report.phases.values())
    assert sum(report.phases.values()) <= report.seconds + 0.01
    # Empty scale cells take the measure's scale: g-002 is GAS (-2..2), g-004 PHQ-9 (0..27, lower better).
    row = db.query_sql("SELECT scale_min, scale_max, higher_is_better FROM goals WHERE goal_id = 'g-004'")
    assert row.iloc[0].tolist() == [0.0, 27.0, False]
    # The quoted note with a newline in goal_events.csv arrives whole.
    assert (
        db.scalar("SELECT note FROM goal_events WHERE event_id = 'e-005'")
        == "met at discharge;\nkept as a reminder"
    )


def test_reimporting_the_same_files_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    db = Database(path)
    db.migrate()
    import_files(db, [EXAMPLES])
    db.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    db = Database(path)
    report = import_files(db, [EXAMPLES])
    db.close()
    assert report.ok
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in report.counts.values())
    assert sum(c["unchanged"] for c in report.counts.values()) == 41
    # Nothing changed, so nothing was written: the file is byte-for-byte the same.
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_changed_row_is_updated_in_place_by_its_id(db: Database, tmp_path: Path) -> None:
    import_files(db, [EXAMPLES])
    folder = example_copy(tmp_path)
    edit(folder / "goal_checkins.csv", "k-010,g-004,s-009,2026-02-23,14", "k-010,g-004,s-009,2026-02-23,12")
    report = import_files(db, [folder])
    assert report.counts["goal_checkins"] == {"inserted": 0, "updated": 1, "unchanged": 9}
    assert db.scalar("SELECT value FROM goal_checkins WHERE checkin_id = 'k-010'") == 12
    assert db.scalar("SELECT count(*) FROM goal_checkins") == 10


def test_a_rejected_import_leaves_the_database_file_byte_for_byte_the_same(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    db = Database(path)
    db.migrate()
    import_files(db, [EXAMPLES])
    db.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    folder = example_copy(tmp_path)
    # One good new check-in and one bad one: the good one must not be written either.
    with (folder / "goal_checkins.csv").open("a", encoding="utf-8") as fh:
        fh.write("k-011,g-001,,2026-03-02,6,client,\nk-012,g-001,,2026-03-09,11,client,\n")
    db = Database(path)
    report = import_files(db, [folder])
    assert not report.ok
    assert db.scalar("SELECT count(*) FROM goal_checkins") == 10
    db.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# Each case breaks one cell of the worked example; the report must name exactly that file,
# row (the header is row 1), column and rule, and nothing else.
RULE_CASES = [
    # types
    ("clients.csv", "c-001,p-ana,Kestrel-17,,2026-01-05,", "c-001,p-ana,Kestrel-17,,05/01/2026,",
     ("error", "clients.csv", "2", "intake_date", "Not a date in the form YYYY-MM-DD.")),
    ("clients.csv", "c-001,p-ana,Kestrel-17,,2026-01-05,", "c-001,p-ana,Kestrel-17,,46027,",
     ("error", "clients.csv", "2", "intake_date", "Looks like an Excel serial date number; format the column as a date (YYYY-MM-DD) before saving as CSV.")),
    ("goal_checkins.csv", "k-002,g-001,s-002,2026-01-19,3,", "k-002,g-001,s-002,2026-01-19,3 points,",
     ("error", "goal_checkins.csv", "3", "value", "Not a number (use a point for decimals, no units).")),
    ("sessions.csv", "s-003,c-001,p-ana,2026-02-02,individual,false", "s-003,c-001,p-ana,2026-02-02,individual,maybe",
     ("error", "sessions.csv", "4", "attended", "Not true or false.")),
    ("coping_logs.csv", "2026-01-21 21:10:00,60,50,2", "2026-01-21 21:10:00,60.5,50,2",
     ("error", "coping_logs.csv", "3", "distress_before", "Not a whole number.")),
    ("coping_logs.csv", "2026-01-21 21:10:00,60,50,2", "yesterday evening,60,50,2",
     ("error", "coping_logs.csv", "3", "logged_at", "Not a date and time in the form YYYY-MM-DD HH:MM[:SS].")),
    # required values
    ("goals.csv", "g-001,c-001,\"Speak up once in each team meeting\",work", "g-001,c-001,,work",
     ("error", "goals.csv", "2", "description", "Required, but empty.")),
    # value sets (FHIR Goal.lifecycleStatus / achievementStatus and Waymark's own)
    ("goals.csv", "2026-04-06,active,improving", "2026-04-06,activ,improving",
     ("error", "goals.csv", "2", "lifecycle_status", "Not one of the allowed values: proposed, planned, accepted, active, on-hold, completed, cancelled, entered-in-error, rejected.")),
    ("goals.csv", "2026-04-06,active,improving", "2026-04-06,active,better",
     ("error", "goals.csv", "2", "achievement_status", "Not one of the allowed values: in-progress, improving, worsening, no-change, achieved, sustaining, not-achieved, no-progress, not-attainable.")),
    ("goals.csv", ",self-rated-0-10,0,10,true,2,7", ",vas-100,0,10,true,2,7",
     ("error", "goals.csv", "2", "measure", "Not one of the allowed values: self-rated-0-10, gas, phq-9, gad-7.")),
    ("goal_checkins.csv", "k-004,g-002,s-002,2026-01-19,-1,practitioner", "k-004,g-002,s-002,2026-01-19,-1,mother",
     ("error", "goal_checkins.csv", "5", "reporter", "Not one of the allowed values: client, practitioner.")),
    ("practitioners.csv", "p-ana,Ana Ruiz,therapist", "p-ana,Ana Ruiz,nurse",
     ("error", "practitioners.csv", "3", "role", "Not one of the allowed values: therapist, supervisor, admin.")),
    ("sessions.csv", "2026-01-19,individual,true", "2026-01-19,group,true",
     ("error", "sessions.csv", "3", "kind", "Not one of the allowed values: intake, individual, review, discharge.")),
    # ranges: SUDS 0-100, helpfulness 1-5, check-in inside its goal's scale, baseline/target in scale
    ("coping_logs.csv", "2026-01-21 21:10:00,60,50,2", "2026-01-21 21:10:00,160,50,2",
     ("error", "coping_logs.csv", "3", "distress_before", "Outside its range 0 to 100.")),
    ("coping_logs.csv", "2026-01-21 21:10:00,60,50,2", "2026-01-21 21:10:00,60,-5,2",
     ("error", "coping_logs.csv", "3", "distress_after", "Outside its range 0 to 100.")),
    ("coping_logs.csv", "2026-01-21 21:10:00,60,50,2", "2026-01-21 21:10:00,60,50,6",
     ("error", "coping_logs.csv", "3", "helpfulness", "Outside its range 1 to 5.")),
    # g-002 is GAS, -2..+2: a 3 is off its scale (and 3 is fine on g-001's 0-10 scale).
    ("goal_checkins.csv", "k-005,g-002,s-004,2026-02-16,0,", "k-005,g-002,s-004,2026-02-16,3,",
     ("error", "goal_checkins.csv", "6", "value", "Outside its goal's scale (-2.0 to 2.0).")),
    ("goals.csv", "true,2,7", "true,2,12",
     ("error", "goals.csv", "2", "target", "Outside the goal's scale.")),
    ("goals.csv", "gad-7,0,21,false,15,6", "gad-7,0,20,false,15,6",
     ("error", "goals.csv", "4", "scale_max", "Does not agree with the goal's measure (see docs/data-format.md).")),
    # references, in the files or the database
    ("goal_checkins.csv", "k-006,g-003,s-005", "k-006,g-999,s-005",
     ("error", "goal_checkins.csv", "7", "goal_id", "Refers to a goal that is neither in the files nor in the database.")),
    ("goal_checkins.csv", "k-006,g-003,s-005", "k-006,g-003,s-999",
     ("error", "goal_checkins.csv", "7", "session_id", "Refers to a session that is neither in the files nor in the database.")),
    ("goal_checkins.csv", "k-006,g-003,s-005", "k-006,g-003,s-001",
     ("error", "goal_checkins.csv", "7", "session_id", "The session belongs to a different client than the goal.")),
    ("sessions.csv", "s-003,c-001", "s-003,c-404",
     ("error", "sessions.csv", "4", "client_id", "Refers to a client that is neither in the files nor in the database.")),
    ("clients.csv", "c-003,p-sam", "c-003,p-kim",
     ("error", "clients.csv", "4", "practitioner_id", "Refers to a practitioner that is neither in the files nor in the database.")),
    ("coping_logs.csv", "l-003,c-002,sk-walk,g-003", "l-003,c-002,sk-walk,g-001",
     ("error", "coping_logs.csv", "4", "goal_id", "The goal belongs to a different client.")),
    ("coping_logs.csv", "l-003,c-002,sk-walk", "l-003,c-002,sk-run",
     ("error", "coping_logs.csv", "4", "skill_id", "Refers to a coping skill that is neither in the files nor in the database.")),
    # dates
    ("goal_checkins.csv", "k-002,g-001,s-002,2026-01-19", "k-002,g-001,s-002,2026-01-02",
     ("error", "goal_checkins.csv", "3", "checkin_date", "The check-in is dated before its goal's start date.")),
    ("goal_checkins.csv", "k-008,g-003,s-007,2026-04-20", "k-008,g-003,s-007,2026-04-27",
     ("warning", "goal_checkins.csv", "9", "checkin_date", "The check-in is dated after the client's discharge.")),
    ("clients.csv", "2026-01-12,2026-04-20", "2026-01-12,2026-01-01",
     ("error", "clients.csv", "3", "discharge_date", "Discharge is before intake.")),
    ("goals.csv", "2026-01-05,2026-04-06,active", "2026-01-05,2025-04-06,active",
     ("error", "goals.csv", "2", "target_date", "Target date is before the start date.")),
    # g-004 (client c-003) cannot be a revision of g-001, which is c-001's goal.
    ("goals.csv", "2026-05-04,active,in-progress,,phq-9", "2026-05-04,active,in-progress,g-001,phq-9",
     ("error", "goals.csv", "5", "revised_from_goal_id", "The goal it revises belongs to a different client.")),
    ("goal_events.csv", "e-003,g-002,2026-01-19", "e-003,g-002,2026-01-12",
     ("error", "goal_events.csv", "4", "event_date", "The event is dated before its goal's start date.")),
    ("sessions.csv", "s-007,c-002,p-ana,2026-04-20", "s-007,c-002,p-ana,2026-04-21",
     ("warning", "sessions.csv", "8", "session_date", "The session is dated after the client's discharge.")),
    ("coping_skills.csv", "sk-walk,Brisk walk", "sk-walk,Paced breathing",
     ("error", "coping_skills.csv", "4", "name", "This skill name is already used by another skill (names are unique).")),
    # duplicates within the files, and unique codes
    ("goal_checkins.csv", "k-003,g-001", "k-002,g-001",
     ("error", "goal_checkins.csv", "4", "checkin_id", "Duplicate id: the same id is on an earlier row (goal_checkins.csv, row 3).")),
    ("clients.csv", "c-003,p-sam,Wren-08", "c-003,p-sam,Heron-42",
     ("error", "clients.csv", "4", "display_code", "This display code is already used by another client (codes are unique).")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"), RULE_CASES, ids=[c[3][3] + ":" + c[3][4][:30] for c in RULE_CASES]
)
def test_each_validation_rule_reports_file_row_column_and_reason(
    db: Database, tmp_path: Path, file: str, old: str, new: str, expected: tuple
) -> None:
    folder = example_copy(tmp_path)
    edit(folder / file, old, new)
    report = import_files(db, [folder])
    found = problems(report)
    if "already used" in expected[4]:
        # Both rows now carry the code or name: each is reported, the edited one included.
        assert expected in found and len(found) == 2
    else:
        assert expected in found, report.to_text()
        # Nothing else is an error (moving a date can add honest warnings elsewhere).
        assert [f for f in found if f[0] == "error"] == ([expected] if expected[0] == "error" else []), (
            report.to_text()
        )
    assert report.ok == (expected[0] == "warning")
    if not report.ok:
        assert table_counts(db)["clients"] == 0, "a rejected import wrote rows"


def test_a_revision_of_the_same_clients_goal_imports(db: Database, tmp_path: Path) -> None:
    # g-002 and g-001 are both c-001's goals: revising one into the other is a revision chain.
    folder = example_copy(tmp_path)
    edit(
        folder / "goals.csv", "2026-04-20,active,in-progress,,gas", "2026-04-20,active,in-progress,g-001,gas"
    )
    report = import_files(db, [folder])
    assert report.ok, report.to_text()
    assert db.scalar("SELECT revised_from_goal_id FROM goals WHERE goal_id = 'g-002'") == "g-001"


def test_every_rule_in_the_validator_has_a_test_case() -> None:
    # A rule's kind is its reason up to the first number, colon or parenthesis (per-column
    # rules share a kind, e.g. "Outside its range"); every kind must appear in a case above.
    import re

    def kind(reason: str) -> str:
        return re.split(r"[:(0-9]", reason)[0].strip().removeprefix("Refers to a ").split(" ")[0]

    tested = {kind(c[3][4]) for c in RULE_CASES}
    untested = {kind(reason) for _, _, _, reason, _ in RULES} - tested
    assert not untested, untested


def test_references_may_point_into_the_database(db: Database, tmp_path: Path) -> None:
    import_files(db, [EXAMPLES])
    only = tmp_path / "goal_checkins.csv"
    only.write_text("checkin_id,goal_id,checkin_date,value,reporter\nk-100,g-001,2026-03-02,6,client\n")
    report = import_files(db, [only])
    assert report.ok, report.to_text()
    assert report.counts == {"goal_checkins": {"inserted": 1, "updated": 0, "unchanged": 0}}


def test_all_problems_are_reported_not_only_the_first(db: Database, tmp_path: Path) -> None:
    folder = example_copy(tmp_path)
    edit(folder / "goal_checkins.csv", "k-002,g-001,s-002,2026-01-19,3,", "k-002,g-001,s-002,2026-01-19,30,")
    edit(folder / "goal_checkins.csv", "k-003,g-001,s-004,2026-02-16,5,", "k-003,g-001,s-004,2026-02-16,50,")
    edit(folder / "coping_logs.csv", "2026-01-21 21:10:00,60,50,2", "2026-01-21 21:10:00,600,50,9")
    report = import_files(db, [folder])
    assert sorted((p.file, p.row, p.column) for p in report.errors) == [
        ("coping_logs.csv", "3", "distress_before"),
        ("coping_logs.csv", "3", "helpfulness"),
        ("goal_checkins.csv", "3", "value"),
        ("goal_checkins.csv", "4", "value"),
    ]


def test_no_message_quotes_a_value_from_the_file(db: Database, tmp_path: Path) -> None:
    folder = example_copy(tmp_path)
    edit(folder / "goals.csv", "2026-04-06,active,improving", "2026-04-06,SECRET-STATUS,improving")
    edit(
        folder / "goal_checkins.csv",
        "k-002,g-001,s-002,2026-01-19,3,",
        "k-002,g-001,s-002,2026-01-19,SECRET-9,",
    )
    report = import_files(db, [folder])
    assert len(report.errors) == 2
    assert "SECRET" not in report.to_text() and b"SECRET" not in report.to_csv()


# ---------------------------------------------------------------- malformed files
def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


HEADER = b"practitioner_id,display_name,role,supervisor_id,email\n"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("practitioners.csv", b"", ("", "The file is empty: it has no header and no rows.")),
        ("practitioners.csv", HEADER, ("", "The file has a header but no rows.")),
        ("practitioners.csv", HEADER + "p1,Zo\xeb,therapist,,\n".encode("latin-1"),
         ("line 2", "The file is not UTF-8 text (it may be Latin-1 or Windows-1252). Save it as CSV UTF-8 and import it again.")),
        ("practitioners.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
         ("", "This is not a text file (it contains binary data). Export the table as CSV UTF-8.")),
        ("practitioners.csv", b"PK\x03\x04\x14\x00\x06\x00", ("", "This is a spreadsheet workbook or zip archive, not a CSV file. In the spreadsheet use Save As > CSV UTF-8.")),
        ("practitioners.csv", HEADER + b'p1,Ana,therapist,,\np2,"Sam,supervisor,,\n',
         ("line 3", "A quoted field is not closed properly (a stray quote, or the file is truncated).")),
        ("practitioners.csv", HEADER + b"p1,Ana,therapist,,\np2;Sam;supervisor;;\n",
         ("line 3", "The row has 1 fields where the header has 5: mixed delimiters (comma and semicolon), an unquoted delimiter inside a value, or a truncated line.")),
        ("practitioners.csv", HEADER + b"p1,Ana,thera",
         ("line 2", "The row has 3 fields where the header has 5: mixed delimiters (comma and semicolon), an unquoted delimiter inside a value, or a truncated line.")),
        ("notes.csv", b"when,what\n2026-01-01,x\n", ("", "Cannot tell which table this file holds. Name it after its table (for example goal_checkins.csv) and use the template's header.")),
        ("practitioners.csv", b"practitioner_id,name,role\np1,Ana,therapist\n", ("1", "Unknown column for table practitioners; see docs/data-format.md for its columns.")),
        ("practitioners.parquet", b"not parquet at all", ("", "This is not a Parquet file (it does not start with the Parquet signature).")),
        ("practitioners.xlsx", b"PK\x03\x04", ("", "Unsupported file type; use one of .csv, .json, .jsonl, .ndjson, .parquet, .pq, .tsv, .txt.")),
    ],
    ids=["empty", "header only", "latin-1", "binary renamed", "xlsx renamed", "truncated quote",
         "mixed delimiters", "truncated line", "unknown table", "unknown column", "not parquet", "xlsx"],
)  # fmt: skip
def test_malformed_files_give_a_clear_error_and_write_nothing(
    db: Database, tmp_path: Path, name: str, data: bytes, expected: tuple[str, str]
) -> None:
    report = import_files(db, [write(tmp_path, name, data)])
    assert not report.ok
    assert (report.errors[0].row, report.errors[0].reason) == expected, report.to_text()
    assert table_counts(db)["practitioners"] == 0


def test_a_missing_required_column_is_named(db: Database, tmp_path: Path) -> None:
    report = import_files(db, [write(tmp_path, "practitioners.csv", b"practitioner_id,role\np1,therapist\n")])
    assert problems(report) == [
        (
            "error",
            "practitioners.csv",
            "1",
            "display_name",
            "Required column of table practitioners is missing from the header.",
        )
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfpractitioner_id,display_name,role\np1,Ana,therapist\n",  # UTF-8 with BOM (Excel)
        b"practitioner_id;display_name;role\r\np1;Ana;therapist\r\n",  # semicolons, Windows line ends
        b'practitioner_id,display_name,role\np1,"Ana\nRuiz, MSc",therapist\n',  # quoted newline and comma
        b"practitioner_id\tdisplay_name\trole\np1\tAna Ruiz, MSc\ttherapist\n",  # tab-separated (.tsv)
    ],
    ids=["bom", "semicolon crlf", "quoted newline", "tab"],
)
def test_csv_dialects_that_spreadsheets_write_are_read(db: Database, tmp_path: Path, data: bytes) -> None:
    report = import_files(db, [write(tmp_path, "practitioners.csv", data)])
    assert report.ok, report.to_text()
    assert db.scalar("SELECT role FROM practitioners WHERE practitioner_id = 'p1'") == "therapist"


def test_parquet_files_import_like_csv(db: Database, tmp_path: Path) -> None:
    import duckdb

    con = duckdb.connect()
    target = tmp_path / "practitioners.parquet"
    con.execute(
        "COPY (SELECT 'p1' AS practitioner_id, 'Ana' AS display_name, 'therapist' AS role) TO $p (FORMAT parquet)",
        {"p": str(target)},
    )
    report = import_files(db, [target])
    assert report.ok and report.counts["practitioners"]["inserted"] == 1


def _parquet(tmp_path: Path, query: str) -> bytes:
    import duckdb

    out = tmp_path / "made.parquet"
    duckdb.connect().execute(f"COPY ({query}) TO $p (FORMAT parquet)", {"p": str(out)})
    return out.read_bytes()


PRACTITIONER = "SELECT 'p1' AS practitioner_id, 'Ana' AS display_name, 'therapist' AS role"


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        # A file cut off inside a two-byte character (é is C3 A9 in UTF-8).
        ("practitioners.csv", lambda _: HEADER + "p1,Ren\u00e9".encode()[:-1],
         ("line 2", "The file ends in the middle of a character: it may be truncated.")),
        # UTF-16, as some Windows tools save "Unicode text".
        ("practitioners.csv", lambda _: (HEADER + b"p1,Ana,therapist,,\n").decode().encode("utf-16"),
         ("", "This is not a text file (it contains binary data). Export the table as CSV UTF-8.")),
        ("practitioners.csv", lambda tmp: _parquet(tmp, PRACTITIONER),
         ("", "This is a Parquet file with a .csv name; rename it to .parquet.")),
        ("practitioners.parquet", lambda tmp: (lambda b: b[: len(b) // 2])(_parquet(tmp, PRACTITIONER)),
         ("", "The Parquet file is damaged or truncated and cannot be read.")),
        ("practitioners.parquet", lambda tmp: _parquet(tmp, PRACTITIONER + " LIMIT 0"),
         ("", "The file has columns but no rows.")),
        ("practitioners.parquet", lambda _: b"",
         ("", "This is not a Parquet file (it does not start with the Parquet signature).")),
    ],
    ids=["cut inside a character", "utf-16", "parquet named csv", "truncated parquet", "parquet no rows",
         "empty parquet"],
)  # fmt: skip
def test_more_malformed_files_give_a_clear_error_and_write_nothing(
    db: Database,
    tmp_path: Path,
    name: str,
    make,
    expected: tuple[str, str],  # noqa: ANN001
) -> None:
    report = import_files(db, [write(tmp_path, name, make(tmp_path))])
    assert not report.ok
    assert [(p.row, p.reason) for p in report.errors] == [expected], report.to_text()
    assert set(table_counts(db).values()) == {0}


def test_an_excel_serial_date_in_a_date_and_time_column_is_named(db: Database, tmp_path: Path) -> None:
    folder = example_copy(tmp_path)
    # 46043.8125 is 2026-01-21 19:30 in Excel's day count, as a sheet writes it unformatted.
    edit(folder / "coping_logs.csv", "2026-01-21 21:10:00,60,50,2", "46043.8125,60,50,2")
    report = import_files(db, [folder])
    assert problems(report) == [
        ("error", "coping_logs.csv", "3", "logged_at",
         "Looks like an Excel serial date number; format the column as a date (YYYY-MM-DD) before saving as CSV."),
    ]  # fmt: skip
    assert set(table_counts(db).values()) == {0}
