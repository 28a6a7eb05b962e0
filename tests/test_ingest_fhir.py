"""FHIR R4 import: the real HL7 examples in /work/shared/fhir-examples (see SOURCES.md),
and small hand-made resources for each mapping rule and each awkward case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.db import Database
from analytics.ingest import import_files

EXAMPLES = Path("/work/shared/fhir-examples")
pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the HL7 example folder is not on this machine")


def files(*prefixes: str, without: tuple[str, ...] = ()) -> list[Path]:
    return [
        p
        for p in sorted(EXAMPLES.glob("*.json"))
        if p.name.startswith(prefixes) and not any(w in p.name for w in without)
    ]


def counts(report) -> dict[str, int]:
    return {t: c["inserted"] for t, c in report.counts.items()}


def errors(report) -> list[tuple[str, str, str]]:
    return sorted((p.file, p.row, p.column) for p in report.errors)


def test_the_pco_examples_import_with_goal_check_ins_linked_by_focus(db: Database) -> None:
    report = import_files(db, files("pco-"))
    assert report.ok, report.to_text()
    # 2 Patients, 2 Practitioners, 2 Goals (each with its first status event), and the 4
    # Observations whose focus is a Goal: 3 GAS scores and 1 GAD-7 total.
    assert counts(report) == {
        "practitioners": 2,
        "clients": 2,
        "goals": 2,
        "goal_events": 2,
        "goal_checkins": 4,
    }
    rows = db.query_sql("SELECT checkin_id, goal_id, value, reporter FROM goal_checkins ORDER BY checkin_id")
    assert rows.values.tolist() == [
        # GAS levels are coded: LA34483-0 "less than expected" = -1, performed by a practitioner.
        ["pcoGASScoreBaselineExample", "pcoGoalWalkDogExample", -1.0, "practitioner"],
        # LA34480-6 "better than expected" = +1, rated by the patient.
        ["pcoGASScorePatientFollowupExample", "pcoGoalWalkDogExample", 1.0, "client"],
        # LOINC 107333-7 is the practitioner follow-up score; LA34481-4 "expected" = 0.
        ["pcoGASScorePractitionerFollowupExample", "pcoGoalWalkDogExample", 0.0, "practitioner"],
        # GAD-7 total 70274-6 as valueQuantity 10 {score}.
        ["pcoPROMScoreAnxietyExample", "pcoGoalAnxietyExample", 10.0, "client"],
    ]
    goal = db.query_sql(
        "SELECT measure, scale_max, higher_is_better, target, target_date, life_area FROM goals WHERE goal_id = 'pcoGoalAnxietyExample'"
    )
    # target.measure 70274-6 makes it a GAD-7 goal (0-21, lower is better); detailQuantity "< 6" gives target 6.
    assert goal.iloc[0].tolist()[:4] == ["gad-7", 21.0, False, 6.0]
    assert str(goal.iloc[0]["target_date"])[:10] == "2024-12-31"
    # Neither patient names a generalPractitioner: Lopez's goal was expressed by Anderson,
    # Jones's scores were performed by Gonzalez.
    assert dict(db.query_sql("SELECT client_id, practitioner_id FROM clients").values.tolist()) == {
        "pcoPatientLopez": "pcoPractitionerAnderson",
        "pcoPatientJones": "pcoPractitionerGonzalez",
    }
    # The display code is a pseudonym, never the patient's name or record number.
    codes = db.query_sql("SELECT display_code FROM clients")["display_code"].tolist()
    assert all(c.startswith("P-") and "Lopez" not in c and "ee8d4ac0" not in c for c in codes)


def test_reimporting_the_pco_examples_changes_nothing(db: Database) -> None:
    import_files(db, files("pco-"))
    again = import_files(db, files("pco-"))
    assert again.ok
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in again.counts.values()), again.counts
    # No second "imported" event for goals that are already known.
    assert db.scalar("SELECT count(*) FROM goal_events") == 2


def test_the_synthea_bundle_links_goals_through_urn_uuid_careplan_goal(db: Database) -> None:
    report = import_files(db, files("synthea-bundle-r4-lupe"))
    assert report.ok, report.to_text()
    assert counts(report) == {"practitioners": 2, "clients": 1, "sessions": 8, "goals": 5, "goal_events": 5}
    # The 5 Goals have no startDate; the CarePlan that lists them (as urn:uuid) starts 2004-06-09.
    starts = db.query_sql("SELECT DISTINCT start_date FROM goals")["start_date"].astype(str).tolist()
    assert starts == ["2004-06-09"]
    # Nothing is dropped silently: the 65 lab and vital-sign Observations and the 36 billing,
    # condition, immunisation ... resources are counted by type.
    assert report.skipped["Observation: neither progress on a Goal nor a PHQ-9/GAD-7 total"] == 65
    assert sum(report.skipped.values()) == 65 + 8 + 8 + 6 + 6 + 5 + 2 + 1
    assert any("5 urn:uuid" in n for n in report.notes)


def test_the_second_synthea_bundle_has_sessions_but_no_goals(db: Database) -> None:
    report = import_files(db, files("synthea-bundle-r4-liz"))
    assert report.ok
    assert counts(report) == {"practitioners": 1, "clients": 1, "sessions": 7}


def test_the_us_core_phq9_total_written_as_value_string_is_a_standard_measure(db: Database) -> None:
    report = import_files(db, files("uscore-", without=("encounter", "goal")))
    assert report.ok, report.to_text()
    # valueString "12" is read as the number 12, on a PHQ-9 goal created for the patient.
    assert db.query_sql("SELECT goal_id, value FROM goal_checkins").values.tolist() == [
        ["example.phq-9", 12.0]
    ]
    assert db.scalar("SELECT measure FROM goals WHERE goal_id = 'example.phq-9'") == "phq-9"
    # The PHQ-9 panel carries no value (its members are separate Observations): skipped, counted.
    assert (
        report.skipped["Observation: PHQ-9 panel without a total score (the total is its own Observation)"]
        == 1
    )
    assert report.skipped["QuestionnaireResponse: not used by Waymark"] == 1


def test_the_us_core_set_is_rejected_for_an_encounter_and_a_goal_without_dates(db: Database) -> None:
    report = import_files(db, files("uscore-"))
    assert errors(report) == [
        ("uscore-encounter-1036.json", "Encounter/1036", "Encounter.period.start"),
        ("uscore-goal-1.json", "Goal/goal-1", "Goal.startDate"),
    ]
    assert db.scalar("SELECT count(*) FROM clients") == 0


def test_the_core_spec_examples_are_rejected_precisely_and_import_without_the_unusable_files(
    db: Database,
) -> None:
    core = (
        "goal-example",
        "observation-example",
        "careplan-example",
        "patient-example",
        "practitioner-example",
        "encounter-example",
    )
    report = import_files(db, files(*core))
    # CarePlan/integrate contains 5 Goals (#g1..#g5) about Patient/1, which is not in the
    # folder; Encounter/example has no period, so no session date.
    assert errors(report) == [
        *[
            ("careplan-example-integrate-contained-goals.json", f"Goal/integrate.g{i}", "Goal.subject")
            for i in range(1, 6)
        ],
        ("encounter-example.json", "Encounter/example", "Encounter.period.start"),
    ]
    report = import_files(db, files(*core, without=("integrate", "encounter-example.json")))
    assert report.ok, report.to_text()
    # Goal/example measures body weight (LOINC 3141-9): skipped, and so is Observation/example,
    # which it names as its outcomeReference. Goal/stop-smoking has no measure: rated 0-10.
    assert counts(report) == {"practitioners": 1, "clients": 1, "sessions": 1, "goals": 1, "goal_events": 1}
    assert report.skipped["Goal: its target measure is not one Waymark tracks (PHQ-9, GAD-7, GAS, 0-10)"] == 1
    assert report.skipped["Observation: progress on a Goal whose measure Waymark does not track"] == 1
    # CarePlan/example links to the skipped Goal/example: that is no error, and no warning either.
    assert report.warnings == []
    assert db.scalar("SELECT practitioner_id FROM clients") == "example"  # Encounter/home's participant


def test_all_thirty_examples_together_are_rejected_for_the_two_patient_example_ids(db: Database) -> None:
    report = import_files(db, [EXAMPLES])
    dup = [p for p in report.errors if p.column == "id"]
    assert sorted(p.file for p in dup) == [
        "patient-example-peter-chalmers.json",
        "uscore-patient-example-amy-shaw.json",
    ]
    assert "Two different resources use the id Patient/example" in dup[0].reason
    # Resources about that patient say why, rather than "missing".
    phq = next(p for p in report.errors if p.row == "Observation/PHQ9-item-example-44261-6")
    assert "whose id two different files use" in phq.reason
    assert len(report.errors) == 13
    assert db.scalar("SELECT count(*) FROM clients") == 0


# ---------------------------------------------------------------- hand-made resources
PATIENT = {
    "resourceType": "Patient",
    "id": "pat1",
    "generalPractitioner": [{"reference": "Practitioner/doc1"}],
}
PRACTITIONER = {"resourceType": "Practitioner", "id": "doc1", "name": [{"given": ["Ana"], "family": "Ruiz"}]}
GOAL = {
    "resourceType": "Goal", "id": "goal1", "lifecycleStatus": "active",
    "description": {"text": "Sleep before midnight"}, "subject": {"reference": "Patient/pat1"},
    "startDate": "2026-01-05",
}  # fmt: skip


def obs(oid: str, value: dict, **extra) -> dict:
    return {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": {"text": "progress"}, "subject": {"reference": "Patient/pat1"},
        "focus": [{"reference": "Goal/goal1"}], "effectiveDateTime": "2026-01-12T10:00:00Z", **value, **extra,
    }  # fmt: skip


def bundle(*resources: dict) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def dump(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    if name.endswith(".ndjson"):
        path.write_text("\n".join(json.dumps(d) for d in doc) + "\n")
    else:
        path.write_text(json.dumps(doc))
    return path


def test_a_bundle_single_resources_and_ndjson_give_the_same_rows(tmp_path: Path) -> None:
    parts = [PATIENT, PRACTITIONER, GOAL, obs("o1", {"valueInteger": 4})]
    results = []
    for paths in (
        [dump(tmp_path, "b.json", bundle(*parts))],
        [dump(tmp_path, f"r{i}.json", r) for i, r in enumerate(parts)],
        [dump(tmp_path, "all.ndjson", parts)],
    ):
        db = Database.memory()
        report = import_files(db, paths)
        assert report.ok, report.to_text()
        results.append(db.query_sql("SELECT * FROM goal_checkins").values.tolist())
    assert (
        results[0]
        == results[1]
        == results[2]
        == [["o1", "goal1", None, results[0][0][3], 4.0, "client", None]]
    )


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ({**GOAL, "lifecycleStatus": "wrong"}, ("Goal/goal1", "Goal.lifecycleStatus", "Not one of the allowed values")),
        ({**GOAL, "achievementStatus": {"coding": [{"code": "better"}]}}, ("Goal/goal1", "Goal.achievementStatus", "Not one of the allowed values")),
        (obs("o2", {"valueString": "twelve"}), ("Observation/o2", "Observation.valueString", "Is not a number.")),
        (obs("o2", {"valueInteger": 11}), ("Observation/o2", "Observation.value[x]", "Outside its goal's scale (0.0 to 10.0).")),
        (obs("o2", {"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA6568-5"}]}}),
         ("Observation/o2", "Observation.valueCodeableConcept", "Is not a Goal Attainment Scaling level (LOINC LA34479-8 ... LA34484-8).")),
        (obs("o2", {}), ("Observation/o2", "Observation.value[x]", "Has no value.")),
        (obs("o2", {"valueInteger": 3}, effectiveDateTime="2025-12-01"), ("Observation/o2", "Observation.effective[x]", "The check-in is dated before its goal's start date.")),
        (obs("o2", {"valueInteger": 3}, focus=[{"reference": "Goal/nowhere"}]), ("Observation/o2", "Observation.focus", "Refers to Goal/nowhere, which is neither in the files nor in the database.")),
        ({**GOAL, "id": "goal2", "subject": {"reference": "Patient/nobody"}}, ("Goal/goal2", "Goal.subject", "Refers to Patient/nobody, which is neither in the files nor in the database.")),
        ({"resourceType": "Encounter", "id": "e1", "status": "unknown", "subject": {"reference": "Patient/pat1"}, "period": {"start": "2026-01-05"}},
         ("Encounter/e1", "Encounter.status", "Status does not say whether the session took place")),
    ],
    ids=["lifecycle value set", "achievement value set", "valueString text", "value off scale", "unknown coded value",
         "no value", "before goal start", "absent goal", "absent patient", "encounter status unknown"],
)  # fmt: skip
def test_each_fhir_problem_names_the_resource_the_element_and_the_reason(
    db: Database, tmp_path: Path, resource: dict, expected: tuple[str, str, str]
) -> None:
    goal = resource if resource.get("id") == "goal1" else GOAL  # a changed goal replaces the good one
    others = [resource] if goal is GOAL else []
    report = import_files(db, [dump(tmp_path, "b.json", bundle(PATIENT, PRACTITIONER, goal, *others))])
    found = [(p.row, p.column, p.reason) for p in report.errors]
    assert len(found) == 1 and found[0][:2] == expected[:2] and found[0][2].startswith(expected[2]), (
        report.to_text()
    )
    assert db.scalar("SELECT count(*) FROM clients") == 0


def test_an_absent_encounter_is_a_warning_and_the_link_is_dropped(db: Database, tmp_path: Path) -> None:
    o = obs("o1", {"valueInteger": 5}, encounter={"reference": "Encounter/elsewhere"})
    report = import_files(db, [dump(tmp_path, "b.json", bundle(PATIENT, PRACTITIONER, GOAL, o))])
    assert report.ok and [(w.row, w.column) for w in report.warnings] == [
        ("Observation/o1", "Observation.encounter")
    ]
    assert db.scalar("SELECT session_id FROM goal_checkins") is None


def test_the_same_resource_in_two_files_is_read_once(db: Database, tmp_path: Path) -> None:
    report = import_files(
        db,
        [
            dump(tmp_path, "a.json", bundle(PATIENT, PRACTITIONER)),
            dump(tmp_path, "b.json", bundle(PATIENT, GOAL)),
        ],
    )
    assert report.ok and report.counts["clients"]["inserted"] == 1
    assert any("Patient/pat1 is in both a.json and b.json with the same content" in n for n in report.notes)


def test_a_gad7_panel_with_a_total_component_counts_as_the_total(db: Database, tmp_path: Path) -> None:
    panel = {
        "resourceType": "Observation", "id": "gad", "status": "final", "subject": {"reference": "Patient/pat1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "69737-5"}]}, "effectiveDateTime": "2026-02-01",
        "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "70274-6"}]}, "valueInteger": 9}],
    }  # fmt: skip
    report = import_files(db, [dump(tmp_path, "b.json", bundle(PATIENT, PRACTITIONER, panel))])
    assert report.ok, report.to_text()
    assert db.query_sql("SELECT goal_id, value FROM goal_checkins").values.tolist() == [["pat1.gad-7", 9.0]]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"resourceType": "Bundle", "entry": [', "The file is not valid JSON (it may be truncated)."),
        ('{"id": "x"}', "Not a FHIR resource: it has no resourceType."),
        ("", "The file is empty."),
    ],
)
def test_broken_json_is_refused_with_a_reason(
    db: Database, tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    report = import_files(db, [path])
    assert [p.reason for p in report.errors] == [reason]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("x.json", '{"resourceType": "Patient", "id": "p1", "name": [{"text": "Ren\u00e9"}]}'.encode("latin-1"),
         ("", "The file is not UTF-8 text, as FHIR JSON must be.")),
        # NDJSON cut off in its second line: the first resource is read, the second reported.
        ("x.ndjson", b'{"resourceType": "Basic", "id": "b1"}\n{"resourceType": "Pat',
         ("line 2", "This line is not a JSON object (NDJSON has one resource per line).")),
        ("x.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("", "The file is not UTF-8 text, as FHIR JSON must be.")),
    ],
    ids=["latin-1", "truncated ndjson", "binary renamed json"],
)  # fmt: skip
def test_a_fhir_file_in_the_wrong_encoding_or_cut_off_is_refused_and_writes_nothing(
    db: Database, tmp_path: Path, name: str, data: bytes, expected: tuple[str, str]
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    report = import_files(db, [path])
    assert [(p.row, p.reason) for p in report.errors] == [expected]
    assert db.scalar("SELECT count(*) FROM clients") == 0
