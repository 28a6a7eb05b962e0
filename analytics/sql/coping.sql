-- Coping-skill logs: practice and effect (docs/coping-skills.md).
-- SUDS, Subjective Units of Distress (Wolpe, 1969): 0 = calm, 100 = worst imaginable.
-- The distress drop of one log is distress_before − distress_after; a log without an
-- "after" rating counts as a use but is left out of every distress figure.

-- name: client_in_scope
-- One row with the client's display code if the client is in the viewer's scope, else none.
SELECT c.display_code
FROM clients c
WHERE c.client_id = $client
  AND c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]));

-- name: weekly_practice
-- Per Monday-dated week from the week of $start to the week of $end: skill logs dated in
-- [$start, $end], distinct skills, and the mean SUDS drop over logs with an after rating,
-- for one client in scope (and only logs linked to $goal when it is given, plus logs linked
-- to no goal when $unlinked).
WITH client_logs AS (
    SELECT
        date_trunc('week', l.logged_at)::DATE AS week,
        l.skill_id,
        l.distress_before - l.distress_after AS distress_drop
    FROM coping_logs l
    JOIN clients c USING (client_id)
    WHERE l.client_id = $client
      AND c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND l.logged_at >= $start::DATE
      AND l.logged_at < $end::DATE + INTERVAL 1 DAY
      AND ($goal::VARCHAR IS NULL OR l.goal_id = $goal::VARCHAR OR ($unlinked AND l.goal_id IS NULL))
),
weeks AS (
    SELECT unnest(generate_series(
        date_trunc('week', $start::DATE), date_trunc('week', $end::DATE), INTERVAL 7 DAY
    ))::DATE AS week
)
SELECT
    w.week,
    count(l.skill_id) AS logs,
    count(DISTINCT l.skill_id) AS distinct_skills,
    avg(l.distress_drop) AS mean_distress_drop
FROM weeks w
LEFT JOIN client_logs l USING (week)
GROUP BY w.week
ORDER BY w.week;

-- name: coping_clients
-- Every client in the viewer's scope: id, display code, practitioner's display name, whether
-- active on $as_of, skill logs up to $as_of and the date of the last one (NULL if none).
WITH scoped_clients AS (
    SELECT c.client_id, c.display_code, c.practitioner_id, c.intake_date, c.discharge_date
    FROM clients c
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
),
client_logs AS (
    SELECT l.client_id, count(*) AS logs, max(l.logged_at)::DATE AS last_log
    FROM coping_logs l
    JOIN scoped_clients c USING (client_id)
    WHERE l.logged_at < $as_of::DATE + INTERVAL 1 DAY
    GROUP BY l.client_id
)
SELECT
    c.client_id,
    c.display_code,
    p.display_name AS practitioner,
    c.intake_date <= $as_of AND (c.discharge_date IS NULL OR c.discharge_date > $as_of) AS active,
    coalesce(k.logs, 0) AS logs,
    k.last_log
FROM scoped_clients c
LEFT JOIN practitioners p USING (practitioner_id)
LEFT JOIN client_logs k USING (client_id)
ORDER BY c.display_code;

-- name: client_summary
-- One row for one client in scope and logs dated in [$start, $end]: logs, logs with and
-- without an after rating, distinct skills, days and Monday-weeks with practice, median and
-- mean SUDS drop over rated logs, mean helpfulness (1–5) and how many logs rated it, last log.
SELECT
    count(*) AS logs,
    count(l.distress_after) AS rated_logs,
    count(*) - count(l.distress_after) AS unrated_logs,
    count(DISTINCT l.skill_id) AS distinct_skills,
    count(DISTINCT l.logged_at::DATE) AS days_practised,
    count(DISTINCT date_trunc('week', l.logged_at)) AS weeks_practised,
    quantile_cont(l.distress_before - l.distress_after, 0.5) AS median_drop,
    avg(l.distress_before - l.distress_after) AS mean_drop,
    avg(l.helpfulness) AS mean_helpfulness,
    count(l.helpfulness) AS helpfulness_n,
    max(l.logged_at)::DATE AS last_log
FROM coping_logs l
JOIN clients c USING (client_id)
WHERE l.client_id = $client
  AND c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
  AND l.logged_at >= $start::DATE
  AND l.logged_at < $end::DATE + INTERVAL 1 DAY;

