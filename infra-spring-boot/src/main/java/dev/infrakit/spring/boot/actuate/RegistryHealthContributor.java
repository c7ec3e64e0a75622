package dev.infrakit.spring.boot.actuate;

import dev.infrakit.core.health.HealthRegistry;
import dev.infrakit.core.health.HealthReport;
import dev.infrakit.core.health.HealthResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The checks of a {@link HealthRegistry} (all of them, or one group's) as one Actuator composite
 * contributor with a child per check.
 *
 * <p>Actuator walks a composite's children once per request; this composite evaluates the
 * registry once when the walk starts ({@link #stream()}), so the checks run in parallel, each
 * under its own timeout, exactly as the registry runs them (a hung check is answered DOWN "timed
 * out" by its deadline and not started again while it hangs), and every child reads its result
 * from that one evaluation. Reading one child ({@code /actuator/health/infrakit/<check>}) evaluates
 * the selection too and answers that check's result.
 *
 * <p>Statuses: {@code UP} is {@link Status#UP}; {@code DOWN} of a critical check is
 * {@link Status#DOWN}; {@code DEGRADED}, and {@code DOWN} of a non-critical check (which Infrakit
 * counts as degrading, never as down), is {@link #DEGRADED}. Details are the check's own details
 * (Infrakit checks never put secrets there), its output, observed value, duration and whether it
 * is critical. Thread-safe.
 */
final class RegistryHealthContributor implements CompositeHealthContributor {
    /** The status of a degraded check: working, needs attention. Not in Boot's default order. */
    static final Status DEGRADED = new Status("DEGRADED");

    private final HealthRegistry registry;
    private final @Nullable String group;

    RegistryHealthContributor(HealthRegistry registry, @Nullable String group) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.group = group;
    }

    @Override
    public @Nullable HealthContributor getContributor(String name) {
        Map<String, HealthIndicator> children = evaluate();
        return children.get(name);
    }

    @Override
    public Stream<Entry> stream() {
        return evaluate().entrySet().stream().map(e -> new Entry(e.getKey(), e.getValue()));
    }

    private Map<String, HealthIndicator> evaluate() {
        HealthReport report = group == null ? registry.check() : registry.check(group);
        Map<String, HealthIndicator> children = new LinkedHashMap<>();
        report.checks().forEach((name, result) -> {
            Health health = toHealth(name, result, report.isCritical(name));
            String child = childName(name);
            for (int i = 2; children.containsKey(child); i++) { // "a/b" and "a_b": both shown
                child = childName(name) + "~" + i;
            }
            children.put(child, () -> health);
        });
        return children;
    }

    /**
     * The child's name: the check's name with each character Actuator's paths cannot carry
     * ({@code /} separates path segments) or that a URL would need to encode replaced by {@code _};
     * a name that two checks come to share is followed by {@code ~2}, {@code ~3}, … for the later ones
     * (checks are reported in name order).
     */
    static String childName(String checkName) {
        StringBuilder b = new StringBuilder(checkName.length());
        for (int i = 0; i < checkName.length(); i++) {
            char c = checkName.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == ':';
            b.append(plain ? c : '_');
        }
        return b.toString();
    }

    static Health toHealth(String name, HealthResult result, boolean critical) {
        Status status = switch (result.status()) {
            case UP -> Status.UP;
            case DEGRADED -> DEGRADED;
            case DOWN -> critical ? Status.DOWN : DEGRADED;
        };
        Health.Builder health = Health.status(status);
        health.withDetail("check", name);
        health.withDetail("status", result.status().name());
        health.withDetail("critical", critical);
        result.output().ifPresent(output -> health.withDetail("output", output));
        result.observedValue().ifPresent(value -> health.withDetail("observedValue", value));
        result.observedUnit().ifPresent(unit -> health.withDetail("observedUnit", unit));
        result.duration().ifPresent(duration -> health.withDetail("durationMs", duration.toMillis()));
        if (!result.details().isEmpty()) {
            health.withDetail("details", result.details());
        }
        return health.build();
    }

    @Override
    public String toString() {
        return "RegistryHealthContributor[" + (group == null ? "all checks" : "group " + group) + "]";
    }
}
