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
    // AuthFilter is a com.sun.net.httpserver.Filter; RemoteJwks fetches with java.net.http.
    requires transitive jdk.httpserver;
    requires java.net.http;

    exports dev.infrakit.auth;
}