-- name: skill_effects
-- Per skill one client logged in [$start, $end]: uses, days used, rated uses (with an after
-- rating), the SUDS drop's mean, median, quartiles (linear interpolation), min and max over
-- rated uses, mean helpfulness and its n, and `help_rank` (1 = helps most) among skills with
-- at least $min_uses rated uses, NULL for the others.
WITH client_logs AS (
    SELECT
        l.skill_id,
        l.logged_at::DATE AS day,
        l.distress_before - l.distress_after AS distress_drop,
        l.helpfulness
    FROM coping_logs l
    JOIN clients c USING (client_id)
    WHERE l.client_id = $client
      AND c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND l.logged_at >= $start::DATE
      AND l.logged_at < $end::DATE + INTERVAL 1 DAY
),
per_skill AS (
    SELECT
        skill_id,
        count(*) AS uses,
        count(DISTINCT day) AS days_used,
        count(distress_drop) AS rated_uses,
        avg(distress_drop) AS mean_drop,
        quantile_cont(distress_drop, 0.5) AS median_drop,
        quantile_cont(distress_drop, 0.25) AS q1_drop,
        quantile_cont(distress_drop, 0.75) AS q3_drop,
        min(distress_drop) AS min_drop,
        max(distress_drop) AS max_drop,
        avg(helpfulness) AS mean_helpfulness,
        count(helpfulness) AS helpfulness_n
    FROM client_logs
    GROUP BY skill_id
),
named AS (
    SELECT s.skill_id, k.name AS skill, k.category, s.* EXCLUDE (skill_id)
    FROM per_skill s
    LEFT JOIN coping_skills k USING (skill_id)
)
SELECT
    *,
    CASE WHEN rated_uses >= $min_uses THEN row_number() OVER (
        PARTITION BY rated_uses >= $min_uses
        ORDER BY median_drop DESC, mean_helpfulness DESC NULLS LAST, rated_uses DESC, skill
    ) END AS help_rank
FROM named
ORDER BY help_rank NULLS LAST, uses DESC, skill;

-- name: client_goals
-- The goals of one client in scope (not entered in error): id, description, life area,
-- lifecycle status, start date, measure and scale, check-ins, and skill logs linked to each.
-- The counts are aggregated over the client's own rows first (the check-ins of its goals, its
-- logs through the `coping_client` index) and then joined: as correlated subqueries they cost
-- twice as much (docs/performance.md).
WITH client_goal AS (
    SELECT g.*
    FROM goals g
    WHERE g.client_id = $client
      AND g.lifecycle_status <> 'entered-in-error'
      AND EXISTS (
          SELECT 1 FROM clients c
          WHERE c.client_id = $client AND list_contains($scope::VARCHAR[], c.practitioner_id)
      )
),
checkins AS (
    SELECT goal_id, count(*) AS n
    FROM goal_checkins
    WHERE goal_id IN (SELECT goal_id FROM client_goal)
    GROUP BY goal_id
),
linked AS (
    SELECT goal_id, count(*) AS n
    FROM coping_logs
    WHERE client_id = $client AND goal_id IS NOT NULL
    GROUP BY goal_id
)
SELECT
    g.goal_id,
    g.description,
    g.life_area,
    g.lifecycle_status,
    g.start_date,
    g.measure,
    g.scale_min,
    g.scale_max,
    g.higher_is_better,
    coalesce(k.n, 0) AS checkins,
    coalesce(l.n, 0) AS linked_logs
FROM client_goal g
LEFT JOIN checkins k USING (goal_id)
LEFT JOIN linked l USING (goal_id)
ORDER BY g.start_date, g.goal_id;

