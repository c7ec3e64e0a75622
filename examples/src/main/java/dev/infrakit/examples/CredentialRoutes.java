package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.OutcomeNotRecordedException;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.VersionInfo;
import dev.infrakit.credentials.rotation.PasswordPolicy;
import dev.infrakit.credentials.rotation.RandomSecretStrategy;
import dev.infrakit.credentials.rotation.RotationEngine;
import dev.infrakit.credentials.rotation.RotationStatus;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The credentials API, v1 and v2: list, read, write, delete, versions and rotation of
 * {@code apps/<app>} through the audited, cached store (every read and write recorded with the
 * caller), rotation through the rotation engine.
 */
final class CredentialRoutes {
    static final Pattern APP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    static final String APP_RULE = "An app name is 1 to 100 letters, digits, . _ -.";
    /**
     * RFC 9745's Deprecation header for the v1 credential GET: deprecated since 2026-11-22T00:00:00Z,
     * the day v2 shipped. No Sunset: no removal date has been decided, and a Sunset is a promise.
     */
    static final String V1_DEPRECATED = "@1795305600";
    private static final Set<String> ADMIN = Set.of("admin");
    private static final Set<String> SIGNED_IN = Set.of("user", "admin");

    private final CredentialStore raw;
    private final CredentialStore metadata;
    private final CredentialStore credentials;
    private final RotationEngine rotation;
    private final AuditSink audit;

    /**
     * @param raw the store itself (rotation state)
     * @param metadata where a read's version times come from, unaudited: the cache, which keeps
     *     them with the values and drops both on every change
     * @param credentials the audited, cached store the clients' reads and writes go through
     */
    CredentialRoutes(CredentialStore raw, CredentialStore metadata, CredentialStore credentials, RotationEngine rotation,
            AuditSink audit) {
        this.raw = raw;
        this.metadata = metadata;
        this.credentials = credentials;
        this.rotation = rotation;
        this.audit = audit;
    }

    void addTo(ApiServlet.RouteTable routes) {
        routes.param("app", APP, APP_RULE)
                .add("GET", "/api/v1/credentials", SIGNED_IN, this::list)
                .add("GET", "/api/v1/credentials/{app}", SIGNED_IN, this::getV1)
                .add("PUT", "/api/v1/credentials/{app}", ADMIN, this::put)
                .add("DELETE", "/api/v1/credentials/{app}", ADMIN, this::delete)
                .add("GET", "/api/v1/credentials/{app}/versions", SIGNED_IN, this::versions)
                .add("POST", "/api/v1/credentials/{app}/rotate", ADMIN, this::rotate)
                .add("GET", "/api/v2/credentials/{app}", SIGNED_IN, this::getV2);
    }

    private static String name(ApiCall call) {
        return "apps/" + call.param("app");
    }

    private static HttpError noSuch(ApiCall call) {
        return HttpError.notFound("No credential " + call.param("app") + ".");
    }

    private void list(ApiCall call) throws IOException {
        ArrayNode list = ApiCall.JSON.createArrayNode();
        call.acting(() -> {
            // Rotation state lives under the engine's own prefix, never under apps/.
            for (CredentialMetadata m : credentials.list("apps/")) {
                list.addObject().put("app", m.name().substring(5)).put("version", m.currentVersion())
                        .put("updatedAt", m.updated().toString());
            }
            return null;
        });
        call.json(200, list);
    }

    private void getV1(ApiCall call) throws IOException {
        Secret secret = call.acting(() -> credentials.get(name(call)));
        CredentialMetadata meta = metadata.metadata(name(call)).orElseThrow(() -> noSuch(call));
        ObjectNode body = ApiCall.JSON.createObjectNode().put("app", call.param("app")).put("version", secret.version())
                .put("updatedAt", meta.updated().toString());
        body.set("credentials", fields(secret));
        call.header("Deprecation", V1_DEPRECATED);
        call.header("Link", "</api/v2/credentials/" + call.param("app") + ">; rel=\"successor-version\"");
        call.json(200, body);
    }

