package dev.infrakit.audit;

/**
 * What was acted on.
 *
 * @param type the kind of thing, e.g. {@code credential} (at most 100 characters)
 * @param id its id, e.g. {@code billing-db} (at most 256 characters), or {@code null}
 */
public record Resource(String type, String id) {
    /** Validates the fields; a lone surrogate in either becomes U+FFFD. */
    public Resource {
        type = Fields.text("resource.type", type, 100, true);
        id = Fields.text("resource.id", id, 256, false);
    }

    /** Shorthand for the constructor. */
    public static Resource of(String type, String id) {
        return new Resource(type, id);
    }
}
