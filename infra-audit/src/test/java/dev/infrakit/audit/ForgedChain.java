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