    private void getV2(ApiCall call) throws IOException {
        Secret secret = call.acting(() -> credentials.get(name(call)));
        CredentialMetadata meta = metadata.metadata(name(call)).orElseThrow(() -> noSuch(call));
        ObjectNode body = ApiCall.JSON.createObjectNode().put("name", call.param("app"));
        body.set("secret", fields(secret));
        ObjectNode metadata = body.putObject("metadata").put("version", secret.version())
                .put("createdAt", secret.created().toString()).put("updatedAt", meta.updated().toString());
        metadata.set("labels", labels(rotation.status(name(call)), secret.version()));
        call.json(200, body);
    }

    private void put(ApiCall call) throws IOException {
        JsonNode body = call.body();
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (e.getKey().isEmpty() || e.getKey().length() > 128 || e.getKey().chars().anyMatch(c ->
                    ClientText.isControl((char) c))) {
                throw HttpError.badRequest("A field name is 1 to 128 characters without control characters.");
            }
            if (!e.getValue().isTextual()) {
                throw HttpError.badRequest("Field '" + e.getKey() + "' must be a string.");
            }
            fields.put(e.getKey(), e.getValue().asText());
        }
        if (fields.isEmpty()) {
            throw HttpError.badRequest("A credential needs at least one field.");
        }
        int version;
        try {
            version = call.acting(() -> credentials.put(name(call), SecretValue.ofFields(fields)));
        } catch (OutcomeNotRecordedException e) {
            version = AuditedChanges.tookEffect(e).version().orElseThrow(); // written, and its PENDING event recorded
        }
        call.json(version == 1 ? 201 : 200, ApiCall.JSON.createObjectNode().put("app", call.param("app"))
                .put("version", version));
    }

    private void delete(ApiCall call) {
        boolean existed;
        try {
            existed = call.acting(() -> credentials.deleteAll(name(call)));
        } catch (OutcomeNotRecordedException e) {
            AuditedChanges.tookEffect(e); // deleted (a delete of nothing throws a plain AuditException: 503)
            existed = true;
        }
        RotationEngine.builder(raw).build().forget(name(call)); // its labels go with it
        if (!existed) {
            throw noSuch(call);
        }
        call.empty(204);
    }

    private void versions(ApiCall call) throws IOException {
        CredentialMetadata meta = call.acting(() -> credentials.metadata(name(call))).orElseThrow(() -> noSuch(call));
        ArrayNode versions = ApiCall.JSON.createArrayNode();
        RotationStatus status = rotation.status(name(call)); // one read for the labels of every version
        for (VersionInfo v : meta.versions()) {
            ObjectNode node = versions.addObject().put("version", v.version()).put("createdAt", v.created().toString())
                    .put("deleted", v.deleted().isPresent()).put("destroyed", v.destroyed());
            node.set("labels", labels(status, v.version()));
        }
        call.json(200, ApiCall.JSON.createObjectNode().put("app", call.param("app")).set("versions", versions));
    }

    private void rotate(ApiCall call) throws IOException {
        String name = name(call);
        // Through the audited store: a rotation of nothing is recorded as the failure it is.
        if (call.acting(() -> credentials.metadata(name)).isEmpty()) {
            throw noSuch(call);
        }
        RotationEngine engine = RotationEngine.builder(raw).auditSink(audit)
                .actor(Actor.user(call.principal().subject())).strategy(name,
                        RandomSecretStrategy.password(PasswordPolicy.defaults())).build();
        try {
            engine.rotate(name);
        } catch (OutcomeNotRecordedException e) {
            AuditedChanges.tookEffect(e);
            if (!e.operation().equals("rotation.finished")) {
                // A failed rotation, rolled back: an error, as any failed rotation (not "nothing changed").
                throw new HttpError(500, "Internal Server Error", "The rotation failed and was rolled back; see "
                        + "the server log.");
            }
        }
        call.json(200, ApiCall.JSON.createObjectNode().put("app", call.param("app"))
                .put("version", engine.current(name).version()));
    }

    private static ObjectNode fields(Secret secret) {
        ObjectNode fields = ApiCall.JSON.createObjectNode();
        secret.value().fieldValues().forEach(fields::put); // one parse, not one per field
        return fields;
    }

    private static ArrayNode labels(RotationStatus status, int version) {
        ArrayNode labels = ApiCall.JSON.createArrayNode();
        for (RotationStatus.Label label : status.labels(version)) {
            labels.add(label.name());
        }
        return labels;
    }
}
