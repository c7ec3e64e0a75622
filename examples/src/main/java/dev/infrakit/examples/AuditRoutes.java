package dev.infrakit.examples;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.infrakit.audit.AuditLog;
import dev.infrakit.audit.AuditQuery;
import dev.infrakit.audit.AuditRecord;
import dev.infrakit.core.http.ClientText;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;

/** {@code GET /api/v1/audit?actor=&type=&since=&limit=} (admin): the trail, newest first. */
final class AuditRoutes {
    /** The most events one audit query answers. */
    static final int MAX_AUDIT_LIMIT = 1000;

    private final AuditLog auditLog;

    AuditRoutes(AuditLog auditLog) {
        this.auditLog = auditLog;
    }

    void addTo(ApiServlet.RouteTable routes) {
        routes.add("GET", "/api/v1/audit", Set.of("admin"), this::query);
    }

    private void query(ApiCall call) throws IOException {
        Map<String, String> q = call.query();
        AuditQuery.Builder query = AuditQuery.builder();
        if (q.containsKey("actor")) {
            query.actor(q.get("actor"));
        }
        if (q.containsKey("type")) {
            query.type(q.get("type"));
        }
        if (q.containsKey("since")) {
            try {
                query.between(Instant.parse(q.get("since")), Instant.now().plusSeconds(60));
            } catch (DateTimeParseException e) {
                throw HttpError.badRequest("since is an ISO-8601 instant, e.g. 2026-01-01T00:00:00Z.");
            }
        }
        int limit = 100;
        if (q.containsKey("limit")) {
            try {
                limit = Integer.parseInt(q.get("limit"));
            } catch (NumberFormatException e) {
                limit = 0; // out of range, answered below
            }
            if (limit < 1 || limit > MAX_AUDIT_LIMIT) {
                throw HttpError.badRequest("limit is 1 to " + MAX_AUDIT_LIMIT + ", got "
                        + ClientText.forLog(q.get("limit"), 32) + ".");
            }
        }
        query.limit(limit);
        ArrayNode events = ApiCall.JSON.createArrayNode();
        for (AuditRecord r : auditLog.query(query.build())) {
            events.add(ApiCall.JSON.readTree(r.json()));
        }
        call.json(200, ApiCall.JSON.createObjectNode().set("events", events));
    }
}
