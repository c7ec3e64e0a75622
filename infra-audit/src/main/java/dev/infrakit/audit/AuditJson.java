package dev.infrakit.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * Encodes events as single-line JSON objects, after redaction. Fields, in order: {@code id},
 * {@code time} (ISO-8601 UTC), {@code category}, {@code type}, {@code severity}, {@code actor}
 * ({@code id}, {@code kind}, {@code ip}, {@code userAgent}, {@code sessionHash}), {@code action},
 * {@code resource} ({@code type}, {@code id}), {@code outcome}, {@code reason}, {@code request},
 * {@code details}; absent values are left out. JSON escapes control characters, so a CR or LF in a
 * value can never start a forged line. Thread-safe.
 */
public final class AuditJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Redactor redactor;

    private AuditJson(Redactor redactor) {
        this.redactor = redactor;
    }

    /** An encoder that redacts with {@code redactor}. */
    public static AuditJson with(Redactor redactor) {
        return new AuditJson(Objects.requireNonNull(redactor, "redactor"));
    }

    /** An encoder with the default redaction. */
    public static AuditJson defaults() {
        return with(Redactor.defaults());
    }

    /** The redacted event as a JSON object node, for sinks that add fields (sequence, MAC). */
    ObjectNode toNode(AuditEvent event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", event.id().toString());
        node.put("time", event.timestamp().toString());
        node.put("category", event.category().name());
        node.put("type", event.type());
        node.put("severity", event.severity().name());
        ObjectNode actor = node.putObject("actor");
        actor.put("id", event.actor().id());
        actor.put("kind", event.actor().kind().name());
        putIfPresent(actor, "ip", event.actor().ip());
        putIfPresent(actor, "userAgent", redactor.scrub(event.actor().userAgent()));
        putIfPresent(actor, "sessionHash", event.actor().sessionHash());
        node.put("action", event.action());
        event.resource().ifPresent(r -> {
            ObjectNode resource = node.putObject("resource");
            resource.put("type", r.type());
            putIfPresent(resource, "id", r.id());
        });
        node.put("outcome", event.outcome().name());
        event.reason().ifPresent(r -> node.put("reason", redactor.scrub(r)));
        if (!event.request().isEmpty()) {
            node.set("request", JSON.valueToTree(redactor.redact(event.request())));
        }
        if (!event.details().isEmpty()) {
            node.set("details", JSON.valueToTree(redactor.redact(event.details())));
        }
        return node;
    }

    /** The redacted event as one line of JSON (no line break). */
    public String toJson(AuditEvent event) {
        try {
            return JSON.writeValueAsString(toNode(event));
        } catch (JsonProcessingException e) {
            throw new AuditException("Could not encode audit event " + event.id() + ": " + e.getOriginalMessage(), e);
        }
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
