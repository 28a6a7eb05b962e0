-- Waymark schema, version 3: derived data for the follow-up audit (docs/audit.md, "Derived
-- data"; docs/architecture.md). Additive only. Both tables are computed from sessions,
-- goals, goal_events and goal_checkins by analytics/derived.py and hold nothing else: every
-- writer of those tables refreshes the rows of the clients it touched in the same
-- transaction, and analytics/schema.py builds them for the file right after this migration.

-- A goal's status over time: one row per span during which its lifecycle status holds,
-- from an event's date until the next event's date (exclusive; NULL = still holds). Goals
-- entered in error have none; zero-length spans (several events on one day) are left out.
CREATE TABLE audit_goal_spans (
    goal_id            VARCHAR NOT NULL,
    client_id          VARCHAR NOT NULL,
    start_date         DATE NOT NULL,
    target_date        DATE,
    lifecycle_status   VARCHAR NOT NULL,
    achievement_status VARCHAR,  -- carried forward from earlier events when one leaves it empty
    note               VARCHAR,  -- the note of the event that opened the span
    valid_from         DATE NOT NULL,
    valid_until        DATE
);

-- One row per attended session: its place in the client's attended sessions, the goals
-- active at it and which of them were checked in at it, whether any goal check-in was made at it, its place
-- in a run of sessions with an active goal and no check-in, and the client's first goal.
CREATE TABLE audit_sessions (
    session_id       VARCHAR NOT NULL,
    client_id        VARCHAR NOT NULL,
    session_date     DATE NOT NULL,
    session_number   INTEGER NOT NULL,
    goals_expected   INTEGER NOT NULL,  -- goals active just before the session day
    goals_checked    INTEGER NOT NULL,  -- of them, those checked in at the session
    goals            STRUCT(goal_id VARCHAR, checked BOOLEAN)[],  -- those goals, by id
    any_checkin      BOOLEAN NOT NULL,  -- any goal of the client checked in at the session
    run_length       INTEGER,           -- set for a session with an active goal and no
    run_start        DATE,              -- check-in: its place in the run, and the run's first day
    first_goal_id    VARCHAR,
    first_goal_start DATE
);

-- The days each goal was checked in, in order (at a session or not): the review cadence
-- reads the last one on or before a day without scanning every check-in.
CREATE TABLE audit_goal_checkins (
    goal_id      VARCHAR NOT NULL,
    client_id    VARCHAR NOT NULL,
    checkin_days DATE[] NOT NULL
);
