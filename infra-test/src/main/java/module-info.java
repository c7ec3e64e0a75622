/**
 * Infrakit's kit for users' tests, used at test scope: recording fakes of the SPIs
 * ({@link dev.infrakit.test.RecordingAuditSink}, {@link dev.infrakit.test.RecordingNotifier},
 * {@link dev.infrakit.test.FixedRateLimitStore}, {@link dev.infrakit.test.FakeBackupSource}),
 * {@link dev.infrakit.test.TestTokens} for code that verifies JWTs, and in
 * {@link dev.infrakit.test.contract} the contract test kits an implementation of an SPI extends.
 */
module dev.infrakit.test {
    requires transitive dev.infrakit.core;
    requires transitive dev.infrakit.audit;
    requires transitive dev.infrakit.ratelimit;
    requires transitive dev.infrakit.credentials;
    requires transitive dev.infrakit.auth;
    requires transitive dev.infrakit.backup;
    requires transitive org.junit.jupiter.api;
    requires com.fasterxml.jackson.databind;
    requires transitive micrometer.core;

    exports dev.infrakit.test;
    exports dev.infrakit.test.contract;
    // JUnit calls the kits' package-private test and lifecycle methods reflectively.
    opens dev.infrakit.test.contract to org.junit.platform.commons;
}
