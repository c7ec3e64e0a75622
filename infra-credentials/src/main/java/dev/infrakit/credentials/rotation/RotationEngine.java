package dev.infrakit.credentials.rotation;

import dev.infrakit.core.Arguments;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.Schedule;
import dev.infrakit.core.schedule.ScheduledJob;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.audit.Resource;
import dev.infrakit.credentials.CredentialException;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialNotFoundException;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.OutcomeNotRecordedException;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.VersionConflictException;
import dev.infrakit.credentials.WriteCondition;
import dev.infrakit.credentials.internal.Names;
import dev.infrakit.credentials.internal.RotationState;
import dev.infrakit.credentials.internal.RotationState.Step;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Rotates credentials in a {@link CredentialStore} by the AWS Secrets Manager model: <b>create</b>
 * a new value and store it as a new version labelled PENDING, <b>apply</b> it to the target system,
 * <b>test</b> it there, then <b>finish</b>: PENDING becomes CURRENT and CURRENT becomes PREVIOUS.
 * The steps are a {@link RotationStrategy}'s; the engine keeps the labels, drives the steps,
 * retries, rolls back, audits and tells {@link RotationListener}s.
 *
 * <h2>Labels and their state</h2>
 * The labels are not the store's "newest version" (which may be PENDING, or a failed attempt):
 * read them with {@link #current}, {@link #previous} and {@link #pending}. They are kept, with the
 * step a rotation reached, its id and its start, in a companion credential named
 * {@code _rotation/<name>} (see {@link #stateName(String)}) whose value is a few non-secret fields.
 * The prefix {@value #STATE_PREFIX} is the engine's own: a credential named like another's
 * state (say {@code db1.rotation}, the old suffix form) is just a credential, a list of any other
 * prefix never shows the states, and the engine refuses to rotate a name under its prefix. Keep
 * other credentials out of it; {@link #forget(String)} deletes a credential's state.
 * Every change to it is a check-and-set write on the companion's version
 * ({@link WriteCondition#createOnly()} for the first, {@link WriteCondition#ifVersion(int)} after),
 * so of two engines, in one process or many, sharing a store:
 * <ul>
 *   <li>only one can start a rotation: the other's write conflicts, it re-reads the state, sees a
 *       rotation in progress and throws {@link RotationInProgressException};
 *   <li>CURRENT is a single field, switched with PREVIOUS and PENDING in one write: there are never
 *       two CURRENTs and never none;
 *   <li>an owner that loses a race (its rotation was taken over) fails its next state write and
 *       stops, leaving the rotation to the new owner.
 * </ul>
 *
 * <h2>Crashes and retries</h2>
 * The state records each step once it is done, and every step is idempotent, so a rotation
 * interrupted anywhere is continued by the next run: by {@link #rotate(String, String)} with its id
 * at once, or by any {@link #rotate(String)} once its owner has not written the state for the
 * lease ({@link Builder#lease(Duration)}, default 15 minutes). Continuing means resuming forward
 * from the last step recorded (a PENDING stored just before a crash is recognised, being newer than
 * the version that was newest at the start, and adopted), or, for a rotation whose step failed,
 * retrying its rollback. While another rotation's lease runs, {@link #rotate(String)} refuses to
 * start a new one.
 *
 * <p>A failing create leaves everything as it was. A failing apply or test is recorded (step
 * FAILED, with the reason) and rolled back with {@link RotationStrategy#rollback}; then the labels
 * go back to idle without PENDING and the failed version is soft-deleted. If the rollback fails too,
 * the state stays FAILED and the next run retries the rollback.
 *
 * <h2>Audit</h2>
 * With an {@link AuditSink}, every step records an event of category ADMIN on resource
 * {@code credential/<name>}: {@code rotation.started}, {@code rotation.created},
 * {@code rotation.applied}, {@code rotation.tested}, {@code rotation.finished},
 * {@code rotation.failed} (severity ERROR, with the step and the reason) and
 * {@code rotation.rolled-back}. Details hold the rotation's id and version numbers, never a value;
 * reasons are exception messages with every secret field of the versions involved masked.
 *
 * <p>Each step is recorded <b>before it takes effect</b>: an event of the step's type with outcome
 * PENDING, then the step (the state write; for create, apply, test and rollback the strategy's call
 * too), then its outcome, linked by the detail {@code pending_id}: SUCCESS, or {@code rotation.failed}
 * for a step that failed. If the sink refuses:
 * <ul>
 *   <li>a PENDING event: the step is not taken and the sink's exception is thrown; the rotation
 *   stays at its last recorded step (refused at {@code rotation.started}: nothing happened);</li>
 *   <li>the outcome of a step short of the end, or a step's failure: the run stops there, as a crash
 *   would (nothing is rolled back without its record) and throws an
 *   {@link dev.infrakit.audit.AuditException}; CURRENT is unchanged and the next run continues (at
 *   once by its id, else after the lease);</li>
 *   <li>the outcome of {@code rotation.finished} or {@code rotation.rolled-back}: the rotation (or
 *   rollback) stands, listeners are told, and an {@link OutcomeNotRecordedException} is thrown.</li>
 * </ul>
 *
 * <p>Thread-safe. Rotating one credential from several threads or processes is safe (see above).
 */
public final class RotationEngine {
    /** The prefix of the companion credentials holding credentials' labels (reserved for the engine). */
    public static final String STATE_PREFIX = "_rotation/";

    private static final Logger LOG = LoggerFactory.getLogger(RotationEngine.class);
    private static final Pattern ROTATION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** Fields that name things rather than hold secrets; every other field value is masked in reasons. */
    private static final List<String> PUBLIC_FIELDS = List.of("username", "url");
    private static final int START_ATTEMPTS = 5;

    private final CredentialStore store;
    private final Map<String, RotationStrategy> strategies;
    private final AuditSink sink;
    private final Actor actor;
    private final Clock clock;
    private final Duration lease;
    private final List<RotationListener> listeners;
    private final AtomicLong listenerFailures = new AtomicLong();

    private RotationEngine(Builder b) {
        this.store = b.store;
        this.strategies = Map.copyOf(b.strategies);
        this.sink = b.sink;
        this.actor = b.actor;
        this.clock = b.clock;
        this.lease = b.lease;
        this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    }

    /** A builder of an engine over {@code store}. */
    public static Builder builder(CredentialStore store) {
        return new Builder(store);
    }

    /**
     * The companion credential holding {@code name}'s labels: {@code "_rotation/" + name}.
     *
     * @throws IllegalArgumentException if {@code name} is invalid, lies under the engine's own
     *     prefix, or is too long to take the prefix
     */
    public static String stateName(String name) {
        Names.requireValid(name);
        if (name.startsWith(STATE_PREFIX)) {
            throw new IllegalArgumentException("'" + name + "' is under " + STATE_PREFIX + ", the rotation engine's own "
                    + "prefix: it holds rotation state, not a credential to rotate");
        }
        try {
            return Names.requireValid(STATE_PREFIX + name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Credential name too long to rotate: its state credential '"
                    + STATE_PREFIX + "<name>' must be at most " + Names.MAX_LENGTH + " characters", e);
        }
    }

    /**
     * Deletes {@code name}'s rotation state (its labels), for when the credential itself is
     * deleted; a later write of the name starts without labels. Returns whether there was any.
     *
     * @throws IllegalArgumentException if {@code name} is invalid or under the engine's prefix
     */
    public boolean forget(String name) {
        return store.deleteAll(stateName(name));
    }

    /**
     * Deletes {@code name} (every version, through the store the engine was built over) and its
     * rotation state. Returns whether the credential existed.
     *
     * @throws IllegalArgumentException if {@code name} is invalid or under the engine's prefix
     */
    public boolean delete(String name) {
        String state = stateName(name);
        boolean existed = store.deleteAll(name);
        store.deleteAll(state);
        return existed;
    }

    /**
     * The credentials under {@code prefix} ({@code ""} for all), as {@link CredentialStore#list}
     * returns them but without the engine's own records (those under {@value #STATE_PREFIX}).
     *
     * @throws IllegalArgumentException if the prefix has characters a name may not have
     */
    public List<CredentialMetadata> list(String prefix) {
        List<CredentialMetadata> all = store.list(prefix);
        List<CredentialMetadata> visible = new ArrayList<>(all.size());
        for (CredentialMetadata m : all) {
            if (!m.name().startsWith(STATE_PREFIX)) {
                visible.add(m);
            }
        }
        return visible;
    }

    // ---------------------------------------------------------------- label-aware reads

    /**
     * The version labelled CURRENT: the one consumers should use. Before the first rotation, the
     * credential's newest version.
     *
     * @throws CredentialNotFoundException if the credential or that version cannot be read
     */
    public Secret current(String name) {
        return store.get(name, load(name).state.current());
    }

    /** The version labelled PREVIOUS, if any (and still readable). */
    public Optional<Secret> previous(String name) {
        return Optional.ofNullable(find(name, load(name).state.previous()));
    }

    /** The version labelled PENDING (a rotation in progress), if any. */
    public Optional<Secret> pending(String name) {
        return Optional.ofNullable(find(name, load(name).state.pending()));
    }

    /**
     * The labels and the rotation in progress.
     *
     * @throws CredentialNotFoundException if the credential does not exist
     */
    public RotationStatus status(String name) {
        RotationState s = load(name).state;
        return new RotationStatus(name, s.current(), s.previous(), s.pending(), s.step().name(), s.rotationId(),
                s.started(), s.lastRotationId(), s.lastOutcome(), s.lastFailure());
    }

    // ---------------------------------------------------------------- listeners

    /** Adds a listener told after every finished rotation. */
    public void addListener(RotationListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener; returns whether it was there. */
    public boolean removeListener(RotationListener listener) {
        return listeners.remove(listener);
    }

    /** How many times a listener threw (each is logged). */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    // ---------------------------------------------------------------- rotation

    /**
     * Rotates {@code name} now with a new rotation id, or continues an abandoned rotation of it
     * (one whose owner has not written the state for the lease).
     *
     * @throws RotationInProgressException if another rotation of it is in progress
     * @throws RotationException if a step failed (after rolling back where it applies; the message
     *     says whether the rollback worked) or this run lost the rotation to another engine
     * @throws CredentialNotFoundException if the credential does not exist
     * @throws IllegalArgumentException if no strategy is registered for {@code name}
     * @throws dev.infrakit.audit.AuditException if the audit sink refused an event: the run stopped
     *     with CURRENT unchanged (see the class comment)
     * @throws OutcomeNotRecordedException if the rotation finished (or was rolled back) but its
     *     outcome could not be recorded
     */
    public RotationResult rotate(String name) {
        return rotate(name, null);
    }

    /**
     * Rotates {@code name} under the given id: continues the rotation in progress if it has this id
     * (whatever its lease), does nothing if the last rotation with this id finished
     * ({@link RotationResult.Outcome#ALREADY_ROTATED}), else starts one with this id. Retrying with
     * the same id is therefore safe.
     *
     * @param rotationId 1 to 128 characters of letters, digits and {@code . _ : -}; null for a new one
     * @throws RotationInProgressException if a rotation with another id is in progress
     * @throws RotationException as {@link #rotate(String)}
     */
    public RotationResult rotate(String name, String rotationId) {
        if (rotationId != null && !ROTATION_ID.matcher(rotationId).matches()) {
            throw new IllegalArgumentException("A rotation id must be 1 to 128 characters of letters, digits and . _ : -");
        }
        stateName(name);
        RotationStrategy strategy = strategies.get(name);
        if (strategy == null) {
            throw new IllegalArgumentException("No rotation strategy registered for '" + name + "'");
        }
        for (int attempt = 1; ; attempt++) {
            Loaded loaded = load(name);
            RotationState state = loaded.state;
            Instant now = clock.instant();
            if (state.inProgress()) {
                boolean own = rotationId != null && rotationId.equals(state.rotationId());
                if (!own && !expired(state, now)) {
                    throw new RotationInProgressException(name, state.rotationId(), state.step().name());
                }
                Loaded claimed;
                try {
                    claimed = write(name, loaded, state.withHeartbeat(now));
                } catch (RotationException lost) {
                    if (attempt < START_ATTEMPTS) {
                        continue;
                    }
                    throw lost;
                }
                LOG.info("Continuing rotation {} of '{}' from step {}", state.rotationId(), ClientText.forLog(name, 256), state.step());
                return drive(name, strategy, claimed, true);
            }
            if (rotationId != null && rotationId.equals(state.lastRotationId())
                    && "ROTATED".equals(state.lastOutcome())) {
                return new RotationResult(name, rotationId, RotationResult.Outcome.ALREADY_ROTATED, false,
                        state.previous(), state.current());
            }
            int newest = newestVersion(name);
            String id = rotationId != null ? rotationId : UUID.randomUUID().toString();
            Map<String, Object> details = Map.of("currentVersion", state.current());
            AuditEvent pending = pending("rotation.started", name, id, details);
            Loaded started;
            try {
                started = write(name, loaded, state.start(id, newest, now));
            } catch (RotationException conflict) {
                outcomeOfNothing(pending, "rotation.started", name, id, details, AuditEvent.Severity.WARN,
                        "another engine wrote the rotation state first", conflict);
                if (attempt < START_ATTEMPTS) {
                    continue; // Someone else wrote the state first: look again.
                }
                throw conflict;
            }
            stepDone(pending, "rotation.started", name, id, details, "started");
            return drive(name, strategy, started, false);
        }
    }

    /**
     * Drives a claimed rotation from its recorded step to the end. State writes that conflict mean
     * another engine took the rotation over: they throw and this run stops where it is.
     */
    private RotationResult drive(String name, RotationStrategy strategy, Loaded loaded, boolean resumed) {
        RotationState state = loaded.state;
        String id = state.rotationId();
        Secret current = readLabelled(name, state.current(), "CURRENT", id);
        Secret previous = find(name, state.previous());
        Secret pending = null;
        // The PENDING event of the step under way, until its outcome is recorded.
        AuditEvent step = null;
        try {
            if (state.step() == Step.FAILED) {
                pending = find(name, state.pending());
                RotationContext context = new RotationContext(name, id, state.started(), current, previous, pending);
                return rollBack(name, strategy, loaded, context, null, resumed);
            }
            try {
                if (state.step() == Step.STARTED) {
                    step = pending("rotation.created", name, id, Map.of());
                    int version = newestVersion(name);
                    if (version > state.base()) {
                        LOG.info("Adopting version {} of '{}' as PENDING of rotation {}", version, ClientText.forLog(name, 256), id);
                    } else {
                        RotationContext context = new RotationContext(name, id, state.started(), current, previous,
                                null);
                        SecretValue value = call("create", () -> strategy.create(context));
                        try {
                            version = call("create", () -> store.put(name, value,
                                    WriteCondition.ifVersion(state.base())));
                        } finally {
                            value.clear();
                        }
                    }
                    loaded = write(name, loaded, loaded.state.withPending(version, clock.instant()));
                    stepDone(step, "rotation.created", name, id, Map.of("pendingVersion", version), "created");
                    step = null;
                }
                pending = readLabelled(name, loaded.state.pending(), "PENDING", id);
                RotationContext context = new RotationContext(name, id, loaded.state.started(), current, previous,
                        pending);
                if (loaded.state.step() == Step.CREATED) {
                    step = pending("rotation.applied", name, id, Map.of("pendingVersion", pending.version()));
                    call("apply", () -> {
                        strategy.apply(context);
                        return null;
                    });
                    loaded = write(name, loaded, loaded.state.withStep(Step.APPLIED, clock.instant()));
                    stepDone(step, "rotation.applied", name, id, Map.of("pendingVersion", pending.version()), "applied");
                    step = null;
                }
                if (loaded.state.step() == Step.APPLIED) {
                    step = pending("rotation.tested", name, id, Map.of("pendingVersion", pending.version()));
                    call("test", () -> {
                        strategy.test(context);
                        return null;
                    });
                    loaded = write(name, loaded, loaded.state.withStep(Step.TESTED, clock.instant()));
                    stepDone(step, "rotation.tested", name, id, Map.of("pendingVersion", pending.version()), "tested");
                    step = null;
                }
            } catch (StepFailure failure) {
                return fail(name, strategy, loaded, current, previous, pending, failure, step);
            } catch (AuditException refused) {
                throw refused; // a PENDING event or an outcome refused: the run stops where it is
            } catch (RuntimeException stopped) {
                // Lost the rotation to another engine, or the store failed: the step's outcome.
                outcomeOfNothing(step, type(step), name, id, Map.of(), AuditEvent.Severity.ERROR,
                        redact(describe(stopped), current, previous, pending), stopped);
                throw stopped;
            }
            if (loaded.state.step() != Step.TESTED) {
                throw new IllegalStateException("Rotation state of '" + name + "' at unexpected step "
                        + loaded.state.step());
            }
            RotationState before = loaded.state;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("previousVersion", before.current());
            details.put("currentVersion", before.pending());
            step = pending("rotation.finished", name, id, details);
            try {
                loaded = write(name, loaded, before.finish());
            } catch (RuntimeException stopped) {
                outcomeOfNothing(step, "rotation.finished", name, id, details, AuditEvent.Severity.ERROR,
                        redact(describe(stopped), current, previous, pending), stopped);
                throw stopped;
            }
            LOG.info("Rotated '{}': version {} is CURRENT, {} PREVIOUS (rotation {})", ClientText.forLog(name, 256), before.pending(),
                    before.current(), id);
            RuntimeException notRecorded = null;
            try {
                outcome(step, "rotation.finished", name, id, details, null, null);
            } catch (RuntimeException e) {
                notRecorded = e;
            }
            // Consumers need the new CURRENT whether or not its outcome could be recorded.
            notifyListeners(name, before.current(), before.pending());
            if (notRecorded != null) {
                throw new OutcomeNotRecordedException("rotation.finished", name, OptionalInt.of(before.pending()),
                        notRecorded);
            }
            return new RotationResult(name, id, RotationResult.Outcome.ROTATED, resumed, before.current(),
                    before.pending());
        } finally {
            current.clear();
            if (previous != null) {
                previous.clear();
            }
            if (pending != null) {
                pending.clear();
            }
        }
    }

    /** A step failed: record it, roll back if anything may have been applied, and throw. */
    private RotationResult fail(String name, RotationStrategy strategy, Loaded loaded, Secret current,
            Secret previous, Secret pending, StepFailure failure, AuditEvent step) {
        RotationState state = loaded.state;
        String reason = redact(failure.step + ": " + describe(failure.getCause()), current, previous, pending);
        try {
            outcome(step, "rotation.failed", name, state.rotationId(), Map.of("step", failure.step), reason, null);
        } catch (RuntimeException notRecorded) {
            AuditException thrown = new AuditException("Rotation " + state.rotationId() + " of '" + name
                    + "' failed at step " + failure.step + " and stopped there: its failure could not be recorded in "
                    + "the audit trail (" + notRecorded.getMessage() + "); CURRENT is unchanged, nothing was rolled "
                    + "back, and the next run continues the rotation", notRecorded);
            thrown.addSuppressed(failure.getCause());
            throw thrown;
        }
        if (state.step() == Step.STARTED) {
            write(name, loaded, state.abandon("FAILED", reason));
            throw new RotationException("Rotation " + state.rotationId() + " of '" + name + "' failed at step "
                    + reason + "; nothing was changed", failure.getCause());
        }
        loaded = write(name, loaded, state.failed(reason, clock.instant()));
        RotationContext context = new RotationContext(name, state.rotationId(), state.started(), current, previous,
                pending);
        rollBack(name, strategy, loaded, context, failure, false);
        throw new IllegalStateException("unreachable: rollBack throws after a failure");
    }

    /**
     * Rolls a FAILED rotation back, then returns to idle without PENDING and soft-deletes the failed
     * version. Throws if {@code failure} is given (the run that failed), else returns.
     */
    private RotationResult rollBack(String name, RotationStrategy strategy, Loaded loaded, RotationContext context,
            StepFailure failure, boolean resumed) {
        RotationState state = loaded.state;
        String id = state.rotationId();
        String reason = state.lastFailure() == null ? "(unknown)" : state.lastFailure();
        Map<String, Object> details = Map.of("currentVersion", state.current(), "failedVersion", state.pending());
        AuditEvent step;
        try {
            step = pending("rotation.rolled-back", name, id, details);
        } catch (RuntimeException refused) {
            if (failure != null) {
                refused.addSuppressed(failure.getCause());
            }
            throw refused; // FAILED is recorded: the next run retries the rollback
        }
        try {
            strategy.rollback(context);
        } catch (RuntimeException e) {
            String rollbackReason = redact("rollback: " + describe(e), context.current(),
                    context.previous().orElse(null), context.pendingOrNull());
            RotationException thrown = new RotationException("Rotation " + id + " of '" + name + "' failed (" + reason
                    + ") and its rollback failed too (" + rollbackReason + "); the next run retries the rollback", e);
            if (failure != null) {
                thrown.addSuppressed(failure.getCause());
            }
            try {
                outcome(step, "rotation.failed", name, id, Map.of("step", "rollback"), rollbackReason, null);
            } catch (RuntimeException notRecorded) {
                thrown.addSuppressed(notRecorded);
            }
            throw thrown;
        }
        try {
            write(name, loaded, state.abandon("ROLLED_BACK", reason));
        } catch (RuntimeException stopped) {
            outcomeOfNothing(step, "rotation.rolled-back", name, id, details, AuditEvent.Severity.ERROR,
                    describe(stopped), stopped);
            throw stopped;
        }
        if (state.pending() != 0) {
            try {
                store.delete(name, state.pending());
            } catch (CredentialException e) {
                LOG.warn("Could not soft-delete failed version {} of '{}' (it is not labelled): {}", state.pending(),
                        ClientText.forLog(name, 256), ClientText.forLog(e.getMessage(), 1000));
            }
        }
        try {
            outcome(step, "rotation.rolled-back", name, id, details, null, null);
        } catch (RuntimeException notRecorded) {
            OutcomeNotRecordedException thrown = new OutcomeNotRecordedException("rotation.rolled-back", name,
                    OptionalInt.of(state.current()), notRecorded);
            if (failure != null) {
                thrown.addSuppressed(failure.getCause());
            }
            throw thrown;
        }
        if (failure != null) {
            throw new RotationException("Rotation " + id + " of '" + name + "' failed at step " + reason
                    + " and was rolled back; version " + state.current() + " is still CURRENT", failure.getCause());
        }
        return new RotationResult(name, id, RotationResult.Outcome.ROLLED_BACK, resumed, state.previous(),
                state.current());
    }

    private void notifyListeners(String name, int previousVersion, int currentVersion) {
        for (RotationListener listener : listeners) {
            try {
                listener.rotated(name, store.get(name, previousVersion), store.get(name, currentVersion));
            } catch (RuntimeException e) {
                listenerFailures.incrementAndGet();
                LOG.warn("Rotation listener {} failed for '{}': {}", listener, ClientText.forLog(name, 256),
                        e.getClass().getName());
            }
        }
    }

    // ---------------------------------------------------------------- scheduling

    /**
     * Rotates {@code name} on {@code schedule}, running on {@code executor} (the engine does not own
     * it). The delay to each run is computed from the engine's clock. A run that finds another
     * rotation in progress, or fails, is logged and the schedule goes on.
     *
     * @throws IllegalArgumentException if no strategy is registered for {@code name}
     */
    public ScheduledJob schedule(String name, Schedule schedule, ScheduledExecutorService executor) {
        requireSchedulable(name, schedule, executor);
        return ScheduledJob.start(name, schedule, executor, clock, () -> {
            try {
                rotate(name);
            } catch (RotationInProgressException e) {
                LOG.info("Scheduled rotation of '{}' skipped: {}", ClientText.forLog(name, 256),
                        ClientText.forLog(e.getMessage(), 1000));
            }
        });
    }

    /**
     * {@link #schedule(String, Schedule, ScheduledExecutorService)} for several instances sharing the
     * store: each run takes {@code lock}'s lock {@code rotation of <name>} (a run that finds it held
     * elsewhere is skipped, logged at debug and counted in {@link ScheduledJob#skipped()}), and
     * rotates under the id {@code scheduled:<due time>} ({@link #rotate(String, String)}), so a slot
     * another instance already rotated is {@code ALREADY_ROTATED} and nothing changes. With every
     * instance scheduling the same schedule on one shared lock, each slot rotates once; a slot whose
     * rotation failed is tried again by the next instance that gets the lock. The slot comes from
     * each instance's clock: keep them in sync to well under the schedule's interval.
     *
     * @param lock the lock shared by the instances, e.g. a {@code PostgresClusterLock}
     * @throws IllegalArgumentException if no strategy is registered for {@code name}
     */
    public ScheduledJob schedule(String name, Schedule schedule, ScheduledExecutorService executor, ClusterLock lock) {
        requireSchedulable(name, schedule, executor);
        return ScheduledJob.start(name, schedule, executor, clock, lock, "rotation of " + name, due -> {
            try {
                RotationResult result = rotate(name, "scheduled:" + due);
                if (result.outcome() == RotationResult.Outcome.ALREADY_ROTATED) {
                    LOG.debug("Scheduled rotation of '{}' due {} skipped: another instance rotated it",
                            ClientText.forLog(name, 256), due);
                }
            } catch (RotationInProgressException e) {
                LOG.info("Scheduled rotation of '{}' skipped: {}", ClientText.forLog(name, 256),
                        ClientText.forLog(e.getMessage(), 1000));
            }
        });
    }

    private void requireSchedulable(String name, Schedule schedule, ScheduledExecutorService executor) {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(executor, "executor");
        if (!strategies.containsKey(name)) {
            throw new IllegalArgumentException("No rotation strategy registered for '" + name + "'");
        }
    }

    // ---------------------------------------------------------------- state

    /** The state and the version of the companion credential it was read from (0: not written yet). */
    private record Loaded(int version, RotationState state) {
    }

    private Loaded load(String name) {
        String stateName = stateName(name);
        Optional<CredentialMetadata> meta = store.metadata(stateName);
        if (meta.isPresent()) {
            Secret secret = store.get(stateName, meta.get().currentVersion());
            try {
                return new Loaded(secret.version(), RotationState.decode(secret.value()));
            } catch (IllegalArgumentException e) {
                throw new RotationException("The rotation state '" + stateName + "' is not valid: "
                        + e.getMessage(), e);
            } finally {
                secret.clear();
            }
        }
        return new Loaded(0, RotationState.initial(newestVersion(name)));
    }

    /**
     * Writes the state with check-and-set on the version it was read at.
     *
     * @throws RotationException if another engine wrote it meanwhile
     */
    private Loaded write(String name, Loaded from, RotationState next) {
        String stateName = stateName(name);
        WriteCondition condition = from.version == 0 ? WriteCondition.createOnly()
                : WriteCondition.ifVersion(from.version);
        SecretValue value = next.encode();
        try {
            return new Loaded(store.put(stateName, value, condition), next);
        } catch (VersionConflictException e) {
            throw new RotationException("The rotation state of '" + name + "' changed under rotation "
                    + (from.state.rotationId() == null ? "(none)" : from.state.rotationId())
                    + ": another engine is rotating it; this run stopped", e);
        } finally {
            value.clear();
        }
    }

    private boolean expired(RotationState state, Instant now) {
        return state.heartbeat() == null || !state.heartbeat().plus(lease).isAfter(now);
    }

    private int newestVersion(String name) {
        return store.metadata(name).map(CredentialMetadata::currentVersion)
                .orElseThrow(() -> new CredentialNotFoundException(name, "Credential '" + name
                        + "' does not exist; store its first value before rotating it"));
    }

    private Secret find(String name, int version) {
        if (version <= 0) {
            return null;
        }
        try {
            return store.get(name, version);
        } catch (CredentialNotFoundException e) {
            return null;
        }
    }

    private Secret readLabelled(String name, int version, String label, String rotationId) {
        try {
            return store.get(name, version);
        } catch (CredentialNotFoundException e) {
            throw new RotationException("Version " + version + " of '" + name + "', labelled " + label
                    + ", cannot be read; rotation " + rotationId + " cannot go on", e);
        }
    }

    // ---------------------------------------------------------------- failures and audit

    /** A strategy step (or the write of PENDING) threw. */
    private static final class StepFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String step;

        StepFailure(String step, RuntimeException cause) {
            super(step, cause, false, false);
            this.step = step;
        }
    }

    private static <T> T call(String step, Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw new StepFailure(step, e);
        }
    }

    private static String describe(Throwable e) {
        StringBuilder out = new StringBuilder(e.getClass().getSimpleName());
        if (e.getMessage() != null) {
            out.append(": ").append(e.getMessage());
        }
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null) {
            out.append(" (").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage())
                    .append(')');
        }
        return out.toString();
    }

    /** Masks every secret field value of the given versions that occurs in {@code text}. */
    static String redact(String text, Secret... secrets) {
        List<String> values = new ArrayList<>();
        for (Secret secret : secrets) {
            if (secret == null || secret.value().isCleared()) {
                continue;
            }
            SecretValue value = secret.value();
            if (value.hasFields()) {
                for (String field : value.fieldNames()) {
                    if (!PUBLIC_FIELDS.contains(field)) {
                        value.field(field).filter(v -> v.length() >= 4).ifPresent(values::add);
                    }
                }
            } else {
                String bytes = new String(value.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                if (bytes.length() >= 4) {
                    values.add(bytes);
                }
            }
        }
        values.sort((a, b) -> b.length() - a.length());
        String out = text;
        for (String v : values) {
            out = out.replace(v, "****");
        }
        return out.length() > 1000 ? out.substring(0, 1000) + "…" : out;
    }

    private AuditEvent.Builder event(String type, String name, String rotationId, Map<String, Object> details) {
        Map<String, Object> all = new HashMap<>(details);
        all.put("rotationId", rotationId);
        return AuditEvent.builder(AuditEvent.Category.ADMIN, type).clock(clock).actor(actor)
                .action(type.substring("rotation.".length())).resource(Resource.of("credential", name)).details(all);
    }

    /**
     * Records the PENDING event of a step before it takes effect (null without a sink). If the sink
     * refuses it, its exception propagates and the step is not taken.
     */
    private AuditEvent pending(String type, String name, String rotationId, Map<String, Object> details) {
        if (sink == null) {
            return null;
        }
        AuditEvent pending = event(type, name, rotationId, details).outcome(AuditEvent.Outcome.PENDING)
                .severity(AuditEvent.Severity.INFO).build();
        sink.record(pending);
        return pending;
    }

    /** The type of a step's PENDING event. */
    private static String type(AuditEvent pending) {
        return pending == null ? "rotation.failed" : pending.type();
    }

    /**
     * Records the outcome of {@code pending}'s step: SUCCESS, or FAILURE (severity ERROR unless given)
     * with {@code failure} as the reason. The sink's exception propagates.
     */
    private void outcome(AuditEvent pending, String type, String name, String rotationId, Map<String, Object> details,
            String failure, AuditEvent.Severity severity) {
        if (sink == null) {
            return;
        }
        AuditEvent.Builder event = event(type, name, rotationId, details);
        if (pending != null) {
            event.follows(pending);
        }
        if (failure == null) {
            event.outcome(AuditEvent.Outcome.SUCCESS).severity(AuditEvent.Severity.INFO);
        } else {
            event.outcome(AuditEvent.Outcome.FAILURE).severity(severity == null ? AuditEvent.Severity.ERROR : severity)
                    .reason(failure);
        }
        sink.record(event.build());
    }

    /**
     * Records the SUCCESS of a step short of the end. If the sink refuses it, the run stops there, as a
     * crash would: the step is done and recorded in the state, CURRENT is unchanged.
     */
    private void stepDone(AuditEvent pending, String type, String name, String rotationId, Map<String, Object> details,
            String step) {
        try {
            outcome(pending, type, name, rotationId, details, null, null);
        } catch (RuntimeException notRecorded) {
            throw new AuditException("Rotation " + rotationId + " of '" + name + "' stopped after step " + step
                    + ": its outcome could not be recorded in the audit trail (" + notRecorded.getMessage()
                    + "); CURRENT is unchanged and the next run continues the rotation", notRecorded);
        }
    }

    /**
     * Records that {@code pending}'s step failed (FAILURE) and the run stops. If the sink refuses it,
     * an AuditException says so, with {@code cause} suppressed in it.
     */
    private void outcomeOfNothing(AuditEvent pending, String type, String name, String rotationId,
            Map<String, Object> details, AuditEvent.Severity severity, String reason, RuntimeException cause) {
        if (pending == null) {
            return;
        }
        try {
            outcome(pending, type, name, rotationId, details, reason, severity);
        } catch (RuntimeException notRecorded) {
            AuditException thrown = new AuditException("Rotation " + rotationId + " of '" + name + "' stopped at "
                    + type + " (" + cause.getClass().getSimpleName() + "), and that outcome could not be recorded in "
                    + "the audit trail (" + notRecorded.getMessage() + "); CURRENT is unchanged", notRecorded);
            thrown.addSuppressed(cause);
            throw thrown;
        }
    }

    @Override
    public String toString() {
        return "RotationEngine[" + store + ", " + strategies.keySet() + "]";
    }

    /** Builds a {@link RotationEngine}; each setting may be given once. */
    public static final class Builder {
        private final CredentialStore store;
        private final Map<String, RotationStrategy> strategies = new HashMap<>();
        private final List<RotationListener> listeners = new ArrayList<>();
        private AuditSink sink;
        private Actor actor;
        private Clock clock;
        private Duration lease;

        private Builder(CredentialStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * Rotates {@code name} with {@code strategy}.
         *
         * @throws IllegalArgumentException if the name is invalid or already has a strategy
         */
        public Builder strategy(String name, RotationStrategy strategy) {
            stateName(name);
            Objects.requireNonNull(strategy, "strategy");
            if (strategies.putIfAbsent(name, strategy) != null) {
                throw new IllegalArgumentException("A strategy for '" + name + "' was already set");
            }
            return this;
        }

        /** Audits every step into {@code sink} (default: no audit). */
        public Builder auditSink(AuditSink sink) {
            Arguments.setOnce(this.sink, "auditSink");
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** The actor of audit events (default {@code Actor.service("credential-rotation")}). */
        public Builder actor(Actor actor) {
            Arguments.setOnce(this.actor, "actor");
            this.actor = Objects.requireNonNull(actor, "actor");
            return this;
        }

        /** The clock for leases, schedules and audit times (default the system clock, UTC). */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How long a rotation's owner may go without writing the state before another run may take
         * it over (default 15 minutes). Longer than the slowest step.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder lease(Duration lease) {
            Arguments.setOnce(this.lease, "lease");
            Objects.requireNonNull(lease, "lease");
            if (lease.isNegative() || lease.isZero()) {
                throw new IllegalArgumentException("The rotation lease must be positive, got " + lease);
            }
            this.lease = lease;
            return this;
        }

        /** Adds a listener told after every finished rotation. */
        public Builder listener(RotationListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The engine. */
        public RotationEngine build() {
            if (actor == null) {
                actor = Actor.service("credential-rotation");
            }
            if (clock == null) {
                clock = Clock.systemUTC();
            }
            if (lease == null) {
                lease = Duration.ofMinutes(15);
            }
            return new RotationEngine(this);
        }
    }
}
