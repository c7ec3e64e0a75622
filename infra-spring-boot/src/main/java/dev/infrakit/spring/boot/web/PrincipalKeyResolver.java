package dev.infrakit.spring.boot.web;

import dev.infrakit.ratelimit.RateLimitKey;
import dev.infrakit.web.servlet.RateLimitServletFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.util.ClassUtils;

/**
 * The second rate-limit stage's key: the authenticated principal's name, in the tier of its first
 * role found in the role-to-tier map (else the default tier). The principal is Spring Security's
 * authenticated {@link Authentication} of the request (from {@link SecurityContextHolder}, an
 * anonymous one does not count) when Spring Security is present, else the container's
 * {@link HttpServletRequest#getUserPrincipal()}; with neither the request passes this stage
 * unlimited (the per-address stage has limited it). A role {@code admin} matches the authority
 * {@code ROLE_admin} (or the container's {@code isUserInRole("admin")}). Thread-safe.
 */
public final class PrincipalKeyResolver implements RateLimitServletFilter.KeyResolver {
    private static final boolean SPRING_SECURITY = ClassUtils.isPresent(
            "org.springframework.security.core.context.SecurityContextHolder", PrincipalKeyResolver.class.getClassLoader());

    private final Map<String, String> roleTiers;
    private final String defaultTier;

    private PrincipalKeyResolver(Map<String, String> roleTiers, String defaultTier) {
        this.roleTiers = roleTiers;
        this.defaultTier = defaultTier;
    }

    /**
     * A resolver with {@code roleTiers} (role to tier, first match wins) and {@code defaultTier}.
     *
     * @throws NullPointerException if an argument, a role or a tier is null
     * @throws IllegalArgumentException if a role or tier is blank
     */
    public static PrincipalKeyResolver of(Map<String, String> roleTiers, String defaultTier) {
        Map<String, String> copy = new LinkedHashMap<>();
        Objects.requireNonNull(roleTiers, "roleTiers").forEach((role, tier) -> copy.put(
                requireText(role, "a role of infrakit.web.principal-rate-limit.role-tiers"),
                requireText(tier, "the tier of role " + role)));
        return new PrincipalKeyResolver(copy, requireText(defaultTier, "infrakit.web.principal-rate-limit.default-tier"));
    }

    private static String requireText(String value, String what) {
        if (Objects.requireNonNull(value, what).isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }

    /** The tiers this resolver can answer: every role's tier and the default tier. */
    public java.util.Set<String> tiers() {
        java.util.Set<String> tiers = new java.util.TreeSet<>(roleTiers.values());
        tiers.add(defaultTier);
        return tiers;
    }

    @Override
    public RateLimitKey resolve(HttpServletRequest request) {
        if (SPRING_SECURITY) {
            Authentication authentication = SpringSecurity.authentication();
            if (authentication != null) {
                return key(authentication.getName(), SpringSecurity.roles(authentication));
            }
        }
        Principal principal = request.getUserPrincipal();
        return principal == null ? null : key(principal.getName(), request::isUserInRole);
    }

    private RateLimitKey key(String name, Predicate<String> hasRole) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        for (Map.Entry<String, String> roleTier : roleTiers.entrySet()) {
            if (hasRole.test(roleTier.getKey())) {
                return new RateLimitKey(roleTier.getValue(), name);
            }
        }
        return new RateLimitKey(defaultTier, name);
    }

    @Override
    public String toString() {
        return "PrincipalKeyResolver[roleTiers=" + roleTiers + ", defaultTier=" + defaultTier + "]";
    }

    /** Spring Security's classes, loaded only when it is on the class path. */
    private static final class SpringSecurity {
        private SpringSecurity() {
        }

        static Authentication authentication() {
            Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
            return authentication == null || !authentication.isAuthenticated()
                    || authentication instanceof AnonymousAuthenticationToken ? null : authentication;
        }

        static Predicate<String> roles(Authentication authentication) {
            return role -> {
                String authority = role.startsWith("ROLE_") ? role : "ROLE_" + role;
                for (GrantedAuthority granted : authentication.getAuthorities()) {
                    if (authority.equals(granted.getAuthority())) {
                        return true;
                    }
                }
                return false;
            };
        }
    }
}
