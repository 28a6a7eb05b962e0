"""What each importable table looks like: columns, types, required values, value sets.

This is the contract that `docs/data-format.md` describes and that the templates in
`data/templates/` follow; a test keeps the three in step. Column and table names here are
the only identifiers the importer ever writes into SQL (an allow-list: nothing a file
contains becomes SQL text).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LIFECYCLE = (
    "proposed", "planned", "accepted", "active", "on-hold", "completed",
    "cancelled", "entered-in-error", "rejected",
)  # fmt: skip
ACHIEVEMENT = (
    "in-progress", "improving", "worsening", "no-change", "achieved", "sustaining",
    "not-achieved", "no-progress", "not-attainable",
)  # fmt: skip

# Each measure fixes its scale and direction, so a file cannot give a PHQ-9 goal a 0-10 scale.
# PHQ-9 0-27 (Kroenke, Spitzer & Williams 2001), GAD-7 0-21 (Spitzer et al. 2006), both
# lower = better; Goal Attainment Scaling -2..+2 (Kiresuk & Sherman 1968), higher = better.
MEASURES: dict[str, tuple[float, float, bool]] = {
    "self-rated-0-10": (0.0, 10.0, True),
    "gas": (-2.0, 2.0, True),
    "phq-9": (0.0, 27.0, False),
    "gad-7": (0.0, 21.0, False),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type: VARCHAR, DATE, DOUBLE, BOOLEAN, INTEGER, TIMESTAMP
    required: bool = False
    values: tuple[str, ...] | None = None  # a closed value set
    low: float | None = None  # inclusive range
    high: float | None = None
    default: str | None = None  # used when the column or cell is empty
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[Column, ...]
    description: str = ""
    # (column, referenced table) pairs: the referenced id must be in the files or the database.
    references: tuple[tuple[str, str], ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES: tuple[Table, ...] = (
    Table(
        "practitioners",
        "practitioner_id",
        (
            Column(
                "practitioner_id",
                "VARCHAR",
                True,
                description="Stable id from your record system.",
                example="p-ana",
            ),
            Column(
                "display_name", "VARCHAR", True, description="Name shown to colleagues.", example="Ana Ruiz"
            ),
            Column(
                "role",
                "VARCHAR",
                True,
                ("therapist", "supervisor", "admin"),
                description="What they do in the clinic.",
                example="therapist",
            ),
            Column(
                "supervisor_id",
                "VARCHAR",
                description="practitioner_id of their clinical supervisor.",
                example="p-sam",
            ),
            Column(
                "email",
                "VARCHAR",
                description="Work e-mail, used to match a sign-in account.",
                example="ana@clinic.example",
            ),
        ),
        "The clinic's therapists, supervisors and administrators.",
        (("supervisor_id", "practitioners"),),
    ),
    Table(
        "clients",
        "client_id",
        (
            Column(
                "client_id",
                "VARCHAR",
                True,
                description="Stable id from your record system.",
                example="c-001",
            ),
            Column(
                "practitioner_id", "VARCHAR", True, description="The client's therapist.", example="p-ana"
            ),
            Column(
                "display_code",
                "VARCHAR",
                True,
                description="Pseudonym shown in Waymark; unique.",
                example="Kestrel-17",
            ),
            Column(
                "real_name",
                "VARCHAR",
                description="Optional; never shown unless a setting allows it.",
                example="",
            ),
            Column(
                "intake_date", "DATE", True, description="First contact, YYYY-MM-DD.", example="2026-01-05"
            ),
            Column(
                "discharge_date",
                "DATE",
                description="End of therapy, on or after intake; empty while in care.",
                example="",
            ),
        ),
        "People in therapy. Waymark shows the pseudonymous display_code by default.",
        (("practitioner_id", "practitioners"),),
    ),
    Table(
        "sessions",
        "session_id",
        (
            Column(
                "session_id", "VARCHAR", True, description="Stable id (FHIR Encounter id).", example="s-001"
            ),
            Column("client_id", "VARCHAR", True, example="c-001"),
            Column("practitioner_id", "VARCHAR", True, example="p-ana"),
            Column("session_date", "DATE", True, description="YYYY-MM-DD.", example="2026-01-05"),
            Column(
                "kind",
                "VARCHAR",
                False,
                ("intake", "individual", "review", "discharge"),
                default="individual",
                example="intake",
            ),
            Column(
                "attended",
                "BOOLEAN",
                True,
                description="true if the session took place, false if missed or cancelled.",
                example="true",
            ),
        ),
        "Scheduled sessions, attended or not.",
        (("client_id", "clients"), ("practitioner_id", "practitioners")),
    ),
    Table(
        "goals",
        "goal_id",
        (
            Column("goal_id", "VARCHAR", True, description="Stable id (FHIR Goal id).", example="g-001"),
            Column("client_id", "VARCHAR", True, example="c-001"),
            Column(
                "description",
                "VARCHAR",
                True,
                description="The goal in the client's words.",
                example="Speak up in team meetings",
            ),
            Column(
                "life_area",
                "VARCHAR",
                True,
                description="Area of life, free text (FHIR Goal.category).",
                example="work",
            ),
            Column("start_date", "DATE", True, example="2026-01-05"),
            Column("target_date", "DATE", description="On or after start_date.", example="2026-04-06"),
            Column(
                "lifecycle_status",
                "VARCHAR",
                True,
                LIFECYCLE,
                description="FHIR Goal.lifecycleStatus; the current status.",
                example="active",
            ),
            Column(
                "achievement_status",
                "VARCHAR",
                False,
                ACHIEVEMENT,
                description="FHIR Goal.achievementStatus.",
                example="in-progress",
            ),
            Column(
                "revised_from_goal_id",
                "VARCHAR",
                description="The goal this one replaces or refines.",
                example="",
            ),
            Column(
                "measure",
                "VARCHAR",
                True,
                tuple(MEASURES),
                description="What a check-in value means.",
                example="self-rated-0-10",
            ),
            Column(
                "scale_min", "DOUBLE", description="Optional: must equal the measure's minimum.", example="0"
            ),
            Column(
                "scale_max", "DOUBLE", description="Optional: must equal the measure's maximum.", example="10"
            ),
            Column(
                "higher_is_better",
                "BOOLEAN",
                description="Optional: must agree with the measure.",
                example="true",
            ),
            Column("baseline", "DOUBLE", description="Value at the start, inside the scale.", example="2"),
            Column(
                "target",
                "DOUBLE",
                description="Value that means the goal is met, inside the scale.",
                example="7",
            ),
        ),
        "Therapy goals, one row per goal (its current state).",
        (("client_id", "clients"), ("revised_from_goal_id", "goals")),
    ),
    Table(
        "goal_events",
        "event_id",
        (
            Column("event_id", "VARCHAR", True, example="e-001"),
            Column("goal_id", "VARCHAR", True, example="g-001"),
            Column("event_date", "DATE", True, example="2026-01-05"),
            Column("lifecycle_status", "VARCHAR", True, LIFECYCLE, example="active"),
            Column("achievement_status", "VARCHAR", False, ACHIEVEMENT, example="in-progress"),
            Column("note", "VARCHAR", example="goal set"),
        ),
        "A goal's history: each change of status. The last event agrees with the goal's status.",
        (("goal_id", "goals"),),
    ),
    Table(
        "goal_checkins",
        "checkin_id",
        (
            Column(
                "checkin_id", "VARCHAR", True, description="Stable id (FHIR Observation id).", example="k-001"
            ),
            Column("goal_id", "VARCHAR", True, example="g-001"),
            Column(
                "session_id", "VARCHAR", description="The session it was rated in, if any.", example="s-002"
            ),
            Column(
                "checkin_date",
                "DATE",
                True,
                description="On or after the goal's start.",
                example="2026-01-12",
            ),
            Column("value", "DOUBLE", True, description="Inside the goal's scale.", example="3"),
            Column("reporter", "VARCHAR", True, ("client", "practitioner"), example="client"),
            Column("note", "VARCHAR", example=""),
        ),
        "Progress ratings on a goal, on the goal's own scale.",
        (("goal_id", "goals"), ("session_id", "sessions")),
    ),
    Table(
        "coping_skills",
        "skill_id",
        (
            Column("skill_id", "VARCHAR", True, example="sk-breath"),
            Column("name", "VARCHAR", True, description="Unique.", example="Paced breathing"),
            Column("category", "VARCHAR", True, example="grounding"),
        ),
        "The clinic's catalogue of coping skills.",
    ),
    Table(
        "coping_logs",
        "log_id",
        (
            Column("log_id", "VARCHAR", True, example="l-001"),
            Column("client_id", "VARCHAR", True, example="c-001"),
            Column("skill_id", "VARCHAR", True, example="sk-breath"),
            Column(
                "goal_id",
                "VARCHAR",
                description="A goal of the same client, if the practice served one.",
                example="g-001",
            ),
            Column(
                "logged_at",
                "TIMESTAMP",
                True,
                description="YYYY-MM-DD HH:MM[:SS].",
                example="2026-01-08 19:30:00",
            ),
            Column(
                "distress_before",
                "INTEGER",
                True,
                low=0,
                high=100,
                description="SUDS 0-100 (Wolpe 1969).",
                example="70",
            ),
            Column("distress_after", "INTEGER", low=0, high=100, description="SUDS 0-100.", example="40"),
            Column(
                "helpfulness",
                "INTEGER",
                low=1,
                high=5,
                description="1 (not at all) to 5 (very).",
                example="4",
            ),
            Column("note", "VARCHAR", example=""),
        ),
        "Each time a client practised a coping skill.",
        (("client_id", "clients"), ("skill_id", "coping_skills"), ("goal_id", "goals")),
    ),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
