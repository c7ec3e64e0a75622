package dev.infrakit.credentials.rotation;

import dev.infrakit.credentials.Secret;

/**
 * Told after a rotation finished, i.e. once the new version is labelled CURRENT, so that a
 * consumer (a connection pool, a client) can switch to it. Called on the thread that ran the
 * rotation; a listener that throws is logged and counted, never allowed to fail the rotation.
 * Each listener gets its own copies of the values and may clear them.
 */
@FunctionalInterface
public interface RotationListener {

    /**
     * @param name the credential
     * @param previous the version that was CURRENT and is now PREVIOUS
     * @param current the version now CURRENT
     */
    void rotated(String name, Secret previous, Secret current);
}
