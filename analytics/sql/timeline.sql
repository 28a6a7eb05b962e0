-- One goal's timeline: its lineage, lifecycle events and sessions; a client's scores.

-- name: chain_relations
-- The relations `client_goals` (every goal started by $as_of of the client whose goal $goal_id
-- is, when that client is in scope) and `chain` (goal id and position of each goal of the
-- revision chain of $goal_id: earlier goals by `revised_from_goal_id` at −1, −2, …, later ones
-- at +1, +2, …, at most $chain_limit steps each way, a guard against a cycle in bad data). A
-- chain stays within one client (an import refuses a goal revised from another client's goal,
-- docs/data-format.md), so the walk reads that client's few goals, found through the goal's
-- id, and never every goal in scope. A list of CTEs after WITH RECURSIVE (analytics/timeline.py).
the_goal AS (
    SELECT client_id FROM goals WHERE goal_id = $goal_id AND start_date <= $as_of
),
client_goals AS MATERIALIZED (
    SELECT g.*
    FROM goals g
    WHERE g.client_id = (SELECT client_id FROM the_goal)
      AND g.start_date <= $as_of
      AND EXISTS (
          SELECT 1 FROM clients c
          WHERE c.client_id = (SELECT client_id FROM the_goal)
            AND c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      )
),
earlier(goal_id, revised_from_goal_id, position) AS (
    SELECT goal_id, revised_from_goal_id, 0 FROM client_goals WHERE goal_id = $goal_id
    UNION ALL
    SELECT g.goal_id, g.revised_from_goal_id, e.position - 1
    FROM earlier e
    JOIN client_goals g ON g.goal_id = e.revised_from_goal_id
    WHERE e.position > -$chain_limit
),
later(goal_id, position) AS (
    SELECT goal_id, 0 FROM client_goals WHERE goal_id = $goal_id
    UNION ALL
    SELECT g.goal_id, l.position + 1
    FROM later l
    JOIN client_goals g ON g.revised_from_goal_id = l.goal_id
    WHERE l.position < $chain_limit
),
chain AS MATERIALIZED (
    -- A goal at one position once; in a cycle a goal recurs at other positions, as walked.
    SELECT DISTINCT goal_id, position
    FROM (SELECT goal_id, position FROM earlier UNION ALL SELECT goal_id, position FROM later)
)

-- name: goal_chain
-- The revision chain of $goal_id (chain_relations): one row per goal and position, with the
-- goal's dates, measure, scale, baseline and target, in chain order.
SELECT
    g.goal_id,
    ch.position,
    g.client_id,
    g.description,
    g.life_area,
    g.measure,
    g.scale_min,
    g.scale_max,
    g.higher_is_better,
    g.baseline,
    g.target,
    g.start_date,
    g.target_date,
    g.revised_from_goal_id,
    g.lifecycle_status
FROM client_goals g
JOIN chain ch USING (goal_id)
ORDER BY ch.position, g.start_date, g.goal_id;

-- name: chain_candidates
-- The relation `candidate_goals` of progress.checkin_goals for a timeline: the goals of the
-- relation `chain` (chain_relations), only $goal_id itself unless $whole_chain.
candidate_goals AS (
    SELECT g.*
    FROM client_goals g
    WHERE g.goal_id IN (SELECT goal_id FROM chain)
      AND ($whole_chain OR g.goal_id = $goal_id)
)

-- name: chain_points
-- The check-in points (relation `points`, progress.checkin_rule) of the chain's goals in time
-- order, each with its goal's chain position, description and scale (one row per position in
-- a cycle of bad data, as the chain has). Without `session_id`, which the timeline does not
-- draw: read through the `checkins_goal` index it is the costliest column of the row (its
-- FSST strings with NULLs are slow to fetch one row at a time; docs/performance.md).
SELECT p.* EXCLUDE (session_id), ch.position, g.description, g.scale_min, g.scale_max
FROM points p
JOIN chain ch USING (goal_id)
JOIN client_goals g USING (goal_id)
ORDER BY p.checkin_date, ch.position, p.seq;

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
    SELECT l.* FROM labelled l
    WHERE NOT (l.label = 'set' AND EXISTS (
        SELECT 1 FROM revisions r WHERE r.goal_id = l.goal_id AND r.event_date = l.event_date))
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
checked AS (
    SELECT goal_id, session_id, checkin_date
    FROM goal_checkins
    WHERE goal_id IN (SELECT goal_id FROM goal)
)
SELECT
    w.goal_id,
    w.session_id,
    w.session_date,
    w.kind,
    EXISTS (
        SELECT 1 FROM checked k
        WHERE k.goal_id = w.goal_id AND (k.session_id = w.session_id OR k.checkin_date = w.session_date)
    ) AS has_checkin
FROM with_status w
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
