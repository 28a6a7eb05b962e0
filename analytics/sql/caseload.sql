-- Caseload: the clients in care at an as-of date, their goals and the facts behind each
-- attention flag (rules, reasons and ordering: docs/caseload.md).
--
-- The goals query is a fragment that analytics/caseload.py puts after two relations
-- from analytics/sql/progress.sql, so that normalised progress and a goal's status as of a
-- day are defined once, in docs/progress.md:
--   points    = progress.checkin_points      (one row per check-in, `progress` 0..1 = baseline..target)
--   lifecycle = progress.goal_lifecycle_as_of (one row per goal, lifecycle/achievement as of $as_of)
-- A client is "in care" at $as_of when intake_date <= $as_of and they are not discharged on or
-- before $as_of; discharged clients never appear. Entered-in-error and rejected goals are not
-- goals and are left out everywhere.

-- name: goals
-- One row per goal (started by $as_of, not entered-in-error or rejected) of each client in care
-- at $as_of within the viewer's scope: lifecycle and recorded achievement status at $as_of,
-- check-in facts (count, last date, value, normalised progress, the last $series_length
-- normalised values and their dates, oldest first), attended sessions since the last check-in, days since the
-- last check-in (or since the start when none), whether a later goal revises it, and the rule
-- flags review_overdue ($review_sessions sessions or $review_days days), past_target and
-- achieved_recorded.
, in_care AS (
    SELECT c.client_id
    FROM clients c
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND c.intake_date <= $as_of
      AND (c.discharge_date IS NULL OR c.discharge_date > $as_of)
),
kept_goals AS (
    SELECT l.*
    FROM lifecycle l
    JOIN in_care USING (client_id)
    WHERE l.lifecycle_status NOT IN ('entered-in-error', 'rejected')
),
checkin_facts AS (
    SELECT
        p.goal_id,
        max(p.n_checkins) AS n_checkins,
        max(p.checkin_date) AS last_checkin_date,
        arg_max(p.value, p.seq) AS last_value,
        arg_max(p.progress, p.seq) AS last_progress,
        list(p.progress ORDER BY p.seq)
            FILTER (WHERE p.seq > p.n_checkins - $series_length AND p.progress IS NOT NULL)
            AS progress_series,
        list(p.checkin_date ORDER BY p.seq)
            FILTER (WHERE p.seq > p.n_checkins - $series_length AND p.progress IS NOT NULL)
            AS series_dates
    FROM points p
    JOIN kept_goals g USING (goal_id)
    GROUP BY p.goal_id
),
attended AS (
    SELECT s.client_id, s.session_date
    FROM sessions s
    JOIN in_care USING (client_id)
    WHERE s.attended AND s.session_date <= $as_of
),
goal_facts AS (
    SELECT
        g.*,
        coalesce(f.n_checkins, 0) AS n_checkins,
        f.last_checkin_date,
        f.last_value,
        f.last_progress,
        coalesce(f.progress_series, []::DOUBLE[]) AS progress_series,
        coalesce(f.series_dates, []::DATE[]) AS series_dates,
        date_diff('day', coalesce(f.last_checkin_date, g.start_date), $as_of::DATE)
            AS days_since_checkin,
        EXISTS (
            SELECT 1 FROM goals r
            WHERE r.revised_from_goal_id = g.goal_id AND r.start_date <= $as_of
        ) AS revised
    FROM kept_goals g
    LEFT JOIN checkin_facts f USING (goal_id)
),
missed AS (
    -- Attended sessions since the goal was set that came after its last check-in: a
    -- check-in on the day of a session counts as a check-in at that session.
    SELECT
        g.goal_id,
        count(a.session_date) AS sessions_since_checkin
    FROM goal_facts g
    LEFT JOIN attended a
        ON a.client_id = g.client_id
       AND a.session_date >= g.start_date
       AND a.session_date > coalesce(g.last_checkin_date, DATE '0001-01-01')
    GROUP BY g.goal_id
)
SELECT
    g.goal_id,
    g.client_id,
    g.description,
    g.life_area,
    g.measure,
    g.start_date,
    g.target_date,
    g.lifecycle_status,
    g.recorded_achievement_status,
    g.last_event_date,
    g.n_checkins,
    g.last_checkin_date,
    g.last_value,
    g.last_progress,
    g.progress_series,
    g.series_dates,
    g.days_since_checkin,
    m.sessions_since_checkin,
    g.revised,
    g.lifecycle_status = 'active'
        AND (m.sessions_since_checkin >= $review_sessions OR g.days_since_checkin > $review_days)
        AS review_overdue,
    g.lifecycle_status = 'active'
        AND g.target_date < $as_of
        AND NOT g.revised
        AND coalesce(g.recorded_achievement_status, '') NOT IN (
            'achieved', 'sustaining', 'not-achieved', 'not-attainable')
        AS past_target,
    g.lifecycle_status = 'active'
        AND g.recorded_achievement_status = 'achieved'
        AS achieved_recorded
FROM goal_facts g
JOIN missed m USING (goal_id)
ORDER BY g.client_id, g.start_date, g.goal_id;

-- name: clients
-- One row per client in care at $as_of within the viewer's scope: code, practitioner, intake
-- date, days in care, attended sessions up to $as_of and the last one, days since it (or since
-- intake when none), and the rule flag no_recent_session (more than $dropout_weeks weeks).
-- Goal facts come from the goals query, so check-ins are read once per caseload.
WITH in_care AS (
    SELECT c.client_id, c.display_code, c.practitioner_id, c.intake_date
    FROM clients c
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND c.intake_date <= $as_of
      AND (c.discharge_date IS NULL OR c.discharge_date > $as_of)
),
attended AS (
    SELECT
        s.client_id,
        count(*) AS attended_sessions,
        max(s.session_date) AS last_session_date
    FROM sessions s
    JOIN in_care USING (client_id)
    WHERE s.attended AND s.session_date <= $as_of
    GROUP BY s.client_id
)
SELECT
    c.client_id,
    c.display_code,
    c.practitioner_id,
    p.display_name AS practitioner_name,
    c.intake_date,
    date_diff('day', c.intake_date, $as_of::DATE) AS days_in_care,
    coalesce(a.attended_sessions, 0) AS attended_sessions,
    a.last_session_date,
    date_diff('day', coalesce(a.last_session_date, c.intake_date), $as_of::DATE)
        AS days_since_session,
    date_diff('day', coalesce(a.last_session_date, c.intake_date), $as_of::DATE)
        > 7 * $dropout_weeks AS no_recent_session
FROM in_care c
LEFT JOIN practitioners p USING (practitioner_id)
LEFT JOIN attended a USING (client_id)
ORDER BY c.display_code;
