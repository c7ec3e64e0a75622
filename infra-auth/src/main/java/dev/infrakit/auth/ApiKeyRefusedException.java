package dev.infrakit.auth;

import dev.infrakit.credentials.CredentialException;

import java.util.Objects;

/**
 * {@link ApiKeys} refused to create, list or revoke a key for the caller; {@link #reason()} says
 * why (an HTTP service answers {@link Reason#NOT_INTERACTIVE} and {@link Reason#NOT_ALLOWED} with
 * 403, {@link Reason#LIMIT_REACHED} with 409, {@link Reason#NO_SUCH_KEY} with 404). The message
 * can be shown to the caller: it names the rule, never a key or a hash.
 */
public final class ApiKeyRefusedException extends CredentialException {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Reason {
        /** The caller did not log in interactively (an API key, or a token obtained with one). */
        NOT_INTERACTIVE,
        /** The caller already holds the most live keys allowed. */
        LIMIT_REACHED,
        /** The caller may not see another user's keys (it lacks the admin role). */
        NOT_ALLOWED,
        /** No such key, or not one the caller may revoke (one answer for both). */
        NO_SUCH_KEY
    }

    private final Reason reason;

    /**
     * @param reason why
     * @param message what the caller can act on
     */
    public ApiKeyRefusedException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the request was refused. */
    public Reason reason() {
        return reason;
    }
}
