-- Exports of the importable tables, scoped to the viewer: the columns of docs/data-format.md,
-- in the same order, so an exported file imports back unchanged.

-- name: practitioners
-- Practitioners in scope: practitioner_id, display_name, role, supervisor_id, email.
SELECT practitioner_id, display_name, role, supervisor_id, email
FROM practitioners
WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
ORDER BY practitioner_id;

-- name: clients
-- Clients in scope, one row each (real_name is exported only when asked for; else empty).
SELECT client_id, practitioner_id, display_code,
       CASE WHEN $with_real_names THEN real_name END AS real_name,
       intake_date, discharge_date
FROM clients
WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
  AND ($client_id::VARCHAR IS NULL OR client_id = $client_id)
ORDER BY client_id;

-- name: sessions
-- Sessions of clients in scope: session_id, client_id, practitioner_id, session_date, kind, attended.
SELECT s.session_id, s.client_id, s.practitioner_id, s.session_date, s.kind, s.attended
FROM sessions s JOIN clients c USING (client_id)
WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
  AND ($client_id::VARCHAR IS NULL OR s.client_id = $client_id)
ORDER BY s.session_id;

-- name: goals
-- Goals of clients in scope, every column of the goals table.
SELECT g.goal_id, g.client_id, g.description, g.life_area, g.start_date, g.target_date,
       g.lifecycle_status, g.achievement_status, g.revised_from_goal_id, g.measure,
       g.scale_min, g.scale_max, g.higher_is_better, g.baseline, g.target
FROM goals g JOIN clients c USING (client_id)
WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
  AND ($client_id::VARCHAR IS NULL OR g.client_id = $client_id)
ORDER BY g.goal_id;

-- name: goal_events
-- Goal history rows of clients in scope: event_id, goal_id, event_date, statuses, note.
SELECT e.event_id, e.goal_id, e.event_date, e.lifecycle_status, e.achievement_status, e.note
FROM goal_events e JOIN goals g USING (goal_id) JOIN clients c USING (client_id)
WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
  AND ($client_id::VARCHAR IS NULL OR g.client_id = $client_id)
ORDER BY e.event_id;

-- name: goal_checkins
-- Check-ins on goals of clients in scope: checkin_id, goal_id, session_id, date, value, reporter, note.
SELECT k.checkin_id, k.goal_id, k.session_id, k.checkin_date, k.value, k.reporter, k.note
FROM goal_checkins k JOIN goals g USING (goal_id) JOIN clients c USING (client_id)
WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
  AND ($client_id::VARCHAR IS NULL OR g.client_id = $client_id)
ORDER BY k.checkin_id;

-- name: coping_skills
-- The clinic's skill catalogue (holds no client data): skill_id, name, category.
SELECT skill_id, name, category FROM coping_skills ORDER BY skill_id;

-- name: coping_logs
-- Coping-skill practice of clients in scope: every column of coping_logs.
SELECT l.log_id, l.client_id, l.skill_id, l.goal_id, l.logged_at, l.distress_before,
       l.distress_after, l.helpfulness, l.note
FROM coping_logs l JOIN clients c USING (client_id)
WHERE c.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
  AND ($client_id::VARCHAR IS NULL OR l.client_id = $client_id)
ORDER BY l.log_id;

-- name: client_in_scope
-- One row (client_id, practitioner_id, display_code) if the client is in scope, else none.
SELECT client_id, practitioner_id, display_code
FROM clients
WHERE client_id = $client_id AND practitioner_id IN (SELECT unnest($scope::VARCHAR[]));
