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
-- for one client in scope (and only logs linked to $goal when it is given).
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
      AND ($goal::VARCHAR IS NULL OR l.goal_id = $goal::VARCHAR)
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
