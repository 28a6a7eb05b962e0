"""The benchmark keeps working: it runs at the tiny scale and its table and JSON hold the
expected rows with sane numbers, and the pandas references agree with DuckDB.

No test here asserts a time: timings depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from analytics import bench
from analytics.bench_pandas import _compare
from analytics.cli import main

NUMBER_FIELDS = ("cold_ms", "median_ms", "min_ms", "max_ms", "floor_ms", "pandas_ms", "value")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """One benchmark run at the tiny scale through the CLI: (the JSON report, the printed table)."""
    pytest.importorskip("analytics.demo")
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "tiny.json"
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(
            [
                "bench",
                "--scale",
                "tiny",
                "--db",
                str(folder / "tiny.duckdb"),
                "--json",
                str(out),
                "--runs",
                "5",
                "--only",
                "analytics,pages,import",
                "--import-rows",
                "2000",
            ]
        )
    assert status == 0
    return json.loads(out.read_text()), printed.getvalue()


def _landed(module: str, function: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), function)
    except ModuleNotFoundError:
        return False


def test_every_landed_analytics_call_is_timed_and_every_other_is_listed_as_absent(
    tiny_run: tuple[dict, str],
) -> None:
    report, _ = tiny_run
    timed = {r["key"] for r in report["rows"] if r["kind"] == "analytics"}
    absent = {a["key"] for a in report["absent"]}
    errors = {e["key"] for e in report["errors"]}
    for case in bench.CASES:
        if _landed(case.module, case.function):
            # A landed function is either timed or its failure is reported, never skipped.
            assert case.key in timed | errors, case.key
        else:
            assert case.key in absent, case.key
            assert case.key not in timed
    # The functions the budgets name are on main and timed.
    assert {"caseload_practitioner", "audit_system", "audit_team"} <= timed


def test_the_report_holds_gateway_floor_page_total_and_memory_rows(tiny_run: tuple[dict, str]) -> None:
    report, _ = tiny_run
    kinds = {r["kind"] for r in report["rows"]}
    assert {"gateway", "analytics", "page analytics", "floor", "pandas", "page", "memory"} <= kinds
    assert report["scale"] == "tiny"
    assert report["machine"]["nproc"] >= 1
    # Tiny really is tiny: one supervisor and one therapist, a handful of clients.
    assert report["database"]["rows"]["practitioners"] == 2
    assert 0 < report["database"]["rows"]["clients"] <= 12
    # Each analytics row ran the required number of timed runs after its cold call.
    for row in report["rows"]:
        if row["kind"] == "analytics":
            assert row["runs"] >= 5
            assert row["floor_ms"] is not None


def test_every_number_in_the_report_is_finite_and_not_negative(tiny_run: tuple[dict, str]) -> None:
    report, _ = tiny_run
    for row in report["rows"]:
        for name in NUMBER_FIELDS:
            value = row[name]
            if value is not None:
                assert math.isfinite(value) and value >= 0, (row["label"], name, value)
        if row["median_ms"] is not None and row["min_ms"] is not None:
            assert row["min_ms"] <= row["median_ms"] <= row["max_ms"], row["label"]


def test_pandas_references_agree_with_duckdb(tiny_run: tuple[dict, str]) -> None:
    report, _ = tiny_run
    references = [r for r in report["rows"] if r["kind"] == "pandas" and r["key"] != "pandas_load"]
    # caseload, timeline (check-in points) and the follow-up audit each have a reference.
    assert {r["key"] for r in references} >= {"pandas_caseload_practitioner", "pandas_audit_system"}
    if _landed("analytics.timeline", "goal_timeline"):
        assert "pandas_goal_timeline" in {r["key"] for r in references}
    for row in references:
        assert row["agree"] is True, (row["label"], row["note"])
        assert row["pandas_speedup"] is not None and row["pandas_speedup"] > 0
    # The caseload and the timeline are also timed alternately with pandas: a positive ratio,
    # on the reference row and on the DuckDB row it compares with, with its parts in the note.
    paired = {r["key"]: r for r in references if r["paired_speedup"] is not None}
    assert "pandas_caseload_practitioner" in paired and "pandas_audit_system" not in paired
    for key, row in paired.items():
        assert row["paired_speedup"] > 0 and "alternated" in row["note"]
        duck = next(
            r for r in report["rows"] if r["kind"] == "analytics" and r["key"] == key.removeprefix("pandas_")
        )
        assert duck["paired_speedup"] == row["paired_speedup"]


def test_budgets_are_only_judged_at_the_scales_they_are_set_for(tiny_run: tuple[dict, str]) -> None:
    report, _ = tiny_run
    # The budgets are for clinic and system scale on 2 cores; tiny is for CI and carries none,
    # except the import rate, which does not depend on the database size.
    judged = [r for r in report["rows"] if r["status"] and r["kind"] != "import"]
    assert judged == []


def test_the_import_is_timed_with_validation_and_every_row_lands(tiny_run: tuple[dict, str]) -> None:
    report, _ = tiny_run
    if not _landed("analytics.ingest", "import_files"):
        assert any(a["key"] == "import" for a in report["absent"])
        return
    rows = {r["key"]: r for r in report["rows"] if r["kind"] == "import"}
    assert rows["import_csv"]["value"] > 0 and rows["import_csv"]["unit"] == "rows/s"
    # 2,000 new check-ins were imported into a copy, and all 2,000 are there afterwards.
    assert rows["import_csv"]["agree"] is True
    assert "2,000 rows" in rows["import_csv"]["note"]


def test_the_printed_table_names_every_timed_row(tiny_run: tuple[dict, str]) -> None:
    report, printed = tiny_run
    assert "Waymark benchmark, scale tiny" in printed
    for row in report["rows"]:
        if row["kind"] in ("analytics", "pandas"):
            assert row["label"][:40] in printed


def test_a_reused_database_is_not_rebuilt_when_scale_and_seed_match(tiny_run: tuple[dict, str]) -> None:
    report, _ = tiny_run
    path = Path(report["database"]["path"])
    again = bench.prepare_database(path, "tiny", bench.DEFAULT_SEED, echo=lambda _: None)
    assert again.reused
    assert again.rows == report["database"]["rows"]


# ------------------------------------------------------------------ the answer check itself
def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    # Two clients; the same facts computed twice, once as DuckDB returns them (dates as
    # datetime64, counts as int) and once as pandas does (dates as Timestamps, counts float).
    duck = pd.DataFrame(
        {
            "client_id": ["c1", "c2"],
            "attended_sessions": [3, 0],
            "last_session_date": pd.to_datetime(["2026-01-05", None]),
        }
    )
    ref = pd.DataFrame(
        {
            "client_id": ["c2", "c1"],  # another order: rows are matched by key
            "attended_sessions": [0.0, 3.0],
            "last_session_date": [pd.NaT, pd.Timestamp("2026-01-05")],
        }
    )
    return duck, ref


def test_the_answer_check_matches_rows_by_key_and_treats_missing_as_equal() -> None:
    duck, ref = _frames()
    agree, detail = _compare(duck, ref, "client_id", ["attended_sessions", "last_session_date"])
    assert agree, detail


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # one count off by one: the check must say they differ, and in which column
        (lambda ref: ref.assign(attended_sessions=[0.0, 4.0]), "attended_sessions (1 rows)"),
        # a date one day later
        (
            lambda ref: ref.assign(last_session_date=[pd.NaT, pd.Timestamp("2026-01-06")]),
            "last_session_date (1 rows)",
        ),
        # a client missing from the reference
        (lambda ref: ref.iloc[:1], "row keys differ"),
    ],
)
def test_the_answer_check_finds_a_wrong_answer(change, expected: str) -> None:
    duck, ref = _frames()
    agree, detail = _compare(duck, change(ref), "client_id", ["attended_sessions", "last_session_date"])
    assert not agree
    assert expected in detail
