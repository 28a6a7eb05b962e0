"""ui.access: the operator's switch for real names is off unless explicitly on."""

from __future__ import annotations

import pytest

from ui.access import real_names_allowed


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        (None, False),
        ("", False),
        ("false", False),
        ("0", False),
        ("maybe", False),
        ("true", True),
        ("1", True),
    ],
)
def test_real_names_are_allowed_only_when_the_operator_says_so(
    monkeypatch: pytest.MonkeyPatch, value: str | None, allowed: bool
) -> None:
    if value is None:
        monkeypatch.delenv("WAYMARK_ALLOW_REAL_NAMES", raising=False)
    else:
        monkeypatch.setenv("WAYMARK_ALLOW_REAL_NAMES", value)
    assert real_names_allowed() is allowed
