/**
 * Infrakit authentication: JWTs issued and verified ({@link dev.infrakit.auth.TokenIssuer},
 * {@link dev.infrakit.auth.TokenVerifier}) with keys from a JWKS or a credential store, rotation
 * and revocation; API keys ({@link dev.infrakit.auth.ApiKeys}) in memory, in a credential store or
 * in PostgreSQL; password hashing; a login throttle; and the principal a request runs as.
 */
module dev.infrakit.auth {
    requires transitive dev.infrakit.core;
    requires transitive dev.infrakit.audit;
    requires transitive dev.infrakit.credentials;
    requires transitive dev.infrakit.ratelimit;
    requires com.fasterxml.jackson.databind;
    requires com.nimbusds.jose.jwt;
    requires static micrometer.core;
    // RemoteJwks fetches with java.net.http. No HTTP server API: the authentication filters are
    // infra-web's.
    requires java.net.http;

    exports dev.infrakit.auth;
}
