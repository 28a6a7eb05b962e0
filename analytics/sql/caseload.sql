-- Caseload: the clients in care at an as-of date, their goals and the facts behind each
-- attention flag (rules, reasons and ordering: docs/caseload.md).
--
-- The goals query is a fragment that analytics/caseload.py puts after two relations
-- from analytics/sql/progress.sql, so that normalised progress and a goal's status as of a
-- day are defined once, in docs/progress.md:
--   points    = progress.checkin_rule        (one row per check-in, `progress` 0..1 = baseline..target)
--   lifecycle = progress.goal_lifecycle_as_of (one row per goal, lifecycle/achievement as of $as_of)
-- A client is "in care" at $as_of when intake_date <= $as_of and they are not discharged on or
-- before $as_of; discharged clients never appear. Entered-in-error and rejected goals are not
-- goals and are left out everywhere.

-- name: goal_extras
-- The relation `extras`: per goal of `lifecycle` (goals in scope started by $as_of), what the
-- caseload needs beyond the status summary: the last $series_length normalised values with their
-- dates (oldest first), the attended sessions up to $as_of since the goal was set that came after
-- its last check-in (a check-in on the day of a session counts as a check-in at that session),
-- and whether a goal started by $as_of revises it. Runs after `points`, `lifecycle` and `status`.
, series AS (
    -- The rows are narrowed before the ordered aggregate, which then sorts a few per goal.
    SELECT
        p.goal_id,
        list(p.progress ORDER BY p.seq) AS progress_series,
        list(p.checkin_date ORDER BY p.seq) AS series_dates
    FROM points p
    WHERE p.seq > p.n_checkins - $series_length AND p.progress IS NOT NULL
    GROUP BY p.goal_id
),
attended_for_goals AS (
    SELECT s.client_id, s.session_date
    FROM sessions s
    WHERE s.attended AND s.session_date <= $as_of
      AND s.client_id IN (SELECT client_id FROM lifecycle)
),
missed AS (
    SELECT
        st.goal_id,
        count(a.session_date) AS sessions_since_checkin
    FROM status st
    LEFT JOIN attended_for_goals a
        ON a.client_id = st.client_id
       AND a.session_date >= st.start_date
       AND a.session_date > coalesce(st.last_checkin_date, DATE '0001-01-01')
    GROUP BY st.goal_id
),
extras AS (
    SELECT
        st.goal_id,
        coalesce(se.progress_series, []::DOUBLE[]) AS progress_series,
        coalesce(se.series_dates, []::DATE[]) AS series_dates,
        m.sessions_since_checkin,
        EXISTS (
            SELECT 1 FROM goals r
            WHERE r.revised_from_goal_id = st.goal_id AND r.start_date <= $as_of
        ) AS revised
    FROM status st
    JOIN missed m USING (goal_id)
    LEFT JOIN series se USING (goal_id)
)

-- name: goal_facts
-- The relation `goal_facts`: per goal of `status`, the columns the caseload reads (the status
-- summary's and `extras`'), exactly the columns the stored per-goal summary `goal_progress`
-- holds (analytics/derived_progress.py); computed from the raw tables as of $as_of.
, goal_facts AS (
    SELECT
        st.goal_id,
        st.client_id,
        st.description,
        st.life_area,
        st.measure,
        st.higher_is_better,
        st.start_date,
        st.target_date,
        st.revised_from_goal_id,
        st.lifecycle_status,
        st.recorded_achievement_status,
        st.last_event_date,
        st.n_checkins,
        st.first_checkin_date,
        st.last_checkin_date,
        st.last_value,
        st.last_progress,
        st.previous_value,
        st.trend_change,
        st.trend_value,
        st.last_phase,
        st.ever_achieved,
        st.sudden_gain_at_latest,
        st.sudden_loss_at_latest,
        st.derived_status,
        x.progress_series,
        x.series_dates,
        x.sessions_since_checkin,
        x.revised
    FROM status st
    JOIN extras x USING (goal_id)
)

-- name: in_care
-- The relation `in_care`: the clients in care at $as_of within the viewer's scope, with what
-- the caseload shows of them, whether their stored summaries (client_progress, goal_progress)
-- are exact at $as_of: stored, and no session, goal, event or check-in of theirs is dated after
-- $as_of (docs/caseload.md, "Derived data"), under their practitioner now; and, where they are,
-- the stored session facts. The scope is tested with list_contains on `clients`: that table is
-- not in practitioner order, so a join with the scope list cannot skip any of it, and probing
-- the join cost more than the filter on every row (measured on DuckDB 1.5.5, system scale).
in_care AS (
    SELECT
        c.client_id,
        c.display_code,
        c.practitioner_id,
        c.intake_date,
        cp.client_id IS NOT NULL AND cp.horizon <= $as_of AS summarised,
        cp.attended_sessions,
        cp.last_session_date
    FROM clients c
    LEFT JOIN (
        SELECT * FROM client_progress WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
    ) cp ON cp.client_id = c.client_id AND cp.practitioner_id = c.practitioner_id
    WHERE list_contains($scope::VARCHAR[], c.practitioner_id)
      AND c.intake_date <= $as_of
      AND (c.discharge_date IS NULL OR c.discharge_date > $as_of)
)

