package dev.infrakit.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Writes each event as one redacted JSON line to an SLF4J logger ({@code infrakit.audit} by
 * default): INFO events at INFO, WARN at WARN, ERROR and CRITICAL at ERROR. Durability is the
 * logging backend's: this sink hands the line over and returns; use {@link JsonLinesAuditSink} for
 * tamper evidence and DURABLE writes. Thread-safe.
 */
public final class Slf4jAuditSink implements AuditSink {
    private final Logger logger;
    private final AuditJson json;

    private Slf4jAuditSink(Logger logger, Redactor redactor) {
        this.logger = logger;
        this.json = AuditJson.with(redactor);
    }

    /** Logs to {@code infrakit.audit} with the default redaction. */
    public static Slf4jAuditSink create() {
        return create(LoggerFactory.getLogger("infrakit.audit"), Redactor.defaults());
    }

    /** Logs to {@code logger} with {@code redactor}. */
    public static Slf4jAuditSink create(Logger logger, Redactor redactor) {
        return new Slf4jAuditSink(Objects.requireNonNull(logger, "logger"), Objects.requireNonNull(redactor, "redactor"));
    }

    @Override
    public void record(AuditEvent event) {
        String line = json.toJson(Objects.requireNonNull(event, "event"));
        switch (event.severity()) {
            case INFO:
                logger.info("{}", line);
                break;
            case WARN:
                logger.warn("{}", line);
                break;
            default:
                logger.error("{}", line);
        }
    }

    @Override
    public void flush() {
        // The logging backend owns buffering; nothing is held here.
    }

    @Override
    public String name() {
        return "slf4j:" + logger.getName();
    }

    @Override
    public void close() {
        // Nothing is held here.
    }
}
