package dev.infrakit.credentials;

import dev.infrakit.audit.AuditException;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * An operation <b>took effect</b>, but the audit event of its outcome could not be recorded.
 *
 * <p>The audited operations of this module ({@link AuditedCredentialStore}'s writes, the rotation
 * engine, API keys, signing-key rotation) record a PENDING event before they change anything; if
 * that record fails they throw a plain {@link AuditException} and change nothing. Once the change
 * is made they record its outcome. This exception is what they throw when that second record fails:
 * the change stands (it is not undone: undoing would be another change the audit trail cannot
 * record), the trail holds its PENDING event but no outcome, and the caller must not retry as if
 * nothing happened. A caller answering a client should report the operation as done (for a put,
 * with {@link #version()}), and let the sink's health check take the service out of rotation.
 *
 * <p>So, for every audited operation of this module: an {@code OutcomeNotRecordedException} means
 * "done, outcome unrecorded"; any other {@code AuditException} means "not done".
 *
 * <p>The message names the operation (an event type such as {@code credential.write}) and its
 * target (a credential name or key id), never a value.
 */
public class OutcomeNotRecordedException extends AuditException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String target;
    private final int version;

    /**
     * @param operation the operation, as its audit event type (e.g. {@code credential.write})
     * @param target what it changed: a credential name, a key id (never a value)
     * @param version the version the operation wrote, if it wrote one
     * @param cause why the outcome event could not be recorded
     */
    public OutcomeNotRecordedException(String operation, String target, OptionalInt version, Throwable cause) {
        super(Objects.requireNonNull(operation, "operation") + " of '" + Objects.requireNonNull(target, "target")
                + "' took effect" + (version.isPresent() ? " (version " + version.getAsInt() + ")" : "")
                + ", but its outcome could not be recorded in the audit trail (its PENDING event was): "
                + (cause == null ? "unknown cause" : cause.getMessage()), cause);
        this.operation = operation;
        this.target = target;
        this.version = version.orElse(0);
    }

    /** The operation that took effect, as its audit event type (e.g. {@code credential.write}). */
    public String operation() {
        return operation;
    }

    /** What it changed: a credential name or a key id. */
    public String target() {
        return target;
    }

    /**
     * The version the operation wrote: the new version of a put, the new CURRENT of a rotation;
     * empty for operations that write none (delete, destroy, …).
     */
    public OptionalInt version() {
        return version > 0 ? OptionalInt.of(version) : OptionalInt.empty();
    }
}