-- name: stored_goals
-- The relation `stored_goals`: the stored per-goal summary rows of the practitioners in scope,
-- read on their own (MATERIALIZED), before they meet `in_care`: joined in one step, the join's
-- filter on client_id was pushed into the scan and decoded the client ids of a whole row group
-- (122,880 rows), where the practitioner filter alone reads one short stretch (the rows are
-- stored in practitioner order). That filter only narrows the read; `in_care` checks the scope
-- and the practitioner against `clients`.
, stored_goals AS MATERIALIZED (
    SELECT d.* EXCLUDE (practitioner_id)
    FROM goal_progress d
    WHERE d.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
)

-- name: summarised_facts
-- The relations `facts` and `attended` from the stored summaries alone: the per-goal summary
-- (the same columns as `goal_facts`) and the session facts of the clients in care whose summary
-- is exact at $as_of (in_care.summarised). The other clients get neither: a caller that finds
-- one (summarised false) computes with `mixed_facts` instead.
, facts AS (
    SELECT d.*
    FROM stored_goals d
    SEMI JOIN in_care i ON i.client_id = d.client_id AND i.summarised
),
attended AS (
    SELECT client_id, attended_sessions, last_session_date FROM in_care WHERE summarised
)

-- name: mixed_facts
-- The relations `facts` and `attended`: the stored per-goal summary and session facts for the
-- clients whose summary is exact at $as_of, and for the other clients in care `goal_facts`
-- (computed from the raw tables, restricted by $client_ids to them) and their attended
-- sessions up to $as_of (count and last date) read from `sessions`.
, facts AS (
    SELECT d.*
    FROM stored_goals d
    SEMI JOIN in_care i ON i.client_id = d.client_id AND i.summarised
    UNION ALL BY NAME
    SELECT f.*
    FROM goal_facts f
    SEMI JOIN in_care i ON i.client_id = f.client_id AND NOT i.summarised
),
attended AS (
    SELECT client_id, attended_sessions, last_session_date FROM in_care WHERE summarised
    UNION ALL
    SELECT s.client_id, count(*), max(s.session_date)
    FROM sessions s
    SEMI JOIN in_care i ON i.client_id = s.client_id AND NOT i.summarised
    WHERE s.attended AND s.session_date <= $as_of
    GROUP BY s.client_id
)

-- name: view
-- The caseload in one result: one row per goal (started by $as_of, not entered-in-error or
-- rejected) of each client in care at $as_of within the viewer's scope, carrying its client's
-- columns, and one row with empty goal columns for each such client without a goal; in the
-- order of the caseload's goals table (client id, start date, goal id; analytics/caseload.py
-- puts the clients in display-code order). Runs after `in_care` and `facts` (which holds only
-- those clients' goals) and `attended` (their attended sessions up to $as_of: count and last).
--
-- Client columns: code, practitioner, intake date, days in care, attended sessions up to
-- $as_of and the last one, days since it (or since intake when none), the rule flag
-- no_recent_session (more than $dropout_weeks weeks), and `summarised`.
--
-- Goal columns: lifecycle and recorded achievement status at $as_of, check-in facts (count,
-- last date, value, normalised progress, the last $series_length normalised values and their
-- dates, oldest first), attended sessions since the last check-in, days since the last check-in
-- (or since the start when none), whether a later goal revises it, the rule flags
-- review_overdue ($review_sessions sessions or $review_days days), past_target, worsening
-- (active, and derived as worsening or a sudden loss at the latest check-in) and
-- confirm_sustaining (active, achieved as recorded or derived, and neither recorded nor
-- derived as sustaining), the derived achievement status and the sudden loss at the latest
-- check-in (docs/progress.md, docs/caseload.md).
, client_rows AS (
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
            > 7 * $dropout_weeks AS no_recent_session,
        c.summarised
    FROM in_care c
    LEFT JOIN practitioners p USING (practitioner_id)
    LEFT JOIN attended a USING (client_id)
),
goal_rows AS (
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
        date_diff('day', coalesce(g.last_checkin_date, g.start_date), $as_of::DATE) AS days_since_checkin,
        g.sessions_since_checkin,
        g.revised,
        g.lifecycle_status = 'active'
            AND (g.sessions_since_checkin >= $review_sessions
                 OR date_diff('day', coalesce(g.last_checkin_date, g.start_date), $as_of::DATE) > $review_days)
            AS review_overdue,
        g.lifecycle_status = 'active'
            AND g.target_date < $as_of
            AND NOT g.revised
            AND coalesce(g.recorded_achievement_status, '') NOT IN (
                'achieved', 'sustaining', 'not-achieved', 'not-attainable')
            AS past_target,
        g.derived_status,
        g.sudden_loss_at_latest,
        -- A missing status is never "worsening" or "achieved" and never "sustaining".
        coalesce(g.lifecycle_status = 'active', FALSE)
            AND (coalesce(g.derived_status = 'worsening', FALSE) OR g.sudden_loss_at_latest)
            AS worsening,
        coalesce(g.lifecycle_status = 'active', FALSE)
            AND (g.recorded_achievement_status = 'achieved'
                 OR coalesce(g.derived_status = 'achieved', FALSE))
            AND g.derived_status IS DISTINCT FROM 'sustaining'
            AND coalesce(g.recorded_achievement_status, '') <> 'sustaining'
            AS confirm_sustaining
    FROM facts g
    WHERE g.lifecycle_status NOT IN ('entered-in-error', 'rejected')
      AND g.start_date <= $as_of
)
SELECT c.*, g.* EXCLUDE (client_id)
FROM client_rows c
LEFT JOIN goal_rows g USING (client_id)
ORDER BY c.client_id, g.start_date, g.goal_id;
