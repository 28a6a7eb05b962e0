"""The viewer's scope: which practitioners' clients a query may read.

Every analytics function takes a `Scope` and every query filters by it, so access control
is a property of where data is read, not of which pages are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from analytics.db import Database

Role = Literal["therapist", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("therapist", "supervisor", "admin")


@dataclass(frozen=True)
class Scope:
    """The practitioner ids whose clients the viewer may read (hashable: a cache key)."""

    practitioner_ids: tuple[str, ...]

    def params(self) -> dict[str, list[str]]:
        """Bound parameters for SQL that filters with `IN (SELECT unnest($scope))`."""
        return {"scope": list(self.practitioner_ids)}

    def allows(self, practitioner_id: str | None) -> bool:
        return practitioner_id is not None and practitioner_id in self.practitioner_ids

    @property
    def empty(self) -> bool:
        return not self.practitioner_ids


def scope_for(db: Database, role: Role, practitioner_id: str | None) -> Scope:
    """The scope of a viewer: a therapist their own caseload, a supervisor their team's
    (and their own), an admin every practitioner's."""
    if role == "admin":
        ids = db.query("scope.all_practitioners")["practitioner_id"]
    elif role == "supervisor":
        ids = db.query("scope.team_of", {"supervisor": practitioner_id})["practitioner_id"]
    elif role == "therapist":
        ids = [practitioner_id] if practitioner_id else []
    else:
        raise ValueError(f"unknown role {role!r}")
    return Scope(tuple(sorted(str(i) for i in ids)))


def practitioner_directory(db: Database) -> list[dict[str, str | None]]:
    """Every practitioner: id, display name, role and supervisor id (no client data)."""
    return db.query("scope.practitioner_directory").to_dict("records")
