-- The benchmark's floor and its choice of whom to time (analytics/bench.py, docs/performance.md).
-- The floor is the least work any answer over these tables needs: one bare scan of the
-- columns a view reads, with a trivial aggregate, and no joins beyond the scope filter.

-- name: floor_all
-- One row of bare aggregates over every row of the tables the follow-up audit and the
-- caseload read (clients, sessions, goals, goal_events, goal_checkins): counts and extremes.
SELECT
    (SELECT count(practitioner_id) FROM clients) AS clients,
    (SELECT count(*) FILTER (WHERE attended) FROM sessions) AS attended_sessions,
    (SELECT max(session_date) FROM sessions) AS last_session,
    (SELECT count(DISTINCT client_id) FROM sessions) AS clients_seen,
    (SELECT max(start_date) FROM goals) AS last_goal_start,
    (SELECT count(target_date) FROM goals) AS goals_with_target,
    (SELECT count(lifecycle_status) FROM goal_events) AS events,
    (SELECT max(event_date) FROM goal_events) AS last_event,
    (SELECT count(session_id) FROM goal_checkins) AS checkins_at_sessions,
    (SELECT max(checkin_date) FROM goal_checkins) AS last_checkin,
    (SELECT count(DISTINCT goal_id) FROM goal_checkins) AS goals_checked;

-- name: floor_scoped
-- The same bare aggregates restricted to the clients in scope (and to one client and one goal
-- when $client_id / $goal_id are given): the floor for one caseload, one team, one timeline.
WITH scoped_clients AS (
    SELECT client_id
    FROM clients
    WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND ($client_id::VARCHAR IS NULL OR client_id = $client_id::VARCHAR)
),
scoped_goals AS (
    SELECT goal_id, start_date, target_date
    FROM goals
    WHERE client_id IN (SELECT client_id FROM scoped_clients)
      AND ($goal_id::VARCHAR IS NULL OR goal_id = $goal_id::VARCHAR)
)
SELECT
    (SELECT count(*) FROM scoped_clients) AS clients,
    (SELECT count(*) FILTER (WHERE attended) FROM sessions
        WHERE client_id IN (SELECT client_id FROM scoped_clients)) AS attended_sessions,
    (SELECT max(session_date) FROM sessions
        WHERE client_id IN (SELECT client_id FROM scoped_clients)) AS last_session,
    (SELECT max(start_date) FROM scoped_goals) AS last_goal_start,
    (SELECT count(target_date) FROM scoped_goals) AS goals_with_target,
    (SELECT count(lifecycle_status) FROM goal_events
        WHERE goal_id IN (SELECT goal_id FROM scoped_goals)) AS events,
    (SELECT count(session_id) FROM goal_checkins
        WHERE goal_id IN (SELECT goal_id FROM scoped_goals)) AS checkins_at_sessions,
    (SELECT max(checkin_date) FROM goal_checkins
        WHERE goal_id IN (SELECT goal_id FROM scoped_goals)) AS last_checkin;

-- name: floor_coping
-- Bare aggregates over the coping-skill logs of the clients in scope (one client when
-- $client_id is given): the floor for the coping-skills views.
SELECT count(*) AS logs, max(logged_at) AS last_log, avg(distress_before - distress_after) AS mean_drop
FROM coping_logs
WHERE client_id IN (
    SELECT client_id
    FROM clients
    WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND ($client_id::VARCHAR IS NULL OR client_id = $client_id::VARCHAR)
);

-- name: busiest_therapist
-- The therapist (role therapist, with a supervisor) with the most clients, and that supervisor:
-- the caseload timed is the largest one, never a conveniently small one.
SELECT p.practitioner_id, p.supervisor_id, count(c.client_id) AS clients
FROM practitioners p
JOIN clients c USING (practitioner_id)
WHERE p.role = 'therapist' AND p.supervisor_id IS NOT NULL
GROUP BY p.practitioner_id, p.supervisor_id
ORDER BY clients DESC, p.practitioner_id
LIMIT 1;

