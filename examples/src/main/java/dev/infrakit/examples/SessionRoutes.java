package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenIssuer;
import dev.infrakit.auth.TokenRevocations;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.credentials.WriteCondition;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code POST /api/v1/auth/login} and {@code POST /api/v1/auth/logout}. */
final class SessionRoutes {
    private final Accounts accounts;
    private final LoginThrottle throttle;
    private final TokenIssuer issuer;
    private final TokenRevocations revocations;
    private final AuditedChanges audit;
    private final Duration tokenTtl;

    SessionRoutes(Accounts accounts, LoginThrottle throttle, TokenIssuer issuer, TokenRevocations revocations,
            AuditedChanges audit, Duration tokenTtl) {
        this.accounts = accounts;
        this.throttle = throttle;
        this.issuer = issuer;
        this.revocations = revocations;
        this.audit = audit;
        this.tokenTtl = tokenTtl;
    }

    void addTo(ApiServlet.RouteTable routes) {
        routes.add("POST", "/api/v1/auth/login", Set.of(), this::login)
                .add("POST", "/api/v1/auth/logout", Set.of("user", "admin"), this::logout);
    }

    private void login(ApiCall call) throws IOException {
        JsonNode body = call.body();
        String username = ApiCall.text(body, "username");
        char[] password = ApiCall.text(body, "password").toCharArray();
        // The epoch first, the password after: a login racing a password change or a deletion that
        // passed with the old state carries an epoch that change's revocation ends.
        Map<String, Object> claims = new HashMap<>(Accounts.USER.matcher(username).matches()
                ? revocations.claims(username) : Map.of());
        Accounts.Upgrade[] upgraded = new Accounts.Upgrade[1];
        AuthResult result = throttle.attempt(username, call.client(), () -> accounts.checkPassword(username,
                password, upgraded));
        Arrays.fill(password, '\0');
        Accounts.refuseFailedLogin(result, "Wrong user name or password.", 401);
        Principal p = result.principal();
        if (upgraded[0] != null) {
            upgradeHash(call, p, upgraded[0]);
        }
        // amr ["pwd"]: this token comes from an interactive login, so it may create API keys.
        claims.putAll(p.authenticationClaims());
        String token = issuer.issue(p.subject(), p.roles(), claims, tokenTtl);
        call.json(200, ApiCall.JSON.createObjectNode().put("accessToken", token).put("tokenType", "Bearer")
                .put("expiresIn", tokenTtl.toSeconds()));
    }

    /**
     * Stores the stronger hash made at login (audited {@code user.password-rehashed}); if the
     * record changed meanwhile (a password change) or the trail refuses, the old hash stays and
     * the next login tries again: the login itself succeeds either way.
     */
    private void upgradeHash(ApiCall call, Principal user, Accounts.Upgrade upgrade) {
        ApiCall asUser = call.as(user);
        try {
            audit.audited(() -> AuditedChanges.event("user.password-rehashed", "rehash", asUser, user.subject())
                    .detail("iterations", accounts.hasher().iterations()), user.subject(),
                    () -> accounts.putHash(user.subject(), upgrade.role(), upgrade.hash(),
                            WriteCondition.ifVersion(upgrade.version())));
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(SessionRoutes.class).warn("The password hash of {} was not upgraded: {}",
                    ClientText.forLog(user.subject(), 200), e.getClass().getSimpleName());
        }
    }

    /** Ends the session of the token this request carries: it is refused everywhere within 1 s. */
    private void logout(ApiCall call) {
        Principal principal = call.principal();
        if (principal.method() != Principal.Method.JWT) {
            throw HttpError.badRequest("Logout ends the session of a bearer token; an API key is revoked with "
                    + "DELETE /api/v1/apikeys/{id}.");
        }
        audit.audited(() -> AuditedChanges.event("token.revoked", "revoke", call, principal.subject())
                .detail("jti", principal.credentialId().orElse("")), principal.subject(), () -> {
                    revocations.revoke(principal);
                    return null;
                });
        call.empty(204);
    }
}
