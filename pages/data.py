"""Data (administrators): import files checked before anything is written, the templates and
the worked example, and exports of tables, views, a client's FHIR Bundle or progress report.
Formats and every check: docs/data-format.md."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from analytics.data_export import TABLE_NAMES, view_names
from analytics.db import Database
from analytics.errors import WaymarkError
from analytics.ingest import SUPPORTED, ImportReport
from analytics.ingest.tables import BY_NAME
from analytics.ingest.uploads import (
    Upload,
    columns_frame,
    import_summary,
    import_uploads,
    problems_by_kind,
    problems_table,
    template_csv,
    worked_example_zip,
)
from analytics.scope import practitioner_directory
from analytics.timeline import clients_in_scope
from ui import exports
from ui.access import real_names_allowed, record_export, record_import, record_view, recorded_download
from ui.data import clear_cache, get_database, load
from ui.viewer import require_viewer
from ui.widgets import as_of_date, progress_report_button

PAGE = "data"
_CHECK = "_data_check"  # (fingerprint of the uploads, the report of their check)
_RESULT = "_data_result"  # the report of the last import, shown until the next upload
_ROUND = "_data_upload_round"  # a new uploader (empty) after each import

viewer = require_viewer()
if viewer.role != "admin":
    # The navigation offers this page to administrators only; refuse a typed URL as well.
    st.error(
        "**Access is not allowed.** Importing and exporting data is for administrators.",
        icon=":material/block:",
    )
    st.stop()
as_of = as_of_date()
db = get_database()

st.title("Data")
st.caption(
    "Bring records in from CSV, Parquet or FHIR R4 files, checked before anything is written, "
    "and take them out again. Every column and every check is described in docs/data-format.md."
)
record_view(PAGE)


def styled(frame: pd.DataFrame, column: str = "severity") -> pd.io.formats.style.Styler:
    """Errors in red, warnings in amber, so the two cannot be mistaken."""
    colours = {"error": "color: #b42318; font-weight: 600", "warning": "color: #93370d"}
    return frame.style.map(lambda v: colours.get(v, ""), subset=[column])


def counts_table(report: ImportReport) -> None:
    """Rows per table: new, changed, unchanged (at most eight rows: a plain table)."""
    counts = report.counts_frame()
    if not counts.empty:
        labels = {"table": "Table", "inserted": "New", "updated": "Changed", "unchanged": "Unchanged"}
        st.table(counts.rename(columns=labels).style.hide(axis="index"))


def show_check(report: ImportReport) -> None:
    """The validation report: a verdict, counts, what to fix, every problem, the download."""
    errors, warnings = len(report.errors), len(report.warnings)
    changes = sum(c["inserted"] + c["updated"] for c in report.counts.values())
    if not report.ok:
        st.error(
            f"**Not imported: {errors} error(s) to fix"
            + (f" and {warnings} warning(s) to look at" if warnings else "")
            + ".** Nothing was written. Correct each problem below in your files, then upload "
            "them again. Row numbers count the header as row 1, as a spreadsheet does.",
            icon=":material/error:",
        )
    elif changes == 0:
        st.info(
            "**Nothing to import.** The files passed the check, and every row is already in "
            "Waymark with the same values.",
            icon=":material/check_circle:",
        )
    else:
        st.success(
            f"**Ready to import {import_summary(report)}.** Every file passed the check. Press "
            "Import to write them; until then nothing has changed.",
            icon=":material/check_circle:",
        )
    cols = st.columns(4)
    cols[0].metric("Files", len(report.files))
    cols[1].metric("Rows read", f"{report.rows_read:,}")
    cols[2].metric("Errors", f"{errors:,}", help="Each one stops the import until it is fixed.")
    cols[3].metric("Warnings", f"{warnings:,}", help="Worth checking; they do not stop the import.")
    if report.problems:
        st.subheader("What to fix")
        st.caption(
            "Each line is one kind of problem in one column of one file, with how often it occurs "
            "and where. The messages never repeat a value from your files."
        )
        # A static table, so that every message wraps and is read whole (a data grid cuts
        # long text off); the full list below can be long, so it stays a scrolling grid.
        kinds = problems_by_kind(report).rename(
            columns={
                "severity": "Severity",
                "file": "File",
                "column": "Column",
                "reason": "What is wrong",
                "count": "How many",
                "where": "Where",
            }
        )
        st.table(styled(kinds, "Severity").hide(axis="index"))
        with st.expander(f"Every problem, one per line ({len(report.problems):,})", icon=":material/list:"):
            st.dataframe(
                styled(problems_table(report)),
                hide_index=True,
                width="stretch",
                key="problems",
                column_config={
                    "severity": st.column_config.TextColumn("Severity", width="small"),
                    "file": "File",
                    "where": st.column_config.TextColumn("Where", width="small"),
                    "column": "Column",
                    "reason": st.column_config.TextColumn("What is wrong", width="large"),
                },
            )
        st.download_button(
            "Download this report (CSV)",
            data=report.to_csv(),
            file_name="waymark-import-check.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click=record_export,
            args=(PAGE, None, "import-check.csv"),
            key="report_csv",
        )
    if report.ok and report.counts:
        st.subheader("Rows per table")
        counts_table(report)
    if report.skipped:
        st.caption(
            "FHIR resources not used: "
            + "; ".join(f"{n} × {reason}" for reason, n in sorted(report.skipped.items()))
            + "."
        )
    for note in report.notes:
        st.caption(note)


def _import_with_progress(
    text: str, db: Database, uploads: Sequence[Upload], write: bool, fallback: str | None
) -> ImportReport | None:
    """Run the importer (a check, or the write) under a progress bar; None after an error,
    which is shown."""
    bar = st.progress(0.0, text=text)
    try:
        return import_uploads(
            db,
            uploads,
            write=write,
            default_practitioner=fallback,
            progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message),
        )
    except WaymarkError as err:
        st.error(f"**{err.title}.** {err}")
        return None
    finally:
        bar.empty()


def import_section() -> None:
    st.session_state.setdefault(_ROUND, 0)
    files = st.file_uploader(
        "Files to import",
        type=[suffix.lstrip(".") for suffix in SUPPORTED],
        accept_multiple_files=True,
        key=f"upload_{st.session_state[_ROUND]}",
        help="CSV or Parquet: one table per file, named after the table (goals.csv, "
        "sessions-2026.parquet). FHIR R4: a Bundle, single resources or NDJSON.",
    )
    directory = load(practitioner_directory)
    names = {p["practitioner_id"]: p["display_name"] for p in directory if p["role"] != "admin"}
    with st.expander("FHIR: patients whose record names no therapist", icon=":material/tune:"):
        fallback = st.selectbox(
            "Therapist for them",
            list(names),
            index=None,
            format_func=names.get,
            placeholder="None: such patients are reported as errors",
            key="fhir_practitioner",
            help="Used only for FHIR Patients with no generalPractitioner, EpisodeOfCare, "
            "Encounter, Goal or Observation that names a practitioner.",
        )
    if not files:
        result = st.session_state.get(_RESULT)
        if result is not None:
            st.success(
                f"**Imported {import_summary(result)}.** Every page shows the new data from now on.",
                icon=":material/task_alt:",
            )
            counts_table(result)
        else:
            st.info(
                "Choose one or more files. They are checked first, every row and every "
                "reference; nothing is written until the check has passed and you press Import. "
                "Templates and a worked example are under Templates and formats.",
                icon=":material/upload_file:",
            )
        return
    st.session_state.pop(_RESULT, None)
    uploads = [(f.name, f) for f in files]
    fingerprint = (tuple((f.file_id, f.name, f.size) for f in files), fallback)
    check = st.session_state.get(_CHECK)
    if check is None or check[0] != fingerprint:
        report = _import_with_progress("Checking the files…", db, uploads, False, fallback)
        if report is None:
            return
        st.session_state[_CHECK] = check = (fingerprint, report)
    report = check[1]
    show_check(report)
    changes = sum(c["inserted"] + c["updated"] for c in report.counts.values())
    clicked = st.button(
        "Import",
        type="primary",
        icon=":material/database_upload:",
        disabled=not report.ok or changes == 0,
        key="import",
        help="Writes every row of every file in one step, or nothing.",
    )
    if not report.ok:
        st.caption("Import is offered once every error is fixed and the files pass the check.")
    if not clicked:
        return
    # Checked again while writing: the database may have changed since the check.
    result = _import_with_progress("Importing…", db, uploads, True, fallback)
    if result is None:
        return
    if not result.ok:
        st.session_state[_CHECK] = (fingerprint, result)
        st.rerun()
    clear_cache()
    record_import(PAGE, f"imported {import_summary(result)}")
    st.session_state[_RESULT] = result
    st.session_state.pop(_CHECK, None)
    st.session_state[_ROUND] += 1
    st.rerun()


def export_section() -> None:
    st.subheader("A table or a view")
    views = view_names()
    options = [("table", t) for t in TABLE_NAMES] + [("view", v) for v in views]
    choice = st.selectbox(
        "What to export",
        options,
        format_func=lambda o: f"Table: {o[1]}" if o[0] == "table" else f"View: {views[o[1]]}",
        key="export_what",
        help="Tables export exactly as they import (same columns), so an export can be read back.",
    )
    fmt = st.radio(
        "Format",
        ["csv", "parquet"],
        format_func={"csv": "CSV (spreadsheets)", "parquet": "Parquet (data tools)"}.get,
        horizontal=True,
        key="export_format",
    )
    with_real_names = False
    if choice == ("table", "clients") and real_names_allowed():
        with_real_names = st.checkbox("Include real names where recorded", key="export_real_names")
    kind, name = choice
    st.download_button(
        f"Download {name}.{fmt}",
        data=recorded_download(
            exports.table_or_view(db, viewer.scope, kind, name, fmt, as_of, with_real_names),
            PAGE,
            None,
            f"{kind} {name}.{fmt}" + (" with real names" if with_real_names else ""),
        ),
        file_name=f"waymark-{name}.{fmt}",
        mime="text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
        icon=":material/download:",
        on_click="ignore",
        key="export_table",
    )
    st.caption(
        "CSV cells that a spreadsheet would run as a formula get a ' in front. Clients are "
        "shown by their pseudonymous code"
        + (", and real names only when you tick the box." if real_names_allowed() else ".")
        + f" Views are computed as of {as_of:%d %B %Y} (the date in the sidebar)."
    )

    st.subheader("One client")
    clients = load(clients_in_scope, viewer.scope, as_of)
    if clients.empty:
        st.info("There are no clients yet on this date; import some first.")
        return
    codes = dict(zip(clients["client_id"], clients["display_code"], strict=True))
    client_id = st.selectbox(
        "Client",
        list(codes),
        index=None,
        format_func=codes.get,
        placeholder="Choose a client by code…",
        key="export_client",
    )
    if client_id is None:
        st.caption(
            "A client's record as an HL7 FHIR R4 Bundle (for another system, or to move a client), "
            "or their one-page progress report to share with them."
        )
        return
    code = codes[client_id]
    cols = st.columns(3)
    cols[0].download_button(
        "FHIR R4 Bundle (JSON)",
        data=recorded_download(
            exports.fhir_bundle(db, viewer.scope, client_id), PAGE, client_id, "fhir-bundle.json"
        ),
        file_name=f"waymark-{code}.fhir.json",
        mime="application/fhir+json",
        icon=":material/download:",
        on_click="ignore",
        key="export_bundle",
    )
    for col, fmt in ((cols[1], "pdf"), (cols[2], "png")):
        progress_report_button(
            col, PAGE, f"Progress report ({fmt.upper()})", db, viewer.scope, client_id, code, as_of, fmt,
            key=f"export_report_{fmt}",
        )  # fmt: skip
    st.caption(
        f"The Bundle names {code} by its code, never by a real name, and reads back into Waymark "
        f"unchanged. The report shows each goal's path and the latest scores as of {as_of:%d %B %Y}."
    )


def formats_section() -> None:
    st.download_button(
        "Worked example: a small clinic (zip of CSV files)",
        data=worked_example_zip(),
        file_name="waymark-example.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        on_click=record_export,
        args=(PAGE, None, "worked example"),
        key="example_zip",
        help="Fictional: 2 practitioners, 3 clients, their sessions, goals, check-ins and coping "
        "practice. It imports cleanly, and shows how the tables refer to each other.",
    )
    table = st.selectbox("Table", TABLE_NAMES, key="format_table")
    st.markdown(f"**{table}**: {BY_NAME[table].description}")
    st.dataframe(
        columns_frame(table),
        hide_index=True,
        width="stretch",
        key="format_columns",
        column_config={
            "column": "Column",
            "type": "Type",
            "required": st.column_config.CheckboxColumn("Required"),
            "allowed": "Allowed values",
            "meaning": st.column_config.TextColumn("Meaning", width="large"),
            "example": "Example",
        },
    )
    st.download_button(
        f"Template: {table}.csv",
        data=template_csv(table),
        file_name=f"{table}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click=record_export,
        args=(PAGE, None, f"template {table}.csv"),
        key="template",
    )
    st.caption(
        "CSV: UTF-8 (with or without a byte-order mark), comma or semicolon, a header row with "
        "the template's column names in any order; dates as YYYY-MM-DD. Ids are yours and stable: "
        "importing a row again with the same id updates it."
    )


import_tab, export_tab, formats_tab = st.tabs(["Import", "Export", "Templates and formats"])
with import_tab:
    import_section()
with export_tab:
    try:
        export_section()
    except WaymarkError as err:
        st.error(f"**{err.title}.** {err}")
with formats_tab:
    formats_section()
