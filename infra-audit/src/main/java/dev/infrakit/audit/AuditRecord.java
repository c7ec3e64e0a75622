package dev.infrakit.audit;

import java.time.Instant;

/**
 * One recorded event as read back from a sink: the fields queries filter on, plus the redacted
 * event as written ({@link #json()}).
 *
 * @param sequence the record's sequence number in its chain
 * @param time the event's timestamp
 * @param category the category name
 * @param type the event type
 * @param severity the severity name
 * @param actorId the actor's id
 * @param action the action
 * @param resourceType the resource type, or {@code null}
 * @param resourceId the resource id, or {@code null}
 * @param outcome the outcome name
 * @param json the redacted event as one JSON object
 */
public record AuditRecord(long sequence, Instant time, String category, String type, String severity, String actorId,
                          String action, String resourceType, String resourceId, String outcome, String json) {
}
