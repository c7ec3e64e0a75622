package dev.infrakit.audit;

import java.util.Objects;

/**
 * Who acted: an id and a kind, and where from. The session is identified by a hash, never by the
 * session token itself.
 *
 * @param id the user or service id (at most 256 characters)
 * @param kind what the id names
 * @param ip the client address, or {@code null}
 * @param userAgent the client's user agent, or {@code null} (at most 512 characters)
 * @param sessionHash a hash of the session id, or {@code null}
 */
public record Actor(String id, Kind kind, String ip, String userAgent, String sessionHash) {
    /** The most characters of a user agent an actor holds. */
    public static final int MAX_USER_AGENT = 512;

    /** What an actor id names. */
    public enum Kind {
        /** A person with an account. */
        USER,
        /** Another service or an API key. */
        SERVICE,
        /** Someone not (yet) authenticated. */
        ANONYMOUS,
        /** This service itself (a scheduled job, a migration). */
        SYSTEM
    }

    /** Validates the fields; a lone surrogate in any of them becomes U+FFFD. */
    public Actor {
        id = Fields.text("actor.id", id, 256, true);
        Objects.requireNonNull(kind, "actor.kind");
        ip = Fields.text("actor.ip", ip, 64, false);
        userAgent = Fields.text("actor.userAgent", userAgent, MAX_USER_AGENT, false);
        sessionHash = Fields.text("actor.sessionHash", sessionHash, 128, false);
    }

    /** A user. */
    public static Actor user(String id) {
        return new Actor(id, Kind.USER, null, null, null);
    }

    /** A service or API key. */
    public static Actor service(String id) {
        return new Actor(id, Kind.SERVICE, null, null, null);
    }

    /** This service itself. */
    public static Actor system() {
        return new Actor("system", Kind.SYSTEM, null, null, null);
    }

    /** An unauthenticated client, identified by its address. */
    public static Actor anonymous(String ip) {
        return new Actor("anonymous", Kind.ANONYMOUS, ip, null, null);
    }

    /** This actor seen from {@code ip} with {@code userAgent}. */
    public Actor from(String ip, String userAgent) {
        return new Actor(id, kind, ip, userAgent, sessionHash);
    }

    /**
     * This actor seen from {@code ip} with the {@code User-Agent} header a client sent: the header is
     * the client's to choose, so one longer than {@value #MAX_USER_AGENT} characters is cut with a
     * marker ({@link dev.infrakit.core.http.ClientText#truncate}) rather than refusing the event (and
     * with it the request). Use this, not {@link #from}, wherever an event is built from a request.
     */
    public Actor fromClient(String ip, String userAgentHeader) {
        return from(ip, dev.infrakit.core.http.ClientText.truncate(userAgentHeader, MAX_USER_AGENT));
    }

    /** This actor in the session whose id hashes to {@code sessionHash}. */
    public Actor inSession(String sessionHash) {
        return new Actor(id, kind, ip, userAgent, sessionHash);
    }
}
