"""Typed clinic settings stored in the `settings` table."""

from __future__ import annotations

import pytest

from analytics.settings import SETTINGS, SettingsError, get_settings, save_settings


def test_defaults_are_returned_when_nothing_is_stored(db) -> None:
    values = get_settings(db)
    # The defaults: 2 sessions, 30 days, 4 weeks; a goal by the 3rd attended session.
    assert values["caseload.review_sessions"] == 2
    assert values["caseload.review_days"] == 30
    assert values["caseload.dropout_weeks"] == 4
    assert values["caseload.goal_by_session"] == 3
    assert set(values) == {s.key for s in SETTINGS}


def test_saved_values_are_read_back_with_their_type(db) -> None:
    after = save_settings(db, {"caseload.review_days": "45", "caseload.review_sessions": 3})
    assert after["caseload.review_days"] == 45
    assert after["caseload.review_sessions"] == 3
    # Saving again overwrites rather than duplicating the key.
    save_settings(db, {"caseload.review_days": 14})
    assert get_settings(db)["caseload.review_days"] == 14
    assert db.scalar("SELECT count(*) FROM settings WHERE key = 'caseload.review_days'") == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"caseload.review_days": "soon"}, "must be a whole number"),
        ({"caseload.review_days": 2.5}, "must be a whole number"),
        ({"caseload.review_days": True}, "must be a whole number"),
        ({"caseload.review_days": 0}, "at least 1"),
        ({"caseload.dropout_weeks": 53}, "at most 52"),
        ({"caseload.nonsense": 1}, "Unknown setting"),
    ],
)
def test_invalid_values_are_refused_with_a_clear_message_and_nothing_is_stored(db, values, message) -> None:
    with pytest.raises(SettingsError, match=message):
        save_settings(db, {"caseload.review_sessions": 5, **values})
    # All or nothing: the valid value given alongside was not stored either.
    assert get_settings(db)["caseload.review_sessions"] == 2


def test_an_unreadable_stored_value_falls_back_to_the_default(db) -> None:
    db.execute_sql("INSERT INTO settings VALUES ('caseload.review_days', 'thirty'), ('other.key', 'x')")
    assert get_settings(db)["caseload.review_days"] == 30
