package dev.infrakit.core.http;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryParametersTest {
    private static String refused(String rawQuery) {
        return assertThrows(IllegalArgumentException.class, () -> QueryParameters.parse(rawQuery, 256)).getMessage();
    }

    @Test
    void wellFormedParametersAreDecoded() {
        QueryParameters q = QueryParameters.parse("actor=al%C3%A9+x&type=login.failed&flag&&limit=5", 256);
        assertEquals(Map.of("actor", "alé x", "type", "login.failed", "flag", "", "limit", "5"), q.asMap());
        assertTrue(q.has("flag"));
        assertFalse(q.get("since").isPresent());
        assertTrue(QueryParameters.parse(null, 256).asMap().isEmpty());
    }

    @Test
    void hostileValuesAreRefusedNamingTheParameterWithoutQuotingTheValue() {
        assertEquals("query parameter 'actor' holds a control character (at 0)", refused("actor=%00"));
        assertTrue(refused("type=a%0Ab").startsWith("query parameter 'type' holds a control character"));
        assertTrue(refused("actor=%C2%85").contains("'actor' holds a control character"), "C1 NEL");
        assertEquals("query parameter 'actor' is not valid UTF-8", refused("actor=%C3%28"));
        assertEquals("query parameter 'actor' is not valid UTF-8", refused("actor=%ED%A0%80"), "an encoded surrogate");
        assertTrue(refused("actor=%zz").startsWith("query parameter 'actor' is not valid percent-encoding"));
        assertTrue(refused("actor=%4").startsWith("query parameter 'actor' is not valid percent-encoding"));
        assertEquals("query parameter 'actor' is longer than 256 characters", refused("actor=" + "a".repeat(257)));
        assertEquals("query parameter 'actor' is longer than 256 characters", refused("actor=" + "a".repeat(100_000)));
        assertEquals("query parameter 'actor' is given more than once", refused("actor=a&actor=b"));
        assertTrue(refused("a%00b=1").startsWith("query parameter 1 has a name that holds a control character"));
        String secret = "s3cr3t-value";
        assertFalse(refused("actor=" + secret + "%00").contains(secret));
    }
}
