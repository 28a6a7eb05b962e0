-- Derived data for the follow-up audit (analytics/derived.py, docs/audit.md "Derived data").
-- Every statement works on the clients listed in the temporary table `derived_clients`
-- (made by analytics/derived.py): their rows are deleted and computed again from sessions,
-- goals, goal_events and goal_checkins. The definitions are those of `audit.cases_raw`
-- (analytics/sql/audit.sql), which tests/test_derived.py compares with this path.

-- name: clients_all
-- Every client: the full rebuild (migration, demo builder).
CREATE OR REPLACE TEMP TABLE derived_clients AS
SELECT client_id FROM clients
UNION
SELECT client_id FROM audit_sessions
UNION
SELECT client_id FROM audit_goal_spans
UNION
SELECT client_id FROM audit_goal_checkins;

-- name: clients_given
-- The clients in $clients (an import's touched clients).
CREATE OR REPLACE TEMP TABLE derived_clients AS
SELECT DISTINCT unnest($clients::VARCHAR[]) AS client_id;

-- name: drop_clients
-- Drops the list of clients when a refresh is done.
DROP TABLE IF EXISTS derived_clients;

-- name: delete_spans
-- Deletes the status spans of the listed clients.
DELETE FROM audit_goal_spans WHERE client_id IN (SELECT client_id FROM derived_clients);

-- name: delete_sessions
-- Deletes the session facts of the listed clients.
DELETE FROM audit_sessions WHERE client_id IN (SELECT client_id FROM derived_clients);

-- name: delete_checkins
-- Deletes the check-in days of the listed clients.
DELETE FROM audit_goal_checkins WHERE client_id IN (SELECT client_id FROM derived_clients);

-- name: insert_checkins
-- The check-in days of each goal of the listed clients. A goal entered in error has no
-- rows; nor has a goal never checked in.
INSERT INTO audit_goal_checkins
SELECT k.goal_id, g.client_id, list_sort(list_distinct(list(k.checkin_date))) AS checkin_days
FROM goal_checkins k
JOIN goals g USING (goal_id)
SEMI JOIN derived_clients t ON t.client_id = g.client_id
WHERE g.lifecycle_status <> 'entered-in-error'
GROUP BY ALL
ORDER BY g.client_id, k.goal_id;

-- name: insert_spans
-- The status spans of the listed clients' goals. Each event's status holds from its date
-- until the next event's date (exclusive); the achievement status carries forward when an
-- event leaves it empty. A goal imported without any event gets one at its start date with
-- its current status.
INSERT INTO audit_goal_spans
WITH real_goals AS (
    SELECT g.goal_id, g.client_id, g.start_date, g.target_date, g.lifecycle_status,
           g.achievement_status
    FROM goals g
    SEMI JOIN derived_clients t USING (client_id)
    WHERE g.lifecycle_status <> 'entered-in-error'
),
history AS (
    SELECT e.goal_id, e.event_id, e.event_date, e.lifecycle_status, e.achievement_status, e.note
    FROM goal_events e
    SEMI JOIN real_goals g USING (goal_id)
    UNION ALL
    SELECT g.goal_id, '', g.start_date, g.lifecycle_status, g.achievement_status, NULL
    FROM real_goals g
    WHERE NOT EXISTS (SELECT 1 FROM goal_events e WHERE e.goal_id = g.goal_id)
),
spans AS (
    SELECT goal_id, lifecycle_status, note,
           last_value(achievement_status IGNORE NULLS) OVER (
               PARTITION BY goal_id ORDER BY event_date, event_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS achievement_status,
           event_date AS valid_from,
           lead(event_date) OVER (PARTITION BY goal_id ORDER BY event_date, event_id) AS valid_until
    FROM history
)
SELECT s.goal_id, g.client_id, g.start_date, g.target_date, s.lifecycle_status,
       s.achievement_status, s.note, s.valid_from, s.valid_until
FROM spans s
JOIN real_goals g USING (goal_id)
-- A zero-length span (another event the same day) holds on no day: no session or day
-- of the audit can fall in it.
WHERE s.valid_until IS NULL OR s.valid_until > s.valid_from
ORDER BY g.client_id, s.goal_id, s.valid_from;

-- name: insert_sessions
-- One row per attended session of the listed clients with its follow-up facts. Reads
-- audit_goal_spans, so it runs after insert_spans.
INSERT INTO audit_sessions
WITH attended AS (
    SELECT s.session_id, s.client_id, s.session_date,
           row_number() OVER (PARTITION BY s.client_id ORDER BY s.session_date, s.session_id)
               AS session_number
    FROM sessions s
    SEMI JOIN derived_clients t USING (client_id)
    WHERE s.attended
),
real_goals AS (
    SELECT g.goal_id, g.client_id, g.start_date
    FROM goals g
    SEMI JOIN derived_clients t USING (client_id)
    WHERE g.lifecycle_status <> 'entered-in-error'
),
checkins AS (
    SELECT k.goal_id, g.client_id, k.session_id, k.checkin_date
    FROM goal_checkins k
    JOIN real_goals g USING (goal_id)
),
-- A check-in belongs to a session when it is linked to it, or, unlinked, made on its day:
-- each (session, goal) checked in, from one pass over the check-ins.
checked AS (
    SELECT DISTINCT session_id, goal_id
    FROM (
        SELECT session_id, goal_id FROM checkins WHERE session_id IS NOT NULL
        UNION ALL
        SELECT a.session_id, k.goal_id
        FROM checkins k
        JOIN attended a ON a.client_id = k.client_id AND a.session_date = k.checkin_date
        WHERE k.session_id IS NULL
    )
),
-- Sessions at which any goal of the client was checked in.
checked_sessions AS (
    SELECT DISTINCT session_id FROM checked
),
-- Goals active just before the session day (status from events dated before it).
expected AS (
    SELECT a.session_id,
           count(*) AS goals_expected,
           count(c.goal_id) AS goals_checked,
           -- Sorted per list (by goal id): an ORDER BY inside the aggregate sorts every
           -- pair of the system first, which took most of a full refresh.
           list_sort(list({'goal_id': sp.goal_id, 'checked': c.goal_id IS NOT NULL})) AS goals
    FROM attended a
    JOIN audit_goal_spans sp ON sp.client_id = a.client_id
        AND sp.start_date < a.session_date
        AND sp.valid_from < a.session_date
        AND (sp.valid_until IS NULL OR sp.valid_until >= a.session_date)
        AND sp.lifecycle_status = 'active'
    LEFT JOIN checked c ON c.session_id = a.session_id AND c.goal_id = sp.goal_id
    GROUP BY ALL
),
facts AS (
    SELECT a.*, coalesce(x.goals_expected, 0) AS goals_expected,
           coalesce(x.goals_checked, 0) AS goals_checked, x.goals,
           (coalesce(x.goals_checked, 0) > 0 OR cs.session_id IS NOT NULL) AS any_checkin
    FROM attended a
    LEFT JOIN expected x USING (session_id)
    LEFT JOIN checked_sessions cs USING (session_id)
),
-- Runs of consecutive sessions with an active goal and no check-in (sessions without an
-- active goal are left out of the sequence): a session with a check-in starts a new island;
-- the island's unchecked sessions, in order, are a run.
islands AS (
    SELECT session_id, client_id, session_date, any_checkin,
           sum(any_checkin::INTEGER) OVER (
               PARTITION BY client_id ORDER BY session_date, session_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
    FROM facts
    WHERE goals_expected > 0
),
runs AS (
    SELECT session_id,
           row_number() OVER (PARTITION BY client_id, island ORDER BY session_date, session_id)
               AS run_length,
           min(session_date) OVER (PARTITION BY client_id, island) AS run_start
    FROM islands
    WHERE NOT any_checkin
),
first_goals AS (
    SELECT client_id, arg_min(goal_id, (start_date, goal_id)) AS goal_id,
           min(start_date) AS start_date
    FROM real_goals
    GROUP BY ALL
)
SELECT f.session_id, f.client_id, f.session_date, f.session_number, f.goals_expected,
       f.goals_checked, f.goals, f.any_checkin, r.run_length, r.run_start,
       g.goal_id AS first_goal_id, g.start_date AS first_goal_start
FROM facts f
LEFT JOIN runs r USING (session_id)
LEFT JOIN first_goals g USING (client_id)
ORDER BY f.session_date, f.client_id, f.session_number;
