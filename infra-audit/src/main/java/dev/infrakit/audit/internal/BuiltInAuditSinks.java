package dev.infrakit.audit.internal;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.AuditSinkProvider;
import dev.infrakit.audit.AuditSinks;
import dev.infrakit.audit.Durability;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.audit.Redactor;
import dev.infrakit.audit.Slf4jAuditSink;
import dev.infrakit.core.Config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/** The {@link AuditSinkProvider}s infra-audit registers with ServiceLoader. */
public final class BuiltInAuditSinks {
    private BuiltInAuditSinks() {
    }

    static Redactor redactor(Config audit) {
        return Redactor.of(audit.getList("redact.allow", List.of()), audit.getList("redact.deny", List.of()));
    }

    /**
     * {@code jsonl}: keys under {@code infrakit.audit}: {@code dir} (required), the chain key as
     * {@code key} (base64, at least 32 bytes) or {@code key-file} (a file holding it),
     * {@code durability} (durable, async), {@code queue-full} (block, reject), {@code queue-size},
     * {@code sync-interval}, {@code audit.max-size} (100MB), {@code audit.max-files} (10),
     * {@code security.max-size} (50MB), {@code security.max-files} (5), {@code redact.allow},
     * {@code redact.deny}, {@code checkpoint.key-file} (a P-256 private key, PKCS#8 PEM),
     * {@code checkpoint.interval} (1m), {@code checkpoint.store-file} (a copy of every checkpoint
     * outside the log directory) and {@code journal-size} (4MiB; 0 for none: DURABLE's
     * write-ahead journal).
     */
    public static final class JsonLines implements AuditSinkProvider {
        @Override
        public String name() {
            return "jsonl";
        }

        @Override
        public String description() {
            return "MAC-chained JSON-lines files with rotation (audit.log, security.log)";
        }

        @Override
        public AuditSink create(Config config) {
            Config audit = config.section("infrakit.audit");
            byte[] key = key(audit);
            int queueSize = audit.getInt("queue-size", 8192);
            if (queueSize < 1) {
                throw audit.invalid("queue-size", "expected at least 1");
            }
            Duration sync = audit.getDuration("sync-interval", Duration.ofSeconds(1));
            if (sync.isZero()) {
                throw audit.invalid("sync-interval", "expected a positive duration");
            }
            long auditSize = audit.getSize("audit.max-size", 100L * 1024 * 1024);
            long securitySize = audit.getSize("security.max-size", 50L * 1024 * 1024);
            int auditFiles = audit.getInt("audit.max-files", 10);
            int securityFiles = audit.getInt("security.max-files", 5);
            for (String k : List.of("audit.max-size", "security.max-size")) {
                if (audit.getSize(k, 4096) < 4096) {
                    throw audit.invalid(k, "expected at least 4KB");
                }
            }
            for (String k : List.of("audit.max-files", "security.max-files")) {
                if (audit.getInt(k, 1) < 1) {
                    throw audit.invalid(k, "expected at least 1");
                }
            }
            long journal = audit.getSize("journal-size", 4L * 1024 * 1024);
            if (journal != 0 && journal < 64 * 1024) {
                throw audit.invalid("journal-size", "expected 0 (no journal) or at least 64KiB");
            }
            JsonLinesAuditSink.Builder builder = JsonLinesAuditSink.builder(Path.of(audit.getString("dir")), key)
                    .journal(journal);
            if (audit.has("checkpoint.key-file")) {
                Duration interval = audit.getDuration("checkpoint.interval", Duration.ofMinutes(1));
                if (interval.isZero()) {
                    throw audit.invalid("checkpoint.interval", "expected a positive duration");
                }
                builder.checkpoints(ecPrivateKey(audit, "checkpoint.key-file"), interval);
                if (audit.has("checkpoint.store-file")) {
                    builder.checkpointStore(dev.infrakit.audit.CheckpointStore.file(Path.of(audit.getString(
                            "checkpoint.store-file"))));
                }
            } else if (audit.has("checkpoint.store-file")) {
                throw audit.invalid("checkpoint.store-file", "needs checkpoint.key-file (the key that signs the checkpoints)");
            }
            return builder
                    .redactor(redactor(audit))
                    .durability(audit.getEnum("durability", Durability.class, Durability.DURABLE))
                    .queue(audit.getEnum("queue-full", Durability.QueueFull.class, Durability.QueueFull.BLOCK), queueSize)
                    .syncInterval(sync)
                    .auditFiles(auditSize, auditFiles)
                    .securityFiles(securitySize, securityFiles)
                    .build();
        }

