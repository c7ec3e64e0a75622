package dev.infrakit.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infrakit.auth.ApiKeyRecord;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.LoginThrottle;
import dev.infrakit.auth.Principal;
import dev.infrakit.auth.TokenRevocations;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.credentials.OutcomeNotRecordedException;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.VersionConflictException;
import dev.infrakit.credentials.WriteCondition;
import dev.infrakit.ratelimit.RateLimitException;

import java.io.IOException;
import java.util.Arrays;
import java.util.Set;

/**
 * The accounts API: {@code POST /api/v1/users}, {@code DELETE /api/v1/users/{name}},
 * {@code PUT …/password}, {@code DELETE …/tokens} and {@code POST …/unlock}, each audited with the
 * acting user and address; each change that ends a user's access revokes the user's tokens.
 */
final class UserRoutes {
    private static final Set<String> ADMIN = Set.of("admin");
    private static final Set<String> SIGNED_IN = Set.of("user", "admin");

    private final Accounts accounts;
    private final LoginThrottle throttle;
    private final TokenRevocations revocations;
    private final ApiKeys apiKeys;
    private final ClientAddress.Resolver clients;
    private final AuditedChanges audit;

    UserRoutes(Accounts accounts, LoginThrottle throttle, TokenRevocations revocations, ApiKeys apiKeys,
            ClientAddress.Resolver clients, AuditedChanges audit) {
        this.accounts = accounts;
        this.throttle = throttle;
        this.revocations = revocations;
        this.apiKeys = apiKeys;
        this.clients = clients;
        this.audit = audit;
    }

    void addTo(ApiServlet.RouteTable routes) {
        routes.add("POST", "/api/v1/users", ADMIN, this::create)
                .add("DELETE", "/api/v1/users/{name}", ADMIN, this::delete)
                .add("PUT", "/api/v1/users/{name}/password", SIGNED_IN, this::changePassword)
                .add("DELETE", "/api/v1/users/{name}/tokens", SIGNED_IN, this::revokeTokens)
                .add("POST", "/api/v1/users/{name}/unlock", ADMIN, this::unlock);
    }

    private void create(ApiCall call) throws IOException {
        JsonNode body = call.body();
        String username = ApiCall.text(body, "username");
        String password = ApiCall.text(body, "password");
        String role = body.hasNonNull("role") ? body.get("role").asText() : "user";
        Accounts.requireUserName(username);
        if (!role.equals("user") && !role.equals("admin")) {
            throw HttpError.badRequest("role is user or admin.");
        }
        Accounts.requirePasswordRule(password);
        // Recorded before the account exists (refused: 503, no account), its outcome after.
        audit.audited(() -> AuditedChanges.event("user.created", "create", call, username).detail("role", role),
                username, () -> {
                    try {
                        return accounts.put(username, role, password.toCharArray(), WriteCondition.createOnly());
                    } catch (VersionConflictException e) {
                        throw HttpError.conflict("The user " + username + " exists.");
                    }
                });
        call.json(201, ApiCall.JSON.createObjectNode().put("username", username).put("role", role));
    }

    /** Is the caller this user, signed in as the user (not through an API key)? */
    private static boolean self(Principal principal, String username) {
        return principal.subject().equals(username) && principal.method() != Principal.Method.API_KEY;
    }

    /**
     * Deletes the account, then revokes its tokens and API keys (in that order: a login racing the
     * deletion reads the new epoch only after the account is gone, so it cannot get a live token).
     */
    private void delete(ApiCall call) {
        String username = call.param("name");
        if (call.principal().subject().equals(username)) {
            throw HttpError.conflict("An admin cannot delete their own account.");
        }
        accounts.require(username);
        int[] keys = {0};
        audit.audited(() -> AuditedChanges.event("user.deleted", "delete", call, username).detail("keys_revoked",
                keys[0]), username, () -> {
                    accounts.delete(username);
                    revocations.revokeAll(username);
                    for (ApiKeyRecord r : apiKeys.list(username)) {
                        if (!r.isRevoked()) {
                            try {
                                apiKeys.revoke(call.caller(), r.keyId());
                            } catch (OutcomeNotRecordedException e) {
                                AuditedChanges.tookEffect(e);
                            }
                            keys[0]++;
                        }
                    }
                    return null;
                });
        call.empty(204);
    }

    /**
     * Writes the new hash, then revokes every token of the user (in that order: a login racing the
     * change reads the epoch before the hash, so one that passed with the old password carries an
     * epoch the revocation ends). The caller's own token ends too: log in again.
     */
    private void changePassword(ApiCall call) throws IOException {
        String username = call.param("name");
        Principal principal = call.principal();
        boolean self = self(principal, username);
        if (!self && !principal.hasRole("admin")) {
            throw HttpError.forbidden("Only the user or an admin changes a password.");
        }
        JsonNode body = call.body();
        String next = ApiCall.text(body, "newPassword");
        Accounts.requirePasswordRule(next);
        if (self) {
            // The current password, through the login throttle: a stolen token is no password oracle.
            char[] current = ApiCall.text(body, "currentPassword").toCharArray();
            AuthResult checked = throttle.attempt(username, call.client(), () -> accounts.checkPassword(username,
                    current, new Accounts.Upgrade[1]));
            Arrays.fill(current, '\0');
            Accounts.refuseFailedLogin(checked, "The current password is wrong.", 403);
        }
        Secret user = accounts.require(username);
        String role = user.value().field("role").orElse("user");
        audit.audited(() -> AuditedChanges.event("user.password-changed", "change-password", call, username)
                .detail("by", self ? "self" : "admin"), username, () -> {
                    try {
                        accounts.put(username, role, next.toCharArray(), WriteCondition.ifVersion(user.version()));
                    } catch (VersionConflictException e) {
                        throw HttpError.conflict("The user " + username + " changed meanwhile; try again.");
                    }
                    return revocations.revokeAll(username);
                });
        call.empty(204);
    }

    private void revokeTokens(ApiCall call) throws IOException {
        String username = call.param("name");
        Principal principal = call.principal();
        if (!self(principal, username) && !principal.hasRole("admin")) {
            throw HttpError.forbidden("Only the user or an admin revokes a user's tokens.");
        }
        long epoch = audit.audited(() -> AuditedChanges.event("user.tokens-revoked", "revoke", call, username),
                username, () -> revocations.revokeAll(username));
        call.json(200, ApiCall.JSON.createObjectNode().put("username", username).put("epoch", epoch));
    }

    /** Lifts a user's login lock for one network (and the user's delays); audited like every admin change. */
    private void unlock(ApiCall call) throws IOException {
        String username = call.param("name");
        ClientAddress network;
        try {
            network = clients.parse(ApiCall.text(call.body(), "address"));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("address: " + e.getMessage());
        }
        accounts.require(username);
        // Recorded before the lock is lifted (refused: 503, still locked), its outcome after.
        audit.audited(() -> AuditedChanges.event("user.unlocked", "unlock", call, username).detail("network",
                network.budgetKey()), username, () -> {
                    try {
                        throttle.unlock(username, network);
                    } catch (RateLimitException e) {
                        throw HttpError.unavailable("Service Unavailable", "The login counters cannot be reached "
                                + "now; nothing was changed; try again later.");
                    }
                    return null;
                });
        call.json(200, ApiCall.JSON.createObjectNode().put("username", username).put("network", network.budgetKey()));
    }
}
