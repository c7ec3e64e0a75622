-- Infrakit API keys in PostgreSQL (PostgresApiKeyStore). Idempotent: safe to run on every start.
-- One row per key. The key itself is never stored: secret_hash is the SHA-256 of its 32 random
-- secret bytes, looked up by key_id (the key's public id part).
CREATE TABLE IF NOT EXISTS infrakit_api_key (
    key_id       text        PRIMARY KEY,
    secret_hash  bytea       NOT NULL CONSTRAINT infrakit_api_key_hash_length CHECK (octet_length(secret_hash) = 32),
    subject      text        NOT NULL,
    roles        text[]      NOT NULL DEFAULT '{}',
    name         text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
-- list(subject), oldest first.
CREATE INDEX IF NOT EXISTS infrakit_api_key_subject ON infrakit_api_key (subject, created_at, key_id);
-- With a key ring (PostgresApiKeyStore.create(dataSource, keyRing)): "<master key id>.<HMAC-SHA256>"
-- over every column but last_used_at, so a row edited, forged or copied from another key is refused.
ALTER TABLE infrakit_api_key ADD COLUMN IF NOT EXISTS mac text;