-- name: busiest_client
-- The client of $practitioner with the most goal check-ins, and their goal with the most.
SELECT g.client_id, c.display_code, g.goal_id, count(*) AS checkins
FROM goal_checkins k
JOIN goals g USING (goal_id)
JOIN clients c USING (client_id)
WHERE c.practitioner_id = $practitioner
GROUP BY g.client_id, c.display_code, g.goal_id
ORDER BY sum(count(*)) OVER (PARTITION BY g.client_id) DESC, g.client_id, checkins DESC, g.goal_id
LIMIT 1;

-- name: busiest_coping_client
-- The client of $practitioner with the most coping-skill logs from $start to $as_of (the
-- coping page's default period), and the goal they linked the most of those logs to (their
-- first goal when they linked none).
SELECT l.client_id, c.display_code,
       coalesce(l.goal_id, (SELECT min(g.goal_id) FROM goals g WHERE g.client_id = l.client_id)) AS goal_id,
       count(*) AS logs
FROM coping_logs l
JOIN clients c USING (client_id)
WHERE c.practitioner_id = $practitioner
  AND l.logged_at >= $start::DATE
  AND l.logged_at < $as_of::DATE + INTERVAL 1 DAY
GROUP BY l.client_id, c.display_code, l.goal_id
ORDER BY sum(count(*)) OVER (PARTITION BY l.client_id) DESC, l.client_id, l.goal_id IS NULL, logs DESC, l.goal_id
LIMIT 1;

-- name: row_counts
-- Rows per table of the demo database, as recorded in the benchmark's report.
SELECT
    (SELECT count(*) FROM practitioners) AS practitioners,
    (SELECT count(*) FROM clients) AS clients,
    (SELECT count(*) FROM sessions) AS sessions,
    (SELECT count(*) FROM goals) AS goals,
    (SELECT count(*) FROM goal_events) AS goal_events,
    (SELECT count(*) FROM goal_checkins) AS goal_checkins,
    (SELECT count(*) FROM coping_logs) AS coping_logs;

-- name: new_checkins
-- $rows new goal check-ins in the import format (ids bench-1 …), spread over existing goals,
-- dated on or after each goal's start and valued inside its scale: the CSV import benchmark's file.
WITH numbered AS (
    SELECT goal_id, start_date, scale_min, scale_max, row_number() OVER (ORDER BY goal_id) - 1 AS goal_no
    FROM goals
),
series AS (
    -- goal_no is computed here so that the join below is an equi-join (a hash join).
    SELECT i, i % (SELECT count(*) FROM goals) AS goal_no
    FROM (SELECT unnest(range($rows::BIGINT)) AS i)
)
SELECT
    'bench-' || (s.i + 1) AS checkin_id,
    g.goal_id,
    NULL::VARCHAR AS session_id,
    g.start_date + CAST(s.i % 28 AS INTEGER) AS checkin_date,
    round(g.scale_min + (g.scale_max - g.scale_min) * ((s.i * 7) % 11) / 10.0) AS value,
    CASE WHEN s.i % 3 = 0 THEN 'practitioner' ELSE 'client' END AS reporter,
    '' AS note
FROM series s
JOIN numbered g USING (goal_no)
ORDER BY s.i;

-- name: existing_checkins
-- $rows existing check-ins (same ids, goals, dates and values) of clients other than
-- $exclude_client, with the note $note: an import that writes without changing a rate.
SELECT
    k.checkin_id,
    k.goal_id,
    k.session_id,
    k.checkin_date,
    k.value,
    k.reporter,
    $note::VARCHAR AS note
FROM goal_checkins k
JOIN goals g USING (goal_id)
WHERE g.client_id <> $exclude_client
ORDER BY k.checkin_id
LIMIT $rows;

-- name: goal_checkin_count
-- Count and last date of one goal's check-ins ($goal): an index lookup, to price the gateway.
SELECT count(*) AS checkins, max(checkin_date) AS last_checkin
FROM goal_checkins
WHERE goal_id = $goal;
