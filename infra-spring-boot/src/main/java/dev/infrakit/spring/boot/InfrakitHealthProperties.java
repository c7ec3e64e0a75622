package dev.infrakit.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code infrakit.health.*}: the registry of Infrakit's health checks. Values are text in
 * Infrakit's own formats ({@code 2s}, {@code 500ms}); they are checked by
 * {@code HealthRegistry.Builder.config}, whose errors name the key.
 */
@ConfigurationProperties(prefix = "infrakit.health")
public class InfrakitHealthProperties {

    /** Whether to create the registry even when no Infrakit capability contributes a check. */
    private boolean enabled;

    /** Time each check may take before it counts as DOWN, e.g. 2s. */
    private String timeout;

    /** How long a result is reused before the check runs again, e.g. 5s. */
    private String cacheTtl;

    /** Evaluate checks in the background at this period instead of on request, e.g. 10s. */
    private String backgroundPeriod;

    /** With background evaluation: the age after which a result is stale (DOWN), e.g. 30s. */
    private String maxAge;

    /** Threads that run checks at once. */
    private Integer maxThreads;

    /** The service's name in health reports and notifications. */
    private String serviceId;

    /** Built-in checks to register by provider name, comma-separated: disk-space, heap, system-memory. */
    private String checks;

    /** Created by Spring. */
    public InfrakitHealthProperties() {
    }

    /** @return whether the registry is created without capability checks */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether the registry is created without capability checks */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @return the check timeout */
    public String getTimeout() {
        return timeout;
    }

    /** @param timeout the check timeout */
    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    /** @return the result cache time */
    public String getCacheTtl() {
        return cacheTtl;
    }

    /** @param cacheTtl the result cache time */
    public void setCacheTtl(String cacheTtl) {
        this.cacheTtl = cacheTtl;
    }

    /** @return the background evaluation period */
    public String getBackgroundPeriod() {
        return backgroundPeriod;
    }

    /** @param backgroundPeriod the background evaluation period */
    public void setBackgroundPeriod(String backgroundPeriod) {
        this.backgroundPeriod = backgroundPeriod;
    }

    /** @return the age after which a background result is stale */
    public String getMaxAge() {
        return maxAge;
    }

    /** @param maxAge the age after which a background result is stale */
    public void setMaxAge(String maxAge) {
        this.maxAge = maxAge;
    }

    /** @return the number of threads running checks */
    public Integer getMaxThreads() {
        return maxThreads;
    }

    /** @param maxThreads the number of threads running checks */
    public void setMaxThreads(Integer maxThreads) {
        this.maxThreads = maxThreads;
    }

    /** @return the service name */
    public String getServiceId() {
        return serviceId;
    }

    /** @param serviceId the service name */
    public void setServiceId(String serviceId) {
        this.serviceId = serviceId;
    }

    /** @return the built-in checks to register */
    public String getChecks() {
        return checks;
    }

    /** @param checks the built-in checks to register */
    public void setChecks(String checks) {
        this.checks = checks;
    }
}
