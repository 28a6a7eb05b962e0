"""Clinic settings: typed values with defaults, stored as text in the `settings` table.

The registry `SETTINGS` is the one list of every setting Waymark knows. To add one, add a
row: key (`<topic>.<name>`), default, type, label, help, and the allowed range. A stored
value that no longer parses (an older version wrote it, or someone edited the file) is
ignored in favour of the default rather than breaking a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analytics.db import Database
from analytics.errors import WaymarkError


class SettingsError(WaymarkError):
    """A setting value was refused (unknown key, wrong type, out of range)."""

    title = "That setting was not saved"


@dataclass(frozen=True)
class Setting:
    """One setting: its key, default, type (int, float or bool), label and help, and range."""

    key: str
    default: int | float | bool
    type: type
    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None


SETTINGS: tuple[Setting, ...] = (
    # --- caseload (docs/caseload.md) ---------------------------------------------------
    Setting(
        "caseload.review_sessions",
        2,
        int,
        "Review overdue after this many attended sessions without a check-in",
        "An active goal is flagged 'review overdue' when none of the client's last N "
        "attended sessions had a check-in on it.",
        1,
        20,
    ),
    Setting(
        "caseload.review_days",
        30,
        int,
        "Review overdue after this many days without a check-in",
        "An active goal is flagged 'review overdue' when its last check-in (or its start, "
        "if it has none) is more than D days before the as-of date.",
        1,
        365,
    ),
    Setting(
        "caseload.dropout_weeks",
        4,
        int,
        "Possible drop-out after this many weeks without an attended session",
        "A client with no attended session in the last W weeks is flagged 'possible drop-out'.",
        1,
        52,
    ),
    Setting(
        "caseload.goal_by_session",
        3,
        int,
        "No goal yet after this many attended sessions",
        "A client who has attended N sessions and has no goal at all (an exploratory goal "
        "counts) is flagged 'no goal yet'.",
        1,
        20,
    ),
    # --- follow-up audit (docs/audit.md) -----------------------------------------------
    Setting(
        "audit.goal_by_session",
        3,
        int,
        "Goal expected by this attended session (N)",
        "Goal-setting rate: clients with at least one goal by their Nth attended session, "
        "among clients who reached N attended sessions.",
        1,
        20,
    ),
    Setting(
        "audit.review_days",
        30,
        int,
        "Goal reviewed within this many days (D)",
        "Review cadence: active goals with a check-in in the last D days.",
        1,
        365,
    ),
    Setting(
        "audit.lapse_sessions",
        3,
        int,
        "Lapse after this many attended sessions without a check-in (K)",
        "Clients lacking follow-up: a run of K consecutive attended sessions without any "
        "goal check-in, or no goal by session N.",
        1,
        20,
    ),
)

REGISTRY: dict[str, Setting] = {s.key: s for s in SETTINGS}


def defaults() -> dict[str, int | float | bool]:
    """Every setting's default value, keyed by setting key."""
    return {s.key: s.default for s in SETTINGS}


def parse_value(setting: Setting, raw: Any) -> int | float | bool:
    """`raw` (text or a number) as the setting's type, within its range, or SettingsError."""
    label = f"'{setting.label}'"
    try:
        if setting.type is bool:
            if isinstance(raw, bool):
                value: int | float | bool = raw
            elif str(raw).strip().lower() in ("true", "1", "yes", "on"):
                value = True
            elif str(raw).strip().lower() in ("false", "0", "no", "off"):
                value = False
            else:
                raise ValueError
        elif setting.type is int:
            if isinstance(raw, bool):
                raise ValueError
            if isinstance(raw, float):
                if not raw.is_integer():
                    raise ValueError
                value = int(raw)
            else:
                value = int(str(raw).strip())
        elif setting.type is float:
            if isinstance(raw, bool):
                raise ValueError
            value = float(str(raw).strip())
        else:  # pragma: no cover - the registry only holds the types above
            raise SettingsError(f"{label} has an unsupported type.")
    except (TypeError, ValueError):
        kind = {int: "a whole number", float: "a number", bool: "yes or no"}[setting.type]
        raise SettingsError(f"{label} must be {kind}; got {raw!r}.") from None
    if setting.type is not bool:
        if setting.minimum is not None and value < setting.minimum:
            raise SettingsError(f"{label} must be at least {setting.minimum:g}; got {value:g}.")
        if setting.maximum is not None and value > setting.maximum:
            raise SettingsError(f"{label} must be at most {setting.maximum:g}; got {value:g}.")
    return value


def get_settings(db: Database) -> dict[str, int | float | bool]:
    """Every setting's current value (stored, else default), keyed by setting key."""
    values = defaults()
    stored = db.query_sql("SELECT key, value FROM settings")
    for key, raw in zip(stored["key"], stored["value"], strict=True):
        setting = REGISTRY.get(str(key))
        if setting is None:
            continue  # a key from a newer or removed feature: not ours to interpret
        try:
            values[setting.key] = parse_value(setting, raw)
        except SettingsError:
            continue  # unreadable stored value: the default is the safe reading
    return values


def save_settings(db: Database, values: Mapping[str, Any]) -> dict[str, int | float | bool]:
    """Validate and store `values` (all or nothing); returns every setting's value after."""
    unknown = sorted(k for k in values if k not in REGISTRY)
    if unknown:
        raise SettingsError(f"Unknown setting(s): {', '.join(unknown)}.")
    parsed = {key: parse_value(REGISTRY[key], raw) for key, raw in values.items()}
    with db.transaction() as cur:
        for key, value in parsed.items():
            cur.execute(
                "INSERT INTO settings (key, value) VALUES ($key, $value) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                {"key": key, "value": str(value).lower() if isinstance(value, bool) else str(value)},
            )
    return get_settings(db)
