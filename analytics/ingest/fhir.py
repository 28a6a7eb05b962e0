"""HL7 FHIR R4 JSON (a Bundle, a single resource, or NDJSON) mapped to Waymark rows.

Mapping (docs/data-format.md has the full table):
Patient -> clients, Practitioner -> practitioners, EpisodeOfCare -> a client's intake,
discharge and therapist, Encounter -> sessions, Goal -> goals (+ one goal event for a new
goal), Observation -> goal_checkins when it is progress on a Goal, and PHQ-9 (LOINC 44261-6)
and GAD-7 (LOINC 70274-6) total scores as standard measures. CarePlan.goal links goals to
plans (and gives a goal without a startDate its plan's start). Every other resource type is
skipped and counted in the report.

The rows come out as text, exactly like a CSV, and then go through the same validation
(types, value sets, ranges, references), so a FHIR file is held to the same rules.
Decisions on the awkward cases of real data (the same id in two files, references to
resources that are not there, the four ways a Goal links to its progress, contained Goals)
are written into the report's notes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics.ingest.report import ImportReport
from analytics.ingest.tables import MEASURES

WAYMARK = "http://waymark.example.org/fhir"
EXT_BASELINE = f"{WAYMARK}/StructureDefinition/goal-baseline"
EXT_REVISED_FROM = f"{WAYMARK}/StructureDefinition/goal-revised-from"
EXT_ROLE = f"{WAYMARK}/StructureDefinition/practitioner-role"
EXT_SUPERVISOR = f"{WAYMARK}/StructureDefinition/practitioner-supervisor"
SYS_DISPLAY_CODE = f"{WAYMARK}/sid/display-code"
SYS_MEASURE = f"{WAYMARK}/CodeSystem/measure"
SYS_SESSION_KIND = f"{WAYMARK}/CodeSystem/session-kind"
LOINC = "http://loinc.org"

PHQ9_TOTAL, PHQ9_PANEL = "44261-6", "44249-1"
GAD7_TOTAL, GAD7_PANEL = "70274-6", "69737-5"
GAS_CODES = {"107332-9", "107333-7", "107334-5"}  # baseline, practitioner and patient follow-up
# LOINC answer list for Goal Attainment Scaling levels (LL6184-6), as the PCO IG codes them.
GAS_LEVELS = {"LA34479-8": 2.0, "LA34480-6": 1.0, "LA34481-4": 0.0, "LA34483-0": -1.0, "LA34484-8": -2.0}
MEASURE_LOINC = {"phq-9": PHQ9_TOTAL, "gad-7": GAD7_TOTAL, "gas": "107332-9"}
STANDARD_GOAL = {
    "phq-9": ("PHQ-9 depression score (standard measure)", "mood"),
    "gad-7": ("GAD-7 anxiety score (standard measure)", "anxiety"),
}
ATTENDED = {"arrived": True, "triaged": True, "in-progress": True, "onleave": True, "finished": True,
            "planned": False, "cancelled": False}  # fmt: skip

# Where a table column comes from in FHIR, for problems found after mapping.
ELEMENT = {
    "practitioners": {"display_name": "Practitioner.name", "role": "Practitioner.extension(role)",
                      "supervisor_id": "Practitioner.extension(supervisor)"},
    "clients": {"practitioner_id": "Patient.generalPractitioner", "intake_date": "EpisodeOfCare.period.start",
                "discharge_date": "EpisodeOfCare.period.end", "display_code": "Patient.identifier"},
    "sessions": {"client_id": "Encounter.subject", "practitioner_id": "Encounter.participant.individual",
                 "session_date": "Encounter.period.start", "attended": "Encounter.status", "kind": "Encounter.type"},
    "goals": {"client_id": "Goal.subject", "description": "Goal.description", "life_area": "Goal.category",
              "start_date": "Goal.startDate", "target_date": "Goal.target.dueDate",
              "lifecycle_status": "Goal.lifecycleStatus", "achievement_status": "Goal.achievementStatus",
              "measure": "Goal.target.measure", "baseline": "Goal.extension(baseline)",
              "target": "Goal.target.detail[x]", "revised_from_goal_id": "Goal.extension(revised-from)"},
    "goal_events": {"event_date": "Goal.statusDate", "lifecycle_status": "Goal.lifecycleStatus",
                    "achievement_status": "Goal.achievementStatus"},
    "goal_checkins": {"goal_id": "Observation.focus", "session_id": "Observation.encounter",
                      "checkin_date": "Observation.effective[x]", "value": "Observation.value[x]",
                      "reporter": "Observation.performer"},
}  # fmt: skip

Known = Callable[[str, str], bool]
Rows = dict[str, list[dict[str, str | None]]]


@dataclass
class Resource:
    type: str
    id: str
    data: dict[str, Any]
    file: str
    container: str | None = None  # "CarePlan/x" for a contained resource
    local: str | None = None  # its id inside the container ("g1" for "#g1")

    @property
    def ref(self) -> str:
        return f"{self.type}/{self.id}"


@dataclass
class _Set:
    """Every resource of the import, indexed by type/id and by fullUrl."""

    report: ImportReport
    by_ref: dict[str, Resource] = field(default_factory=dict)
    by_url: dict[str, str] = field(default_factory=dict)
    first_file: dict[str, str] = field(default_factory=dict)
    conflicted: set[str] = field(default_factory=set)

    def add(self, res: Resource, full_url: str | None) -> None:
        key = res.ref
        if full_url:
            self.by_url[full_url] = key
        old = self.by_ref.get(key)
        if old is None:
            self.by_ref[key] = res
            return
        if _same(old.data, res.data):
            self.report.notes.append(
                f"{key} is in both {old.file} and {res.file} with the same content; it was read once."
            )
            return
        # Two different resources under one id: they came from two different servers, and
        # Waymark cannot tell which one the other resources mean. Refuse, and say so.
        for r in (old, res):
            self.report.error(
                r.file, key, "id",
                f"Two different resources use the id {key} ({old.file} and {res.file}). FHIR ids "
                "must be unique within one import: import these files separately.",
            )  # fmt: skip
        self.conflicted.add(key)

    def resolve(self, ref: dict[str, Any] | None, context: Resource) -> str | None:
        """The `Type/id` a Reference points at (contained `#x`, `urn:uuid:`, relative or
        absolute URL), whether or not that resource is present."""
        if not isinstance(ref, dict):
            return None
        text = ref.get("reference")
        if not isinstance(text, str) or not text:
            return None
        if text.startswith("#"):
            owner = context.container or context.ref
            for res in self.by_ref.values():
                if res.container == owner and res.local == text[1:]:
                    return res.ref
            return f"?{owner}{text}"
        if text.startswith(("urn:uuid:", "urn:oid:")):
            return self.by_url.get(text, f"?{text}")
        if text in self.by_url:
            return self.by_url[text]
        match = re.search(r"([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(/_history/[^/]+)?$", text)
        return f"{match.group(1)}/{match.group(2)}" if match else f"?{text}"

    def of_type(self, rtype: str) -> Iterator[Resource]:
        for res in self.by_ref.values():
            if res.type == rtype and res.ref not in self.conflicted:
                yield res


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = lambda d: {k: v for k, v in d.items() if k not in ("meta", "text")}  # noqa: E731
    return strip(a) == strip(b)


def _read(path: Path, shown: str, report: ImportReport) -> Iterator[tuple[dict[str, Any], str | None, str]]:
    """(resource, fullUrl, where) for every resource in a JSON or NDJSON file."""
    raw = path.read_bytes()
    if not raw.strip():
        report.error(shown, "", "", "The file is empty.")
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.error(shown, "", "", "The file is not UTF-8 text, as FHIR JSON must be.")
        return
    docs: list[tuple[Any, str]] = []
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    docs.append((json.loads(line), f"line {n}"))
                except json.JSONDecodeError:
                    report.error(
                        shown,
                        f"line {n}",
                        "",
                        "This line is not a JSON object (NDJSON has one resource per line).",
                    )
    else:
        try:
            docs.append((json.loads(text), ""))
        except json.JSONDecodeError as exc:
            report.error(shown, f"line {exc.lineno}", "", "The file is not valid JSON (it may be truncated).")
    for doc, where in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
            report.error(shown, where, "resourceType", "Not a FHIR resource: it has no resourceType.")
            continue
        if doc["resourceType"] == "Bundle":
            for i, entry in enumerate(doc.get("entry") or [], start=1):
                res = entry.get("resource") if isinstance(entry, dict) else None
                if not isinstance(res, dict) or "resourceType" not in res:
                    report.error(shown, f"Bundle.entry[{i}]", "resource", "The entry holds no resource.")
                    continue
                if (entry.get("request") or {}).get("method") == "DELETE":
                    report.skipped[f"{res['resourceType']}: a DELETE entry"] += 1
                    continue
                yield res, entry.get("fullUrl"), f"Bundle.entry[{i}]"
        else:
            yield doc, None, where


def _code(concept: dict[str, Any] | None, system: str | None = None) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if (system is None or coding.get("system") == system) and coding.get("code"):
            return str(coding["code"])
    return None


def _text(concept: dict[str, Any] | None) -> str | None:
    if not concept:
        return None
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
        if coding.get("code"):
            return str(coding["code"])
    return None


def _ext(data: dict[str, Any], url: str) -> dict[str, Any] | None:
    return next((e for e in data.get("extension") or [] if e.get("url") == url), None)


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 4 else None


def _num(value: Any) -> str | None:
    return None if value is None else repr(float(value))


def _effective(data: dict[str, Any]) -> str | None:
    return _date(
        data.get("effectiveDateTime")
        or (data.get("effectivePeriod") or {}).get("start")
        or data.get("effectiveInstant")
    )


def _loinc_codes(concept: dict[str, Any] | None) -> set[str]:
    return {str(c.get("code")) for c in (concept or {}).get("coding") or [] if c.get("system") == LOINC}


def display_code_for(client_id: str) -> str:
    """A stable pseudonym for a Patient that carries no Waymark display code (never the MRN)."""
    return "P-" + hashlib.sha256(client_id.encode()).hexdigest()[:8].upper()


def map_files(
    files: list[tuple[Path, str]],
    report: ImportReport,
    known: Known,
    default_practitioner: str | None = None,
) -> Rows:
    """Read every FHIR file of one import and map it to rows per table (values as text)."""
    rs = _Set(report)
    for path, shown in files:
        for data, full_url, _where in _read(path, shown, report):
            rid = str(data.get("id") or "")
            rtype = data["resourceType"]
            if not rid:
                rid = full_url.rsplit(":", 1)[-1] if full_url else ""
            if not rid:
                report.error(
                    shown, rtype, "id", "The resource has no id, so a re-import could not find it again."
                )
                continue
            res = Resource(rtype, rid, data, shown)
            rs.add(res, full_url)
            for inner in data.get("contained") or []:
                if isinstance(inner, dict) and inner.get("resourceType") == "Goal" and inner.get("id"):
                    # A contained Goal has no id of its own outside its container; it is
                    # stored as "<container id>.<local id>" (a valid FHIR id, stable on re-import).
                    local = str(inner["id"])
                    rs.add(
                        Resource("Goal", f"{rid}.{local}", inner, shown, container=res.ref, local=local), None
                    )
    return _Mapper(rs, report, known, default_practitioner).run()


class _Mapper:
    def __init__(
        self, rs: _Set, report: ImportReport, known: Known, default_practitioner: str | None
    ) -> None:
        self.rs, self.report, self.known, self.default = rs, report, known, default_practitioner
        self.rows: Rows = defaultdict(list)
        self.goal_measure: dict[str, str | None] = {}  # goal ref -> measure, None = not tracked

    # ---------------------------------------------------------------- helpers
    def present(self, ref: str | None, table: str) -> bool:
        if ref is None or ref.startswith("?"):
            return False
        return (ref in self.rs.by_ref and ref not in self.rs.conflicted) or self.known(
            table, ref.split("/", 1)[1]
        )

    def row(self, table: str, res: Resource, values: dict[str, Any]) -> None:
        self.rows[table].append({"__file": res.file, "__row": res.ref, **values})

    def error(self, res: Resource, element: str, reason: str) -> None:
        self.report.error(res.file, res.ref, element, reason)

    def patient_of(self, res: Resource, element: str = "subject") -> str | None:
        ref = self.rs.resolve(res.data.get(element if element != "patient" else "patient"), res)
        if ref is None:
            self.error(res, f"{res.type}.{element}", "Has no reference to the Patient it is about.")
            return None
        if not ref.startswith("Patient/"):
            self.error(
                res, f"{res.type}.{element}", "Is not about a Patient; Waymark tracks patients' goals only."
            )
            return None
        if ref in self.rs.conflicted:
            self.error(
                res,
                f"{res.type}.{element}",
                f"Refers to {ref}, whose id two different files use (see that error).",
            )
            return None
        if not self.present(ref, "clients"):
            self.error(
                res, f"{res.type}.{element}",
                f"Refers to {ref.lstrip('?')}, which is neither in the files nor in the database.",
            )  # fmt: skip
            return None
        return ref.split("/", 1)[1]

    # ---------------------------------------------------------------- the mapping
    def run(self) -> Rows:
        handled = {"Patient", "Practitioner", "EpisodeOfCare", "Encounter", "Goal", "Observation", "CarePlan"}
        for res in self.rs.by_ref.values():
            if res.type not in handled and res.ref not in self.rs.conflicted:
                self.report.skipped[f"{res.type}: not used by Waymark"] += 1
        self.careplans()
        self.practitioners()
        self.goals()
        self.observations()
        self.encounters()
        self.clients()  # last: a client's intake and therapist can come from the others
        return dict(self.rows)

    def careplans(self) -> None:
        """CarePlan.goal: the links from plans to goals, plain, urn:uuid or contained."""
        self.plan_start: dict[str, str] = {}
        self.plan_author: dict[str, str] = {}
        links = Counter()
        for plan in self.rs.of_type("CarePlan"):
            start = _date((plan.data.get("period") or {}).get("start"))
            author = self.rs.resolve(plan.data.get("author"), plan)
            for link in plan.data.get("goal") or []:
                ref = self.rs.resolve(link, plan)
                text = (link or {}).get("reference", "")
                kind = (
                    "contained"
                    if text.startswith("#")
                    else "urn:uuid"
                    if text.startswith("urn:")
                    else "plain"
                )
                links[kind] += 1
                if ref is None or not self.present(ref, "goals"):
                    self.report.warn(
                        plan.file, plan.ref, "CarePlan.goal",
                        f"Links to {str(ref or text).lstrip('?')}, which is neither in the files nor in the "
                        "database; the link was ignored.",
                    )  # fmt: skip
                    continue
                if start:
                    self.plan_start.setdefault(ref, start)
                if author and author.startswith("Practitioner/"):
                    self.plan_author.setdefault(ref, author)
        if links:
            self.report.notes.append(
                "CarePlan.goal links read: "
                + ", ".join(f"{n} {k}" for k, n in sorted(links.items()))
                + ". A goal without a startDate takes the start of the plan that lists it."
            )

    def practitioners(self) -> None:
        for res in self.rs.of_type("Practitioner"):
            d = res.data
            name = None
            for n in d.get("name") or []:
                name = n.get("text") or " ".join([*(n.get("given") or []), n.get("family") or ""]).strip()
                if name:
                    break
            role_ext = _ext(d, EXT_ROLE)
            sup = _ext(d, EXT_SUPERVISOR)
            sup_ref = self.rs.resolve(sup.get("valueReference"), res) if sup else None
            email = next((t.get("value") for t in d.get("telecom") or [] if t.get("system") == "email"), None)
            self.row("practitioners", res, {
                "practitioner_id": res.id,
                "display_name": name or f"Practitioner {res.id}",
                "role": role_ext.get("valueCode") if role_ext else "therapist",
                "supervisor_id": sup_ref.split("/", 1)[1] if sup_ref and sup_ref.startswith("Practitioner/") else None,
                "email": email,
            })  # fmt: skip

    def _measure(self, res: Resource) -> tuple[str | None, str]:
        """The Waymark measure of a Goal, and why (for the notes)."""
        d = res.data
        profiles = " ".join((d.get("meta") or {}).get("profile") or [])
        if "gas-goal" in profiles or any(
            "goal-attainment-scaling" in (e.get("url") or "") for e in d.get("extension") or []
        ):
            return "gas", "Goal Attainment Scaling"
        for target in d.get("target") or []:
            concept = target.get("measure")
            if not concept:
                continue
            own = _code(concept, SYS_MEASURE)
            if own:
                return own, "Waymark measure"
            codes = _loinc_codes(concept)
            if PHQ9_TOTAL in codes:
                return "phq-9", "PHQ-9"
            if codes & {GAD7_TOTAL, GAD7_PANEL}:
                return "gad-7", "GAD-7"
            if codes & GAS_CODES:
                return "gas", "GAS"
            return None, "a target measure Waymark does not track"
        return "self-rated-0-10", "no target measure: rated by the client 0-10"

    def goals(self) -> None:
        untracked = 0
        defaulted = 0
        for res in self.rs.of_type("Goal"):
            d = res.data
            measure, _why = self._measure(res)
            self.goal_measure[res.ref] = measure
            if measure is None:
                untracked += 1
                self.report.skipped[
                    "Goal: its target measure is not one Waymark tracks (PHQ-9, GAD-7, GAS, 0-10)"
                ] += 1
                continue
            if measure == "self-rated-0-10" and not _code(
                (d.get("target") or [{}])[0].get("measure"), SYS_MEASURE
            ):
                defaulted += 1
            client = self.patient_of(res)
            if client is None:
                continue
            start = _date(d.get("startDate")) or self.plan_start.get(res.ref) or _date(d.get("statusDate"))
            if start is None:
                self.error(
                    res, "Goal.startDate", "Has no startDate, no statusDate and no CarePlan with a start."
                )
                continue
            target = (d.get("target") or [{}])[0]
            detail = (
                target.get("detailQuantity", {}).get("value")
                if target.get("detailQuantity")
                else target.get("detailInteger")
            )
            base = _ext(d, EXT_BASELINE)
            revised = _ext(d, EXT_REVISED_FROM)
            revised_ref = self.rs.resolve(revised.get("valueReference"), res) if revised else None
            category = _text((d.get("category") or [None])[0])
            addresses = next((a.get("display") for a in d.get("addresses") or [] if a.get("display")), None)
            lo, hi, higher = MEASURES.get(measure, (None, None, None))
            lifecycle = d.get("lifecycleStatus")
            achievement = _code(d.get("achievementStatus"))
            self.row("goals", res, {
                "goal_id": res.id,
                "client_id": client,
                "description": _text(d.get("description")),
                "life_area": category or addresses or "not recorded",
                "start_date": start,
                "target_date": _date(target.get("dueDate")),
                "lifecycle_status": lifecycle,
                "achievement_status": achievement,
                "revised_from_goal_id": revised_ref.split("/", 1)[1] if revised_ref and not revised_ref.startswith("?") else None,
                "measure": measure,
                "scale_min": _num(lo), "scale_max": _num(hi),
                "higher_is_better": None if higher is None else str(higher).lower(),
                "baseline": _num(base.get("valueDecimal")) if base else None,
                "target": _num(detail),
            })  # fmt: skip
            if not self.known("goals", res.id):
                # A new goal's history starts with its current status; a known goal keeps
                # the history already recorded (a re-import must not add events).
                self.row("goal_events", res, {
                    "event_id": f"{res.id}.imported",
                    "goal_id": res.id,
                    "event_date": _date(d.get("statusDate")) or start,
                    "lifecycle_status": lifecycle,
                    "achievement_status": achievement,
                    "note": "status when imported from FHIR",
                })  # fmt: skip
        if defaulted:
            self.report.notes.append(
                f"{defaulted} Goal(s) name no target measure; they were imported as goals the client rates 0-10."
            )
        if untracked:
            self.report.notes.append(
                f"{untracked} Goal(s) measure something Waymark does not track (for example body weight); "
                "they and their Observations were skipped."
            )

    def observations(self) -> None:
        # Goal.outcomeReference: the Goal names its progress Observations (the reverse link).
        outcome_of: dict[str, str] = {}
        for goal in self.rs.of_type("Goal"):
            for ref in goal.data.get("outcomeReference") or []:
                target = self.rs.resolve(ref, goal)
                if target and target.startswith("Observation/"):
                    outcome_of.setdefault(target, goal.ref)
        standard: dict[tuple[str, str], list[str]] = defaultdict(list)
        ways = Counter()
        for res in self.rs.of_type("Observation"):
            d = res.data
            if d.get("status") in ("entered-in-error", "cancelled"):
                self.report.skipped[f"Observation: status {d.get('status')}"] += 1
                continue
            goal_ref = None
            for focus in d.get("focus") or []:
                ref = self.rs.resolve(focus, res)
                if ref and (ref.startswith("Goal/") or ref.startswith("?")):
                    goal_ref = ref
                    ways["Observation.focus"] += 1
                    break
            if goal_ref is None and res.ref in outcome_of:
                goal_ref = outcome_of[res.ref]
                ways["Goal.outcomeReference"] += 1
            codes = _loinc_codes(d.get("code"))
            value_source = d
            measure = None
            if PHQ9_TOTAL in codes:
                measure = "phq-9"
            elif GAD7_TOTAL in codes:
                measure = "gad-7"
            elif codes & {GAD7_PANEL, PHQ9_PANEL}:
                total = GAD7_TOTAL if GAD7_PANEL in codes else PHQ9_TOTAL
                comp = next(
                    (c for c in d.get("component") or [] if total in _loinc_codes(c.get("code"))), None
                )
                if comp is None:
                    name = "GAD-7" if GAD7_PANEL in codes else "PHQ-9"
                    self.report.skipped[
                        f"Observation: {name} panel without a total score (the total is its own Observation)"
                    ] += 1
                    continue
                measure, value_source = ("gad-7" if total == GAD7_TOTAL else "phq-9"), comp
            if goal_ref is not None:
                if not self.present(goal_ref, "goals"):
                    self.error(
                        res,
                        "Observation.focus",
                        f"Refers to {goal_ref.lstrip('?')}, which is neither in the files nor in the database.",
                    )
                    continue
                if self.goal_measure.get(goal_ref, "known") is None:
                    self.report.skipped[
                        "Observation: progress on a Goal whose measure Waymark does not track"
                    ] += 1
                    continue
                self.checkin(res, goal_ref.split("/", 1)[1], value_source)
            elif measure is not None:
                client = self.patient_of(res)
                if client is None:
                    continue
                goal_id = f"{client}.{measure}"
                standard[(client, measure)].append(_effective(d) or "")
                self.checkin(res, goal_id, value_source)
                ways[f"{measure.upper()} total without a goal"] += 1
            else:
                self.report.skipped["Observation: neither progress on a Goal nor a PHQ-9/GAD-7 total"] += 1
        for (client, measure), dates in standard.items():
            goal_id = f"{client}.{measure}"
            if self.known("goals", goal_id) or any(r["goal_id"] == goal_id for r in self.rows["goals"]):
                continue
            description, area = STANDARD_GOAL[measure]
            lo, hi, higher = MEASURES[measure]
            anchor = Resource("Goal", goal_id, {}, "(standard measures)")
            self.row("goals", anchor, {
                "goal_id": goal_id, "client_id": client, "description": description, "life_area": area,
                "start_date": min(d for d in dates if d) if any(dates) else None, "target_date": None,
                "lifecycle_status": "active", "achievement_status": None, "revised_from_goal_id": None,
                "measure": measure, "scale_min": _num(lo), "scale_max": _num(hi),
                "higher_is_better": str(higher).lower(), "baseline": None, "target": None,
            })  # fmt: skip
            self.report.notes.append(
                f"{measure.upper()} totals with no Goal were kept as check-ins on a standard-measure goal "
                f"Goal/{goal_id} (created, starting at the first score)."
            )
        if ways:
            self.report.notes.append(
                "Progress linked to goals by: "
                + ", ".join(f"{k} ({n})" for k, n in sorted(ways.items()))
                + "."
            )

    def checkin(self, res: Resource, goal_id: str, source: dict[str, Any]) -> None:
        d = res.data
        value: str | None = None
        if "valueQuantity" in source:
            value = _num((source["valueQuantity"] or {}).get("value"))
        elif "valueInteger" in source:
            value = _num(source["valueInteger"])
        elif "valueString" in source:
            # US Core writes the PHQ-9 total as valueString "12".
            text = str(source["valueString"]).strip()
            if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
                self.error(res, "Observation.valueString", "Is not a number.")
                return
            value = _num(text)
        elif "valueCodeableConcept" in source:
            code = next((c for c in _loinc_codes(source["valueCodeableConcept"]) if c in GAS_LEVELS), None)
            if code is None:
                self.error(
                    res,
                    "Observation.valueCodeableConcept",
                    "Is not a Goal Attainment Scaling level (LOINC LA34479-8 ... LA34484-8).",
                )
                return
            value = _num(GAS_LEVELS[code])
        else:
            if d.get("dataAbsentReason"):
                self.report.skipped["Observation: no value (dataAbsentReason)"] += 1
                return
            self.error(res, "Observation.value[x]", "Has no value.")
            return
        date = _effective(d) or _date(d.get("issued"))
        reporter = "client"
        codes = _loinc_codes(d.get("code"))
        performers = [self.rs.resolve(p, res) or "" for p in d.get("performer") or []]
        if "107333-7" in codes or any(
            p.lstrip("?").startswith(("Practitioner/", "PractitionerRole/")) for p in performers
        ):
            reporter = "practitioner"
        if any(p.lstrip("?").startswith(("Patient/", "RelatedPerson/")) for p in performers):
            reporter = "client"
        session = self.rs.resolve(d.get("encounter"), res)
        if session is not None and not self.present(session, "sessions"):
            self.report.warn(res.file, res.ref, "Observation.encounter",
                             f"Refers to {session.lstrip('?')}, which is neither in the files nor in the database; the link was dropped.")  # fmt: skip
            session = None
        note = next((n.get("text") for n in d.get("note") or [] if n.get("text")), None)
        self.row("goal_checkins", res, {
            "checkin_id": res.id, "goal_id": goal_id,
            "session_id": session.split("/", 1)[1] if session else None,
            "checkin_date": date, "value": value, "reporter": reporter, "note": note,
        })  # fmt: skip

    def encounters(self) -> None:
        for res in self.rs.of_type("Encounter"):
            d = res.data
            status = d.get("status")
            if status == "entered-in-error":
                self.report.skipped["Encounter: entered-in-error"] += 1
                continue
            client = self.patient_of(res)
            if client is None:
                continue
            date = _date((d.get("period") or {}).get("start"))
            if date is None:
                self.error(res, "Encounter.period.start", "Has no start date, so it cannot be a session.")
                continue
            if status not in ATTENDED:
                self.error(
                    res,
                    "Encounter.status",
                    "Status does not say whether the session took place (planned, cancelled, arrived ... finished).",
                )
                continue
            practitioner = None
            for part in d.get("participant") or []:
                ref = self.rs.resolve(part.get("individual"), res)
                if ref and ref.startswith("Practitioner/") and self.present(ref, "practitioners"):
                    practitioner = ref.split("/", 1)[1]
                    break
            kind = next(
                (_code(t, SYS_SESSION_KIND) for t in d.get("type") or [] if _code(t, SYS_SESSION_KIND)), None
            )
            self.row("sessions", res, {
                "session_id": res.id, "client_id": client,
                "practitioner_id": practitioner,  # filled from the client's therapist below
                "session_date": date, "kind": kind or "individual",
                "attended": str(ATTENDED[status]).lower(),
            })  # fmt: skip

    def clients(self) -> None:
        episodes: dict[str, dict[str, Any]] = {}
        for ep in self.rs.of_type("EpisodeOfCare"):
            ref = self.rs.resolve(ep.data.get("patient"), ep)
            if ref and ref.startswith("Patient/"):
                manager = self.rs.resolve(ep.data.get("careManager"), ep)
                episodes[ref] = {"period": ep.data.get("period") or {}, "manager": manager}
        # Candidate therapists per patient, in order of preference.
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for row in self.rows["sessions"]:
            if row["practitioner_id"]:
                votes["Patient/" + str(row["client_id"])][str(row["practitioner_id"])] += 1
        for kind in ("Goal", "Observation"):
            for res in self.rs.of_type(kind):
                subject = self.rs.resolve(res.data.get("subject"), res)
                who = (
                    [self.rs.resolve(res.data.get("expressedBy"), res)]
                    if kind == "Goal"
                    else [self.rs.resolve(p, res) for p in res.data.get("performer") or []]
                )
                who.append(self.plan_author.get(res.ref))
                for ref in who:
                    if (
                        subject
                        and ref
                        and ref.startswith("Practitioner/")
                        and self.present(ref, "practitioners")
                    ):
                        votes[subject][ref.split("/", 1)[1]] += 0.5 if kind == "Goal" else 0.25  # type: ignore[assignment]
        therapist: dict[str, str | None] = {}
        dates: dict[str, list[str]] = defaultdict(list)
        for table, column in (
            ("sessions", "session_date"),
            ("goals", "start_date"),
            ("goal_checkins", "checkin_date"),
        ):
            for row in self.rows[table]:
                client = row.get("client_id") or next(
                    (g["client_id"] for g in self.rows["goals"] if g["goal_id"] == row.get("goal_id")), None
                )
                if client and row.get(column):
                    dates[str(client)].append(str(row[column]))
        for res in self.rs.of_type("Patient"):
            d = res.data
            gp = None
            for ref in d.get("generalPractitioner") or []:
                r = self.rs.resolve(ref, res)
                if r and r.startswith("Practitioner/") and self.present(r, "practitioners"):
                    gp = r.split("/", 1)[1]
                    break
            episode = episodes.get(res.ref, {})
            manager = episode.get("manager")
            if (
                gp is None
                and manager
                and manager.startswith("Practitioner/")
                and self.present(manager, "practitioners")
            ):
                gp = manager.split("/", 1)[1]
            if gp is None and votes.get(res.ref):
                gp = sorted(votes[res.ref].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            if gp is None and self.default:
                gp = self.default
                self.report.notes.append(f"{res.ref} names no therapist; the default practitioner was used.")
            therapist[res.id] = gp
            if gp is None:
                self.error(res, "Patient.generalPractitioner",
                           "Names no therapist (no generalPractitioner, EpisodeOfCare, Encounter, Goal or "
                           "Observation practitioner in the files). Add one, or give a default practitioner.")  # fmt: skip
                continue
            intake = _date(episode.get("period", {}).get("start")) or (
                min(dates[res.id]) if dates[res.id] else None
            )
            if intake is None:
                self.error(
                    res,
                    "EpisodeOfCare.period.start",
                    "No intake date: no EpisodeOfCare and no dated session, goal or score.",
                )
                continue
            code = next(
                (i.get("value") for i in d.get("identifier") or [] if i.get("system") == SYS_DISPLAY_CODE),
                None,
            )
            self.row("clients", res, {
                "client_id": res.id, "practitioner_id": gp,
                "display_code": code or display_code_for(res.id), "real_name": None,
                "intake_date": intake, "discharge_date": _date(episode.get("period", {}).get("end")),
            })  # fmt: skip
        for row in self.rows["sessions"]:
            if row["practitioner_id"] is None:
                row["practitioner_id"] = therapist.get(str(row["client_id"]))
