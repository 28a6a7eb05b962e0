"""CSV export safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest

from analytics.exports import neutralise_cell, to_safe_csv


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # Plain numbers written as text are read as numbers by a spreadsheet, not evaluated.
        ("-12", "-12"),
        ("+0.5", "+0.5"),
        ("-1e3", "-1e3"),
        # Ordinary text is untouched, including a trigger character later in the cell.
        ("C-0042", "C-0042"),
        ("a = b", "a = b"),
        ("", ""),
    ],
)
def test_a_text_cell_that_starts_like_a_formula_gets_a_quote_in_front(cell: str, written: str) -> None:
    assert neutralise_cell(cell) == written


def test_numbers_dates_and_missing_values_stay_as_they_are() -> None:
    frame = pd.DataFrame(
        {
            "change": [-0.25, 3.0],
            "count": [-4, 7],
            "flag": [True, False],
            "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
            "note": ["-see notes", None],
        }
    )
    header, first, second = rows(to_safe_csv(frame))
    assert header == ["change", "count", "flag", "month", "note"]
    # A negative number is a value, not a formula: no quote in front.
    assert first == ["-0.25", "-4", "True", "2026-01-01", "'-see notes"]
    assert second == ["3.0", "7", "False", "2026-02-01", ""]


def test_column_names_and_string_and_category_columns_are_neutralised_too() -> None:
    frame = pd.DataFrame({"=evil": pd.Series(["@x", "ok"], dtype="string")})
    frame["cat"] = pd.Categorical(["+y", "z"])
    header, first, second = rows(to_safe_csv(frame))
    assert header == ["'=evil", "cat"]
    assert first == ["'@x", "'+y"]
    assert second == ["ok", "z"]


def test_commas_quotes_and_newlines_survive_a_round_trip() -> None:
    frame = pd.DataFrame({"note": ['said "fine", then left\nearly']})
    assert rows(to_safe_csv(frame))[1] == ['said "fine", then left\nearly']


def test_the_original_frame_is_not_changed() -> None:
    frame = pd.DataFrame({"note": ["=1"]})
    to_safe_csv(frame)
    assert frame["note"].tolist() == ["=1"]
