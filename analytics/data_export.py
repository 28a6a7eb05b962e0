"""Export: any importable table or analytics view as CSV (formula-safe) or Parquet, and a
client's goals, check-ins and sessions as an HL7 FHIR R4 Bundle that the importer reads
back to the same rows. Everything is scoped to the viewer.

The Bundle uses the importer's mapping (docs/data-format.md) in reverse: Patient (with the
pseudonymous display code as an identifier, never a name), Practitioner, EpisodeOfCare
(intake, discharge, therapist), Encounter per session, Goal, and an Observation per
check-in whose `focus` is its Goal.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from analytics.db import Database
from analytics.errors import AccessDenied, WaymarkError
from analytics.exports import to_safe_csv
from analytics.ingest.fhir import (
    EXT_BASELINE,
    EXT_REVISED_FROM,
    EXT_ROLE,
    EXT_SUPERVISOR,
    LOINC,
    MEASURE_LOINC,
    SYS_DISPLAY_CODE,
    SYS_MEASURE,
    SYS_SESSION_KIND,
)
from analytics.ingest.tables import TABLES
from analytics.scope import Scope

TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)


def _views() -> dict[str, tuple[str, Callable[..., pd.DataFrame]]]:
    """Analytics views that can be exported: name -> (title, function(db, scope, as_of))."""
    from analytics import coping, overview, timeline

    return {
        "monthly_activity": ("Sessions with a goal check-in, by month", overview.monthly_activity),
        "clients_in_scope": ("Clients with their goal counts", timeline.clients_in_scope),
        "coping_clients": ("Clients' coping-skill practice", coping.coping_clients),
    }


def view_names() -> dict[str, str]:
    """Exportable analytics views: name -> title."""
    return {name: title for name, (title, _) in _views().items()}


def table_frame(
    db: Database, scope: Scope, table: str, client_id: str | None = None, with_real_names: bool = False
) -> pd.DataFrame:
    """The rows of an importable table in scope (optionally one client's), in import column order."""
    if table not in TABLE_NAMES:
        raise WaymarkError(
            f"There is no table called {table!r} to export; choose one of {', '.join(TABLE_NAMES)}."
        )
    params: dict[str, Any] = {**scope.params()}
    if table != "coping_skills":
        params["client_id"] = client_id
    if table == "clients":
        params["with_real_names"] = with_real_names
    if table == "practitioners":
        params = scope.params()
    if table == "coping_skills":
        params = {}  # the catalogue holds no client data
    return db.query(f"data_export.{table}", params)


def view_frame(db: Database, scope: Scope, view: str, as_of: dt.date) -> pd.DataFrame:
    """An analytics view (see `view_names`) as a table, for the viewer's scope on `as_of`."""
    views = _views()
    if view not in views:
        raise WaymarkError(f"There is no view called {view!r} to export.")
    return views[view][1](db, scope, as_of)


def to_parquet(frame: pd.DataFrame) -> bytes:
    """The frame as Parquet bytes (types kept: dates stay dates)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def export_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """The frame as `csv` (formula-injection-safe, UTF-8) or `parquet` bytes."""
    if fmt == "csv":
        return to_safe_csv(frame)
    if fmt == "parquet":
        return to_parquet(frame)
    raise WaymarkError(f"Unknown export format {fmt!r}; use csv or parquet.")


# ---------------------------------------------------------------------------- FHIR
def _ref(rtype: str, rid: Any) -> dict[str, str]:
    return {"reference": f"{rtype}/{rid}"}


def _day(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date().isoformat()


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NaT


def _measure_concept(measure: str) -> dict[str, Any]:
    coding = [{"system": SYS_MEASURE, "code": measure}]
    if measure in MEASURE_LOINC:
        coding.insert(0, {"system": LOINC, "code": MEASURE_LOINC[measure]})
    return {"coding": coding, "text": measure}


def client_bundle(db: Database, scope: Scope, client_id: str) -> dict[str, Any]:
    """The client's record as a FHIR R4 collection Bundle: Patient, Practitioners,
    EpisodeOfCare, Encounters (sessions), Goals and Observations (check-ins)."""
    found = db.query("data_export.client_in_scope", {**scope.params(), "client_id": client_id})
    if found.empty:
        raise AccessDenied("That client is not in your caseload, or does not exist.")
    client = table_frame(db, scope, "clients", client_id).iloc[0]
    sessions = table_frame(db, scope, "sessions", client_id)
    goals = table_frame(db, scope, "goals", client_id)
    goals = goals.astype(object).where(goals.notna(), None)
    checkins = table_frame(db, scope, "goal_checkins", client_id)
    checkins = checkins.astype(object).where(checkins.notna(), None)
    events = table_frame(db, scope, "goal_events", client_id)
    # Every practitioner the record names, and their supervisors, so the Bundle stands alone.
    wanted = {str(client["practitioner_id"]), *map(str, sessions["practitioner_id"])}
    directory = db.query_sql(
        "SELECT practitioner_id, display_name, role, supervisor_id, email FROM practitioners"
    )
    directory = directory.astype(object).where(directory.notna(), None)
    by_id = {str(r["practitioner_id"]): r for r in directory.to_dict("records")}
    queue = list(wanted)
    while queue:
        sup = by_id.get(queue.pop(), {}).get("supervisor_id")
        if sup and sup not in wanted and sup in by_id:
            wanted.add(sup)
            queue.append(sup)
    resources: list[dict[str, Any]] = []
    for pid in sorted(wanted):
        p = by_id[pid]
        res: dict[str, Any] = {
            "resourceType": "Practitioner",
            "id": pid,
            "name": [{"text": p["display_name"]}],
            "extension": [{"url": EXT_ROLE, "valueCode": p["role"]}],
        }
        if p.get("supervisor_id"):
            res["extension"].append(
                {"url": EXT_SUPERVISOR, "valueReference": _ref("Practitioner", p["supervisor_id"])}
            )
        if p.get("email"):
            res["telecom"] = [{"system": "email", "value": p["email"]}]
        resources.append(res)
    resources.append(
        {
            "resourceType": "Patient",
            "id": client_id,
            "identifier": [{"system": SYS_DISPLAY_CODE, "value": client["display_code"]}],
            "generalPractitioner": [_ref("Practitioner", client["practitioner_id"])],
        }
    )
    period = {"start": _day(client["intake_date"])}
    if _day(client["discharge_date"]):
        period["end"] = _day(client["discharge_date"])
    resources.append(
        {
            "resourceType": "EpisodeOfCare",
            "id": f"{client_id}.episode",
            "status": "finished" if "end" in period else "active",
            "patient": _ref("Patient", client_id),
            "careManager": _ref("Practitioner", client["practitioner_id"]),
            "period": period,
        }
    )
    for s in sessions.to_dict("records"):
        resources.append(
            {
                "resourceType": "Encounter",
                "id": s["session_id"],
                "status": "finished" if s["attended"] else "cancelled",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                "type": [{"coding": [{"system": SYS_SESSION_KIND, "code": s["kind"]}]}],
                "subject": _ref("Patient", client_id),
                "participant": [{"individual": _ref("Practitioner", s["practitioner_id"])}],
                "period": {"start": _day(s["session_date"])},
            }
        )
    last_event = events.groupby("goal_id")["event_date"].max().to_dict() if not events.empty else {}
    measure_of = {}
    for g in goals.to_dict("records"):
        measure_of[g["goal_id"]] = g["measure"]
        target: dict[str, Any] = {"measure": _measure_concept(g["measure"])}
        if _present(g["target"]):
            target["detailQuantity"] = {"value": float(g["target"])}
        if _day(g["target_date"]):
            target["dueDate"] = _day(g["target_date"])
        res = {
            "resourceType": "Goal",
            "id": g["goal_id"],
            "lifecycleStatus": g["lifecycle_status"],
            "category": [{"text": g["life_area"]}],
            "description": {"text": g["description"]},
            "subject": _ref("Patient", client_id),
            "startDate": _day(g["start_date"]),
            "target": [target],
        }
        if g["achievement_status"]:
            res["achievementStatus"] = {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "code": g["achievement_status"],
                    }
                ]
            }
        if g["goal_id"] in last_event:
            res["statusDate"] = _day(last_event[g["goal_id"]])
        extensions = []
        if _present(g["baseline"]):
            extensions.append({"url": EXT_BASELINE, "valueDecimal": float(g["baseline"])})
        if g["revised_from_goal_id"]:
            extensions.append(
                {"url": EXT_REVISED_FROM, "valueReference": _ref("Goal", g["revised_from_goal_id"])}
            )
        if extensions:
            res["extension"] = extensions
        resources.append(res)
    for k in checkins.to_dict("records"):
        performer = (
            _ref("Patient", client_id)
            if k["reporter"] == "client"
            else _ref("Practitioner", client["practitioner_id"])
        )
        res = {
            "resourceType": "Observation",
            "id": k["checkin_id"],
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "survey",
                        }
                    ]
                }
            ],
            "code": _measure_concept(measure_of[k["goal_id"]]),
            "subject": _ref("Patient", client_id),
            "focus": [_ref("Goal", k["goal_id"])],
            "effectiveDateTime": _day(k["checkin_date"]),
            "performer": [performer],
            "valueQuantity": {"value": float(k["value"])},
        }
        if k["session_id"]:
            res["encounter"] = _ref("Encounter", k["session_id"])
        if k["note"]:
            res["note"] = [{"text": k["note"]}]
        resources.append(res)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "entry": [{"resource": r} for r in resources],
    }
