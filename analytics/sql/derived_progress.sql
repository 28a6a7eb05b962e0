-- The stored progress summaries (analytics/derived_progress.py; docs/caseload.md, "Derived
-- data"). Each refresh works on the clients listed in the temporary table `progress_refresh`.

-- name: clients_all
-- Every client into `progress_refresh` (a full rebuild).
CREATE OR REPLACE TEMP TABLE progress_refresh AS
SELECT client_id FROM clients;

-- name: clients_given
-- The clients $clients, and the clients of the goals $goals, into `progress_refresh`.
CREATE OR REPLACE TEMP TABLE progress_refresh AS
SELECT DISTINCT client_id
FROM (
    SELECT unnest($clients::VARCHAR[]) AS client_id
    UNION ALL
    SELECT client_id FROM goals WHERE goal_id IN (SELECT unnest($goals::VARCHAR[]))
);

-- name: refresh_scope
-- The practitioners of the clients to refresh (the scope the refresh's queries run in) and the
-- clients themselves.
SELECT
    coalesce(list(DISTINCT c.practitioner_id), []::VARCHAR[]) AS practitioners,
    coalesce(list(r.client_id), []::VARCHAR[]) AS clients
FROM progress_refresh r
LEFT JOIN clients c USING (client_id);

-- name: drop_clients
-- Drops the temporary list of clients.
DROP TABLE IF EXISTS progress_refresh;

-- name: delete_goals
-- Deletes the stored goal rows of the clients to refresh, and of their goals wherever stored
-- (a goal moved from another client).
DELETE FROM goal_progress
WHERE client_id IN (SELECT client_id FROM progress_refresh)
   OR goal_id IN (SELECT goal_id FROM goals WHERE client_id IN (SELECT client_id FROM progress_refresh));

-- name: delete_every_goal
-- Deletes every stored goal row (a full rebuild).
DELETE FROM goal_progress;

-- name: delete_every_client
-- Deletes every stored client row (a full rebuild).
DELETE FROM client_progress;

-- name: delete_clients
-- Deletes the stored client rows of the clients to refresh.
DELETE FROM client_progress WHERE client_id IN (SELECT client_id FROM progress_refresh);

-- name: insert_goals
-- The stored goal rows, from the relation `goal_facts` (analytics/derived_progress.py puts the
-- raw relations of progress.sql and caseload.sql in front of it), in practitioner order.
INSERT INTO goal_progress BY NAME
SELECT c.practitioner_id, f.*
FROM goal_facts f
JOIN clients c USING (client_id)
ORDER BY c.practitioner_id, f.client_id, f.start_date, f.goal_id;

-- name: insert_clients
-- One row per client to refresh that exists, in practitioner order: its practitioner, attended sessions, the last one, and the horizon
-- (the latest date of their attended sessions, goal starts, goal events, check-ins and the
-- starts of goals that revise theirs; 1 January of year 1 when they have none).
INSERT INTO client_progress BY NAME
WITH wanted AS (
    SELECT c.client_id, c.practitioner_id FROM clients c SEMI JOIN progress_refresh r USING (client_id)
),
their_goals AS (
    SELECT g.goal_id, g.client_id, g.start_date FROM goals g SEMI JOIN wanted w USING (client_id)
),
attended AS (
    SELECT s.client_id, count(*) AS attended_sessions, max(s.session_date) AS last_session_date
    FROM sessions s
    SEMI JOIN wanted w USING (client_id)
    WHERE s.attended
    GROUP BY s.client_id
),
goal_dates AS (
    SELECT client_id, max(start_date) AS last_date FROM their_goals GROUP BY client_id
    UNION ALL
    SELECT g.client_id, max(e.event_date) FROM goal_events e JOIN their_goals g USING (goal_id)
    GROUP BY g.client_id
    UNION ALL
    SELECT g.client_id, max(k.checkin_date) FROM goal_checkins k JOIN their_goals g USING (goal_id)
    GROUP BY g.client_id
    UNION ALL
    SELECT g.client_id, max(r.start_date) FROM goals r JOIN their_goals g ON r.revised_from_goal_id = g.goal_id
    GROUP BY g.client_id
),
horizons AS (
    SELECT client_id, max(last_date) AS last_date FROM goal_dates GROUP BY client_id
)
SELECT
    w.practitioner_id,
    w.client_id,
    coalesce(a.attended_sessions, 0) AS attended_sessions,
    a.last_session_date,
    greatest(
        coalesce(a.last_session_date, DATE '0001-01-01'),
        coalesce(h.last_date, DATE '0001-01-01')
    ) AS horizon
FROM wanted w
LEFT JOIN attended a USING (client_id)
LEFT JOIN horizons h USING (client_id)
ORDER BY w.practitioner_id, w.client_id;

-- name: touched_clients
-- The clients whose stored summaries an import changes, read from its staging (`stage_*`) and
-- comparison (`action_*`: stored ids, 'same' or 'update'; a staged id not there is new) tables
-- before the write: the clients of every client, session and
-- goal row to insert or update, before and after; of the goals of every goal event and check-in
-- to insert or update, before and after; and of the goals that a changed goal revises.
WITH changed_clients AS (
    SELECT s.client_id FROM stage_clients s
    ANTI JOIN action_clients a ON a.key = s.client_id AND a.action = 'same'
),
changed_sessions AS (
    SELECT s.client_id FROM stage_sessions s
    ANTI JOIN action_sessions a ON a.key = s.session_id AND a.action = 'same'
    UNION ALL
    SELECT d.client_id FROM sessions d
    SEMI JOIN action_sessions a ON a.key = d.session_id AND a.action = 'update'
),
changed_goals AS (
    SELECT s.goal_id, s.client_id, s.revised_from_goal_id FROM stage_goals s
    ANTI JOIN action_goals a ON a.key = s.goal_id AND a.action = 'same'
    UNION ALL
    SELECT d.goal_id, d.client_id, d.revised_from_goal_id FROM goals d
    SEMI JOIN action_goals a ON a.key = d.goal_id AND a.action = 'update'
),
goal_refs AS (
    SELECT s.goal_id FROM stage_goal_events s
    ANTI JOIN action_goal_events a ON a.key = s.event_id AND a.action = 'same'
    UNION ALL
    SELECT d.goal_id FROM goal_events d
    SEMI JOIN action_goal_events a ON a.key = d.event_id AND a.action = 'update'
    UNION ALL
    SELECT s.goal_id FROM stage_goal_checkins s
    ANTI JOIN action_goal_checkins a ON a.key = s.checkin_id AND a.action = 'same'
    UNION ALL
    SELECT d.goal_id FROM goal_checkins d
    SEMI JOIN action_goal_checkins a ON a.key = d.checkin_id AND a.action = 'update'
    UNION ALL
    SELECT revised_from_goal_id FROM changed_goals
),
goal_clients AS (
    SELECT goal_id, client_id FROM stage_goals
    UNION ALL
    SELECT goal_id, client_id FROM goals
)
SELECT DISTINCT client_id
FROM (
    SELECT client_id FROM changed_clients
    UNION ALL
    SELECT client_id FROM changed_sessions
    UNION ALL
    SELECT client_id FROM changed_goals
    UNION ALL
    SELECT g.client_id FROM goal_clients g SEMI JOIN goal_refs r USING (goal_id)
)
WHERE client_id IS NOT NULL
ORDER BY client_id;
