package dev.infrakit.spring.boot.actuate;

import dev.infrakit.core.health.HealthCheck;
import java.util.List;
import java.util.Set;
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
 * Every other membership, and every display and status setting, is the delegate's. It runs after
 * Boot's probe post-processor (see {@link InfrakitActuatorAutoConfiguration}), which has added the
 * {@code liveness} and {@code readiness} groups by then.
 */
final class InfrakitHealthEndpointGroups implements HealthEndpointGroups, AdditionalPathsMapper {
    private final HealthEndpointGroups delegate;

    InfrakitHealthEndpointGroups(HealthEndpointGroups delegate) {
        this.delegate = delegate;
    }

    @Override
    public HealthEndpointGroup getPrimary() {
        return new Group(delegate.getPrimary(), null);
    }

    @Override
    public Set<String> getNames() {
        return delegate.getNames();
    }

    @Override
    public @Nullable HealthEndpointGroup get(String name) {
        HealthEndpointGroup group = delegate.get(name);
        return group == null ? null : new Group(group, name);
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

    /** A group whose membership of Infrakit's three contributors follows the class comment. */
    private static final class Group implements HealthEndpointGroup {
        private final HealthEndpointGroup delegate;
        private final @Nullable String name;

        Group(HealthEndpointGroup delegate, @Nullable String name) {
            this.delegate = delegate;
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
            return delegate.isMember(path);
        }

        @Override
        public boolean showComponents(SecurityContext securityContext) {
            return delegate.showComponents(securityContext);
        }

        @Override
        public boolean showDetails(SecurityContext securityContext) {
            return delegate.showDetails(securityContext);
        }

        @Override
        public StatusAggregator getStatusAggregator() {
            return delegate.getStatusAggregator();
        }

        @Override
        public HttpCodeStatusMapper getHttpCodeStatusMapper() {
            return delegate.getHttpCodeStatusMapper();
        }

        @Override
        public @Nullable AdditionalHealthEndpointPath getAdditionalPath() {
            return delegate.getAdditionalPath();
        }
    }
}
