/**
 * Infrakit credentials: a versioned {@link dev.infrakit.credentials.CredentialStore} (in memory,
 * encrypted files, PostgreSQL) with check-and-set writes, encryption at rest under a
 * {@link dev.infrakit.credentials.KeyRing}, a refresh-ahead cache, audited access and rotation.
 *
 * <p>Caffeine is optional: only {@link dev.infrakit.credentials.CachingCredentialStore} needs it,
 * and it is loaded when a cache is built.
 */
module dev.infrakit.credentials {
    requires transitive dev.infrakit.core;
    requires transitive dev.infrakit.audit;
    requires com.fasterxml.jackson.databind;
    requires com.nimbusds.jose.jwt;
    requires static com.github.benmanes.caffeine;
    requires static org.postgresql.jdbc;
    // Optional: CredentialMetrics (Micrometer); the postgres provider's own pool and
    // HikariCredentialUpdater (HikariCP).
    requires static micrometer.core;
    requires static com.zaxxer.hikari;

    exports dev.infrakit.credentials;
    exports dev.infrakit.credentials.rotation;

    provides dev.infrakit.credentials.CredentialStoreProvider with
            dev.infrakit.credentials.internal.BuiltInCredentialStores.Memory,
            dev.infrakit.credentials.internal.BuiltInCredentialStores.File,
            dev.infrakit.credentials.internal.BuiltInCredentialStores.Postgres;
}
