package dev.infrakit.web;

import dev.infrakit.core.http.Problem;
import dev.infrakit.ratelimit.RateLimitPolicy;
import dev.infrakit.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public pieces other adapters (infra-spring-boot's Spring Security filters) share with
 * {@link Authenticator}: {@link FailureCharge} and {@link Authenticator#unauthenticated(String)}.
 */
class FailureChargeTest {
    private final RateLimiter limiter = RateLimiter.builder().tier(RateLimitPolicy.parse("client", "25/1h")).build();

    @Test
    void aChargeTakesItsPermitsAndThenWhatIsLeftSoTheBucketEmpties() {
        FailureCharge charge = FailureCharge.of(limiter, "client", 10);
        charge.charge("192.0.2.1");
        charge.charge("192.0.2.1");
        assertFalse(limiter.tryAcquire("client", "192.0.2.1", 6), "20 of 25 taken");
        charge.charge("192.0.2.1"); // 10 asked, 5 left: all 5 taken
        assertFalse(limiter.tryAcquire("client", "192.0.2.1", 1));
        assertTrue(limiter.tryAcquire("client", "192.0.2.2", 1), "another address keeps its budget");
    }

    @Test
    void anUnknownBudgetKeyIsChargedAsUnknown() {
        FailureCharge charge = FailureCharge.of(limiter, "client", 25);
        charge.charge(null);
        assertFalse(limiter.tryAcquire("client", "unknown", 1));
    }

    @Test
    void badArgumentsAreRefusedNamingWhatIsWrong() {
        IllegalArgumentException tier = assertThrows(IllegalArgumentException.class,
                () -> FailureCharge.of(limiter, "nope", 1));
        assertTrue(tier.getMessage().contains("nope") && tier.getMessage().contains("client"), tier.getMessage());
        IllegalArgumentException permits = assertThrows(IllegalArgumentException.class,
                () -> FailureCharge.of(limiter, "client", 0));
        assertTrue(permits.getMessage().contains("permits"), permits.getMessage());
        assertThrows(NullPointerException.class, () -> FailureCharge.of(null, "client", 1));
        assertThrows(NullPointerException.class, () -> FailureCharge.of(limiter, null, 1));
        assertEquals("FailureCharge[clientx3]", FailureCharge.of(limiter, "client", 3).toString());
    }

    @Test
    void theUnauthenticatedAnswersAreTheAuthenticatorsOwn() {
        Authenticator.Outcome none = Authenticator.unauthenticated(null);
        Problem problem = none.problem().orElseThrow();
        assertEquals(401, problem.status());
        assertTrue(problem.toJson().contains("\"detail\":\"This resource needs authentication.\""), problem.toJson());
        assertEquals(Map.of("WWW-Authenticate", "Bearer"), none.headers());
        assertTrue(none.principal().isEmpty());
        Authenticator.Outcome refused = Authenticator.unauthenticated("invalid API key");
        assertTrue(refused.problem().orElseThrow().toJson().contains("The credentials were not accepted (invalid API key)."));
        assertEquals(Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\""), refused.headers());
        String huge = Authenticator.unauthenticated("x".repeat(10_000)).problem().orElseThrow().toJson();
        assertTrue(huge.length() < 400 && !huge.contains("x".repeat(101)), "a long phrase is cut: " + huge.length());
    }
}
