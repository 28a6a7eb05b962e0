-- Goal progress: normalised progress, sudden gains and losses, phases and the derived
-- achievement status. The rule is written down in docs/progress.md; the per-measure
-- thresholds come from analytics/progress.py (MEASURE_RULES) as bound lists.

-- name: checkin_candidates
-- The relation `candidate_goals`: every goal in scope started by $as_of, optionally only the
-- goals in $goal_ids, of $client_id, or of the clients in $client_ids (goal rows as stored,
-- with the client's practitioner).
-- A list of CTEs without WITH; analytics/progress.py puts it in front of checkin_goals and
-- checkin_rule (`points_relations`) and of goal_lifecycle_as_of.
candidate_goals AS (
    SELECT g.*, c.practitioner_id
    FROM goals g
    JOIN clients c USING (client_id)
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND ($client_id::VARCHAR IS NULL OR g.client_id = $client_id::VARCHAR)
      AND ($goal_ids::VARCHAR[] IS NULL OR g.goal_id IN (SELECT unnest($goal_ids::VARCHAR[])))
      AND ($client_ids::VARCHAR[] IS NULL OR g.client_id IN (SELECT unnest($client_ids::VARCHAR[])))
      AND g.start_date <= $as_of
)

-- name: checkin_goals
-- The relations `measures` (the per-measure thresholds, bound as lists) and `scoped_goals`
-- (the goals of `candidate_goals` with their target, direction and thresholds): the goals whose
-- check-ins checkin_rule turns into points. A list of CTEs without WITH.
measures AS (
    SELECT
        unnest($measure_names::VARCHAR[]) AS measure,
        unnest($reliable_change::DOUBLE[]) AS reliable_change,
        unnest($meaningful_change::DOUBLE[]) AS meaningful_change
),
scoped_goals AS (
    SELECT
        g.goal_id,
        g.client_id,
        g.measure,
        g.higher_is_better,
        g.baseline AS recorded_baseline,
        -- A goal without a target aims at the best end of its scale.
        coalesce(g.target, CASE WHEN g.higher_is_better THEN g.scale_max ELSE g.scale_min END) AS target,
        CASE WHEN g.higher_is_better THEN 1.0 ELSE -1.0 END AS direction,
        CASE WHEN g.higher_is_better THEN g.scale_max ELSE g.scale_min END AS best_end,
        m.reliable_change,
        m.meaningful_change
    FROM candidate_goals g
    JOIN measures m USING (measure)
)

-- name: checkin_rule
-- One row per check-in on or before $as_of of the goals of the relation `scoped_goals`
-- (checkin_goals over checkin_candidates): value, normalised progress (0 = baseline,
-- 1 = target), change towards the target, rolling-median trend, sudden gain/loss flags and the
-- phase it ends. docs/progress.md states the rule; analytics.progress.rule_points is its twin
-- in Python for one client's rows (a goal's timeline, the client page's points), held equal
-- by tests (docs/progress.md, "One rule, two forms").
WITH ordered AS (
    SELECT
        k.goal_id,
        k.checkin_id,
        k.session_id,
        k.checkin_date,
        k.value,
        k.reporter,
        k.note,
        g.client_id,
        g.measure,
        g.higher_is_better,
        g.target,
        g.direction,
        g.best_end,
        g.reliable_change,
        g.meaningful_change,
        -- A goal recorded without a baseline starts from its first check-in.
        coalesce(g.recorded_baseline, first_value(k.value) OVER w) AS baseline,
        row_number() OVER w AS seq,
        -- Every window of this query shares one partitioning and order (w), so DuckDB sorts the
        -- check-ins once: the count runs over the whole partition in that order.
        count(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_checkins,
        lag(k.value) OVER w AS previous_value,
        lag(k.value, 2) OVER w AS value_two_back,
        lead(k.value) OVER w AS next_value,
        -- Trailing running median of three (Tukey 1977): robust to one odd rating and it keeps
        -- a sudden step sharp instead of smearing it like a mean would. Written as the middle of
        -- the three values, the same number as median() over the 3-row frame without DuckDB's
        -- per-partition sort tree for a framed median (docs/performance.md); used from seq 3 on.
        greatest(
            least(k.value, lag(k.value) OVER w),
            least(greatest(k.value, lag(k.value) OVER w), lag(k.value, 2) OVER w)
        ) AS median3,
        -- Whether the target was reached at an earlier check-in, and at the one just before.
        coalesce(
            bool_or(g.direction * (k.value - g.target) >= 0)
                OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
            FALSE
        ) AS reached_before,
        lag(g.direction * (k.value - g.target) >= 0) OVER w AS previous_reached
    FROM goal_checkins k
    JOIN scoped_goals g USING (goal_id)
    WHERE k.checkin_date <= $as_of
    WINDOW w AS (PARTITION BY k.goal_id ORDER BY k.checkin_date, k.checkin_id)
),
changes AS (
    SELECT
        *,
        -- At the baseline exactly, 0 (not −0 for lower-is-better goals).
        CASE WHEN value = baseline AND target <> baseline THEN 0.0
             ELSE (value - baseline) / nullif(target - baseline, 0) END AS progress,
        -- Positive = towards the target, in the measure's own points.
        direction * (value - previous_value) AS change,
        direction * (next_value - value) AS next_change,
        direction * (value - value_two_back) AS trend_change,
        -- "Level" = distance from the best end of the scale (the symptom score for PHQ-9/GAD-7),
        -- the quantity Tang & DeRubeis' 25% criterion is relative to.
        abs(best_end - previous_value) AS previous_level,
        direction * (value - target) >= 0 AS reached,
        CASE WHEN seq >= 3 THEN median3 END AS trend_value
    FROM ordered
),
sudden AS (
    SELECT
        *,
        coalesce(
            change >= reliable_change
            AND change >= 0.25 * previous_level
            -- Not reversed: the next check-in keeps more than half of the gain.
            AND (next_change IS NULL OR next_change > -0.5 * change),
            FALSE
        ) AS sudden_gain,
        coalesce(
            -change >= reliable_change
            AND -change >= 0.25 * previous_level
            AND (next_change IS NULL OR next_change < -0.5 * change),
            FALSE
        ) AS sudden_loss,
        next_value IS NULL AS is_latest
    FROM changes
)
SELECT
    goal_id,
    client_id,
    checkin_id,
    session_id,
    checkin_date,
    seq,
    n_checkins,
    value,
    reporter,
    note,
    measure,
    higher_is_better,
    baseline,
    target,
    progress,
    previous_value,
    change,
    trend_value,
    (trend_value - baseline) / nullif(target - baseline, 0) AS trend_progress,
    trend_change,
    reached,
    reached_before,
    coalesce(previous_reached, FALSE) AS previous_reached,
    sudden_gain,
    sudden_loss,
    -- A sudden change at the latest check-in cannot yet be checked for reversal.
    (sudden_gain OR sudden_loss) AND is_latest AS provisional,
    meaningful_change,
    reliable_change,
    CASE
        WHEN seq = 1 THEN 'start'
        WHEN sudden_gain THEN 'sudden gain'
        WHEN sudden_loss THEN 'sudden loss'
        WHEN reached_before AND reached THEN 'maintaining'
        WHEN change >= meaningful_change THEN 'gain'
        WHEN change <= -meaningful_change THEN 'setback'
        ELSE 'plateau'
    END AS phase
FROM sudden
ORDER BY goal_id, seq;

-- name: goal_lifecycle_as_of
-- One row per goal of the relation `candidate_goals` (checkin_candidates: in scope, started on
-- or before $as_of, optionally only $goal_ids, of $client_id or of the clients in $client_ids):
-- its descriptive columns and its lifecycle and recorded achievement status as of $as_of (the
-- last goal event on or before that day; else the goal row's own status).
WITH scoped_goals AS (SELECT * FROM candidate_goals),
last_event AS (
    SELECT e.goal_id, e.lifecycle_status, e.achievement_status, e.event_date
    FROM goal_events e
    JOIN scoped_goals g USING (goal_id)
    WHERE e.event_date <= $as_of
    QUALIFY row_number() OVER (PARTITION BY e.goal_id ORDER BY e.event_date DESC, e.event_id DESC) = 1
)
SELECT
    g.goal_id,
    g.client_id,
    g.practitioner_id,
    g.description,
    g.life_area,
    g.measure,
    g.higher_is_better,
    g.scale_min,
    g.scale_max,
    g.baseline,
    g.target,
    g.start_date,
    g.target_date,
    g.revised_from_goal_id,
    coalesce(e.lifecycle_status, g.lifecycle_status) AS lifecycle_status,
    CASE WHEN e.goal_id IS NULL THEN g.achievement_status ELSE e.achievement_status END
        AS recorded_achievement_status,
    e.event_date AS last_event_date
FROM scoped_goals g
LEFT JOIN last_event e USING (goal_id)
ORDER BY g.client_id, g.start_date, g.goal_id;

-- name: status_relations
-- The relation `status`: one row per goal in scope as of $as_of, with its check-in count, first
-- and last check-in, progress, trend change, sudden change at the latest check-in, the date of
-- the status-setting event and the derived FHIR achievement status.
-- Runs over the relations `points` (checkin_rule over checkin_goals) and `lifecycle` (goal_lifecycle_as_of),
-- which analytics/progress.py puts in front of it as CTEs so that the rule exists once; the
-- per-goal summary stored by analytics/derived_progress.py is this relation as of the last day.
, latest AS (
    SELECT * FROM points WHERE seq = n_checkins
),
first_checkin AS (
    SELECT goal_id, checkin_date AS first_checkin_date FROM points WHERE seq = 1
),
status AS (
SELECT
    l.goal_id,
    l.client_id,
    l.practitioner_id,
    l.description,
    l.life_area,
    l.measure,
    l.higher_is_better,
    l.start_date,
    l.target_date,
    l.revised_from_goal_id,
    l.lifecycle_status,
    l.recorded_achievement_status,
    l.last_event_date,
    coalesce(p.n_checkins, 0) AS n_checkins,
    f.first_checkin_date,
    p.checkin_date AS last_checkin_date,
    p.value AS last_value,
    p.progress AS last_progress,
    p.previous_value,
    p.trend_change,
    p.trend_value,
    p.phase AS last_phase,
    coalesce(p.reached OR p.reached_before, FALSE) AS ever_achieved,
    coalesce(p.sudden_gain, FALSE) AS sudden_gain_at_latest,
    coalesce(p.sudden_loss, FALSE) AS sudden_loss_at_latest,
    CASE
        -- Not being pursued: no achievement to speak of.
        WHEN l.lifecycle_status IN ('proposed', 'planned', 'accepted', 'rejected', 'entered-in-error')
            THEN NULL
        WHEN p.goal_id IS NULL THEN
            CASE WHEN l.lifecycle_status IN ('completed', 'cancelled') THEN 'no-progress' ELSE 'in-progress' END
        WHEN l.lifecycle_status IN ('completed', 'cancelled') THEN
            CASE WHEN p.reached THEN 'achieved' ELSE 'not-achieved' END
        WHEN p.reached AND p.previous_reached THEN 'sustaining'
        WHEN p.reached THEN 'achieved'
        -- No trend is claimed from fewer than three check-ins.
        WHEN p.n_checkins < 3 THEN 'in-progress'
        WHEN p.trend_change >= p.meaningful_change THEN 'improving'
        WHEN p.trend_change <= -p.meaningful_change THEN 'worsening'
        WHEN p.progress <= 0 THEN 'no-progress'
        ELSE 'no-change'
    END AS derived_status
FROM lifecycle l
LEFT JOIN latest p USING (goal_id)
LEFT JOIN first_checkin f USING (goal_id)
)

-- name: raw_status_all
-- The relation `status_all` computed from the raw tables: `status` itself.
, status_all AS (SELECT * FROM status)

-- name: status_summary
-- One row per goal in scope as of $as_of (optionally one client's or some goals'), with its
-- check-in count, last check-in, progress, trend change, sudden change at the latest check-in
-- and the derived FHIR achievement status: the columns of `status` (status_relations), from
-- the relation `status_all`, which analytics/progress.py builds from the raw relations or from
-- the stored per-goal summary (analytics/derived_progress.py).
SELECT
    goal_id,
    client_id,
    practitioner_id,
    description,
    life_area,
    measure,
    higher_is_better,
    start_date,
    target_date,
    revised_from_goal_id,
    lifecycle_status,
    recorded_achievement_status,
    n_checkins,
    first_checkin_date,
    last_checkin_date,
    last_value,
    last_progress,
    previous_value,
    trend_change,
    trend_value,
    last_phase,
    ever_achieved,
    sudden_gain_at_latest,
    sudden_loss_at_latest,
    derived_status
FROM status_all
ORDER BY client_id, start_date, goal_id;

-- name: unsummarised_clients
-- How many clients in scope (only $client_id when given) have no stored progress summary exact
-- at $as_of (docs/caseload.md, "Derived data"): stored under their practitioner now, and
-- nothing of theirs dated later.
SELECT count(*) AS unsummarised
FROM clients c
LEFT JOIN (
    SELECT * FROM client_progress WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
) cp ON cp.client_id = c.client_id AND cp.practitioner_id = c.practitioner_id
WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
  AND ($client_id::VARCHAR IS NULL OR c.client_id = $client_id::VARCHAR)
  AND NOT (cp.client_id IS NOT NULL AND cp.horizon <= $as_of);

-- name: stored_status
-- The relation `status_all` from the stored per-goal summaries (analytics/derived_progress.py)
-- of the goals in scope started by $as_of (optionally only $goal_ids or of $client_id): the
-- columns of `status` (status_relations), exact at $as_of when unsummarised_clients is 0.
WITH status_all AS (
    SELECT
        d.goal_id,
        d.client_id,
        c.practitioner_id,
        d.description,
        d.life_area,
        d.measure,
        d.higher_is_better,
        d.start_date,
        d.target_date,
        d.revised_from_goal_id,
        d.lifecycle_status,
        d.recorded_achievement_status,
        d.last_event_date,
        d.n_checkins,
        d.first_checkin_date,
        d.last_checkin_date,
        d.last_value,
        d.last_progress,
        d.previous_value,
        d.trend_change,
        d.trend_value,
        d.last_phase,
        d.ever_achieved,
        d.sudden_gain_at_latest,
        d.sudden_loss_at_latest,
        d.derived_status
    FROM goal_progress d
    JOIN clients c ON c.client_id = d.client_id AND c.practitioner_id = d.practitioner_id
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND d.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND ($client_id::VARCHAR IS NULL OR d.client_id = $client_id::VARCHAR)
      AND ($goal_ids::VARCHAR[] IS NULL OR d.goal_id IN (SELECT unnest($goal_ids::VARCHAR[])))
      AND d.start_date <= $as_of
)
