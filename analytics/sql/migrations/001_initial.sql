-- Waymark schema, version 1.
-- Stable text ids everywhere, so that a re-import upserts instead of duplicating.
-- Foreign keys are checked by the importer rather than declared: DuckDB cannot update a
-- row that a foreign key references, which would make upserts impossible.
-- FHIR R4 value sets are enforced with CHECK constraints; see docs/data-model.md.

CREATE TABLE practitioners (
    practitioner_id VARCHAR PRIMARY KEY,
    display_name    VARCHAR NOT NULL,
    role            VARCHAR NOT NULL CHECK (role IN ('therapist', 'supervisor', 'admin')),
    supervisor_id   VARCHAR,
    email           VARCHAR
);

CREATE TABLE clients (
    client_id       VARCHAR PRIMARY KEY,
    practitioner_id VARCHAR NOT NULL,
    display_code    VARCHAR NOT NULL UNIQUE,  -- pseudonym shown by default
    real_name       VARCHAR,                  -- opt-in only; never shown unless a setting allows
    intake_date     DATE NOT NULL,
    discharge_date  DATE,
    CHECK (discharge_date IS NULL OR discharge_date >= intake_date)
);

CREATE TABLE sessions (
    session_id      VARCHAR PRIMARY KEY,
    client_id       VARCHAR NOT NULL,
    practitioner_id VARCHAR NOT NULL,
    session_date    DATE NOT NULL,
    kind            VARCHAR NOT NULL DEFAULT 'individual'
                    CHECK (kind IN ('intake', 'individual', 'review', 'discharge')),
    attended        BOOLEAN NOT NULL
);

CREATE TABLE goals (
    goal_id              VARCHAR PRIMARY KEY,
    client_id            VARCHAR NOT NULL,
    description          VARCHAR NOT NULL,
    life_area            VARCHAR NOT NULL,
    start_date           DATE NOT NULL,
    target_date          DATE,
    -- The current status; the history is in goal_events, whose last row agrees with it.
    lifecycle_status     VARCHAR NOT NULL CHECK (lifecycle_status IN (
        'proposed', 'planned', 'accepted', 'active', 'on-hold', 'completed',
        'cancelled', 'entered-in-error', 'rejected')),
    achievement_status   VARCHAR CHECK (achievement_status IN (
        'in-progress', 'improving', 'worsening', 'no-change', 'achieved', 'sustaining',
        'not-achieved', 'no-progress', 'not-attainable')),
    revised_from_goal_id VARCHAR,
    measure              VARCHAR NOT NULL CHECK (measure IN ('self-rated-0-10', 'gas', 'phq-9', 'gad-7')),
    scale_min            DOUBLE NOT NULL,
    scale_max            DOUBLE NOT NULL,
    higher_is_better     BOOLEAN NOT NULL,
    baseline             DOUBLE,
    target               DOUBLE,
    CHECK (scale_min < scale_max),
    CHECK (target_date IS NULL OR target_date >= start_date),
    CHECK (baseline IS NULL OR baseline BETWEEN scale_min AND scale_max),
    CHECK (target IS NULL OR target BETWEEN scale_min AND scale_max)
);

CREATE TABLE goal_events (
    event_id           VARCHAR PRIMARY KEY,
    goal_id            VARCHAR NOT NULL,
    event_date         DATE NOT NULL,
    lifecycle_status   VARCHAR NOT NULL CHECK (lifecycle_status IN (
        'proposed', 'planned', 'accepted', 'active', 'on-hold', 'completed',
        'cancelled', 'entered-in-error', 'rejected')),
    achievement_status VARCHAR CHECK (achievement_status IN (
        'in-progress', 'improving', 'worsening', 'no-change', 'achieved', 'sustaining',
        'not-achieved', 'no-progress', 'not-attainable')),
    note               VARCHAR
);

CREATE TABLE goal_checkins (
    checkin_id   VARCHAR PRIMARY KEY,
    goal_id      VARCHAR NOT NULL,
    session_id   VARCHAR,
    checkin_date DATE NOT NULL,
    value        DOUBLE NOT NULL,
    reporter     VARCHAR NOT NULL CHECK (reporter IN ('client', 'practitioner')),
    note         VARCHAR
);

CREATE TABLE coping_skills (
    skill_id VARCHAR PRIMARY KEY,
    name     VARCHAR NOT NULL UNIQUE,
    category VARCHAR NOT NULL
);

CREATE TABLE coping_logs (
    log_id          VARCHAR PRIMARY KEY,
    client_id       VARCHAR NOT NULL,
    skill_id        VARCHAR NOT NULL,
    goal_id         VARCHAR,
    logged_at       TIMESTAMP NOT NULL,
    -- SUDS, Subjective Units of Distress (Wolpe, 1969): 0 = calm, 100 = worst imaginable.
    distress_before INTEGER NOT NULL CHECK (distress_before BETWEEN 0 AND 100),
    distress_after  INTEGER CHECK (distress_after BETWEEN 0 AND 100),
    helpfulness     INTEGER CHECK (helpfulness BETWEEN 1 AND 5),
    note            VARCHAR
);

CREATE TABLE app_users (
    user_id         VARCHAR PRIMARY KEY,
    email           VARCHAR NOT NULL UNIQUE,
    role            VARCHAR NOT NULL CHECK (role IN ('therapist', 'supervisor', 'admin')),
    practitioner_id VARCHAR,
    password_hash   VARCHAR,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE access_log_seq;
CREATE TABLE access_log (
    access_id   BIGINT PRIMARY KEY DEFAULT nextval('access_log_seq'),
    accessed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_id     VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    page        VARCHAR NOT NULL,
    client_id   VARCHAR,
    detail      VARCHAR
);

CREATE TABLE settings (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE INDEX sessions_client ON sessions (client_id);
CREATE INDEX goals_client ON goals (client_id);
CREATE INDEX checkins_goal ON goal_checkins (goal_id);
CREATE INDEX events_goal ON goal_events (goal_id);
CREATE INDEX coping_client ON coping_logs (client_id);
CREATE INDEX clients_practitioner ON clients (practitioner_id);
