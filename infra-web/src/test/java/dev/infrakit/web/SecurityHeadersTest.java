package dev.infrakit.web;

import dev.infrakit.web.jdk.SecurityHeadersFilter;
import dev.infrakit.web.servlet.SecurityHeadersServletFilter;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecurityHeadersTest {

    @Test
    void bothAdaptersSendTheseDefaults() {
        assertEquals(SecurityHeaders.defaults().headers(), SecurityHeadersFilter.defaults().headers());
        assertEquals(SecurityHeaders.defaults(), SecurityHeadersServletFilter.defaults().headers());
        assertEquals("DENY", SecurityHeaders.defaults().headers().get("X-Frame-Options"));
    }

    @Test
    void applyToHandsEveryHeaderToTheSetter() {
        Map<String, String> set = new LinkedHashMap<>();
        SecurityHeaders.defaults().applyTo(set::put);
        assertEquals(SecurityHeaders.defaults().headers(), set);
    }

    @Test
    void aHeaderCanBeReplacedAddedOrLeftOutMatchingNamesCaseInsensitively() {
        SecurityHeaders headers = SecurityHeaders.builder()
                .header("content-security-policy", "default-src 'none'")
                .header("Permissions-Policy", "camera=()")
                .without("strict-transport-security")
                .build();
        assertEquals("default-src 'none'", headers.headers().get("Content-Security-Policy"));
        assertEquals("camera=()", headers.headers().get("Permissions-Policy"));
        assertFalse(headers.headers().containsKey("Strict-Transport-Security"));
        assertFalse(headers.headers().containsKey("content-security-policy"));
    }

    @Test
    void aValueThatCouldSplitTheResponseIsRefusedWithoutEchoingItRaw() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SecurityHeaders.builder().header("X-Frame-Options", "DENY\r\nSet-Cookie: a=b"));
        assertTrue(e.getMessage().contains("X-Frame-Options"), e.getMessage());
        assertFalse(e.getMessage().contains("\r") || e.getMessage().contains("\n"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SecurityHeaders.builder().header("X-A", "a\u0000b"));
        assertThrows(IllegalArgumentException.class, () -> SecurityHeaders.builder().header("X-A", " "));
    }

    @Test
    void aNameThatIsNotATokenIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SecurityHeaders.builder().header("X-A: b\r\nX-B", "c"));
        assertTrue(e.getMessage().contains("HTTP token"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SecurityHeaders.builder().header("", "c"));
    }

    @Test
    void aHeaderGivenTwiceIsRefused() {
        SecurityHeaders.Builder builder = SecurityHeaders.builder().header("X-Frame-Options", "SAMEORIGIN");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> builder.header("x-frame-options", "DENY"));
        assertEquals("header X-Frame-Options was already set", e.getMessage());
        assertThrows(IllegalStateException.class, () -> builder.without("X-Frame-Options"));
    }

    @Test
    void leavingOutAHeaderThatIsNotThereNamesTheHeadersThatAre() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SecurityHeaders.builder().without("X-Powered-By"));
        assertTrue(e.getMessage().contains("X-Powered-By") && e.getMessage().contains("Referrer-Policy"),
                e.getMessage());
    }

    @Test
    void theHeadersCannotBeChangedAfterBuilding() {
        assertThrows(UnsupportedOperationException.class,
                () -> SecurityHeaders.defaults().headers().put("X-A", "b"));
    }
}
