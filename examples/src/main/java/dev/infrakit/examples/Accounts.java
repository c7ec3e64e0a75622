package dev.infrakit.examples;

import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.PasswordHasher;
import dev.infrakit.auth.Principal;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.credentials.CredentialIntegrityException;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.credentials.VersionConflictException;
import dev.infrakit.credentials.WriteCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The demo's user accounts: records {@code users/<name>} in the credential store holding a PBKDF2
 * hash and a role; the name and password rules; password checks that cost the same for an unknown
 * user. Thread-safe.
 */
final class Accounts {
    private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);
    static final Pattern USER = Pattern.compile("[a-z][a-z0-9._-]{2,63}");
    static final String USER_RULE = "A user name is 3 to 64 of a-z, 0-9, . _ -, starting with a letter.";

    private final CredentialStore raw;
    private final PasswordHasher hasher;
    /** A hash checked for unknown users, so their refusal takes as long as a wrong password. */
    private volatile String dummyHash;

    Accounts(CredentialStore raw, PasswordHasher hasher) {
        this.raw = raw;
        this.hasher = hasher;
    }

    PasswordHasher hasher() {
        return hasher;
    }

    static String record(String username) {
        return "users/" + username;
    }

    static void requireUserName(String username) {
        if (!USER.matcher(username).matches()) {
            throw HttpError.badRequest(USER_RULE);
        }
    }

    static void requirePasswordRule(String password) {
        if (password.length() < DemoService.MIN_PASSWORD_LENGTH
                || password.length() > PasswordHasher.MAX_PASSWORD_LENGTH) {
            throw HttpError.badRequest(DemoService.PASSWORD_RULE);
        }
    }

    Optional<Secret> find(String username) {
        return raw.find(record(username));
    }

    /** The user's record, or 404. */
    Secret require(String username) {
        return find(username).orElseThrow(() -> HttpError.notFound("No user " + username + "."));
    }

    /** Stores a new hash of {@code password} under {@code condition}. */
    int put(String username, String role, char[] password, WriteCondition condition) {
        return putHash(username, role, hasher.hash(password), condition);
    }

    /** Stores {@code hash} (made by {@link #hasher()}) under {@code condition}. */
    int putHash(String username, String role, String hash, WriteCondition condition) {
        return raw.put(record(username), SecretValue.ofFields(Map.of("hash", hash, "role", role)), condition);
    }

    /** Deletes the user's record with every version. */
    void delete(String username) {
        raw.deleteAll(record(username));
    }

    /** Creates the admin account on a first start (its password from the settings, or printed once). */
    void ensureAdmin(String adminPassword, PrintStream out) {
        if (find("admin").isPresent()) {
            if (adminPassword != null && !adminPassword.isEmpty()) {
                // Said once, without the value: a set variable that changes nothing would otherwise go unnoticed.
                out.println("INFRAKIT_ADMIN_PASSWORD is set but ignored: the admin account exists "
                        + "(change its password with admin reset-password)");
            }
            return;
        }
        String password = adminPassword;
        if (password == null || password.isEmpty()) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            out.println("admin password: " + password);
        }
        try {
            put("admin", "admin", password.toCharArray(), WriteCondition.createOnly());
        } catch (VersionConflictException e) {
            // Another instance sharing the database created the admin account at the same moment.
        }
    }

    /** A stronger hash of a password that just matched, for the user record's {@code version}. */
    record Upgrade(int version, String role, String hash) {
        @Override
        public String toString() {
            return "Upgrade[" + version + "]"; // never the hash
        }
    }

    /**
     * The user's password checked (an unknown user costs the same hash as a known one); when it
     * matches a hash made with fewer iterations than configured, {@code upgraded[0]} receives the
     * new hash to store.
     */
    AuthResult checkPassword(String username, char[] password, Upgrade[] upgraded) {
        String role = null;
        String hash = null;
        int version = 0;
        if (USER.matcher(username).matches()) {
            Optional<Secret> user;
            try {
                user = find(username);
            } catch (CredentialIntegrityException e) {
                // A record that fails its check (edited, rolled back) signs nobody in: said in the log for
                // the operator, a plain 401 for the client (which learns nothing of the store).
                LOG.error("Login refused: {}", ClientText.forLog(e.getMessage(), 1000));
                user = Optional.empty();
            }
            if (user.isPresent()) {
                hash = user.get().value().field("hash").orElse(null);
                role = user.get().value().field("role").orElse("user");
                version = user.get().version();
            }
        }
        PasswordHasher.Verification checked = hasher.verifyAndUpgrade(password, hash != null ? hash : dummyHash());
        if (!checked.verified() || hash == null) {
            return AuthResult.failure(AuthResult.Failure.BAD_CREDENTIALS, "wrong user name or password");
        }
        if (checked.upgradedHash().isPresent()) {
            upgraded[0] = new Upgrade(version, role, checked.upgradedHash().get());
        }
        return AuthResult.success(new Principal(username, Set.of(role), Principal.Method.PASSWORD, null, null, Map.of()));
    }

    private String dummyHash() {
        String hash = dummyHash;
        if (hash == null) {
            hash = hasher.hash("not-a-real-password".toCharArray());
            dummyHash = hash;
        }
        return hash;
    }

    /** A refused password: 429 with Retry-After while locked or throttled, else {@code status} with {@code wrong}. */
    static void refuseFailedLogin(AuthResult result, String wrong, int status) {
        if (result.ok()) {
            return;
        }
        AuthResult.Failure failure = result.failure().orElseThrow();
        if (failure == AuthResult.Failure.LOCKED || failure == AuthResult.Failure.THROTTLED) {
            long seconds = Math.max(1, (result.retryAfter().orElse(Duration.ofSeconds(1)).toMillis() + 999) / 1000);
            throw new HttpError(429, "Too Many Requests", failure == AuthResult.Failure.LOCKED
                    ? "Too many failed logins for this user from your network; try again in " + seconds + " s."
                    : "Too many login attempts from your network; try again in " + seconds + " s.",
                    Map.of("Retry-After", Long.toString(seconds)));
        }
        throw new HttpError(status, status == 401 ? "Unauthorized" : "Forbidden", wrong);
    }
}
