/**
 * Infrakit audit: typed, validated {@link dev.infrakit.audit.AuditEvent}s, redaction of secrets
 * before anything is written, {@link dev.infrakit.audit.AuditSink}s and queryable
 * {@link dev.infrakit.audit.AuditLog}s (MAC-chained JSON-lines files, a PostgreSQL table, memory;
 * SLF4J, fan-out) and {@link dev.infrakit.audit.AuditVerifier}.
 */
module dev.infrakit.audit {
    requires transitive dev.infrakit.core;
    requires com.fasterxml.jackson.databind;
    requires com.nimbusds.jose.jwt;
    requires java.sql;
    // Optional: AuditMetrics (what AuditSink.metrics() returns; no sink loads it to record) uses
    // Micrometer; the postgres provider's own pool uses HikariCP.
    requires static micrometer.core;
    requires static com.zaxxer.hikari;

    exports dev.infrakit.audit;

    provides dev.infrakit.audit.AuditSinkProvider with
            dev.infrakit.audit.internal.BuiltInAuditSinks.JsonLines,
            dev.infrakit.audit.internal.BuiltInAuditSinks.Postgres,
            dev.infrakit.audit.internal.BuiltInAuditSinks.Log;
}
