-- One goal's timeline: its lineage, lifecycle events and sessions; a client's scores.

-- name: goal_client_goals
-- Every goal started by $as_of of the client whose goal $goal_id is, when that goal started by
-- $as_of and the client is in scope; no row otherwise. The columns of client_goals_started:
-- what a revision chain's walk and the check-in rule read. One statement rather than the
-- goal's client and then that client's goals: a chain stays within one client, and the
-- second statement cost 1.6 ms of a 13 ms goal timeline at system scale (docs/performance.md,
-- 3 December).
SELECT
    goal_id,
    client_id,
    description,
    life_area,
    measure,
    scale_min,
    scale_max,
    higher_is_better,
    baseline,
    target,
    start_date,
    target_date,
    revised_from_goal_id,
    lifecycle_status
FROM goals
WHERE client_id = (
      SELECT g.client_id
      FROM goals g
      JOIN clients c USING (client_id)
      WHERE g.goal_id = $goal_id
        AND g.start_date <= $as_of
        AND list_contains($scope::VARCHAR[], c.practitioner_id)
  )
  AND start_date <= $as_of;

-- name: client_goals_started
-- Every goal of $client_id started by $as_of, when the client is in scope, as stored: the rows
-- the check-in rule (analytics.progress.rule_points) and a revision chain's walk
-- (analytics/timeline.py, walk_chain) read. A chain stays within one client (an import refuses
-- a goal revised from another client's goal, docs/data-format.md), so the walk reads that
-- client's few goals, through the `goals_client` index, and never every goal in scope.
-- goal_client_goals above returns the same columns, found from a goal instead of a client.
SELECT
    goal_id,
    client_id,
    description,
    life_area,
    measure,
    scale_min,
    scale_max,
    higher_is_better,
    baseline,
    target,
    start_date,
    target_date,
    revised_from_goal_id,
    lifecycle_status
FROM goals
WHERE client_id = $client_id
  AND start_date <= $as_of
  AND EXISTS (
      SELECT 1 FROM clients c
      WHERE c.client_id = $client_id AND list_contains($scope::VARCHAR[], c.practitioner_id)
  );

-- name: goal_checkins
-- The check-ins on or before $as_of of the goals in $goal_ids (one client's, read in scope by
-- client_goals_started), as the check-in rule reads them (analytics.progress.rule_points):
-- goal id, check-in id, session id, date, value, reporter, note.
SELECT goal_id, checkin_id, session_id, checkin_date, value, reporter, note
FROM goal_checkins
WHERE goal_id IN (SELECT unnest($goal_ids::VARCHAR[]))
  AND checkin_date <= $as_of;

-- name: lifecycle_events
-- The lifecycle events on or before $as_of of the goals in $goal_ids (in scope), in date order,
-- each with a label in clinicians' words (set, revised, on hold, resumed, achieved, sustaining,
-- completed, cancelled …) and a `revision` flag for the day a goal replaced the one before it.
WITH scoped_goals AS (
    SELECT g.*
    FROM goals g
    JOIN clients c USING (client_id)
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND g.goal_id IN (SELECT unnest($goal_ids::VARCHAR[]))
),
recorded AS (
    SELECT
        e.goal_id,
        e.event_id,
        e.event_date,
        e.lifecycle_status,
        e.achievement_status,
        e.note,
        lag(e.lifecycle_status) OVER (PARTITION BY e.goal_id ORDER BY e.event_date, e.event_id)
            AS previous_status
    FROM goal_events e
    JOIN scoped_goals g USING (goal_id)
    WHERE e.event_date <= $as_of
),
labelled AS (
    SELECT
        goal_id,
        event_id,
        event_date,
        lifecycle_status,
        achievement_status,
        note,
        FALSE AS revision,
        CASE
            WHEN previous_status IS NULL AND lifecycle_status = 'active' THEN 'set'
            WHEN lifecycle_status = 'active' AND previous_status = 'on-hold' THEN 'resumed'
            WHEN lifecycle_status = 'on-hold' THEN 'on hold'
            WHEN lifecycle_status = 'completed' THEN 'completed'
            WHEN lifecycle_status = 'cancelled' THEN 'cancelled'
            WHEN achievement_status IN ('achieved', 'sustaining', 'not-achieved', 'not-attainable')
                THEN replace(achievement_status, '-', ' ')
            WHEN lifecycle_status = 'active' AND previous_status = 'active' THEN 'reviewed'
            ELSE replace(lifecycle_status, '-', ' ')
        END AS label
    FROM recorded
),
revisions AS (
    -- A revised goal's start is the revision point of the chain.
    SELECT
        g.goal_id,
        'revision-' || g.goal_id AS event_id,
        g.start_date AS event_date,
        'active' AS lifecycle_status,
        NULL::VARCHAR AS achievement_status,
        'revised from an earlier goal' AS note,
        TRUE AS revision,
        'revised' AS label
    FROM scoped_goals g
    WHERE g.revised_from_goal_id IS NOT NULL AND g.start_date <= $as_of
)
SELECT *
FROM (
    -- On a revision day the new goal's own "set" event is the same moment: keep "revised".
    -- (A goal has at most one revision row, its start, so the join repeats no event; a join
    -- rather than a correlated NOT EXISTS, which was planned as a delimiter join.)
    SELECT l.* FROM labelled l
    LEFT JOIN revisions r ON r.goal_id = l.goal_id AND r.event_date = l.event_date
    WHERE NOT (l.label = 'set' AND r.goal_id IS NOT NULL)
    UNION ALL
    SELECT * FROM revisions
)
ORDER BY event_date, revision DESC, event_id;

