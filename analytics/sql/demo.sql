-- Inserts for the demo clinic (analytics/demo.py). Each reads the registered frame
-- `demo_frame` of integer parts and builds the stable text ids, so that no Python loop
-- formats millions of strings. Widths ($pw, $cw, $kw, $lw) are zero-padding lengths.

-- name: insert_practitioners
-- Inserts practitioners: ids prac-NN, supervisors' ids from their numbers.
INSERT INTO practitioners (practitioner_id, display_name, role, supervisor_id, email)
SELECT
    'prac-' || lpad(p_no::VARCHAR, $pw, '0'),
    display_name,
    role::VARCHAR,
    'prac-' || lpad(sup_no::VARCHAR, $pw, '0'),
    email
FROM demo_frame;

-- name: insert_clients
-- Inserts clients: ids cl-NNNN, pseudonymous display codes like KX-4821, no real names.
INSERT INTO clients (client_id, practitioner_id, display_code, real_name, intake_date, discharge_date)
SELECT
    'cl-' || lpad(c_no::VARCHAR, $cw, '0'),
    'prac-' || lpad(p_no::VARCHAR, $pw, '0'),
    substr('ABCDEFGHJKLMNPQRSTUVWXYZ', letter1 + 1, 1)
        || substr('ABCDEFGHJKLMNPQRSTUVWXYZ', letter2 + 1, 1) || '-' || digits::VARCHAR,
    NULL,
    DATE '1970-01-01' + intake::INTEGER,
    DATE '1970-01-01' + discharge::INTEGER
FROM demo_frame;

-- name: insert_sessions
-- Inserts sessions: ids s-<client number>-<session number>.
INSERT INTO sessions (session_id, client_id, practitioner_id, session_date, kind, attended)
SELECT
    's-' || lpad(c_no::VARCHAR, $cw, '0') || '-' || lpad(seq::VARCHAR, 3, '0'),
    'cl-' || lpad(c_no::VARCHAR, $cw, '0'),
    'prac-' || lpad(p_no::VARCHAR, $pw, '0'),
    DATE '1970-01-01' + day::INTEGER,
    kind::VARCHAR,
    attended
FROM demo_frame;

-- name: insert_goals
-- Inserts goals: ids g-<client number>-<goal number>, three-month target dates.
INSERT INTO goals (
    goal_id, client_id, description, life_area, start_date, target_date, lifecycle_status,
    achievement_status, revised_from_goal_id, measure, scale_min, scale_max,
    higher_is_better, baseline, target
)
SELECT
    'g-' || lpad(c_no::VARCHAR, $cw, '0') || '-' || g_no::VARCHAR,
    'cl-' || lpad(c_no::VARCHAR, $cw, '0'),
    description::VARCHAR,
    life_area::VARCHAR,
    DATE '1970-01-01' + start::INTEGER,
    DATE '1970-01-01' + target_day::INTEGER,
    lifecycle_status::VARCHAR,
    achievement_status::VARCHAR,
    'g-' || lpad(parent_c_no::VARCHAR, $cw, '0') || '-' || parent_g_no::VARCHAR,
    measure::VARCHAR,
    scale_min,
    scale_max,
    higher_is_better,
    baseline,
    target
FROM demo_frame;

-- name: insert_goal_events
-- Inserts goal events: ids <goal id>-eNN, numbered in date order.
INSERT INTO goal_events (event_id, goal_id, event_date, lifecycle_status, achievement_status, note)
SELECT
    'g-' || lpad(c_no::VARCHAR, $cw, '0') || '-' || g_no::VARCHAR || '-e' || lpad(e_no::VARCHAR, 2, '0'),
    'g-' || lpad(c_no::VARCHAR, $cw, '0') || '-' || g_no::VARCHAR,
    DATE '1970-01-01' + day::INTEGER,
    lifecycle_status::VARCHAR,
    achievement_status::VARCHAR,
    note::VARCHAR
FROM demo_frame;

-- name: insert_goal_checkins
-- Inserts goal check-ins: ids k-NNNNNN in goal then date order; session_id NULL between sessions.
INSERT INTO goal_checkins (checkin_id, goal_id, session_id, checkin_date, value, reporter, note)
SELECT
    'k-' || lpad(k_no::VARCHAR, $kw, '0'),
    'g-' || lpad(c_no::VARCHAR, $cw, '0') || '-' || g_no::VARCHAR,
    's-' || lpad(s_c_no::VARCHAR, $cw, '0') || '-' || lpad(s_seq::VARCHAR, 3, '0'),
    DATE '1970-01-01' + day::INTEGER,
    value,
    reporter::VARCHAR,
    note::VARCHAR
FROM demo_frame;

-- name: insert_coping_skills
-- Inserts the coping-skill catalogue.
INSERT INTO coping_skills (skill_id, name, category)
SELECT skill_id, name, category FROM demo_frame;

-- name: insert_coping_logs
-- Inserts coping-skill logs: ids log-NNNNNN in client then time order.
INSERT INTO coping_logs (
    log_id, client_id, skill_id, goal_id, logged_at, distress_before, distress_after,
    helpfulness, note
)
SELECT
    'log-' || lpad(l_no::VARCHAR, $lw, '0'),
    'cl-' || lpad(c_no::VARCHAR, $cw, '0'),
    skill_id::VARCHAR,
    'g-' || lpad(g_c_no::VARCHAR, $cw, '0') || '-' || g_no::VARCHAR,
    make_timestamp(micros),
    before,
    after,
    helpful,
    note::VARCHAR
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

-- name: delete_demo_data
-- Deletes every row of the tables the demo fills (app users, access log and settings stay).
DELETE FROM coping_logs;
DELETE FROM coping_skills;
DELETE FROM goal_checkins;
DELETE FROM goal_events;
DELETE FROM goals;
DELETE FROM sessions;
DELETE FROM clients;
DELETE FROM practitioners;
