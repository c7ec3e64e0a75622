package dev.infrakit.audit;

import com.fasterxml.jackson.databind.ObjectMapper;

import javax.crypto.Mac;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** What an attacker holding the MAC key does: recomputes every MAC of a file after editing it. */
final class ForgedChain {
    private ForgedChain() {
    }

    /**
     * A set of files (oldest first, each a list of lines) rewritten as an attacker with the MAC key
     * would: the record with sequence number {@code seq} edited by {@code edit}, and every MAC and
     * every later file's link recomputed so that the chain alone verifies.
     */
    static List<List<String>> forge(List<List<String>> files, long seq, java.util.function.UnaryOperator<String> edit,
                                    byte[] key) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Mac hmac = Chain.hmac(key);
        byte[] previous = null;
        List<List<String>> forged = new ArrayList<>();
        for (List<String> file : files) {
            List<String> out = new ArrayList<>();
            for (String line : file) {
                String body = Chain.body(line);
                com.fasterxml.jackson.databind.JsonNode node = json.readTree(body);
                if (previous == null) {
                    previous = Base64.getDecoder().decode(node.get("link").asText());
                } else if (node.has("link")) {
                    body = body.replace(node.get("link").asText(), Base64.getEncoder().encodeToString(previous));
                }
                if (node.get("seq").asLong() == seq) {
                    body = edit.apply(body);
                }
                byte[] mac = Chain.mac(hmac, previous, body);
                out.add(Chain.line(body, mac));
                previous = mac;
            }
            forged.add(out);
        }
        return forged;
    }

    /** The lines of one file (starting with its link record) with every MAC recomputed. */
    static List<String> remac(List<String> lines, byte[] key) throws IOException {
        Mac hmac = Chain.hmac(key);
        byte[] previous = Base64.getDecoder().decode(new ObjectMapper().readTree(Chain.body(lines.get(0))).get("link").asText());
        List<String> forged = new ArrayList<>();
        for (String line : lines) {
            String body = Chain.body(line);
            byte[] mac = Chain.mac(hmac, previous, body);
            forged.add(Chain.line(body, mac));
            previous = mac;
        }
        return forged;
    }
}
