"""CSV export that a spreadsheet cannot turn into a formula ("CSV injection").

Rule (OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection):
a spreadsheet treats a cell as a formula when its text starts with `=`, `+`, `-` or `@`,
and some also after a leading tab or carriage return. A text cell (data or column name)
that starts with one of `= + - @ \\t \\r \\n` is written with a single quote `'` in front,
which every common spreadsheet shows as text and does not evaluate.

Numbers stay numbers: numeric, boolean and date columns are written as they are (a
negative number such as -3.5 is a value, not a formula), and so is a text cell that is
exactly a plain decimal number such as "-12" or "+0.5", which a spreadsheet reads as that
number and cannot evaluate. Everything else that starts with a trigger character
("-1+2", "=HYPERLINK(...)", "@SUM(A1)") is neutralised. Missing values become empty cells.
The bytes are UTF-8, comma-separated, with a header row and no index.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A plain decimal number, optionally signed, with an optional exponent: "-12", "+0.5", "1e3".
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """The value, with a `'` in front if it is text a spreadsheet would evaluate."""
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV bytes with every formula-like text cell neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if (
            pd.api.types.is_object_dtype(series.dtype)
            or pd.api.types.is_string_dtype(series.dtype)
            or isinstance(series.dtype, pd.CategoricalDtype)
        ):
            safe[column] = series.astype(object).map(neutralise_cell)
    safe.columns = [neutralise_cell(str(name)) for name in safe.columns]
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")
