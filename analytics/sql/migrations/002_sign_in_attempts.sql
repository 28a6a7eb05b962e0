-- Waymark schema, version 2: sign-in attempts, for rate-limiting failed sign-ins.
-- Additive only: a version-1 file gains one table and keeps every row it had.
-- The e-mail is stored lower-cased as typed (it may name no account: guesses count too);
-- no password, right or wrong, is ever stored.

CREATE TABLE sign_in_attempts (
    attempted_at TIMESTAMP NOT NULL,
    email        VARCHAR NOT NULL,
    succeeded    BOOLEAN NOT NULL
);

CREATE INDEX sign_in_attempts_email ON sign_in_attempts (email, attempted_at);

-- Accounts made by the demo builder, so the sign-in page can say how to use them (and an
-- operator can see at a glance which accounts to remove before real data goes in).
ALTER TABLE app_users ADD COLUMN demo_account BOOLEAN DEFAULT FALSE;
