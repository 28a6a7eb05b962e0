"""Uploads through a private temporary folder, the templates and the worked example, and the
report grouped by what to fix (analytics/ingest/uploads.py)."""

from __future__ import annotations

import io
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest

from analytics.db import Database
from analytics.ingest import ImportReport
from analytics.ingest.tables import TABLES
from analytics.ingest.uploads import (
    columns_frame,
    import_summary,
    import_uploads,
    problems_by_kind,
    problems_table,
    template_csv,
    worked_example_zip,
)
from tests.test_ingest_csv import EXAMPLES

PRACTITIONERS = b"practitioner_id,display_name,role\np1,Ana,therapist\n"


@pytest.fixture
def folders(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every temporary folder the uploads module makes."""
    made: list[Path] = []
    real = tempfile.mkdtemp

    def recording(*args, **kwargs) -> str:  # noqa: ANN002, ANN003
        path = real(*args, **kwargs)
        made.append(Path(path))
        return path

    monkeypatch.setattr("analytics.ingest.uploads.tempfile.mkdtemp", recording)
    return made


def test_uploads_are_checked_in_a_private_folder_that_is_removed_afterwards(
    db: Database, folders: list[Path]
) -> None:
    seen: list[tuple[int, list[int]]] = []

    def progress(fraction: float, message: str) -> None:
        # While the importer runs, the folder is the owner's alone, and so is each file.
        folder = folders[-1]
        seen.append(
            (stat.S_IMODE(folder.stat().st_mode), [stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()])
        )

    report = import_uploads(db, [("practitioners.csv", PRACTITIONERS)], write=False, progress=progress)
    assert report.ok and report.counts == {"practitioners": {"inserted": 1, "updated": 0, "unchanged": 0}}
    assert seen and all(mode == 0o700 and files == [0o600] for mode, files in seen)
    assert len(folders) == 1 and not folders[0].exists()
    # write=False wrote nothing.
    assert db.scalar("SELECT count(*) FROM practitioners") == 0


def test_the_folder_is_removed_when_the_import_fails_too(
    db: Database, folders: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs) -> ImportReport:  # noqa: ANN002, ANN003
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("analytics.ingest.uploads.import_files", broken)
    with pytest.raises(RuntimeError):
        import_uploads(db, [("practitioners.csv", PRACTITIONERS)], write=True)
    assert not folders[0].exists()


def test_an_uploaded_name_is_only_a_name_never_a_path(db: Database, folders: list[Path]) -> None:
    # A browser may send a folder part; it must neither reach the disk nor the report.
    report = import_uploads(
        db,
        [("../../etc/practitioners.csv", PRACTITIONERS), ("C:\\Users\\x\\notes.xlsx", b"PK\x03\x04")],
        write=True,
    )
    assert report.files == ["practitioners.csv", "notes.xlsx"]
    assert [(p.file, p.reason[:22]) for p in report.errors] == [("notes.xlsx", "Unsupported file type;")]
    assert db.scalar("SELECT count(*) FROM practitioners") == 0  # all or nothing


def test_a_file_like_upload_is_read_from_its_start(db: Database) -> None:
    upload = io.BytesIO(PRACTITIONERS)
    upload.read()  # Streamlit's UploadedFile may have been read before
    report = import_uploads(db, [("practitioners.csv", upload)], write=True)
    assert report.ok and db.scalar("SELECT display_name FROM practitioners") == "Ana"
    assert import_summary(report) == "from 1 file: 1 new rows, 0 changed, 0 unchanged"


def test_problems_are_grouped_by_kind_with_the_first_five_places() -> None:
    report = ImportReport(files=["goal_checkins.csv", "goals.csv"])
    for row in ("9", "2", "3", "4", "5", "6", "7"):
        report.error("goal_checkins.csv", row, "value", "Outside its goal's scale (0.0 to 10.0).")
    report.warn("goals.csv", "2", "target_date", "A warning.")
    report.error("goals.csv", "", "", "The file has a header but no rows.")
    kinds = problems_by_kind(report)
    # Errors first, by file: goal_checkins.csv before goals.csv; places in row order.
    assert kinds.values.tolist() == [
        ["error", "goal_checkins.csv", "value", "Outside its goal's scale (0.0 to 10.0).", 7,
         "row 2, row 3, row 4, row 5, row 6 and 2 more"],
        ["error", "goals.csv", "", "The file has a header but no rows.", 1, "the whole file"],
        ["warning", "goals.csv", "target_date", "A warning.", 1, "row 2"],
    ]  # fmt: skip
    every = problems_table(report)
    assert len(every) == 9 and every["where"].tolist()[:2] == ["row 2", "row 3"]
    assert every["where"].tolist()[7] == "the whole file"


def test_templates_the_example_and_the_column_guide_match_the_tables() -> None:
    for table in TABLES:
        assert template_csv(table.name).decode().splitlines()[0].split(",") == list(table.column_names)
    names = zipfile.ZipFile(io.BytesIO(worked_example_zip())).namelist()
    assert sorted(names) == sorted(f"waymark-example/{p.name}" for p in EXAMPLES.glob("*.csv"))
    kind = columns_frame("sessions").set_index("column").loc["kind"]
    assert kind["allowed"] == "intake, individual, review, discharge (empty: individual)"
    assert not kind["required"]
    assert columns_frame("coping_logs").set_index("column").loc["helpfulness", "allowed"] == "1 to 5"
    with pytest.raises(KeyError):
        template_csv("../secrets")
