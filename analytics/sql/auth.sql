-- name: account_by_email
-- One account (no password hash) with its practitioner's display name, by lower-cased e-mail.
SELECT u.user_id, u.email, u.role, u.practitioner_id,
       coalesce(p.display_name, u.email) AS display_name,
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
