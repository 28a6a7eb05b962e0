-- name: account_by_email
-- One account (no password hash) with its practitioner's display name, by lower-cased e-mail.
SELECT u.user_id, u.email, u.role, u.practitioner_id,
       -- Only administrators may have no practitioner; name them by role, not by e-mail.
       coalesce(p.display_name, 'Clinic administrator') AS display_name,
       u.disabled, u.password_hash IS NOT NULL AS has_password,
       coalesce(u.demo_account, false) AS demo_account
FROM app_users u
LEFT JOIN practitioners p USING (practitioner_id)
WHERE u.email = $email;

-- name: password_hash
-- The stored argon2id hash of an enabled account, or no row.
SELECT password_hash FROM app_users WHERE email = $email AND NOT disabled;

-- name: list_accounts
-- Every account, without password hashes: e-mail, role, practitioner, whether it can sign in with a password.
SELECT u.email, u.role, u.practitioner_id, p.display_name AS practitioner_name,
       u.password_hash IS NOT NULL AS has_password, u.disabled,
       coalesce(u.demo_account, false) AS demo_account, u.created_at
FROM app_users u
LEFT JOIN practitioners p USING (practitioner_id)
ORDER BY u.role, u.email;

-- name: practitioner_by_email
-- The practitioner whose e-mail matches (case-insensitive): id, role, display name.
SELECT practitioner_id, role, display_name
FROM practitioners
WHERE lower(trim(email)) = $email
ORDER BY practitioner_id;

-- name: recent_failures
-- Failed sign-ins for one e-mail since its last success and within the window, newest first.
SELECT attempted_at
FROM sign_in_attempts
WHERE email = $email
  AND NOT succeeded
  AND attempted_at > $since
  AND attempted_at > coalesce(
        (SELECT max(attempted_at) FROM sign_in_attempts WHERE email = $email AND succeeded),
        TIMESTAMP '1970-01-01')
ORDER BY attempted_at DESC
LIMIT $limit;

-- name: demo_accounts
-- The demo accounts (e-mail, role, practitioner's display name), for the sign-in page.
SELECT u.email, u.role, coalesce(p.display_name, 'Clinic administrator') AS display_name
FROM app_users u
LEFT JOIN practitioners p USING (practitioner_id)
WHERE coalesce(u.demo_account, false) AND NOT u.disabled
ORDER BY CASE u.role WHEN 'therapist' THEN 1 WHEN 'supervisor' THEN 2 ELSE 3 END, u.email;

-- name: demo_team
-- The supervisor (with e-mail) whose team has the most clients in care, and that team's therapist with the most.
WITH in_care AS (
    SELECT t.practitioner_id, t.supervisor_id, t.email,
           count(c.client_id) FILTER (WHERE c.discharge_date IS NULL) AS clients_in_care
    FROM practitioners t
    LEFT JOIN clients c USING (practitioner_id)
    WHERE t.role = 'therapist' AND t.email IS NOT NULL AND t.supervisor_id IS NOT NULL
    GROUP BY ALL
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY supervisor_id ORDER BY clients_in_care DESC, email) AS rank
    FROM in_care
),
teams AS (
    SELECT supervisor_id, count(*) AS team_size, sum(clients_in_care) AS team_in_care,
           any_value(email) FILTER (WHERE rank = 1) AS therapist_email
    FROM ranked
    GROUP BY supervisor_id
)
SELECT t.supervisor_id, s.email AS supervisor_email, t.therapist_email
FROM teams t
JOIN practitioners s ON s.practitioner_id = t.supervisor_id
WHERE s.email IS NOT NULL
ORDER BY t.team_in_care DESC, t.team_size DESC, t.supervisor_id
LIMIT 1;

-- name: failures_since
-- Per e-mail, failed sign-ins since $since and since that e-mail's last success: count and time of the last.
SELECT a.email, count(*) AS failures, max(a.attempted_at) AS last_failure
FROM sign_in_attempts a
WHERE NOT a.succeeded
  AND a.attempted_at >= $since
  AND a.attempted_at > coalesce(
        (SELECT max(s.attempted_at) FROM sign_in_attempts s WHERE s.email = a.email AND s.succeeded),
        TIMESTAMP '1970-01-01')
GROUP BY a.email
ORDER BY last_failure DESC, a.email;
