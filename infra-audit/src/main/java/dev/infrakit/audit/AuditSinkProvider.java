package dev.infrakit.audit;

import dev.infrakit.core.Provider;
import dev.infrakit.core.SelectedBy;

/**
 * Creates an {@link AuditSink} from configuration; selected by {@code infrakit.audit.sink}
 * ({@code jsonl} or {@code slf4j} are built in).
 */
@SelectedBy("infrakit.audit.sink")
public interface AuditSinkProvider extends Provider<AuditSink> {
}
