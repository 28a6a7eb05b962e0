-- Inserts for the demo clinic (analytics/demo.py). Each reads the registered Arrow table
-- `demo_frame`, whose columns are the table's own; references and small vocabularies
-- arrive dictionary-encoded and are cast to text here.

-- name: insert_practitioners
-- Inserts the demo practitioners (prac-NN).
INSERT INTO practitioners (practitioner_id, display_name, role, supervisor_id, email)
SELECT practitioner_id, display_name, role::VARCHAR, supervisor_id::VARCHAR, email
FROM demo_frame;

-- name: insert_clients
-- Inserts the demo clients (cl-NNNN) with pseudonymous display codes and no real names.
INSERT INTO clients (client_id, practitioner_id, display_code, real_name, intake_date, discharge_date)
SELECT client_id, practitioner_id::VARCHAR, display_code, NULL, intake_date, discharge_date
FROM demo_frame;

-- name: insert_sessions
-- Inserts the demo sessions (s-<client>-<number>).
INSERT INTO sessions (session_id, client_id, practitioner_id, session_date, kind, attended)
SELECT session_id, client_id::VARCHAR, practitioner_id::VARCHAR, session_date, kind::VARCHAR, attended
FROM demo_frame;

-- name: insert_goals
-- Inserts the demo goals (g-<client>-<number>) with their current status.
INSERT INTO goals (
    goal_id, client_id, description, life_area, start_date, target_date, lifecycle_status,
    achievement_status, revised_from_goal_id, measure, scale_min, scale_max,
    higher_is_better, baseline, target
)
SELECT
    goal_id, client_id::VARCHAR, description::VARCHAR, life_area::VARCHAR, start_date,
    target_date, lifecycle_status::VARCHAR, achievement_status::VARCHAR,
    revised_from_goal_id::VARCHAR, measure::VARCHAR, scale_min, scale_max,
    higher_is_better, baseline, target
FROM demo_frame;

-- name: insert_goal_events
-- Inserts the demo goal events (<goal id>-eNN, numbered in date order).
INSERT INTO goal_events (event_id, goal_id, event_date, lifecycle_status, achievement_status, note)
SELECT event_id, goal_id::VARCHAR, event_date, lifecycle_status::VARCHAR,
       achievement_status::VARCHAR, note::VARCHAR
FROM demo_frame;

-- name: insert_goal_checkins
-- Inserts the demo goal check-ins (k-NNNNNN); session_id is NULL between sessions.
INSERT INTO goal_checkins (checkin_id, goal_id, session_id, checkin_date, value, reporter, note)
SELECT checkin_id, goal_id::VARCHAR, session_id::VARCHAR, checkin_date, value,
       reporter::VARCHAR, note::VARCHAR
FROM demo_frame;

-- name: insert_coping_skills
-- Inserts the coping-skill catalogue.
INSERT INTO coping_skills (skill_id, name, category)
SELECT skill_id, name, category FROM demo_frame;

-- name: insert_coping_logs
-- Inserts the demo coping-skill logs (log-NNNNNN, in client then time order).
INSERT INTO coping_logs (
    log_id, client_id, skill_id, goal_id, logged_at, distress_before, distress_after,
    helpfulness, note
)
SELECT log_id, client_id::VARCHAR, skill_id::VARCHAR, goal_id::VARCHAR, logged_at,
       distress_before, distress_after, helpfulness, note::VARCHAR
FROM demo_frame;

-- name: table_counts
-- One row: the number of rows in each table the demo fills.
SELECT
    (SELECT count(*) FROM practitioners) AS practitioners,
    (SELECT count(*) FROM clients) AS clients,
    (SELECT count(*) FROM sessions) AS sessions,
    (SELECT count(*) FROM goals) AS goals,
    (SELECT count(*) FROM goal_events) AS goal_events,
    (SELECT count(*) FROM goal_checkins) AS goal_checkins,
    (SELECT count(*) FROM coping_skills) AS coping_skills,
    (SELECT count(*) FROM coping_logs) AS coping_logs;

-- name: secondary_indexes
-- The plain (non-unique, non-primary) indexes on $tables in the attached database, with the
-- statement that creates each, in the order they were created: the demo drops them before
-- loading and creates them again afterwards.
SELECT index_name, sql
FROM duckdb_indexes()
WHERE database_name = current_database()
  AND schema_name = 'main'
  AND table_name IN (SELECT unnest($tables::VARCHAR[]))
  AND NOT is_unique
  AND NOT is_primary
  AND sql IS NOT NULL
ORDER BY index_oid;

-- name: delete_demo_data
-- Deletes every row of the tables the demo fills and of the data derived from them (app
-- users, access log and settings stay).
DELETE FROM audit_sessions;
DELETE FROM audit_goal_checkins;
DELETE FROM audit_goal_spans;
DELETE FROM coping_logs;
DELETE FROM coping_skills;
DELETE FROM goal_checkins;
DELETE FROM goal_events;
DELETE FROM goals;
DELETE FROM sessions;
DELETE FROM clients;
DELETE FROM practitioners;

-- name: table_definition
-- The CREATE TABLE statement of $table as the catalogue records it, and its single-column
-- primary key: the demo re-creates the empty table without the key, loads it, and adds the
-- key back (analytics/demo.py, _load_then_key).
SELECT t.sql, k.constraint_column_names[1] AS key
FROM duckdb_tables() t
JOIN duckdb_constraints() k
  ON k.database_name = t.database_name AND k.schema_name = t.schema_name AND k.table_name = t.table_name
WHERE t.database_name = current_database()
  AND t.schema_name = 'main'
  AND t.table_name = $table
  AND k.constraint_type = 'PRIMARY KEY'
  AND len(k.constraint_column_names) = 1;

-- name: table_constraints
-- Every constraint of $table (kind and columns): checked to be the same after the demo adds the
-- primary key back.
SELECT constraint_type, array_to_string(constraint_column_names, ',') || ':' || coalesce(expression, '')
FROM duckdb_constraints()
WHERE database_name = current_database()
  AND schema_name = 'main'
  AND table_name = $table;
