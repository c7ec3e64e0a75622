package dev.infrakit.credentials.rotation;

import dev.infrakit.credentials.Secret;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link RotationStrategy} step sees: the credential's name, the rotation's id, and the
 * versions labelled CURRENT, PREVIOUS and (after create) PENDING. Immutable; the values belong to
 * the engine, which clears them after the step.
 */
public final class RotationContext {
    private final String name;
    private final String rotationId;
    private final Instant started;
    private final Secret current;
    private final Secret previous;
    private final Secret pending;

    RotationContext(String name, String rotationId, Instant started, Secret current, Secret previous,
            Secret pending) {
        this.name = Objects.requireNonNull(name, "name");
        this.rotationId = Objects.requireNonNull(rotationId, "rotationId");
        this.started = Objects.requireNonNull(started, "started");
        this.current = Objects.requireNonNull(current, "current");
        this.previous = previous;
        this.pending = pending;
    }

    /** The credential's name. */
    public String name() {
        return name;
    }

    /** The rotation's id, the same on every retry of it. */
    public String rotationId() {
        return rotationId;
    }

    /** When the rotation started. */
    public Instant started() {
        return started;
    }

    /** The version labelled CURRENT. */
    public Secret current() {
        return current;
    }

    /** The version labelled PREVIOUS, if any. */
    public Optional<Secret> previous() {
        return Optional.ofNullable(previous);
    }

    /**
     * The version labelled PENDING.
     *
     * @throws IllegalStateException during {@link RotationStrategy#create}, which makes it
     */
    public Secret pending() {
        if (pending == null) {
            throw new IllegalStateException("No PENDING version yet for '" + name + "' (create makes it)");
        }
        return pending;
    }

    Secret pendingOrNull() {
        return pending;
    }

    @Override
    public String toString() {
        return "RotationContext[" + name + ", rotation " + rotationId + ", current v" + current.version()
                + (previous == null ? "" : ", previous v" + previous.version())
                + (pending == null ? "" : ", pending v" + pending.version()) + "]";
    }
}
