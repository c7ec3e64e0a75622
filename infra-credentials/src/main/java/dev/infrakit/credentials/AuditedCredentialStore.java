package dev.infrakit.credentials;

import java.util.Set;
import java.util.HashSet;
import dev.infrakit.core.Arguments;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.credentials.internal.Names;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Records an {@link AuditEvent} for every operation on a {@link CredentialStore}: who (the actor),
 * which credential and version, what (read, list, write, delete, …) and how it ended. The value is
 * never part of an event. Put it outside a {@link CachingCredentialStore} so that cached reads are
 * audited too (or turn read auditing off with {@link Builder#auditReads(boolean)}).
 *
 * <p>Event types: {@code credential.read}, {@code credential.metadata}, {@code credential.list}
 * (category DATA_ACCESS) and {@code credential.write}, {@code credential.delete},
 * {@code credential.undelete}, {@code credential.destroy}, {@code credential.delete-all},
 * {@code credential.max-versions}, {@code credential.custom-metadata} (category ADMIN). Successes
 * are INFO; a missing credential or a lost check-and-set WARN; an integrity failure CRITICAL;
 * other failures ERROR. The reason of a failure is the exception's message, which never holds a
 * secret value.
 *
 * <p>The actor comes from {@link Builder#actor(Supplier)}; by default, from {@link #actingAs(Actor)}
 * on the calling thread, else {@link Actor#system()}.
 *
 * <p><b>Changes are recorded before they take effect</b> (the rule of Vault's audit devices). Every
 * operation that changes the store ({@code put}, {@code setCustomMetadata}, {@code setMaxVersions},
 * {@code delete}, {@code undelete}, {@code destroy}, {@code deleteAll}) is a pair of events:
 * <ol>
 *   <li>before the store is called, an event of the operation's type, action, resource, actor and
 *   details with outcome {@link AuditEvent.Outcome#PENDING} (severity INFO). If the sink refuses
 *   it, the store is never called and the sink's exception propagates: the change is refused,
 *   never made unaudited;</li>
 *   <li>after the store returned or threw, the outcome event (SUCCESS, or FAILURE with the
 *   severity rules above) whose detail {@link AuditEvent#PENDING_ID} names the PENDING event.</li>
 * </ol>
 * If the outcome event cannot be recorded:
 * <ul>
 *   <li>when the change took effect, an {@link OutcomeNotRecordedException} (an
 *   {@link dev.infrakit.audit.AuditException}) is thrown: the change stands, the trail holds its
 *   PENDING event, and the exception carries the operation, the credential's name and, for a put,
 *   the version written (never a value);</li>
 *   <li>when nothing changed (the store threw, or {@code deleteAll} found nothing), an
 *   {@code AuditException} is thrown, with the store's exception, if any, suppressed in it.</li>
 * </ul>
 * So for a change: {@code OutcomeNotRecordedException} means done, any other
 * {@code AuditException} means not done.
 *
 * <p>Reads (get, metadata, list) record one event after the read; fail closed: if the sink refuses
 * it, the value is not returned and the sink's exception is thrown.
 */
public final class AuditedCredentialStore extends ForwardingCredentialStore {
    private static final ThreadLocal<Actor> ACTOR = new ThreadLocal<>();

    private final AuditSink sink;
    private final Supplier<Actor> actor;
    private final boolean auditReads;
    private final Clock clock;

    private AuditedCredentialStore(Builder b) {
        super(b.store);
        this.sink = b.sink;
        this.actor = b.actor;
        this.auditReads = b.auditReads;
        this.clock = b.clock;
    }

    /** A builder auditing {@code store} into {@code sink}. */
    public static Builder builder(CredentialStore store, AuditSink sink) {
        return new Builder(store, sink);
    }

    /**
     * Sets the actor for operations on this thread until the returned scope is closed (use with
     * try-with-resources; scopes nest).
     */
    public static Scope actingAs(Actor actor) {
        Actor previous = ACTOR.get();
        ACTOR.set(Objects.requireNonNull(actor, "actor"));
        return () -> {
            if (previous == null) {
                ACTOR.remove();
            } else {
                ACTOR.set(previous);
            }
        };
    }

    /** A scope from {@link #actingAs(Actor)}. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        /** Restores the previous actor. */
        @Override
        void close();
    }

    private static Actor threadActor() {
        Actor a = ACTOR.get();
        return a != null ? a : Actor.system();
    }

    /** One audited operation. */
    @FunctionalInterface
    private interface Operation<T> {
        T run();
    }

    private <T> T audited(AuditEvent.Category category, String type, String action, Resource resource,
            Map<String, Object> details, boolean read, Operation<T> operation) {
        if (!read) {
            return changed(category, type, action, resource, details, operation);
        }
        if (!auditReads) {
            return operation.run();
        }
        Actor who = actor.get();
        T result;
        try {
            result = operation.run();
        } catch (RuntimeException e) {
            sink.record(outcome(event(category, type, action, resource, details, who), e, null).build());
            throw e;
        }
        sink.record(outcome(event(category, type, action, resource, details, who), null, result).build());
        return result;
    }

    /** A change: PENDING first (nothing happens if it fails), then the change, then its outcome. */
    private <T> T changed(AuditEvent.Category category, String type, String action, Resource resource,
            Map<String, Object> details, Operation<T> operation) {
        Actor who = actor.get();
        AuditEvent pending = event(category, type, action, resource, details, who)
                .outcome(AuditEvent.Outcome.PENDING).severity(AuditEvent.Severity.INFO).build();
        sink.record(pending);
        T result;
        try {
            result = operation.run();
        } catch (RuntimeException failure) {
            try {
                sink.record(outcome(event(category, type, action, resource, details, who), failure, null)
                        .follows(pending).build());
            } catch (RuntimeException notRecorded) {
                AuditException thrown = new AuditException(type + " of '" + resource.id() + "' failed ("
                        + failure.getClass().getSimpleName() + ") and changed nothing, but its outcome could not be "
                        + "recorded: " + notRecorded.getMessage(), notRecorded);
                thrown.addSuppressed(failure);
                throw thrown;
            }
            throw failure;
        }
        try {
            sink.record(outcome(event(category, type, action, resource, details, who), null, result)
                    .follows(pending).build());
        } catch (RuntimeException notRecorded) {
            if (Boolean.FALSE.equals(result)) {
                // deleteAll of a credential that did not exist: nothing changed.
                throw new AuditException(type + " of '" + resource.id() + "' changed nothing (no such credential), "
                        + "but its outcome could not be recorded: " + notRecorded.getMessage(), notRecorded);
            }
            throw new OutcomeNotRecordedException(type, resource.id(), result instanceof Integer
                    ? OptionalInt.of((Integer) result) : OptionalInt.empty(), notRecorded);
        }
        return result;
    }

    private AuditEvent.Builder event(AuditEvent.Category category, String type, String action, Resource resource,
            Map<String, Object> details, Actor who) {
        return AuditEvent.builder(category, type).clock(clock).actor(who).action(action).resource(resource)
                .details(details);
    }

    /** Adds the outcome (and the version or count of the result) to {@code event}. */
    private static AuditEvent.Builder outcome(AuditEvent.Builder event, RuntimeException failure, Object result) {
        if (result instanceof Secret) {
            event.detail("version", ((Secret) result).version());
        } else if (result instanceof Integer) {
            event.detail("version", result);
        } else if (result instanceof List) {
            event.detail("count", ((List<?>) result).size());
        }
        if (failure == null && (Boolean.FALSE.equals(result) || result instanceof Optional<?> o && o.isEmpty())) {
            // deleteAll or metadata of a credential that does not exist: what a caller answers as "not
            // found" is recorded as such, never as a success.
            return event.outcome(AuditEvent.Outcome.FAILURE).severity(AuditEvent.Severity.WARN)
                    .reason("no such credential");
        }
        if (failure == null) {
            return event.outcome(AuditEvent.Outcome.SUCCESS).severity(AuditEvent.Severity.INFO);
        }
        AuditEvent.Severity severity = failure instanceof CredentialIntegrityException ? AuditEvent.Severity.CRITICAL
                : failure instanceof CredentialNotFoundException || failure instanceof VersionConflictException
                        || failure instanceof IllegalArgumentException ? AuditEvent.Severity.WARN
                                : AuditEvent.Severity.ERROR;
        return event.outcome(AuditEvent.Outcome.FAILURE).severity(severity)
                .reason(failure.getClass().getSimpleName() + ": " + failure.getMessage());
    }

    private static Resource credential(String name) {
        try {
            return Resource.of("credential", Names.requireValid(name));
        } catch (IllegalArgumentException invalid) {
            // The store will refuse the name; the attempt is still audited, without echoing it.
            return Resource.of("credential", "(invalid name)");
        }
    }

    private static Resource prefix(String prefix) {
        try {
            return Resource.of("credential-prefix", Names.requireValidPrefix(prefix).isEmpty() ? "*" : prefix);
        } catch (IllegalArgumentException invalid) {
            return Resource.of("credential-prefix", "(invalid prefix)");
        }
    }

    private static Map<String, Object> versions(int... versions) {
        return versions == null || versions.length == 0 ? Map.of()
                : Map.of("versions", Arrays.toString(versions));
    }

    @Override
    public Secret get(String name) {
        return audited(AuditEvent.Category.DATA_ACCESS, "credential.read", "read", credential(name), Map.of(), true,
                () -> super.get(name));
    }

    @Override
    public Secret get(String name, int version) {
        return audited(AuditEvent.Category.DATA_ACCESS, "credential.read", "read", credential(name),
                Map.of("requested_version", version), true, () -> super.get(name, version));
    }

    @Override
    public Optional<CredentialMetadata> metadata(String name) {
        return audited(AuditEvent.Category.DATA_ACCESS, "credential.metadata", "read", credential(name), Map.of(), true,
                () -> super.metadata(name));
    }

    @Override
    public List<CredentialMetadata> list(String prefix) {
        return audited(AuditEvent.Category.DATA_ACCESS, "credential.list", "list",
                prefix(prefix), Map.of(), true, () -> super.list(prefix));
    }

    @Override
    public int put(String name, SecretValue value, WriteCondition condition) {
        return audited(AuditEvent.Category.ADMIN, "credential.write", "write", credential(name),
                Map.of("condition", String.valueOf(condition)), false, () -> super.put(name, value, condition));
    }

    @Override
    public void setCustomMetadata(String name, Map<String, String> custom) {
        audited(AuditEvent.Category.ADMIN, "credential.custom-metadata", "update", credential(name),
                Map.of("keys", custom == null ? "[]" : String.valueOf(new java.util.TreeSet<>(custom.keySet()))), false,
                () -> {
                    super.setCustomMetadata(name, custom);
                    return null;
                });
    }

    @Override
    public void setMaxVersions(String name, int maxVersions) {
        audited(AuditEvent.Category.ADMIN, "credential.max-versions", "update", credential(name),
                Map.of("max_versions", maxVersions), false, () -> {
                    super.setMaxVersions(name, maxVersions);
                    return null;
                });
    }

    @Override
    public void delete(String name, int... versions) {
        audited(AuditEvent.Category.ADMIN, "credential.delete", "delete", credential(name), versions(versions), false,
                () -> {
                    super.delete(name, versions);
                    return null;
                });
    }

    @Override
    public void undelete(String name, int... versions) {
        audited(AuditEvent.Category.ADMIN, "credential.undelete", "undelete", credential(name), versions(versions),
                false, () -> {
                    super.undelete(name, versions);
                    return null;
                });
    }

    @Override
    public void destroy(String name, int... versions) {
        audited(AuditEvent.Category.ADMIN, "credential.destroy", "destroy", credential(name), versions(versions), false,
                () -> {
                    super.destroy(name, versions);
                    return null;
                });
    }

    @Override
    public boolean deleteAll(String name) {
        return audited(AuditEvent.Category.ADMIN, "credential.delete-all", "delete", credential(name), Map.of(), false,
                () -> super.deleteAll(name));
    }

    @Override
    public String toString() {
        return "AuditedCredentialStore[" + delegate() + " -> " + sink.name() + "]";
    }

    /** Builds an {@link AuditedCredentialStore}. */
    public static final class Builder {
        private final Set<String> given = new HashSet<>();

        private final CredentialStore store;
        private final AuditSink sink;
        private Supplier<Actor> actor = AuditedCredentialStore::threadActor;
        private boolean auditReads = true;
        private Clock clock = Clock.systemUTC();

        private Builder(CredentialStore store, AuditSink sink) {
            this.store = Objects.requireNonNull(store, "store");
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        /** Who is acting (default: {@link #actingAs(Actor)} on the calling thread, else the system). */
        public Builder actor(Supplier<Actor> actor) {
            Arguments.markSet(given, "actor");
            this.actor = Objects.requireNonNull(actor, "actor");
            return this;
        }

        /** Whether reads (get, metadata, list) are audited (default true). */
        public Builder auditReads(boolean auditReads) {
            Arguments.markSet(given, "auditReads");
            this.auditReads = auditReads;
            return this;
        }

        /** The clock stamping events (tests). */
        public Builder clock(Clock clock) {
            Arguments.markSet(given, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The audited store. */
        public AuditedCredentialStore build() {
            return new AuditedCredentialStore(this);
        }
    }
}
