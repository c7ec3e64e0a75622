package dev.infrakit.web.servlet;

import dev.infrakit.web.SecurityHeaders;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the filters' answers must look like in any container, asserted on a {@link RawHttp.Response}.
 * Shared with infra-web-tomcat-tests through infra-web's test-jar.
 */
public final class FilterAssertions {
    private FilterAssertions() {
    }

    /** Every default security header is there exactly once, with its value. */
    public static void assertSecurityHeaders(RawHttp.Response response) {
        for (Map.Entry<String, String> h : SecurityHeaders.defaults().headers().entrySet()) {
            assertEquals(List.of(h.getValue()), response.headers(h.getKey()), h.getKey() + " in\n" + response.raw());
        }
    }

    /**
     * The answer is an RFC 9457 problem of {@code status} whose body contains {@code detailPart},
     * not to be cached, with the security headers.
     */
    public static void assertProblem(RawHttp.Response response, int status, String detailPart) {
        assertEquals(status, response.status(), response.raw());
        assertEquals("application/problem+json", response.header("Content-Type"), response.raw());
        assertEquals("no-store", response.header("Cache-Control"), response.raw());
        assertTrue(response.body().startsWith("{\"type\":\"about:blank\"") && response.body().contains(
                "\"status\":" + status) && response.body().contains(detailPart), response.body());
        assertSecurityHeaders(response);
    }
}
