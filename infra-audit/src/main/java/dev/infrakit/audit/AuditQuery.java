package dev.infrakit.audit;

import dev.infrakit.core.Arguments;

import java.time.Instant;
import java.util.Objects;

/**
 * A search of an audit trail: events in a time range, by actor, type and resource, newest first.
 * Every criterion is optional. Immutable; build with {@link #builder()}.
 *
 * @param from earliest timestamp, inclusive, or {@code null}
 * @param to latest timestamp, exclusive, or {@code null}
 * @param actorId the actor's id, or {@code null}
 * @param type the event type, or {@code null}
 * @param resourceType the resource type, or {@code null}
 * @param resourceId the resource id, or {@code null}
 * @param limit most events returned (1 to 10,000)
 */
public record AuditQuery(Instant from, Instant to, String actorId, String type, String resourceType, String resourceId,
                         int limit) {
    /** Validates the limit. */
    public AuditQuery {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be between 1 and 10000, got " + limit);
        }
    }

    /** A builder: everything, newest 100. */
    public static Builder builder() {
        return new Builder();
    }

    boolean matches(AuditRecord r) {
        return (from == null || !r.time().isBefore(from)) && (to == null || r.time().isBefore(to))
                && (actorId == null || actorId.equals(r.actorId())) && (type == null || type.equals(r.type()))
                && (resourceType == null || resourceType.equals(r.resourceType()))
                && (resourceId == null || resourceId.equals(r.resourceId()));
    }

    /** Builds an {@link AuditQuery}. */
    public static final class Builder {
        private Instant from;
        private Instant to;
        private String actorId;
        private String type;
        private String resourceType;
        private String resourceId;
        private Integer limit;
        private boolean between;

        private Builder() {
        }

        /**
         * Events at or after {@code from} and before {@code to} (either may be null).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder between(Instant from, Instant to) {
            Arguments.setOnce(between ? Boolean.TRUE : null, "between");
            this.between = true;
            this.from = from;
            this.to = to;
            return this;
        }

        /**
         * Events by this actor id.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder actor(String actorId) {
            Arguments.setOnce(this.actorId, "actor");
            this.actorId = Objects.requireNonNull(actorId, "actorId");
            return this;
        }

        /**
         * Events of this type.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder type(String type) {
            Arguments.setOnce(this.type, "type");
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /**
         * Events on this resource ({@code id} may be null for any of the type).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder resource(String type, String id) {
            Arguments.setOnce(this.resourceType, "resource");
            this.resourceType = Objects.requireNonNull(type, "type");
            this.resourceId = id;
            return this;
        }

        /**
         * At most this many (default 100; 1 to 10,000, checked by {@link #build()}).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder limit(int limit) {
            Arguments.setOnce(this.limit, "limit");
            this.limit = limit;
            return this;
        }

        /** The query. */
        public AuditQuery build() {
            return new AuditQuery(from, to, actorId, type, resourceType, resourceId, limit != null ? limit : 100);
        }
    }
}
