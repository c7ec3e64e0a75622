package dev.infrakit.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Event text is canonical from the moment the event is built: a lone surrogate, which UTF-8 cannot
 * encode (and which encoders replace differently), becomes U+FFFD in every field, so every sink
 * encodes, MACs and stores the same bytes. Everything else is kept as given.
 */
class TextCanonicalTest {

    @Test
    void loneSurrogatesBecomeTheReplacementCharacterInEveryField() throws Exception {
        for (String lone : List.of("\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800")) {
            String in = "a" + lone + "b";
            String replaced = "\uFFFD".repeat(lone.length());
            String out = "a" + replaced + "b";
            AuditEvent e = AuditEvent.builder(AuditEvent.Category.SECURITY, "login.failed")
                    .actor(Actor.user(in).from("ip" + lone, "agent " + in).inSession("s" + lone))
                    .action("act" + lone).resource(Resource.of("type" + lone, in)).reason(in)
                    .detail("key" + lone, in).detail("list", List.of(in, Map.of("k" + lone, in)))
                    .request("header" + lone, in)
                    .build();
            assertEquals(out, e.actor().id());
            assertEquals("ip" + replaced, e.actor().ip());
            assertEquals("agent " + out, e.actor().userAgent());
            assertEquals("s" + replaced, e.actor().sessionHash());
            assertEquals("act" + replaced, e.action());
            assertEquals("type" + replaced, e.resource().orElseThrow().type());
            assertEquals(out, e.resource().orElseThrow().id());
            assertEquals(out, e.reason().orElseThrow());
            assertEquals(out, e.details().get("key" + replaced));
            assertEquals(List.of(out, Map.of("k" + replaced, out)), e.details().get("list"));
            assertEquals(out, e.request().get("header" + replaced));
            String json = AuditJson.defaults().toJson(e);
            assertEquals(json, new String(json.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                    "the JSON survives UTF-8 unchanged, so what is MACed is what is stored");
            JsonNode node = new ObjectMapper().readTree(json);
            assertEquals(out, node.path("actor").path("id").asText());
        }
    }

    @Test
    void validPairsAndOtherCharactersAreKeptAsGiven() {
        String text = "\u0000\u0001\u007f\u0085\uD83D\uDE00\uFFFE\uFFFF\uE000\uDB80\uDC00\u2028\u2029\u202E\u200B\uFEFFe\u0301";
        assertSame(text, Fields.canonical(text));
        assertEquals(text, Actor.user(text).id());
        assertEquals("\uD83D\uDE00\uFFFD", Fields.canonical("\uD83D\uDE00\uD83D"), "a pair is kept, a trailing high half is not");
    }
}