-- name: goal_sessions
-- The client's attended sessions while each goal of $goal_ids (in scope) was active, from its
-- start to $as_of: goal id, session id, date, kind, and whether a check-in of that goal was
-- taken at it (by session id, or dated the same day). A session counts once for a chain: the
-- goal later in $goal_ids (chain order) keeps it.
WITH goal AS (
    SELECT g.goal_id, g.client_id, g.start_date, g.lifecycle_status,
           list_position($goal_ids::VARCHAR[], g.goal_id) AS chain_order
    FROM goals g
    JOIN clients c USING (client_id)
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND g.goal_id IN (SELECT unnest($goal_ids::VARCHAR[]))
),
attended AS (
    SELECT s.session_id, s.session_date, s.kind, g.goal_id, g.chain_order,
           g.lifecycle_status AS current_status
    FROM sessions s
    JOIN goal g USING (client_id)
    WHERE s.attended AND s.session_date BETWEEN g.start_date AND $as_of
),
events AS (
    SELECT e.goal_id, e.event_date, e.lifecycle_status
    FROM goal_events e
    WHERE e.goal_id IN (SELECT goal_id FROM goal)
),
with_status AS (
    -- The lifecycle status in force on the session's day: the last event on or before it.
    SELECT a.*, e.lifecycle_status AS status_then
    FROM attended a
    ASOF LEFT JOIN events e ON a.goal_id = e.goal_id AND a.session_date >= e.event_date
),
-- Each goal's check-ins as two lists, joined once: a correlated EXISTS per session was
-- planned as a delimiter join and cost a third of this query (docs/performance.md).
checked AS (
    SELECT goal_id, list(session_id) AS session_ids, list(checkin_date) AS checkin_dates
    FROM goal_checkins
    WHERE goal_id IN (SELECT goal_id FROM goal)
    GROUP BY goal_id
)
SELECT
    w.goal_id,
    w.session_id,
    w.session_date,
    w.kind,
    coalesce(
        list_contains(k.session_ids, w.session_id) OR list_contains(k.checkin_dates, w.session_date),
        FALSE
    ) AS has_checkin
FROM with_status w
LEFT JOIN checked k ON k.goal_id = w.goal_id
WHERE coalesce(w.status_then, w.current_status) = 'active'
QUALIFY row_number() OVER (PARTITION BY w.session_id ORDER BY w.chain_order DESC) = 1
ORDER BY w.chain_order, w.session_date, w.session_id;

-- name: clients_in_scope
-- Every client in scope: id, pseudonymous display code, intake and discharge dates, and the
-- count of goals started by $as_of (real names are never returned). The goals are counted from
-- the stored per-goal summaries for clients whose summary is exact at $as_of (docs/caseload.md,
-- "Derived data"), else from `goals`.
WITH scoped AS (
    SELECT
        c.client_id,
        c.display_code,
        c.practitioner_id,
        c.intake_date,
        c.discharge_date,
        cp.client_id IS NOT NULL AND cp.horizon <= $as_of AS summarised
    FROM clients c
    LEFT JOIN (
        SELECT * FROM client_progress WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
    ) cp ON cp.client_id = c.client_id AND cp.practitioner_id = c.practitioner_id
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND c.intake_date <= $as_of
),
started AS (
    SELECT d.client_id, d.goal_id
    FROM goal_progress d
    SEMI JOIN scoped s ON s.client_id = d.client_id AND s.summarised
    WHERE d.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND d.start_date <= $as_of
    UNION ALL
    SELECT g.client_id, g.goal_id
    FROM goals g
    SEMI JOIN scoped s ON s.client_id = g.client_id AND NOT s.summarised
    WHERE g.start_date <= $as_of
),
counted AS (
    SELECT client_id, count(goal_id) AS n_goals FROM started GROUP BY client_id
)
SELECT
    s.client_id,
    s.display_code,
    s.practitioner_id,
    s.intake_date,
    s.discharge_date,
    coalesce(k.n_goals, 0) AS n_goals
FROM scoped s
LEFT JOIN counted k USING (client_id)
ORDER BY s.display_code;
