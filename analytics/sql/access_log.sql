-- name: search
-- Access-log rows matching the filters (all optional), newest first: when (UTC), who, action, page, client id and code, detail.
SELECT a.access_id,
       a.accessed_at,
       a.user_id,
       a.action,
       a.page,
       a.client_id,
       c.display_code,
       a.detail
FROM access_log a
LEFT JOIN clients c USING (client_id)
-- A row about an id that names no client (a mistyped or probing URL) is kept: it names no one.
WHERE (c.client_id IS NULL OR c.practitioner_id IN (SELECT unnest($scope::VARCHAR[])))
  AND ($user IS NULL OR contains(lower(a.user_id), lower($user)))
  AND ($client IS NULL OR lower(a.client_id) = lower($client) OR lower(c.display_code) = lower($client))
  AND ($action IS NULL OR a.action = $action)
  AND ($date_from IS NULL OR a.accessed_at >= $date_from)
  AND ($date_to IS NULL OR a.accessed_at < $date_to)
ORDER BY a.accessed_at DESC, a.access_id DESC
LIMIT $limit;
