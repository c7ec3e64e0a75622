package dev.infrakit.credentials.rotation;

/**
 * Simulates the process dying at a given point: an {@link Error}, which the engine does not catch,
 * so nothing after that point runs (no state write, no rollback).
 */
final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash(String where) {
        super("simulated crash " + where, null, false, false);
    }
}
