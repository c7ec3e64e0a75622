package dev.infrakit.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One audited fact: who did what to which resource, when, from where, and with what outcome.
 *
 * <pre>{@code
 * AuditEvent login = AuditEvent.security("login.failed", "alice", "203.0.113.7", userAgent,
 *         Map.of("reason", "bad password"));
 * AuditEvent read = AuditEvent.dataAccess("alice", Resource.of("credential", "billing-db"), "read", true);
 * AuditEvent custom = AuditEvent.builder(AuditEvent.Category.ADMIN, "policy.changed")
 *         .actor(Actor.user("root")).action("update").resource(Resource.of("rate-limit-tier", "user"))
 *         .severity(AuditEvent.Severity.WARN).detail("from", "100/15m").detail("to", "200/15m").build();
 * }</pre>
 *
 * <p>Every event is validated when built: required fields (category, type, actor, action,
 * outcome), length limits, a type of lower-case words joined by {@code .}, {@code -} or {@code _},
 * and details limited to strings, numbers, booleans, lists and maps (64 entries, 5 levels, strings
 * up to 4096 characters) — never an arbitrary object's {@code toString()}. Errors name the field,
 * never its value. Secrets are masked by a {@link Redactor} before the event is written, not here:
 * the event keeps what the application gave, and {@link #toString()} shows no values. Immutable.
 */
public final class AuditEvent {
    private static final Pattern TYPE = Pattern.compile("[a-z0-9]+([._-][a-z0-9]+)*");

    /** What area an event belongs to. */
    public enum Category {
        /** Authentication, authorization, secrets, attacks. */
        SECURITY,
        /** Reads and writes of protected data. */
        DATA_ACCESS,
        /** Configuration and administration. */
        ADMIN
    }

    /** How much an event matters; WARN and above also go to the security log. */
    public enum Severity {
        /** Routine. */
        INFO,
        /** Worth a look: a failed login, a denied access. */
        WARN,
        /** Something failed. */
        ERROR,
        /** Needs attention now: a likely attack, a breach. */
        CRITICAL;

        /** Whether this is WARN or worse. */
        public boolean atLeastWarn() {
            return this != INFO;
        }
    }

    /** How the action ended. */
    public enum Outcome {
        /** It was done. */
        SUCCESS,
        /** It was attempted and failed. */
        FAILURE,
        /** It was refused (not authenticated, not authorized, rate-limited). */
        DENIED,
        /**
         * Not yet known: recorded before the action takes effect, so that an action whose record
         * cannot be made durable is refused instead of done unaudited. A second event with the
         * detail {@link AuditEvent#PENDING_ID} set to this event's id records how it ended.
         */
        PENDING
    }

    /**
     * The detail key that links an outcome event to the {@link Outcome#PENDING} event recorded
     * before the action: its value is the pending event's id.
     */
    public static final String PENDING_ID = "pending_id";

    private final UUID id;
    private final Instant timestamp;
    private final Category category;
    private final String type;
    private final Severity severity;
    private final Actor actor;
    private final String action;
    private final Resource resource;
    private final Outcome outcome;
    private final String reason;
    private final Map<String, Object> request;
    private final Map<String, Object> details;

    private AuditEvent(Builder b) {
        this.timestamp = b.timestamp != null ? b.timestamp : b.clock.instant();
        // Time-ordered (UUIDv7, the event's millisecond) and made without a shared lock.
        // (An event time a UUIDv7 cannot hold, before 1970 or after 10889, takes the present's.)
        this.id = b.id != null ? b.id : timestamp.isBefore(java.time.Instant.EPOCH)
                || timestamp.isAfter(dev.infrakit.core.TimeOrderedIds.LATEST) ? dev.infrakit.core.TimeOrderedIds.next()
                        : dev.infrakit.core.TimeOrderedIds.next(timestamp);
        this.category = Objects.requireNonNull(b.category, "category");
        this.type = b.type;
        this.severity = b.severity;
        this.actor = b.actor;
        this.action = Fields.text("action", b.action, 100, true);
        this.resource = b.resource;
        this.outcome = b.outcome;
        this.reason = Fields.text("reason", b.reason, 1000, false);
        this.request = Fields.map("request", b.request, 1);
        this.details = Fields.map("details", b.details, 1);
        if (actor == null) {
            throw new AuditException("Audit event field 'actor' is required");
        }
        if (outcome == null) {
            throw new AuditException("Audit event field 'outcome' is required");
        }
    }

    /**
     * A builder for an event of {@code category} and {@code type} (e.g. {@code login.failed}).
     *
     * @throws AuditException if the type is not lower-case words joined by '.', '-' or '_' (at most 100)
     */
    public static Builder builder(Category category, String type) {
        return new Builder(category, type);
    }

    /**
     * A security event, the shape of {@code logSecurityEvent(type, user, ip, userAgent, details)}:
     * category SECURITY, severity WARN for types containing {@code fail}, {@code denied},
     * {@code invalid}, {@code locked} or {@code suspicious}, else INFO; outcome FAILURE for those,
     * else SUCCESS; action = the type's last word.
     *
     * @param user the user id, or {@code null} for an anonymous client
     */
    public static AuditEvent security(String type, String user, String ip, String userAgent, Map<String, ?> details) {
        boolean bad = type != null && type.matches(".*(fail|denied|invalid|locked|suspicious).*");
        Actor actor = (user == null ? Actor.anonymous(ip) : Actor.user(user)).from(ip, userAgent);
        return builder(Category.SECURITY, type).actor(actor)
                .action(type == null ? null : type.substring(type.lastIndexOf('.') + 1))
                .severity(bad ? Severity.WARN : Severity.INFO)
                .outcome(bad ? Outcome.FAILURE : Outcome.SUCCESS)
                .details(details)
                .build();
    }

    /**
     * A data-access event, the shape of {@code logDataAccess(user, resource, action, success)}:
     * category DATA_ACCESS, type {@code data.<action>}, outcome SUCCESS or DENIED (WARN).
     */
    public static AuditEvent dataAccess(String user, Resource resource, String action, boolean success) {
        return builder(Category.DATA_ACCESS, "data." + (action == null ? "" : action.toLowerCase(java.util.Locale.ROOT)))
                .actor(Actor.user(user)).resource(resource).action(action)
                .outcome(success ? Outcome.SUCCESS : Outcome.DENIED)
                .severity(success ? Severity.INFO : Severity.WARN)
                .build();
    }

    /**
     * A unique id: unless given, a version 7 UUID of the event's millisecond (ids sort by time; see
     * {@link dev.infrakit.core.TimeOrderedIds}).
     */
    public UUID id() {
        return id;
    }

    /** When it happened. */
    public Instant timestamp() {
        return timestamp;
    }

    /** The category. */
    public Category category() {
        return category;
    }

    /** The type, e.g. {@code login.failed}. */
    public String type() {
        return type;
    }

    /** The severity (INFO unless set). */
    public Severity severity() {
        return severity;
    }

    /** Who acted. */
    public Actor actor() {
        return actor;
    }

    /** What was done, e.g. {@code read}. */
    public String action() {
        return action;
    }

    /** What it was done to, if anything. */
    public Optional<Resource> resource() {
        return Optional.ofNullable(resource);
    }

    /** How it ended. */
    public Outcome outcome() {
        return outcome;
    }

    /** Why (for failures and denials), if given. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** Request context: request id, method, path, headers (redacted when written). */
    public Map<String, Object> request() {
        return request;
    }

    /** Further facts (redacted when written). */
    public Map<String, Object> details() {
        return details;
    }

    /** Type, category, severity, actor id and outcome only: no details, no request values. */
    @Override
    public String toString() {
        return "AuditEvent[" + id + " " + type + " " + category + "/" + severity + " by " + actor.kind() + ":"
                + actor.id() + " -> " + outcome + "]";
    }

    /** Builds an {@link AuditEvent}; validates on {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final Category category;
        private final String type;
        private UUID id;
        private Instant timestamp;
        private Clock clock = Clock.systemUTC();
        private Severity severity = Severity.INFO;
        private Actor actor;
        private String action;
        private Resource resource;
        private Outcome outcome = Outcome.SUCCESS;
        private String reason;
        private final Map<String, Object> request = new LinkedHashMap<>();
        private final Map<String, Object> details = new LinkedHashMap<>();

        private Builder(Category category, String type) {
            this.category = Objects.requireNonNull(category, "category");
            Fields.text("type", type, 100, true);
            if (!TYPE.matcher(type).matches()) {
                throw new AuditException("Audit event field 'type' must be lower-case words joined by '.', '-' or '_' "
                        + "(like login.failed)");
            }
            this.type = type;
        }

        /** The id (default: a time-ordered version 7 UUID of the event's timestamp). */
        public Builder id(UUID id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /** When it happened (default: now on the clock). */
        public Builder timestamp(Instant timestamp) {
            this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
            return this;
        }

        /** The clock for the default timestamp (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The severity (default INFO). */
        public Builder severity(Severity severity) {
            this.severity = Objects.requireNonNull(severity, "severity");
            return this;
        }

        /** Who acted (required). */
        public Builder actor(Actor actor) {
            this.actor = Objects.requireNonNull(actor, "actor");
            return this;
        }

        /** What was done (required). */
        public Builder action(String action) {
            this.action = action;
            return this;
        }

        /** What it was done to. */
        public Builder resource(Resource resource) {
            this.resource = resource;
            return this;
        }

        /** How it ended (default SUCCESS). */
        public Builder outcome(Outcome outcome) {
            this.outcome = Objects.requireNonNull(outcome, "outcome");
            return this;
        }

        /** Why it failed or was denied. */
        public Builder reason(String reason) {
            this.reason = reason;
            return this;
        }

        /**
         * Makes this the outcome event of {@code pending} (an event of outcome PENDING): the
         * detail {@link AuditEvent#PENDING_ID} names it.
         *
         * @throws IllegalArgumentException if {@code pending} is not a PENDING event
         */
        public Builder follows(AuditEvent pending) {
            Objects.requireNonNull(pending, "pending");
            if (pending.outcome() != Outcome.PENDING) {
                throw new IllegalArgumentException("follows() needs a PENDING event, got outcome " + pending.outcome());
            }
            return detail(PENDING_ID, pending.id().toString());
        }

        /** Adds request context, e.g. {@code request("method", "GET")} or the request's headers as a map. */
        public Builder request(String key, Object value) {
            request.put(Objects.requireNonNull(key, "key"), value);
            return this;
        }

        /** Adds a detail. */
        public Builder detail(String key, Object value) {
            details.put(Objects.requireNonNull(key, "key"), value);
            return this;
        }

        /** Adds every entry of {@code details} (null adds nothing). */
        public Builder details(Map<String, ?> details) {
            if (details != null) {
                details.forEach(this::detail);
            }
            return this;
        }

        /**
         * The event.
         *
         * @throws AuditException naming the first invalid field
         */
        public AuditEvent build() {
            return new AuditEvent(this);
        }
    }
}
