package dev.infrakit.test.contract;

import dev.infrakit.core.health.HealthCheck;
import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthReport;
import dev.infrakit.core.health.HealthResult;
import dev.infrakit.core.health.HealthStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract test kit for {@link HealthCheck} implementations, in infra-test:
 * <ul>
 *   <li><b>shape</b>: a valid name (as {@link HealthRegistry} accepts it), the same on every call;
 *   groups and timeout never null, a timeout positive when given, groups unmodifiable;</li>
 *   <li><b>truth</b>: UP for what works, not UP for what does not, never a null result;</li>
 *   <li><b>registry</b>: registered in a {@link HealthRegistry}, it appears in the report under its
 *   name with its own status;</li>
 *   <li><b>close</b>: may be called twice.</li>
 * </ul>
 * Extend it: {@link #createHealthyCheck()} returns a check of something that works,
 * {@link #createUnhealthyCheck()} one of something that does not (a threshold that cannot be met,
 * an address nothing listens on).
 */
public abstract class HealthCheckContract {
    private final List<AutoCloseable> created = new ArrayList<>();

    /** For subclasses. */
    protected HealthCheckContract() {
    }

    /** A check of something that works: its result must be UP. */
    protected abstract HealthCheck createHealthyCheck() throws Exception;

    /** A check of something that does not work: its result must not be UP. */
    protected abstract HealthCheck createUnhealthyCheck() throws Exception;

    private HealthCheck healthy() throws Exception {
        HealthCheck check = createHealthyCheck();
        created.add(check);
        return check;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : created) {
            c.close();
        }
    }

    @Test
    void hasAValidStableShape() throws Exception {
        HealthCheck check = healthy();
        assertNotNull(check.name(), "name()");
        assertTrue(!check.name().isBlank() && check.name().length() <= 200
                && check.name().chars().noneMatch(Character::isISOControl), "invalid check name '" + check.name() + "'");
        assertEquals(check.name(), check.name());
        assertNotNull(check.groups(), "groups()");
        assertThrows(UnsupportedOperationException.class, () -> check.groups().add("x"), "groups() is unmodifiable");
        assertNotNull(check.timeout(), "timeout()");
        check.timeout().ifPresent(t -> assertTrue(t.compareTo(Duration.ZERO) > 0, "timeout must be positive: " + t));
    }

    @Test
    void aWorkingDependencyIsUp() throws Exception {
        HealthResult result = healthy().check();
        assertNotNull(result, "check() never returns null");
        assertEquals(HealthStatus.UP, result.status(), result.toString());
    }

    @Test
    void aBrokenDependencyIsNotUp() throws Exception {
        HealthCheck check = createUnhealthyCheck();
        created.add(check);
        HealthResult result;
        try {
            result = check.check();
        } catch (Exception e) {
            return; // the registry reports a check that throws as DOWN
        }
        assertNotNull(result, "check() never returns null");
        assertNotEquals(HealthStatus.UP, result.status(), result.toString());
    }

    @Test
    void theRegistryReportsItUnderItsName() throws Exception {
        HealthCheck check = healthy();
        HealthCheck broken = createUnhealthyCheck();
        created.add(broken);
        try (HealthRegistry registry = HealthRegistry.builder().defaultTimeout(Duration.ofSeconds(30)).build()) {
            registry.register(check);
            HealthReport report = registry.check();
            assertEquals(HealthStatus.UP, report.checks().get(check.name()).status(), report.toString());
        }
        try (HealthRegistry registry = HealthRegistry.builder().defaultTimeout(Duration.ofSeconds(30)).build()) {
            registry.register(broken);
            HealthReport report = registry.check();
            assertNotEquals(HealthStatus.UP, report.checks().get(broken.name()).status(), report.toString());
        }
    }

    @Test
    void closeMayBeCalledTwice() throws Exception {
        HealthCheck check = createHealthyCheck();
        check.close();
        check.close();
    }
}
