-- name: all_practitioners
-- Every practitioner id.
SELECT practitioner_id FROM practitioners ORDER BY practitioner_id;

-- name: team_of
-- The supervisor and the practitioners they supervise.
SELECT practitioner_id
FROM practitioners
WHERE practitioner_id = $supervisor OR supervisor_id = $supervisor
ORDER BY practitioner_id;

-- name: practitioner_directory
-- Every practitioner with role and supervisor, for choosing whose view to see.
SELECT practitioner_id, display_name, role, supervisor_id
FROM practitioners
ORDER BY role DESC, display_name;