-- name: checkin_intervals
-- Per pair of consecutive check-in days of one goal (one client in scope) in [$start, $end]:
-- the two dates and values (a day's values averaged), the change as a share of the goal's
-- scale with positive = toward the better end, and the skill logs dated after the first day
-- up to the second (logs linked to the goal, and with $unlinked also logs linked to no goal).
WITH goal AS (
    SELECT g.goal_id, g.client_id, g.scale_min, g.scale_max, g.higher_is_better
    FROM goals g
    JOIN clients c USING (client_id)
    WHERE g.goal_id = $goal
      AND g.client_id = $client
      AND c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
),
checkin_days AS (
    SELECT k.checkin_date, avg(k.value) AS value
    FROM goal_checkins k
    JOIN goal USING (goal_id)
    WHERE k.checkin_date BETWEEN $start AND $end
    GROUP BY k.checkin_date
),
intervals AS (
    SELECT
        lag(checkin_date) OVER (ORDER BY checkin_date) AS from_date,
        checkin_date AS to_date,
        lag(value) OVER (ORDER BY checkin_date) AS from_value,
        value AS to_value
    FROM checkin_days
),
practice AS (
    SELECT l.logged_at::DATE AS day
    FROM coping_logs l
    JOIN goal g USING (client_id)
    WHERE (l.goal_id = g.goal_id OR ($unlinked AND l.goal_id IS NULL))
      AND l.logged_at >= $start::DATE
      AND l.logged_at < $end::DATE + INTERVAL 1 DAY
)
SELECT
    i.from_date,
    i.to_date,
    datediff('day', i.from_date, i.to_date) AS days,
    i.from_value,
    i.to_value,
    (i.to_value - i.from_value) / (g.scale_max - g.scale_min)
        * CASE WHEN g.higher_is_better THEN 1 ELSE -1 END AS progress_change,
    count(p.day) AS logs
FROM intervals i
CROSS JOIN goal g
LEFT JOIN practice p ON p.day > i.from_date AND p.day <= i.to_date
WHERE i.from_date IS NOT NULL
GROUP BY ALL
ORDER BY i.from_date;

-- name: clinic_life_area_practice
-- Per life area and skill over logs in scope dated in [$start, $end]: uses and clients. A
-- log's life area is that of its linked goal; a log linked to no goal counts once in each
-- life area of its client's goals (not entered in error), or under NULL if the client has none.
WITH scoped_logs AS (
    SELECT l.log_id, l.client_id, l.skill_id, l.goal_id
    FROM coping_logs l
    JOIN clients c USING (client_id)
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND l.logged_at >= $start::DATE
      AND l.logged_at < $end::DATE + INTERVAL 1 DAY
),
-- Counted per client and skill first, so that spreading unlinked logs over life areas
-- multiplies a few rows per client rather than every log.
per_client_skill AS (
    SELECT s.client_id, s.skill_id, g.life_area, g.goal_id IS NOT NULL AS is_linked, count(*) AS uses
    FROM scoped_logs s
    LEFT JOIN goals g ON g.goal_id = s.goal_id AND g.client_id = s.client_id
    GROUP BY ALL
),
client_areas AS (
    SELECT DISTINCT g.client_id, g.life_area
    FROM goals g
    SEMI JOIN (SELECT DISTINCT client_id FROM per_client_skill WHERE NOT is_linked) USING (client_id)
    WHERE g.lifecycle_status <> 'entered-in-error'
),
-- Logs linked to no goal (or to a goal that is not the client's) count in each life area
-- of the client's goals; under NULL when the client has none.
area_logs AS (
    SELECT client_id, skill_id, life_area, uses FROM per_client_skill WHERE is_linked
    UNION ALL
    SELECT p.client_id, p.skill_id, a.life_area, p.uses
    FROM per_client_skill p
    LEFT JOIN client_areas a USING (client_id)
    WHERE NOT p.is_linked
)
SELECT
    a.life_area,
    a.skill_id,
    k.name AS skill,
    sum(a.uses)::BIGINT AS uses,
    count(DISTINCT a.client_id) AS clients
FROM area_logs a
LEFT JOIN coping_skills k USING (skill_id)
GROUP BY ALL
ORDER BY a.life_area NULLS LAST, uses DESC, skill;

-- name: clinic_skills
-- Per skill over logs in scope dated in [$start, $end] (only logs counted in life area $area
-- when it is given, by the rule of clinic_life_area_practice): uses, clients, rated uses, the
-- SUDS drop's mean, median and quartiles over rated uses, mean helpfulness and its n,
-- `practice_rank` (most uses first) and `help_rank` among skills with >= $min_uses rated uses.
WITH scoped_logs AS (
    SELECT
        l.client_id, l.skill_id, l.goal_id,
        l.distress_before - l.distress_after AS distress_drop,
        l.helpfulness
    FROM coping_logs l
    JOIN clients c USING (client_id)
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND l.logged_at >= $start::DATE
      AND l.logged_at < $end::DATE + INTERVAL 1 DAY
),
area_clients AS (
    SELECT DISTINCT g.client_id
    FROM goals g
    WHERE g.life_area = $area::VARCHAR AND g.lifecycle_status <> 'entered-in-error'
),
-- Every log once for all life areas; for one area, the logs linked to a goal in it, and the
-- logs linked to no goal (or to a goal not the client's) whose client has a goal in it.
chosen AS (
    SELECT s.*
    FROM scoped_logs s
    LEFT JOIN goals g ON $area::VARCHAR IS NOT NULL AND g.goal_id = s.goal_id AND g.client_id = s.client_id
    WHERE $area::VARCHAR IS NULL
       OR g.life_area = $area::VARCHAR
       OR (g.goal_id IS NULL AND s.client_id IN (SELECT client_id FROM area_clients))
),
per_skill AS (
    SELECT
        skill_id,
        count(*) AS uses,
        count(DISTINCT client_id) AS clients,
        count(distress_drop) AS rated_uses,
        avg(distress_drop) AS mean_drop,
        quantile_cont(distress_drop, 0.5) AS median_drop,
        quantile_cont(distress_drop, 0.25) AS q1_drop,
        quantile_cont(distress_drop, 0.75) AS q3_drop,
        min(distress_drop) AS min_drop,
        max(distress_drop) AS max_drop,
        avg(helpfulness) AS mean_helpfulness,
        count(helpfulness) AS helpfulness_n
    FROM chosen
    GROUP BY skill_id
),
named AS (
    SELECT s.skill_id, k.name AS skill, k.category, s.* EXCLUDE (skill_id)
    FROM per_skill s
    LEFT JOIN coping_skills k USING (skill_id)
)
SELECT
    *,
    row_number() OVER (ORDER BY uses DESC, clients DESC, skill) AS practice_rank,
    CASE WHEN rated_uses >= $min_uses THEN row_number() OVER (
        PARTITION BY rated_uses >= $min_uses
        ORDER BY median_drop DESC, mean_helpfulness DESC NULLS LAST, rated_uses DESC, skill
    ) END AS help_rank
FROM named
ORDER BY practice_rank;

-- name: stopped_practice
-- Active clients in scope on $as_of with no skill log in the quiet window [$quiet_from, $as_of]
-- but at least one in the W weeks before it [$before_from, $quiet_from): display code,
-- practitioner, last log date, days since it, and logs and distinct skills in those W weeks.
WITH scoped_clients AS (
    SELECT c.client_id, c.display_code, c.practitioner_id
    FROM clients c
    WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND c.intake_date <= $as_of
      AND (c.discharge_date IS NULL OR c.discharge_date > $as_of)
),
recent_logs AS (
    SELECT l.client_id, l.skill_id, l.logged_at
    FROM coping_logs l
    JOIN scoped_clients c USING (client_id)
    WHERE l.logged_at >= $before_from::DATE
      AND l.logged_at < $as_of::DATE + INTERVAL 1 DAY
),
per_client AS (
    SELECT
        client_id,
        count(*) FILTER (WHERE logged_at >= $quiet_from::DATE) AS quiet_logs,
        count(*) FILTER (WHERE logged_at < $quiet_from::DATE) AS logs_before,
        count(DISTINCT skill_id) FILTER (WHERE logged_at < $quiet_from::DATE) AS skills_before,
        max(logged_at)::DATE AS last_log
    FROM recent_logs
    GROUP BY client_id
)
SELECT
    c.client_id,
    c.display_code,
    p.display_name AS practitioner,
    k.last_log,
    datediff('day', k.last_log, $as_of::DATE) AS days_since_last_log,
    k.logs_before,
    k.skills_before
FROM per_client k
JOIN scoped_clients c USING (client_id)
LEFT JOIN practitioners p USING (practitioner_id)
WHERE k.quiet_logs = 0 AND k.logs_before > 0
ORDER BY k.logs_before DESC, k.last_log DESC, c.display_code;
