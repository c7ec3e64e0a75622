-- Infrakit credentials in PostgreSQL (PostgresCredentialStore). Idempotent: safe to run on every start.
-- One row per credential, locked by every write to it; one row per version kept.
CREATE TABLE IF NOT EXISTS infrakit_credential (
    name            text        PRIMARY KEY,
    current_version integer     NOT NULL,
    max_versions    integer     NOT NULL DEFAULT 0,
    custom          jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- list(prefix) is a LIKE 'prefix%' query, which the primary key's index cannot serve under a
-- non-C collation.
CREATE INDEX IF NOT EXISTS infrakit_credential_name_prefix ON infrakit_credential (name text_pattern_ops);

-- data is the version's value as a compact JWE (A256KW + A256GCM) whose authenticated header names
-- the credential, the version and the master key; it is null once the version is destroyed.
CREATE TABLE IF NOT EXISTS infrakit_credential_version (
    name       text        NOT NULL REFERENCES infrakit_credential (name) ON DELETE CASCADE,
    version    integer     NOT NULL,
    created_at timestamptz NOT NULL,
    deleted_at timestamptz,
    destroyed  boolean     NOT NULL DEFAULT false,
    data       text,
    PRIMARY KEY (name, version),
    CONSTRAINT infrakit_credential_version_data CHECK (destroyed = (data IS NULL))
);
