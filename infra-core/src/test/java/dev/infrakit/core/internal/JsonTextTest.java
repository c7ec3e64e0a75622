package dev.infrakit.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTextTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    private static final List<String> HOSTILE = List.of(
            "plain", "", "\"quoted\"", "back\\slash", "\\\"", "\\u0041 is not A", "line\nbreak\r\n", "tab\tform\fbell\u0007",
            "nul\u0000in the middle", "\u0001\u001f\u007f\u0080\u009f", "line separator\u2028paragraph separator\u2029",
            "lone high \ud800 surrogate", "lone low \udc00 surrogate", "reversed pair \udc00\ud800", "ends high \ud83d",
            "a pair \ud83d\ude00 stays", "</script><script>alert(1)</script>", "emoji 😀 and CJK 中文", "{\"json\":[1,2]}");

    /** UTF-8 bytes, refusing what cannot be encoded (an unpaired surrogate) instead of writing '?'. */
    private static byte[] strictUtf8(String s) throws CharacterCodingException {
        ByteBuffer bytes = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).encode(java.nio.CharBuffer.wrap(s));
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return out;
    }

    /** {@code s} with each unpaired surrogate replaced by U+FFFD. */
    static String wellFormed(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\ufffd' : c);
            }
        }
        return out.toString();
    }

    @Test
    void everyHostileStringRoundTripsThroughAStrictParserAndEncodesAsValidUtf8() throws Exception {
        for (String s : HOSTILE) {
            String json = JsonText.write(Map.of("value", s));
            byte[] utf8 = strictUtf8(json);
            JsonNode parsed = JACKSON.readTree(utf8);
            assertEquals(wellFormed(s), parsed.get("value").textValue(), json);
            for (char c : json.toCharArray()) {
                assertTrue(c >= 0x20 && c != 0x2028 && c != 0x2029, () -> "raw control or separator in " + json);
            }
        }
    }

    @Test
    void escapesControlsSeparatorsAndLoneSurrogatesVisibly() {
        assertEquals("\"\\\"\\\\\\b\\t\\n\\f\\r\"", JsonText.quote("\"\\\b\t\n\f\r"));
        assertEquals("\"\\u0000\\u001f\"", JsonText.quote("\u0000\u001f"));
        assertEquals("\"\\u2028\\u2029\"", JsonText.quote("\u2028\u2029"));
        assertEquals("\"\\ufffdx\\ufffd\\ufffd\\ufffd\"", JsonText.quote("\ud800x\udc00\udc00\ud800"),
                "an unpaired surrogate is the replacement character");
        assertEquals("\"\ud83d\ude00\"", JsonText.quote("\ud83d\ude00"), "a valid pair is written as it is");
        assertEquals("\"\u007f\u00e9\"", JsonText.quote("\u007f\u00e9"), "DEL and non-ASCII need no escape in JSON");
    }

    @Test
    void writesValuesOfEveryKindAsValidJson() throws Exception {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("null", null);
        value.put("int", 42);
        value.put("long", Long.MIN_VALUE);
        value.put("double", 1.5);
        value.put("tiny", 1.0E-7);
        value.put("nan", Double.NaN);
        value.put("infinite", Float.NEGATIVE_INFINITY);
        value.put("decimal", new BigDecimal("1E+3"));
        value.put("atomic", new AtomicLong(7));
        value.put("bool", true);
        value.put("char", '"');
        value.put("list", List.of(1, "two"));
        value.put("array", new int[] {1, 2});
        value.put("optional", Optional.empty());
        value.put("enum", java.time.DayOfWeek.MONDAY);
        value.put("other", Duration.ofSeconds(90));
        value.put("nested", Map.of("k\n", List.of()));
        String json = JsonText.write(value);
        assertEquals("{\"null\":null,\"int\":42,\"long\":-9223372036854775808,\"double\":1.5,\"tiny\":1.0E-7,"
                + "\"nan\":\"NaN\",\"infinite\":\"-Infinity\",\"decimal\":1E+3,\"atomic\":7,\"bool\":true,\"char\":\"\\\"\","
                + "\"list\":[1,\"two\"],\"array\":[1,2],\"optional\":null,\"enum\":\"MONDAY\",\"other\":\"PT1M30S\","
                + "\"nested\":{\"k\\n\":[]}}", json);
        JsonNode parsed = JACKSON.readTree(json);
        assertEquals(17, parsed.size());
        assertEquals(1000, parsed.get("decimal").intValue());
    }
}
