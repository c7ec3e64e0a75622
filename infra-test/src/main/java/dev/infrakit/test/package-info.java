/**
 * Fakes for users' tests, each a real implementation of an Infrakit SPI or entry point:
 * {@link dev.infrakit.test.RecordingAuditSink} (an audit sink that keeps events and can refuse
 * them), {@link dev.infrakit.test.RecordingNotifier} (a notifier that keeps notifications and can
 * fail), {@link dev.infrakit.test.FixedRateLimitStore} (a rate-limit store with chosen answers, to
 * put under a {@code RateLimiter}), {@link dev.infrakit.test.FakeBackupSource} (a backup source
 * writing given bytes) and {@link dev.infrakit.test.TestTokens} (signed JWTs and the verifier that
 * accepts them).
 *
 * <p>The in-memory implementations stay in their modules and are as good as fakes where state
 * matters: {@code InMemoryCredentialStore} (infra-credentials), {@code LocalRateLimitStore}
 * (infra-ratelimit, with a {@code ManualClock} as its ticker), {@code InMemoryApiKeyStore}
 * (infra-auth) and {@code LocalBackupRepository} in a temporary directory (infra-backup).
 */
package dev.infrakit.test;
