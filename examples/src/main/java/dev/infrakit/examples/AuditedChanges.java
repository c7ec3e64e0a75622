package dev.infrakit.examples;

import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.credentials.OutcomeNotRecordedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * How the routes record what they do: a change is recorded PENDING before it takes effect and with
 * its outcome after, and a role denial as {@code auth.denied}. Thread-safe.
 */
final class AuditedChanges {
    private static final Logger LOG = LoggerFactory.getLogger(AuditedChanges.class);

    private final AuditSink audit;

    AuditedChanges(AuditSink audit) {
        this.audit = audit;
    }

    AuditSink sink() {
        return audit;
    }

    /** An ADMIN event of {@code type} by the caller on the user {@code username}. */
    static AuditEvent.Builder event(String type, String action, ApiCall call, String username) {
        return AuditEvent.builder(AuditEvent.Category.ADMIN, type).actor(call.actor()).action(action)
                .resource(Resource.of("user", username));
    }

    /**
     * Makes a change as the audit trail sees it: {@code event} recorded PENDING first (refused: the
     * AuditException is answered 503 and nothing changes), then the change, then its outcome:
     * SUCCESS, or FAILURE with the reason when the change throws (rethrown). A change whose outcome
     * cannot be recorded stands (its PENDING event is in the trail): logged, answered as done.
     */
    <T> T audited(Supplier<AuditEvent.Builder> event, String target, Supplier<T> change) {
        AuditEvent pending = event.get().outcome(AuditEvent.Outcome.PENDING).build();
        audit.record(pending);
        T result;
        try {
            result = change.get();
        } catch (RuntimeException e) {
            try {
                audit.record(event.get().follows(pending).outcome(AuditEvent.Outcome.FAILURE)
                        .severity(AuditEvent.Severity.WARN).reason(e instanceof HttpError ? e.getMessage()
                                : e.getClass().getSimpleName()).build());
            } catch (AuditException notRecorded) {
                e.addSuppressed(notRecorded);
            }
            throw e;
        }
        try {
            audit.record(event.get().follows(pending).build());
        } catch (AuditException e) {
            tookEffect(new OutcomeNotRecordedException(pending.type(), target, OptionalInt.empty(), e));
        }
        return result;
    }

    /**
     * Records a refusal of an authenticated caller (403): type {@code auth.denied}, condensed per
     * address and window when a caller floods ({@link DemoService#CONDENSED_TYPES}).
     */
    void denied(ApiCall call, String why) {
        String method = call.method();
        audit.record(AuditEvent.builder(AuditEvent.Category.SECURITY, "auth.denied").actor(call.actor())
                .action(method.length() <= 32 ? method.toLowerCase(Locale.ROOT) : "request")
                .resource(Resource.of("endpoint", ClientText.truncate(call.path(), 200)))
                .outcome(AuditEvent.Outcome.DENIED).severity(AuditEvent.Severity.WARN).reason(why).build());
    }

    /**
     * A change that took effect although its outcome could not be recorded: it is answered as done
     * (its PENDING event is in the trail, and the audit health check takes the instance out of
     * rotation); logged, without any value.
     */
    static OutcomeNotRecordedException tookEffect(OutcomeNotRecordedException e) {
        LOG.warn("{}", ClientText.forLog(e.getMessage(), 1000));
        return e;
    }
}
