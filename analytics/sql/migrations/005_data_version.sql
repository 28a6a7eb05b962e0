-- Waymark schema, version 5: the stored data version, so that cached answers follow the data
-- rather than the file (docs/architecture.md, "Caching"). Additive only.
--
-- One row. Every write that can change an answer sets a new random stamp in the same
-- transaction (`Database.transaction`, `Database.execute_sql` and the importer); the
-- access log's rows and DuckDB's checkpoints change the file but no answer, and leave it.
-- A random stamp, not a counter, so that a file rebuilt at the same path never repeats one.

CREATE TABLE data_version (stamp VARCHAR NOT NULL);

INSERT INTO data_version VALUES (gen_random_uuid()::VARCHAR);