        /** A P-256 private key from a PKCS#8 PEM file ({@code openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256}). */
        static java.security.interfaces.ECPrivateKey ecPrivateKey(Config audit, String key) {
            try {
                return dev.infrakit.audit.CheckpointKeys.readPrivate(Path.of(audit.getString(key)));
            } catch (dev.infrakit.audit.AuditException e) {
                throw audit.invalid(key, "expected a readable, unencrypted PKCS#8 PEM P-256 private key (BEGIN PRIVATE KEY): "
                        + e.getMessage());
            }
        }

        static byte[] key(Config audit) {
            String encoded;
            String source;
            if (audit.has("key")) {
                encoded = audit.getString("key");
                source = "key";
            } else if (audit.has("key-file")) {
                Path file = Path.of(audit.getString("key-file"));
                try {
                    encoded = Files.readString(file, StandardCharsets.US_ASCII).strip();
                } catch (IOException e) {
                    throw audit.invalid("key-file", "expected a readable file holding a base64 key (" + e.getMessage() + ")");
                }
                source = "key-file";
            } else {
                throw audit.invalid("key", "expected the audit chain key, as key (base64) or key-file");
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(encoded);
            } catch (IllegalArgumentException e) {
                throw audit.invalid(source, "expected base64");
            }
            if (key.length < 32) {
                throw audit.invalid(source, "expected at least 32 bytes of key, got " + key.length);
            }
            return key;
        }
    }

    /**
     * {@code postgres}: the pool under {@code infrakit.audit.postgres} ({@code url},
     * {@code username}, {@code password}, … as {@link dev.infrakit.core.DataSources} reads them),
     * {@code infrakit.audit.postgres.writer-id} (default random), {@code create-schema} (true), the
     * chain key as for {@code jsonl}, {@code durability}, {@code queue-full}, {@code queue-size}.
     * Closing the sink closes its pool.
     */
    public static final class Postgres implements AuditSinkProvider {
        @Override
        public String name() {
            return "postgres";
        }

        @Override
        public String description() {
            return "Batched inserts into infrakit_audit, one HMAC chain per writer";
        }

        @Override
        public AuditSink create(Config config) {
            Config audit = config.section("infrakit.audit");
            Config pg = audit.section("postgres");
            byte[] key = JsonLines.key(audit);
            int queueSize = audit.getInt("queue-size", 8192);
            if (queueSize < 1) {
                throw audit.invalid("queue-size", "expected at least 1");
            }
            return dev.infrakit.core.DataSources.withPool(pg, pool -> {
                if (pg.getBoolean("create-schema", true)) {
                    dev.infrakit.audit.PostgresAuditSink.createSchema(pool);
                }
                dev.infrakit.audit.PostgresAuditSink.Builder builder = dev.infrakit.audit.PostgresAuditSink
                        .builder(pool, key).redactor(redactor(audit))
                        .durability(audit.getEnum("durability", Durability.class, Durability.DURABLE))
                        .queue(audit.getEnum("queue-full", Durability.QueueFull.class, Durability.QueueFull.BLOCK), queueSize);
                pg.find("writer-id").ifPresent(builder::writerId);
                return AuditSinks.closing(builder.build(), pool);
            });
        }
    }

    /** {@code slf4j}: logs to {@code infrakit.audit}; {@code infrakit.audit.redact.allow|deny}. */
    public static final class Log implements AuditSinkProvider {
        @Override
        public String name() {
            return "slf4j";
        }

        @Override
        public String description() {
            return "One redacted JSON line per event to the SLF4J logger infrakit.audit";
        }

        @Override
        public AuditSink create(Config config) {
            return Slf4jAuditSink.create(org.slf4j.LoggerFactory.getLogger("infrakit.audit"),
                    redactor(config.section("infrakit.audit")));
        }
    }
}
