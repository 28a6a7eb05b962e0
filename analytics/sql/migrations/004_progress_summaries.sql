-- Waymark schema, version 4: the stored progress summaries behind the therapist's views
-- (docs/caseload.md, "Derived data"; docs/architecture.md). Additive only. Both tables are
-- computed from clients, sessions, goals, goal_events and goal_checkins by
-- analytics/derived_progress.py and hold nothing else: every writer of those tables refreshes
-- the rows of the clients it touched in the same transaction, and analytics/schema.py builds
-- them for the file right after this migration.
--
-- `practitioner_id` is the client's practitioner when the row was computed, and the rows are
-- stored in practitioner order: a caseload then reads one short stretch of each table instead of
-- decoding every row (docs/performance.md). It is never what grants access: the viewer's scope
-- is checked against `clients` on every read, and a client whose stored practitioner is not
-- their practitioner now counts as having no stored summary.

-- One row per goal: its status summary and caseload facts as of the last day of its data
-- (the columns of the relation `goal_facts` in analytics/sql/caseload.sql, same types, and the
-- practitioner).
CREATE TABLE goal_progress (
    practitioner_id             VARCHAR NOT NULL,
    goal_id                     VARCHAR NOT NULL,
    client_id                   VARCHAR NOT NULL,
    description                 VARCHAR,
    life_area                   VARCHAR,
    measure                     VARCHAR,
    higher_is_better            BOOLEAN,
    start_date                  DATE,
    target_date                 DATE,
    revised_from_goal_id        VARCHAR,
    lifecycle_status            VARCHAR,
    recorded_achievement_status VARCHAR,
    last_event_date             DATE,
    n_checkins                  BIGINT,
    first_checkin_date          DATE,
    last_checkin_date           DATE,
    last_value                  DOUBLE,
    last_progress               DOUBLE,
    previous_value              DOUBLE,
    trend_change                DOUBLE,
    trend_value                 DOUBLE,
    last_phase                  VARCHAR,
    ever_achieved               BOOLEAN,
    sudden_gain_at_latest       BOOLEAN,
    sudden_loss_at_latest       BOOLEAN,
    derived_status              VARCHAR,
    progress_series             DOUBLE[],
    series_dates                DATE[],
    sessions_since_checkin      BIGINT,
    revised                     BOOLEAN
);

-- One row per client: attended sessions and the last one, and `horizon`, the latest date of
-- any of the client's attended sessions, goal starts, goal events, check-ins and starts of goals
-- revising theirs. The stored rows of a client are exact for any as-of date on or after it.
CREATE TABLE client_progress (
    practitioner_id   VARCHAR NOT NULL,
    client_id         VARCHAR NOT NULL,
    attended_sessions BIGINT NOT NULL,
    last_session_date DATE,
    horizon           DATE NOT NULL
);
