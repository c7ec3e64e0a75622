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
    void forLogReplacesEveryControlCharacterSoNoLineCanBeForged() {
        assertEquals("GET /a?b?c?d?e?f", ClientText.forLog("GET /a\nb\rc\u0000d\u0085e\u2028f", 100));
        assertEquals("null", ClientText.forLog(null, 100));
        assertEquals(100, ClientText.forLog("p".repeat(10_000), 100).length());
    }
}
