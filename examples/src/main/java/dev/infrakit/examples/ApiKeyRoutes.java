package dev.infrakit.examples;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infrakit.auth.ApiKeyRecord;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.NewApiKey;
import dev.infrakit.credentials.OutcomeNotRecordedException;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/** {@code POST} and {@code GET /api/v1/apikeys}, {@code DELETE /api/v1/apikeys/{id}}: ApiKeys' own rules apply. */
final class ApiKeyRoutes {
    private static final Set<String> SIGNED_IN = Set.of("user", "admin");

    private final ApiKeys apiKeys;

    ApiKeyRoutes(ApiKeys apiKeys) {
        this.apiKeys = apiKeys;
    }

    void addTo(ApiServlet.RouteTable routes) {
        routes.add("POST", "/api/v1/apikeys", SIGNED_IN, this::create)
                .add("GET", "/api/v1/apikeys", SIGNED_IN, this::list)
                .add("DELETE", "/api/v1/apikeys/{id}", SIGNED_IN, this::revoke);
    }

    private void create(ApiCall call) throws IOException {
        NewApiKey key = apiKeys.create(call.caller(), "demo", Duration.ofDays(90));
        ObjectNode body = ApiCall.JSON.createObjectNode().put("id", key.keyId()).put("key", key.key())
                .put("expiresAt", key.record().expiresAt().map(Instant::toString).orElse(null));
        call.json(201, body);
    }

    private void list(ApiCall call) throws IOException {
        ArrayNode keys = ApiCall.JSON.createArrayNode();
        Instant now = Instant.now();
        for (ApiKeyRecord r : apiKeys.list(call.caller(), call.query().get("owner"))) {
            keys.addObject().put("id", r.keyId()).put("owner", r.subject()).put("name", r.name())
                    .put("createdAt", r.createdAt().toString())
                    .put("expiresAt", r.expiresAt().map(Instant::toString).orElse(null))
                    .put("revokedAt", r.revokedAt().map(Instant::toString).orElse(null))
                    .put("lastUsedAt", r.lastUsedAt().map(Instant::toString).orElse(null))
                    .put("live", !r.isRevoked() && !r.isExpiredAt(now));
        }
        call.json(200, ApiCall.JSON.createObjectNode().set("keys", keys));
    }

    private void revoke(ApiCall call) {
        try {
            apiKeys.revoke(call.caller(), call.param("id"));
        } catch (OutcomeNotRecordedException e) {
            AuditedChanges.tookEffect(e); // revoked: the key no longer works
        }
        call.empty(204);
    }
}
