/**
 * Infrakit audit: typed, validated {@link dev.infrakit.audit.AuditEvent}s, and
 * {@link dev.infrakit.audit.Redactor} that masks secrets before an event is encoded
 * ({@link dev.infrakit.audit.AuditJson}).
 */
module dev.infrakit.audit {
    requires transitive dev.infrakit.core;
    requires com.fasterxml.jackson.databind;

    exports dev.infrakit.audit;
}
