package dev.infrakit.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProblemTest {

    @Test
    void extensionMembersFollowTheStandardOnesInTheOrderAdded() {
        Problem base = Problem.of(429, "Too Many Requests", "slow down");
        Problem extended = base.with("retryAfter", 9L).with("violated-policies", List.of("user-900s"));
        assertEquals("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"slow down\","
                + "\"retryAfter\":9,\"violated-policies\":[\"user-900s\"]}", extended.toJson());
        assertEquals("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"slow down\"}",
                base.toJson(), "with returns a copy");
    }

    @Test
    void hostileTitlesDetailsAndMembersStayValidJson() throws Exception {
        String hostile = "\"}\\\u0000\u2028\ud800</script>";
        String read = "\"}\\\u0000\u2028\ufffd</script>"; // the lone surrogate is the replacement character
        JsonNode parsed = new ObjectMapper().readTree(Problem.of(400, hostile, hostile).with(hostile, hostile).toJson());
        assertEquals(read, parsed.get("title").textValue());
        assertEquals(read, parsed.get("detail").textValue());
        assertEquals(read, parsed.get(read).textValue());
    }

    @Test
    void refusesStandardNamesAndAMemberGivenTwice() {
        Problem problem = Problem.of(400, "Bad Request", "no");
        for (String standard : List.of("type", "title", "status", "detail", "instance", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> problem.with(standard, 1));
            assertTrue(e.getMessage().contains("\"" + standard + "\""), e.getMessage());
        }
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> problem.with("retryAfter", 1).with("retryAfter", 2));
        assertEquals("extension member retryAfter was already set", twice.getMessage());
        assertThrows(NullPointerException.class, () -> problem.with("x", null));
    }

    @Test
    void problemsEscapeTheirTextAndAreErrorsOnly() {
        assertEquals("{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"a \\\"quote\\\" "
                + "and a\\nnew line\"}", Problem.of(400, "Bad Request", "a \"quote\" and a\nnew line").toJson());
        assertThrows(IllegalArgumentException.class, () -> Problem.of(200, "OK", "not a problem"));
    }
}
