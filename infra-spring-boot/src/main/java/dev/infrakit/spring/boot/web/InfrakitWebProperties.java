package dev.infrakit.spring.boot.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code infrakit.web.*}: which of infra-web's servlet filters are registered, and how. Each filter
 * is on by default once what it needs is present (a {@code RateLimiter} bean for the two
 * rate-limit stages). Mutable, bound by Spring; not thread-safe while bound.
 */
@ConfigurationProperties("infrakit.web")
public class InfrakitWebProperties {
    /** Proxies in front of the application whose X-Forwarded-For entry is trusted (0: the socket's peer). */
    private int trustedProxies;
    private final SecurityHeaders securityHeaders = new SecurityHeaders();
    private final BodyLimit bodyLimit = new BodyLimit();
    private final AddressRateLimit addressRateLimit = new AddressRateLimit();
    private final PrincipalRateLimit principalRateLimit = new PrincipalRateLimit();
    private final Security security = new Security();

    /** Created by Spring. */
    public InfrakitWebProperties() {
    }

    /** @return the number of trusted proxies */
    public int getTrustedProxies() {
        return trustedProxies;
    }

    /** @param trustedProxies the number of trusted proxies (0 to 16) */
    public void setTrustedProxies(int trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    /** @return the security headers filter's settings */
    public SecurityHeaders getSecurityHeaders() {
        return securityHeaders;
    }

    /** @return the body limit filter's settings */
    public BodyLimit getBodyLimit() {
        return bodyLimit;
    }

    /** @return the per-address rate-limit stage's settings */
    public AddressRateLimit getAddressRateLimit() {
        return addressRateLimit;
    }

    /** @return the per-principal rate-limit stage's settings */
    public PrincipalRateLimit getPrincipalRateLimit() {
        return principalRateLimit;
    }

    /** @return the Spring Security settings */
    public Security getSecurity() {
        return security;
    }

    /** {@code infrakit.web.security-headers.*}: infra-web's security headers on every response. */
    public static class SecurityHeaders {
        /** Whether the security headers filter is registered. */
        private boolean enabled = true;

        /** Created by Spring. */
        public SecurityHeaders() {
        }

        /** @return whether the filter is registered */
        public boolean isEnabled() {
            return enabled;
        }

        /** @param enabled whether the filter is registered */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** {@code infrakit.web.body-limit.*}: request bodies capped without reading them into memory. */
    public static class BodyLimit {
        /** Whether the body limit filter is registered. */
        private boolean enabled = true;
        /** The largest request body accepted; a larger one is answered 413. */
        private DataSize maxSize = DataSize.ofMegabytes(1);

        /** Created by Spring. */
        public BodyLimit() {
        }

        /** @return whether the filter is registered */
        public boolean isEnabled() {
            return enabled;
        }

        /** @param enabled whether the filter is registered */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** @return the largest body accepted */
        public DataSize getMaxSize() {
            return maxSize;
        }

        /** @param maxSize the largest body accepted (positive) */
        public void setMaxSize(DataSize maxSize) {
            this.maxSize = maxSize;
        }
    }

    /** Settings shared by the two rate-limit stages. */
    public abstract static class RateLimitStage {
        /** Whether the stage is registered (when a RateLimiter bean exists). */
        private boolean enabled = true;
        /** The URL patterns the stage is mapped to. */
        private List<String> urlPatterns = new ArrayList<>(List.of("/*"));
        /** Paths (within the application) the stage never limits, e.g. /actuator/health. */
        private List<String> exemptPaths = new ArrayList<>();

        /** Created by Spring. */
        protected RateLimitStage() {
        }

        /** @return whether the stage is registered */
        public boolean isEnabled() {
            return enabled;
        }

        /** @param enabled whether the stage is registered */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** @return the URL patterns the stage is mapped to */
        public List<String> getUrlPatterns() {
            return urlPatterns;
        }

        /** @param urlPatterns the URL patterns the stage is mapped to */
        public void setUrlPatterns(List<String> urlPatterns) {
            this.urlPatterns = urlPatterns;
        }

        /** @return the paths never limited */
        public List<String> getExemptPaths() {
            return exemptPaths;
        }

        /** @param exemptPaths the paths never limited */
        public void setExemptPaths(List<String> exemptPaths) {
            this.exemptPaths = exemptPaths;
        }
    }

    /**
     * {@code infrakit.web.address-rate-limit.*}: the cheap first stage, before Spring Security,
     * limiting each client address (IPv4 address, IPv6 /64).
     */
    public static class AddressRateLimit extends RateLimitStage {
        /** The limiter's tier every address is counted in; unset: the limiter's default tier. */
        private String tier;

        /** Created by Spring. */
        public AddressRateLimit() {
        }

        /** @return the tier, or null for the limiter's default tier */
        public String getTier() {
            return tier;
        }

        /** @param tier the tier */
        public void setTier(String tier) {
            this.tier = tier;
        }
    }

    /**
     * {@code infrakit.web.principal-rate-limit.*}: the second stage, after Spring Security,
     * limiting each authenticated principal in the tier of its role; anonymous requests pass (the
     * first stage limits them).
     */
    public static class PrincipalRateLimit extends RateLimitStage {
        /** Role to tier, first match wins (a role is matched as Spring's ROLE_ authority). */
        private Map<String, String> roleTiers = new LinkedHashMap<>(Map.of("admin", "admin"));
        /** The tier of a principal with none of the roles of role-tiers. */
        private String defaultTier = "user";

        /** Created by Spring. */
        public PrincipalRateLimit() {
        }

        /** @return role to tier, in order */
        public Map<String, String> getRoleTiers() {
            return roleTiers;
        }

        /** @param roleTiers role to tier, in order */
        public void setRoleTiers(Map<String, String> roleTiers) {
            this.roleTiers = roleTiers;
        }

        /** @return the tier of a principal with none of the roles */
        public String getDefaultTier() {
            return defaultTier;
        }

        /** @param defaultTier the tier of a principal with none of the roles */
        public void setDefaultTier(String defaultTier) {
            this.defaultTier = defaultTier;
        }
    }

    /** {@code infrakit.web.security.*}: Spring Security over Infrakit's tokens and API keys. */
    public static class Security {
        /** Whether the JwtDecoder over Infrakit's TokenVerifier is created. */
        private boolean jwt = true;
        /** Whether the API-key filter and provider over Infrakit's ApiKeys are created. */
        private boolean apiKeys = true;
        /** The claim holding a token's roles, mapped to ROLE_ authorities (TokenVerifier's default). */
        private String rolesClaim = "roles";
        /**
         * Permits a refused token or API key takes from the client's per-address budget (0: none),
         * so a client that keeps failing is refused 429 before any further check.
         */
        private long failureCost = 10;
        /** Paths the default security filter chain lets through without credentials. */
        private List<String> publicPaths = new ArrayList<>(List.of("/actuator/health", "/actuator/health/**"));

        /** Created by Spring. */
        public Security() {
        }

        /** @return whether the JwtDecoder is created */
        public boolean isJwt() {
            return jwt;
        }

        /** @param jwt whether the JwtDecoder is created */
        public void setJwt(boolean jwt) {
            this.jwt = jwt;
        }

        /** @return whether the API-key filter and provider are created */
        public boolean isApiKeys() {
            return apiKeys;
        }

        /** @param apiKeys whether the API-key filter and provider are created */
        public void setApiKeys(boolean apiKeys) {
            this.apiKeys = apiKeys;
        }

        /** @return the permits a refused credential costs */
        public long getFailureCost() {
            return failureCost;
        }

        /** @param failureCost the permits a refused credential costs (0: none) */
        public void setFailureCost(long failureCost) {
            this.failureCost = failureCost;
        }

        /** @return the roles claim */
        public String getRolesClaim() {
            return rolesClaim;
        }

        /** @param rolesClaim the roles claim */
        public void setRolesClaim(String rolesClaim) {
            this.rolesClaim = rolesClaim;
        }

        /** @return the public paths */
        public List<String> getPublicPaths() {
            return publicPaths;
        }

        /** @param publicPaths the public paths */
        public void setPublicPaths(List<String> publicPaths) {
            this.publicPaths = publicPaths;
        }
    }
}
