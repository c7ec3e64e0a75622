package dev.infrakit.credentials;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fields read one at a time and all at once agree; opaque values have none; a cleared value refuses. */
class SecretValueTest {
    @Test
    void fieldValuesHoldsEveryFieldSortedFromOneParseAndAgreesWithField() {
        SecretValue v = SecretValue.ofFields(Map.of("url", "jdbc:postgresql://db/app", "username", "app",
                "password", "p\u00e4ss \"quoted\" \u0000nul"));
        Map<String, String> all = v.fieldValues();
        assertEquals(List.of("password", "url", "username"), List.copyOf(all.keySet()), "sorted by name");
        for (String name : v.fieldNames()) {
            assertEquals(v.field(name).orElseThrow(), all.get(name), name);
        }
        assertThrows(UnsupportedOperationException.class, () -> all.put("x", "y"));
        assertTrue(SecretValue.ofBytes("opaque".getBytes(StandardCharsets.UTF_8)).fieldValues().isEmpty());
        v.clear();
        assertThrows(IllegalStateException.class, v::fieldValues);
    }
}
