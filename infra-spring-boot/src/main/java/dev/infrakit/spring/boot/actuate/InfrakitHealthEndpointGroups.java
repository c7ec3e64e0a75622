package dev.infrakit.spring.boot.actuate;

import dev.infrakit.core.health.HealthCheck;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;

/**
 * Actuator's health groups with Infrakit's liveness and readiness checks placed in them.
 *
 * <p>The contributor {@value InfrakitActuatorAutoConfiguration#LIVENESS_CONTRIBUTOR} (the
 * registry's liveness group) is a member of the {@code liveness} group only, and
 * {@value InfrakitActuatorAutoConfiguration#READINESS_CONTRIBUTOR} of the {@code readiness} group
 * only; neither appears in {@code /actuator/health} itself or in another group, where
 * {@value InfrakitActuatorAutoConfiguration#ALL_CONTRIBUTOR} (every check) stands instead, and
 * {@value InfrakitActuatorAutoConfiguration#ALL_CONTRIBUTOR} stays out of the two probe groups.
 * Every other membership is the delegate's. When the delegate has no {@code liveness} or
 * {@code readiness} group (Actuator's probe post-processor has not run yet, or probes are off),
 * one is added holding Boot's state indicator and Infrakit's checks, with the primary group's
 * display and status settings; Boot's probe post-processor keeps such a group and adds its own
 * indicator to it.
 */
final class InfrakitHealthEndpointGroups implements HealthEndpointGroups, AdditionalPathsMapper {
    private final HealthEndpointGroups delegate;

    InfrakitHealthEndpointGroups(HealthEndpointGroups delegate) {
        this.delegate = delegate;
    }

    @Override
    public HealthEndpointGroup getPrimary() {
        HealthEndpointGroup primary = delegate.getPrimary();
        return new Group(primary, primary::isMember, primary.getAdditionalPath(), null);
    }

    @Override
    public Set<String> getNames() {
        Set<String> names = new LinkedHashSet<>(delegate.getNames());
        names.add(HealthCheck.LIVENESS);
        names.add(HealthCheck.READINESS);
        return names;
    }

    @Override
    public @Nullable HealthEndpointGroup get(String name) {
        HealthEndpointGroup group = delegate.get(name);
        if (group != null) {
            return new Group(group, group::isMember, group.getAdditionalPath(), name);
        }
        if (HealthCheck.LIVENESS.equals(name)) {
            return new Group(delegate.getPrimary(), "livenessState"::equals, null, name);
        }
        if (HealthCheck.READINESS.equals(name)) {
            return new Group(delegate.getPrimary(), "readinessState"::equals, null, name);
        }
        return null;
    }

    @Override
    public @Nullable List<String> getAdditionalPaths(EndpointId endpointId, WebServerNamespace webServerNamespace) {
        return delegate instanceof AdditionalPathsMapper mapper
                ? mapper.getAdditionalPaths(endpointId, webServerNamespace) : null;
    }

    /** Whether the contributor at {@code path} is {@code contributor} or one of its children. */
    private static boolean under(String path, String contributor) {
        return path.equals(contributor) || path.startsWith(contributor + "/");
    }

    /**
     * A group whose membership of Infrakit's three contributors follows the class comment, every
     * other membership {@code members}', and its display and status settings those of {@code settings}
     * (the delegate's group, or the primary group for a probe group the delegate lacks).
     */
    private static final class Group implements HealthEndpointGroup {
        private final HealthEndpointGroup settings;
        private final Predicate<String> members;
        private final @Nullable AdditionalHealthEndpointPath additionalPath;
        private final @Nullable String name;

        Group(HealthEndpointGroup settings, Predicate<String> members, @Nullable AdditionalHealthEndpointPath additionalPath,
                @Nullable String name) {
            this.settings = settings;
            this.members = members;
            this.additionalPath = additionalPath;
            this.name = name;
        }

        @Override
        public boolean isMember(String path) {
            if (under(path, InfrakitActuatorAutoConfiguration.LIVENESS_CONTRIBUTOR)) {
                return HealthCheck.LIVENESS.equals(name);
            }
            if (under(path, InfrakitActuatorAutoConfiguration.READINESS_CONTRIBUTOR)) {
                return HealthCheck.READINESS.equals(name);
            }
            if (under(path, InfrakitActuatorAutoConfiguration.ALL_CONTRIBUTOR)
                    && (HealthCheck.LIVENESS.equals(name) || HealthCheck.READINESS.equals(name))) {
                return false;
            }
            return members.test(path);
        }

        @Override
        public boolean showComponents(SecurityContext securityContext) {
            return settings.showComponents(securityContext);
        }

        @Override
        public boolean showDetails(SecurityContext securityContext) {
            return settings.showDetails(securityContext);
        }

        @Override
        public StatusAggregator getStatusAggregator() {
            return settings.getStatusAggregator();
        }

        @Override
        public HttpCodeStatusMapper getHttpCodeStatusMapper() {
            return settings.getHttpCodeStatusMapper();
        }

        @Override
        public @Nullable AdditionalHealthEndpointPath getAdditionalPath() {
            return additionalPath;
        }
    }
}
