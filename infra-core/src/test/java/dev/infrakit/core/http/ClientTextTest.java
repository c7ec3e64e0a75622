package dev.infrakit.core.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientTextTest {
    @Test
    void aShortValueIsKeptALongOneIsCutToTheLimitWithTheMarker() {
        String agent = "curl/8.0";
        assertSame(agent, ClientText.truncate(agent, 512));
        assertNull(ClientText.truncate(null, 512));
        String cut = ClientText.truncate("x".repeat(100_000), 512);
        assertEquals(512, cut.length());
        assertTrue(cut.endsWith(ClientText.TRUNCATED), cut);
        assertEquals("x".repeat(512 - ClientText.TRUNCATED.length()), cut.substring(0, 512 - ClientText.TRUNCATED.length()));
    }

    @Test
    void aSurrogatePairIsNeverSplit() {
        int keep = 40 - ClientText.TRUNCATED.length();
        String value = "a".repeat(keep - 1) + "\uD83D\uDE00" + "b".repeat(50);
        String cut = ClientText.truncate(value, 40);
        assertFalse(Character.isHighSurrogate(cut.charAt(cut.length() - ClientText.TRUNCATED.length() - 1)), cut);
        assertTrue(cut.length() <= 40);
    }

    @Test
    void aLimitWithoutRoomForTheMarkerIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ClientText.truncate("value", ClientText.TRUNCATED.length()));
    }

    @Test
    void forLogEscapesEveryControlCharacterSoNoLineCanBeForged() {
        assertEquals("GET /a\\nb\\rc\\u0000d\\u0085e\\u2028f\\u2029g\\u001b[31mh\\u009bi\\u007fj\\tk",
                ClientText.forLog("GET /a\nb\rc\u0000d\u0085e\u2028f\u2029g\u001b[31mh\u009bi\u007fj\tk", 200));
        for (char c = 0; c < 0xffff; c++) {
            String out = ClientText.forLog("a" + c + "b", 100);
            for (int i = 0; i < out.length(); i++) {
                assertFalse(ClientText.isControl(out.charAt(i)), out);
            }
        }
        assertEquals("null", ClientText.forLog(null, 100));
        assertEquals(100, ClientText.forLog("p".repeat(10_000), 100).length());
    }

    @Test
    void aBackslashIsDoubledSoAnEscapeInTheOutputCannotHaveBeenTyped() {
        assertEquals("typed \\\\r, not a CR: \\r", ClientText.forLog("typed \\r, not a CR: \r", 100));
        assertEquals("C:\\\\data", ClientText.forLog("C:\\data", 100));
    }

    @Test
    void anEscapedValueStaysWithinTheLimitAndIsNeverCutInsideAnEscape() {
        String cut = ClientText.forLog("\u001b".repeat(1_000), 40);
        assertTrue(cut.length() <= 40, cut);
        assertTrue(cut.endsWith(ClientText.TRUNCATED), cut);
        String kept = cut.substring(0, cut.length() - ClientText.TRUNCATED.length());
        assertEquals("\\u001b".repeat(kept.length() / 6), kept);
        String exact = "\r".repeat(20);
        assertEquals("\\r".repeat(20), ClientText.forLog(exact, 40));
        assertTrue(ClientText.forLog(exact, 39).endsWith(ClientText.TRUNCATED));
    }
}
