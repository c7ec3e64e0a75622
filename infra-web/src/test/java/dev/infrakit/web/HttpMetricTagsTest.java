package dev.infrakit.web;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpMetricTagsTest {

    @Test
    void aKnownMethodIsItsOwnTagAndAnyOtherIsOther() {
        for (String method : HttpMetricTags.METHODS) {
            assertEquals(method, HttpMetricTags.method(method));
        }
        for (String method : new String[] {"get", "Get", "PROPFIND", "FOO", "", "GET ", "G\u0000ET", "GET\r\nX"}) {
            assertEquals("OTHER", HttpMetricTags.method(method), method);
        }
        assertEquals("OTHER", HttpMetricTags.method(null));
        assertEquals(9, HttpMetricTags.METHODS.size());
    }

    @Test
    void anyStringGivesOneOfTenMethodValues() {
        SplittableRandom random = new SplittableRandom(7);
        Set<String> values = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            char[] method = new char[1 + random.nextInt(8)];
            for (int c = 0; c < method.length; c++) {
                method[c] = (char) ('A' + random.nextInt(26));
            }
            values.add(HttpMetricTags.method(new String(method)));
        }
        values.add(HttpMetricTags.method("GET"));
        assertTrue(values.size() <= 10 && values.contains("OTHER") && values.contains("GET"), values.toString());
    }

    @Test
    void aStatusOutsideWhatAResponseCanCarryIsOther() {
        assertEquals("200", HttpMetricTags.status(200));
        assertEquals("100", HttpMetricTags.status(100));
        assertEquals("599", HttpMetricTags.status(599));
        for (int status : new int[] {-1, 0, 99, 600, 999, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertEquals("OTHER", HttpMetricTags.status(status), Integer.toString(status));
        }
    }

    @Test
    void theOutcomeIsTheStatusClass() {
        assertEquals("INFORMATIONAL", HttpMetricTags.outcome(101));
        assertEquals("SUCCESS", HttpMetricTags.outcome(204));
        assertEquals("REDIRECTION", HttpMetricTags.outcome(302));
        assertEquals("CLIENT_ERROR", HttpMetricTags.outcome(429));
        assertEquals("SERVER_ERROR", HttpMetricTags.outcome(503));
        assertEquals("SERVER_ERROR", HttpMetricTags.outcome(599));
        for (int status : new int[] {-1, 0, 99, 600, Integer.MIN_VALUE}) {
            assertEquals("UNKNOWN", HttpMetricTags.outcome(status), Integer.toString(status));
        }
    }
}
