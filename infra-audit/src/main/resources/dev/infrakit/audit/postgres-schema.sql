-- Infrakit audit events in PostgreSQL. Each writer (a sink instance, e.g. one per service
-- instance) keeps its own gap-free sequence and HMAC chain: mac(n) = HMAC(key, mac(n-1) || body(n)),
-- where body is stored exactly as it was MACed. The other columns copy fields of the body for
-- queries (text with U+0000 stored as U+FFFD); the verifier checks that they match it.
CREATE TABLE IF NOT EXISTS infrakit_audit (
    writer_id     text        NOT NULL,
    seq           bigint      NOT NULL,
    event_id      uuid,
    time          timestamptz NOT NULL,
    category      text        NOT NULL,
    type          text        NOT NULL,
    severity      text        NOT NULL,
    actor_id      text        NOT NULL,
    action        text        NOT NULL,
    resource_type text,
    resource_id   text,
    outcome       text        NOT NULL,
    body          text        NOT NULL,
    mac           bytea       NOT NULL,
    PRIMARY KEY (writer_id, seq)
);
-- The event's id, unique, so that recording an event again (a retry after an error whose outcome
-- was unknown) stores it once. Added to tables created before it; their rows keep NULL.
ALTER TABLE infrakit_audit ADD COLUMN IF NOT EXISTS event_id uuid;
CREATE UNIQUE INDEX IF NOT EXISTS infrakit_audit_event_id ON infrakit_audit (event_id);
CREATE INDEX IF NOT EXISTS infrakit_audit_time ON infrakit_audit (time DESC);
CREATE INDEX IF NOT EXISTS infrakit_audit_actor ON infrakit_audit (actor_id, time DESC);
CREATE INDEX IF NOT EXISTS infrakit_audit_type ON infrakit_audit (type, time DESC);
CREATE INDEX IF NOT EXISTS infrakit_audit_resource ON infrakit_audit (resource_type, resource_id, time DESC);

-- Signed checkpoints (ES256 JWS over a writer's sequence number and MAC), so that deleting a
-- writer's newest rows, which the chain alone cannot show, is detected by the verifier.
CREATE TABLE IF NOT EXISTS infrakit_audit_checkpoint (
    writer_id text        NOT NULL,
    seq       bigint      NOT NULL,
    time      timestamptz NOT NULL,
    jws       text        NOT NULL,
    PRIMARY KEY (writer_id, seq)
);

-- Copies of the file sink's signed checkpoints, kept off the host that holds the files, so that a
-- cut of security.log after its last checkpoint is detected too.
CREATE TABLE IF NOT EXISTS infrakit_audit_file_checkpoint (
    directory    text        NOT NULL,
    audit_seq    bigint      NOT NULL,
    security_seq bigint      NOT NULL,
    time         timestamptz NOT NULL,
    jws          text        NOT NULL,
    PRIMARY KEY (directory, audit_seq, security_seq)
);
