-- name: clinic_counts
-- One row: practitioners, active clients, active goals, attended sessions and check-ins
-- in the 90 days up to $as_of, within the viewer's scope.
WITH scoped_clients AS (
    SELECT c.*
    FROM clients c
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
),
active_clients AS (
    SELECT * FROM scoped_clients
    WHERE intake_date <= $as_of AND (discharge_date IS NULL OR discharge_date > $as_of)
)
SELECT
    (SELECT count(DISTINCT practitioner_id) FROM active_clients) AS practitioners,
    (SELECT count(*) FROM active_clients) AS active_clients,
    (SELECT count(*) FROM goals g JOIN active_clients c USING (client_id)
        WHERE g.lifecycle_status = 'active' AND g.start_date <= $as_of) AS active_goals,
    (SELECT count(*) FROM sessions s JOIN scoped_clients c USING (client_id)
        WHERE s.attended AND s.session_date BETWEEN $as_of - INTERVAL 90 DAY AND $as_of)
        AS sessions_90d,
    (SELECT count(*) FROM goal_checkins k JOIN goals g USING (goal_id)
        JOIN scoped_clients c USING (client_id)
        WHERE k.checkin_date BETWEEN $as_of - INTERVAL 90 DAY AND $as_of) AS checkins_90d;

-- name: monthly_activity
-- Per month up to $as_of: attended sessions, and attended sessions with at least one goal
-- check-in, within the viewer's scope.
WITH scoped_sessions AS (
    SELECT s.session_id, s.session_date
    FROM sessions s
    JOIN clients c USING (client_id)
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND s.attended AND s.session_date <= $as_of
),
checked AS (
    SELECT DISTINCT session_id FROM goal_checkins WHERE session_id IS NOT NULL
)
SELECT
    date_trunc('month', s.session_date)::DATE AS month,
    count(*) AS attended_sessions,
    count(k.session_id) AS sessions_with_checkin
FROM scoped_sessions s
LEFT JOIN checked k USING (session_id)
GROUP BY ALL
ORDER BY month;

-- name: latest_activity
-- The latest date anything was recorded (session, check-in or skill log), or NULL.
SELECT greatest(
    (SELECT max(session_date) FROM sessions),
    (SELECT max(checkin_date) FROM goal_checkins),
    (SELECT max(logged_at)::DATE FROM coping_logs)
) AS latest;
