-- Infrakit rate limiting on PostgreSQL: one row per (policy, key), one GCRA "theoretical arrival
-- time" per limit, in nanoseconds since the Unix epoch on the database clock. Decisions go
-- through infrakit_rate_limit_acquire(), one call (one round trip) per decision.
-- ${UNLOGGED} is replaced by "UNLOGGED" or "" by PostgresRateLimitStore.createSchema().

CREATE ${UNLOGGED} TABLE IF NOT EXISTS infrakit_rate_limit (
    policy    text     NOT NULL,
    key_hash  bytea    NOT NULL,  -- SHA-256 of the key: any length, never stored in clear
    tats      bigint[] NOT NULL,  -- theoretical arrival time per limit (ns)
    intervals bigint[] NOT NULL,  -- ns per token per limit when last written (to carry spent tokens over a policy change)
    full_at   bigint   NOT NULL,  -- when every bucket of the key is full again (ns); the sweep deletes rows past it
    PRIMARY KEY (policy, key_hash)
);

CREATE INDEX IF NOT EXISTS infrakit_rate_limit_full_at ON infrakit_rate_limit (full_at);

CREATE OR REPLACE FUNCTION infrakit_rate_limit_acquire(
    p_policy     text,
    p_key        bytea,
    p_intervals  bigint[],   -- ns per token, per limit
    p_windows    bigint[],   -- capacity x interval (capped), per limit
    p_capacities bigint[],
    p_permits    bigint,     -- permits the request needs
    p_want       bigint,     -- permits to take when available (>= p_permits; local batching)
    p_max_wait   bigint,     -- longest acceptable delay (ns)
    p_slow_after bigint,     -- slow-down: requests without delay (-1: no slow-down)
    p_slow_step  bigint,
    p_slow_max   bigint,
    OUT allowed     boolean,
    OUT taken       bigint,
    OUT binding     integer,  -- 0-based index of the most restrictive limit
    OUT remaining   bigint,
    OUT reset_after bigint,
    OUT retry_after bigint,
    OUT delay       bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_now   bigint := (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint;
    v_n     integer := array_length(p_intervals, 1);
    v_tats  bigint[];
    v_read  bigint[];
    v_old   bigint[];
    v_conv  bigint[];
    v_ahead bigint;
    v_need  bigint;
    v_rem   bigint;
    v_avail bigint := 9223372036854775807;
    v_count bigint;
    v_slow  bigint := 0;
    v_full  bigint := 0;
    i       integer;
BEGIN
    -- Optimistic: read without locking, decide, and write only when admitting, on the condition
    -- that the row still holds what was read (a compare-and-set); if another call got there
    -- first, read again. Rejections neither lock nor write.
    <<attempt>>
    LOOP
    SELECT r.tats, r.intervals INTO v_tats, v_old
      FROM infrakit_rate_limit r WHERE r.policy = p_policy AND r.key_hash = p_key;
    IF NOT FOUND THEN
        INSERT INTO infrakit_rate_limit (policy, key_hash, tats, intervals, full_at)
        VALUES (p_policy, p_key, array_fill(0::bigint, ARRAY[v_n]), p_intervals, 0)
        ON CONFLICT DO NOTHING;
        SELECT r.tats, r.intervals INTO v_tats, v_old
          FROM infrakit_rate_limit r WHERE r.policy = p_policy AND r.key_hash = p_key;
    END IF;
    v_read := v_tats;

    -- The policy changed since the row was written: carry the tokens spent per limit position.
    IF v_old IS DISTINCT FROM p_intervals THEN
        v_conv := array_fill(0::bigint, ARRAY[v_n]);
        FOR i IN 1..v_n LOOP
            IF i <= coalesce(array_length(v_tats, 1), 0) AND v_tats[i] > v_now THEN
                v_conv[i] := v_now + least((v_tats[i] - v_now + v_old[i] - 1) / v_old[i], p_capacities[i]) * p_intervals[i];
            END IF;
        END LOOP;
        v_tats := v_conv;
    END IF;

    -- How many to take: the request's permits, or up to p_want when that many are available now.
    taken := p_permits;
    IF p_want > p_permits THEN
        FOR i IN 1..v_n LOOP
            v_avail := least(v_avail, (p_windows[i] - greatest(v_tats[i] - v_now, 0)) / p_intervals[i]);
        END LOOP;
        taken := greatest(p_permits, least(p_want, v_avail));
    END IF;

    delay := 0;
    retry_after := 0;
    binding := 0;
    FOR i IN 1..v_n LOOP
        v_ahead := greatest(v_tats[i], v_now) + taken * p_intervals[i] - v_now;
        v_need := v_ahead - p_windows[i];
        IF v_need > delay THEN
            delay := v_need;
        END IF;
        IF i = 1 AND p_slow_after >= 0 THEN
            v_count := (v_ahead + p_intervals[1] - 1) / p_intervals[1];
            IF v_count > p_slow_after THEN
                IF v_count - p_slow_after > p_slow_max / p_slow_step THEN
                    v_slow := p_slow_max;
                ELSE
                    v_slow := least((v_count - p_slow_after) * p_slow_step, p_slow_max);
                END IF;
                delay := greatest(delay, v_slow);
            END IF;
        END IF;
    END LOOP;
    allowed := delay <= p_max_wait;

    remaining := 9223372036854775807;
    reset_after := 0;
    IF allowed THEN
        FOR i IN 1..v_n LOOP
            v_tats[i] := greatest(v_tats[i], v_now) + taken * p_intervals[i];
            v_full := greatest(v_full, v_tats[i]);
            v_ahead := v_tats[i] - v_now;
            reset_after := greatest(reset_after, v_ahead);
            v_rem := CASE WHEN v_ahead >= p_windows[i] THEN 0 ELSE (p_windows[i] - v_ahead) / p_intervals[i] END;
            IF v_rem < remaining THEN
                remaining := v_rem;
                binding := i - 1;
            END IF;
        END LOOP;
        UPDATE infrakit_rate_limit SET tats = v_tats, intervals = p_intervals, full_at = v_full
         WHERE policy = p_policy AND key_hash = p_key AND tats = v_read AND intervals = v_old;
        IF NOT FOUND THEN
            v_now := (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint;
            v_avail := 9223372036854775807;
            v_full := 0;
            CONTINUE attempt;
        END IF;
    ELSE
        delay := 0;
        taken := 0;
        FOR i IN 1..v_n LOOP
            v_ahead := greatest(v_tats[i] - v_now, 0);
            reset_after := greatest(reset_after, v_ahead);
            v_need := v_ahead + p_permits * p_intervals[i] - p_windows[i] - p_max_wait;
            IF v_need > retry_after THEN
                retry_after := v_need;
                binding := i - 1;
                remaining := CASE WHEN v_ahead >= p_windows[i] THEN 0 ELSE (p_windows[i] - v_ahead) / p_intervals[i] END;
            END IF;
        END LOOP;
        IF retry_after <= 0 THEN
            -- Refused only because the slow-down delay is longer than the caller accepts.
            v_ahead := greatest(v_tats[1] - v_now, 0);
            v_count := (v_ahead + p_permits * p_intervals[1] + p_intervals[1] - 1) / p_intervals[1];
            IF p_slow_after >= 0 THEN
                retry_after := (v_count - (p_slow_after + p_max_wait / p_slow_step)) * p_intervals[1];
            END IF;
            remaining := CASE WHEN v_ahead >= p_windows[1] THEN 0 ELSE (p_windows[1] - v_ahead) / p_intervals[1] END;
        END IF;
    END IF;
    EXIT attempt;
    END LOOP;
END
$fn$;
