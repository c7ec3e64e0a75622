package dev.infrakit.auth;

import dev.infrakit.credentials.fixtures.RecordingAuditSink;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditException;
import dev.infrakit.audit.AuditSink;
import dev.infrakit.core.ManualClock;
import dev.infrakit.credentials.CredentialException;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ApiKeys} over an {@link InMemoryApiKeyStore}: strict parsing, audit events, and that the
 * key never shows up anywhere but in {@link NewApiKey#key()}. (The behaviour shared with the
 * PostgreSQL store is in infra-test's {@code ApiKeyStoreContract}, run by its {@code InMemoryApiKeyStoreContractTest}.)
 */
class ApiKeysTest {

        private final ManualClock clock = ManualClock.create();
    private final RecordingAuditSink sink = new RecordingAuditSink();
    private final InMemoryApiKeyStore store = InMemoryApiKeyStore.create();
    private final ApiKeys apiKeys = ApiKeys.builder(store).clock(clock).auditSink(sink)
            .actor(() -> Actor.user("root")).build();
    /** Every text a test could see: toString()s, details, event fields, exception messages. */
    private final List<String> visible = new ArrayList<>();

    private static String secretOf(String key) {
        return key.substring(key.length() - 43);
    }

    private AuthResult verify(String key) {
        AuthResult result = apiKeys.verify(key);
        visible.add(result.toString());
        visible.add(result.detail());
        if (!result.ok()) {
            visible.add(assertThrows(IllegalStateException.class, result::principal).getMessage());
        }
        return result;
    }

    private void assertNothingVisibleHolds(String... secrets) {
        for (AuditEvent e : sink.events) {
            visible.add(e.toString());
            visible.add(e.reason().orElse(""));
            visible.add(String.valueOf(e.details()));
            visible.add(String.valueOf(e.resource()));
        }
        for (String text : visible) {
            for (String secret : secrets) {
                assertFalse(text.contains(secret), "found a secret in: " + text);
            }
        }
    }

    @Test
    void malformedKeysAreRefusedWithoutEchoingThem() {
        String good = apiKeys.create("svc", Set.of("reader"), "k", null).key();
        String id = good.substring(3, 15);
        String secret = secretOf(good);
        List<String> malformed = new ArrayList<>(List.of(
                "",
                "ik_",
                good.substring(0, good.length() - 1),                      // too short
                good + "A",                                                 // too long
                good + "=",                                                 // padding
                " " + good.substring(1),                                    // leading space
                "IK_" + good.substring(3),                                  // prefix is case-sensitive
                "ak_" + good.substring(3),                                  // another prefix
                "ik-" + good.substring(3),
                "ik_" + id + "-" + secret,                                  // wrong separator
                "ik_" + id.toUpperCase(java.util.Locale.ROOT) + "_" + secret, // upper-case id
                "ik_" + id.substring(0, 11) + "1_" + secret,                // '1' is not base32
                "ik_" + id + "_" + secret.substring(0, 42) + "+",           // base64, not base64url
                "ik_" + id + "_" + secret.substring(0, 42) + "/",
                "ik_" + id + "_" + secret.substring(0, 20) + "." + secret.substring(21),
                "ik_" + id + "_" + secret.substring(0, 20) + "é" + secret.substring(21),
                "ik_" + id + "_" + secret.substring(0, 42) + "B",           // non-canonical: spare bits set
                "Bearer " + good.substring(7)));
        for (String key : malformed) {
            AuthResult result = verify(key);
            assertEquals(Optional.of(AuthResult.Failure.MALFORMED), result.failure(), "for a variant: " + result);
            assertTrue(result.detail().startsWith("malformed API key: "), result.detail());
        }
        assertEquals(Optional.of(AuthResult.Failure.MALFORMED), verify(null).failure());

        assertEquals(malformed.size() + 1, sink.events.stream().filter(e -> e.type().equals("api-key.rejected")).count());
        assertTrue(verify(good).ok(), "the key itself is fine");
        assertNothingVisibleHolds(secret, secret.substring(0, 20), secret.substring(21));
    }

    @Test
    void theKeyAppearsOnlyInNewApiKeyKey() throws Exception {
        NewApiKey issued = apiKeys.create("billing", Set.of("partner"), "export", Duration.ofDays(1));
        String key = issued.key();
        String secret = secretOf(key);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(Base64.getUrlDecoder().decode(secret));

        visible.add(issued.toString());
        visible.add(issued.record().toString());
        visible.add(store.find(issued.keyId()).orElseThrow().toString());
        visible.add(apiKeys.toString());
        visible.add(store.toString());
        visible.add(String.valueOf(apiKeys.list("billing")));
        assertTrue(issued.toString().contains("ik_" + issued.keyId() + "_********"), issued.toString());

        verify(key);
        verify("ik_" + issued.keyId() + "_" + secret.substring(0, 42) + (secret.charAt(42) == 'A' ? "E" : "A"));
        verify("ik_" + "a".repeat(12) + "_" + secret);
        apiKeys.revoke(issued.keyId());
        verify(key);
        clock.advance(Duration.ofDays(2));
        verify(key);

        String hex = HexFormat.of().formatHex(hash);
        assertNothingVisibleHolds(key, secret, hex, hex.toUpperCase(java.util.Locale.ROOT),
                Base64.getEncoder().encodeToString(hash), Base64.getUrlEncoder().withoutPadding().encodeToString(hash));
    }

    @Test
    void auditEventsForCreateRevokeAndEachRefusal() {
        NewApiKey issued = apiKeys.create("billing", Set.of("partner", "reader"), "export", Duration.ofDays(1));
        NewApiKey other = apiKeys.create("billing", Set.of("reader"), "other", null);
        verify(issued.key());
        verify("nonsense");
        verify("ik_" + issued.keyId() + "_" + secretOf(other.key()));
        verify("ik_" + "a".repeat(12) + "_" + secretOf(issued.key()));
        apiKeys.revoke(other.keyId());
        apiKeys.revoke(other.keyId());
        verify(other.key());
        clock.advance(Duration.ofDays(1));
        verify(issued.key());

        List<String> types = sink.events.stream().map(e -> e.type() + ":" + e.outcome()).collect(Collectors.toList());
        assertEquals(List.of("api-key.created:PENDING", "api-key.created:SUCCESS", "api-key.created:PENDING",
                "api-key.created:SUCCESS", "api-key.rejected:DENIED", "api-key.rejected:DENIED", "api-key.rejected:DENIED",
                "api-key.revoked:PENDING", "api-key.revoked:SUCCESS", "api-key.revoked:PENDING", "api-key.revoked:FAILURE",
                "api-key.rejected:DENIED", "api-key.rejected:DENIED"), types, "no event for a successful verify");
        assertEquals(sink.events.get(0).id().toString(), sink.events.get(1).details().get(AuditEvent.PENDING_ID));
        assertEquals(sink.events.get(7).id().toString(), sink.events.get(8).details().get(AuditEvent.PENDING_ID));
        assertEquals(sink.events.get(0).details().get("subject"), "billing", "the PENDING event names what it creates");

        AuditEvent created = sink.events.get(1);
        assertEquals(AuditEvent.Category.ADMIN, created.category());
        assertEquals(Actor.user("root"), created.actor());
        assertEquals(issued.keyId(), created.resource().orElseThrow().id());
        assertEquals("billing", created.details().get("subject"));
        assertEquals(List.of("partner", "reader"), created.details().get("roles"));
        assertEquals(clock.instant().minus(Duration.ofDays(1)), created.timestamp());

        List<AuditEvent> rejected = sink.events.stream().filter(e -> e.type().equals("api-key.rejected"))
                .collect(Collectors.toList());
        for (AuditEvent e : rejected) {
            assertEquals(AuditEvent.Category.SECURITY, e.category());
            assertEquals(AuditEvent.Severity.WARN, e.severity());
            assertEquals(Actor.Kind.ANONYMOUS, e.actor().kind());
        }
        assertEquals(List.of("MALFORMED", "UNKNOWN_KEY", "UNKNOWN_KEY", "REVOKED", "EXPIRED"),
                rejected.stream().map(e -> e.details().get("failure")).collect(Collectors.toList()));
        assertEquals(Optional.empty(), rejected.get(0).resource());
        assertTrue(rejected.get(1).reason().orElseThrow().contains("secret does not match"), rejected.get(1).reason().get());
        assertTrue(rejected.get(2).reason().orElseThrow().contains("no key with this id"), rejected.get(2).reason().get());
        assertEquals("billing", rejected.get(3).details().get("subject"));
        assertEquals(AuditEvent.Category.ADMIN, sink.events.get(8).category());
    }

    @Test
    void aRefusingAuditSinkFailsClosed() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        sink.refuse = true;
        assertThrows(AuditException.class, () -> apiKeys.verify("ik_garbage"));
        AuditException refused = assertThrows(AuditException.class, () -> apiKeys.revoke(issued.keyId()));
        assertFalse(refused instanceof dev.infrakit.credentials.OutcomeNotRecordedException, refused.getMessage());
        assertFalse(store.find(issued.keyId()).orElseThrow().isRevoked(), "its PENDING event was refused: not revoked");
        assertThrows(AuditException.class, () -> apiKeys.create("svc", Set.of("reader"), "k2", null));
        assertEquals(1, store.list("svc").size(), "its PENDING event was refused: nothing stored");
    }

    @Test
    void aRejectionWhoseEventIsRefusedIsNeverASuccess() {
        NewApiKey revoked = apiKeys.create("svc", Set.of("reader"), "revoked", null);
        NewApiKey expiring = apiKeys.create("svc", Set.of("reader"), "expiring", Duration.ofMinutes(1));
        NewApiKey valid = apiKeys.create("svc", Set.of("reader"), "valid", null);
        apiKeys.revoke(revoked.keyId());
        clock.advance(Duration.ofMinutes(1));
        sink.refuse = true;
        for (String bad : List.of("nonsense", revoked.key(), expiring.key(), "ik_" + revoked.keyId() + "_"
                + secretOf(valid.key()), "ik_" + "a".repeat(12) + "_" + secretOf(valid.key()))) {
            assertThrows(AuditException.class, () -> apiKeys.verify(bad), "refused, and not returned as a result");
        }
        // Successful verifications are never audited (what the key is used for is): a valid key still verifies.
        assertTrue(apiKeys.verify(valid.key()).ok());
    }

    @Test
    void aRevocationWhoseOutcomeIsRefusedStandsAndSaysSo() {
        NewApiKey issued = apiKeys.create("svc", Set.of("reader"), "k", null);
        sink.refuseWhen = e -> e.type().equals("api-key.revoked") && e.outcome() != AuditEvent.Outcome.PENDING;
        dev.infrakit.credentials.OutcomeNotRecordedException e = assertThrows(
                dev.infrakit.credentials.OutcomeNotRecordedException.class, () -> apiKeys.revoke(issued.keyId()));
        assertEquals("api-key.revoked", e.operation());
        assertEquals(issued.keyId(), e.target());
        assertTrue(store.find(issued.keyId()).orElseThrow().isRevoked());
        assertEquals(AuthResult.Failure.REVOKED, apiKeys.verify(issued.key()).failure().orElseThrow(),
                "revoked for good");
        AuditException nothing = assertThrows(AuditException.class, () -> apiKeys.revoke(issued.keyId()));
        assertFalse(nothing instanceof dev.infrakit.credentials.OutcomeNotRecordedException, "already revoked: no change");
    }

    @Test
    void aCreationWhoseOutcomeIsRefusedLeavesNoKey() {
        sink.refuseWhen = e -> e.outcome() == AuditEvent.Outcome.SUCCESS;
        AuditException e = assertThrows(AuditException.class, () -> apiKeys.create("svc", Set.of("reader"), "k", null));
        assertFalse(e instanceof dev.infrakit.credentials.OutcomeNotRecordedException, e.getMessage());
        assertTrue(e.getMessage().contains("was not created"), e.getMessage());
        assertEquals(List.of(), store.list("svc"), "the key, never handed out, was removed");
        assertEquals(List.of("api-key.created:PENDING"), sink.typesAndOutcomes());
    }

    @Test
    void aFailedLastUseWriteDoesNotFailTheVerificationAndIsRetried() {
        InMemoryApiKeyStore memory = InMemoryApiKeyStore.create();
        int[] touches = {0};
        boolean[] failing = {true};
        ApiKeyStore flaky = new ApiKeyStore() {
            @Override
            public boolean insert(ApiKeyRecord record) {
                return memory.insert(record);
            }

            @Override
            public InsertResult insertWithin(ApiKeyRecord record, int maxLive, Instant now) {
                return memory.insertWithin(record, maxLive, now);
            }

            @Override
            public Optional<ApiKeyRecord> find(String keyId) {
                return memory.find(keyId);
            }

            @Override
            public List<ApiKeyRecord> list(String subject) {
                return memory.list(subject);
            }

            @Override
            public boolean revoke(String keyId, Instant at) {
                return memory.revoke(keyId, at);
            }

            @Override
            public boolean touch(String keyId, Instant at) {
                touches[0]++;
                if (failing[0]) {
                    throw new CredentialException("database down");
                }
                return memory.touch(keyId, at);
            }

            @Override
            public boolean delete(String keyId) {
                return memory.delete(keyId);
            }
        };
        ApiKeys keys = ApiKeys.builder(flaky).clock(clock).build();
        NewApiKey issued = keys.create("svc", Set.of("reader"), "k", null);
        assertTrue(keys.verify(issued.key()).ok());
        failing[0] = false;
        assertTrue(keys.verify(issued.key()).ok());
        assertEquals(2, touches[0], "retried on the next use, not a minute later");
        assertEquals(Optional.of(clock.instant()), memory.find(issued.keyId()).orElseThrow().lastUsedAt());
    }

    @Test
    void aGranularityOfZeroWritesEveryUse() {
        ApiKeys eager = ApiKeys.builder(store).clock(clock).lastUsedGranularity(Duration.ZERO).build();
        NewApiKey issued = eager.create("svc", Set.of(), "k", null);
        for (int i = 1; i <= 3; i++) {
            clock.advance(Duration.ofMillis(1));
            assertTrue(eager.verify(issued.key()).ok());
            assertEquals(Optional.of(clock.instant()), store.find(issued.keyId()).orElseThrow().lastUsedAt());
        }
    }

    @Test
    void keysAreRandomAndTimesAreMicroseconds() {
        clock.advance(Duration.ofNanos(1_234_567));
        NewApiKey a = apiKeys.create("svc", Set.of(), "a", Duration.ofNanos(1_500));
        NewApiKey b = apiKeys.create("svc", Set.of(), "b", null);
        assertNotEquals(a.keyId(), b.keyId());
        assertNotEquals(secretOf(a.key()), secretOf(b.key()));
        assertEquals(1_234_000, a.record().createdAt().getNano());
        assertEquals(1_235_000, a.record().expiresAt().orElseThrow().getNano());
    }

    @Test
    void invalidArgumentsAreRefusedNamingTheArgument() {
        assertMessage("subject", () -> apiKeys.create(" ", Set.of(), "", null));
        assertMessage("subject", () -> apiKeys.create("x".repeat(257), Set.of(), "", null));
        assertMessage("role", () -> apiKeys.create("svc", Set.of(""), "", null));
        assertMessage("role", () -> apiKeys.create("svc", Set.of("a\nb"), "", null));
        assertMessage("name", () -> apiKeys.create("svc", Set.of(), "n".repeat(201), null));
        assertMessage("validity", () -> apiKeys.create("svc", Set.of(), "", Duration.ZERO));
        assertMessage("validity", () -> apiKeys.create("svc", Set.of(), "", Duration.ofSeconds(-1)));
        assertMessage("API key id", () -> apiKeys.revoke("ik_not_an_id"));
        assertThrows(NullPointerException.class, () -> apiKeys.create(null, Set.of(), "", null));
        assertThrows(NullPointerException.class, () -> apiKeys.create("svc", null, "", null));
        assertEquals(List.of(), store.list("svc"), "nothing stored");
    }

    @Test
    void theBuilderRefusesASettingGivenTwiceAndANegativeGranularity() {
        ApiKeys.Builder builder = ApiKeys.builder(store).clock(clock).lastUsedGranularity(Duration.ofMinutes(5));
        assertMessage("clock was already set", () -> builder.clock(clock));
        assertMessage("lastUsedGranularity was already set", () -> builder.lastUsedGranularity(Duration.ZERO));
        assertMessage("lastUsedGranularity must not be negative",
                () -> ApiKeys.builder(store).lastUsedGranularity(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> ApiKeys.builder(null));
    }

    @Test
    void aRecordRefusesABadKeyIdOrHashLength() {
        Instant t = clock.instant();
        assertMessage("key id", () -> new ApiKeyRecord("short", new byte[32], "s", Set.of(), "", t, null, null, null));
        assertMessage("32 bytes", () -> new ApiKeyRecord("abcdefgh2345", new byte[31], "s", Set.of(), "", t, null,
                null, null));
        byte[] hash = new byte[32];
        ApiKeyRecord r = new ApiKeyRecord("abcdefgh2345", hash, "s", Set.of(), "", t, null, null, null);
        hash[0] = 1;
        assertEquals(0, r.secretHash()[0], "the hash was copied");
        r.secretHash()[1] = 1;
        assertEquals(0, r.secretHash()[1], "and is copied out");
    }

    private static void assertMessage(String text, org.junit.jupiter.api.function.Executable call) {
        RuntimeException e = assertThrows(RuntimeException.class, call);
        assertTrue(e instanceof IllegalArgumentException || e instanceof IllegalStateException, e.toString());
        assertTrue(e.getMessage().contains(text), "expected '" + text + "' in: " + e.getMessage());
    }

    // The Caller methods: who may create, list and revoke.

    private static ApiKeys.Caller password(String user, String... roles) {
        return new ApiKeys.Caller(new Principal(user, Set.of(roles), Principal.Method.PASSWORD, null, null,
                java.util.Map.of()), "192.0.2.7", "curl/8");
    }

    private static ApiKeys.Caller token(String user, java.util.Map<String, Object> claims, String... roles) {
        return new ApiKeys.Caller(new Principal(user, Set.of(roles), Principal.Method.JWT, "jti-1", null, claims),
                "192.0.2.8", null);
    }

    @Test
    void onlyAnInteractiveLoginCreatesKeysNeverAKeyOrATokenObtainedWithOne() {
        ApiKeys.Caller alice = password("alice", "user");
        NewApiKey first = apiKeys.create(alice, "laptop", null);
        assertEquals("alice", first.record().subject());
        assertEquals(Set.of("user"), first.record().roles());
        Principal login = new Principal("alice", Set.of("user"), Principal.Method.PASSWORD, null, null,
                java.util.Map.of());
        assertTrue(apiKeys.create(token("alice", login.authenticationClaims(), "user"), "from a login token", null)
                .record().subject().equals("alice"), "a token issued for a password login creates keys");

        Principal viaKey = apiKeys.verify(first.key()).principal();
        for (ApiKeys.Caller caller : List.of(new ApiKeys.Caller(viaKey, "192.0.2.9", null),
                token("alice", viaKey.authenticationClaims(), "user"), token("alice", java.util.Map.of(), "user"),
                token("alice", java.util.Map.of("amr", List.of("otp")), "user"))) {
            ApiKeyRefusedException e = assertThrows(ApiKeyRefusedException.class,
                    () -> apiKeys.create(caller, "minted", null));
            assertEquals(ApiKeyRefusedException.Reason.NOT_INTERACTIVE, e.reason());
            assertTrue(e.getMessage().contains("interactive"), e.getMessage());
        }
        assertEquals(2, store.list("alice").size(), "nothing stored for a refused create");
        AuditEvent denied = sink.events.stream().filter(e -> e.type().equals("api-key.created")
                && e.outcome() == AuditEvent.Outcome.DENIED).findFirst().orElseThrow();
        assertEquals("alice", denied.actor().id());
        assertEquals("192.0.2.9", denied.actor().ip());
    }

    @Test
    void theEventsOfACallerNameTheUserAndItsAddress() {
        NewApiKey issued = apiKeys.create(password("alice", "user"), "laptop", null);
        assertTrue(apiKeys.revoke(password("alice", "user"), issued.keyId()));
        List<AuditEvent> events = sink.events.stream().filter(e -> e.type().startsWith("api-key."))
                .collect(Collectors.toList());
        assertEquals(List.of("api-key.created", "api-key.created", "api-key.revoked", "api-key.revoked"),
                events.stream().map(AuditEvent::type).collect(Collectors.toList()));
        for (AuditEvent e : events) {
            assertEquals(Actor.user("alice").from("192.0.2.7", "curl/8"), e.actor(), e.toString());
        }
    }

    @Test
    void callersListTheirOwnKeysAndOnlyAnAdminListsAnyones() {
        NewApiKey a = apiKeys.create(password("alice", "user"), "a", null);
        NewApiKey b = apiKeys.create(password("bob", "user"), "b", null);
        assertEquals(List.of(a.keyId()), ids(apiKeys.list(password("alice", "user"), null)));
        assertEquals(List.of(a.keyId()), ids(apiKeys.list(password("alice", "user"), "alice")));
        assertEquals(List.of(b.keyId()), ids(apiKeys.list(password("bob", "user"), null)));
        ApiKeyRefusedException e = assertThrows(ApiKeyRefusedException.class,
                () -> apiKeys.list(password("bob", "user"), "alice"));
        assertEquals(ApiKeyRefusedException.Reason.NOT_ALLOWED, e.reason());
        assertTrue(e.getMessage().contains("admin"), e.getMessage());
        assertEquals(List.of(a.keyId()), ids(apiKeys.list(password("root", "admin"), "alice")));
        assertThrows(IllegalArgumentException.class, () -> apiKeys.list(password("root", "admin"), " "));
    }

    @Test
    void callersRevokeTheirOwnKeysAndOnlyAnAdminRevokesAnyones() {
        NewApiKey a = apiKeys.create(password("alice", "user"), "a", null);
        ApiKeyRefusedException e = assertThrows(ApiKeyRefusedException.class,
                () -> apiKeys.revoke(password("bob", "user"), a.keyId()));
        assertEquals(ApiKeyRefusedException.Reason.NO_SUCH_KEY, e.reason());
        ApiKeyRefusedException unknown = assertThrows(ApiKeyRefusedException.class,
                () -> apiKeys.revoke(password("bob", "user"), "a".repeat(12)));
        assertEquals(e.getMessage().replace(a.keyId(), "<id>"), unknown.getMessage().replace("a".repeat(12), "<id>"),
                "another's key is answered as no key at all");
        assertTrue(apiKeys.verify(a.key()).ok(), "bob revoked nothing");

        assertTrue(apiKeys.revoke(password("root", "admin"), a.keyId()));
        assertFalse(apiKeys.revoke(password("alice", "user"), a.keyId()), "already revoked");
        assertEquals(Optional.of(AuthResult.Failure.REVOKED), apiKeys.verify(a.key()).failure());
        AuditEvent revoked = sink.events.stream().filter(ev -> ev.type().equals("api-key.revoked")
                && ev.outcome() == AuditEvent.Outcome.SUCCESS).findFirst().orElseThrow();
        assertEquals("root", revoked.actor().id());
    }

    @Test
    void aKeyDrawsOnItsOwnersRateLimitBudgetUnlessConfiguredPerKey() {
        NewApiKey issued = apiKeys.create(password("alice", "user"), "a", null);
        Principal viaKey = apiKeys.verify(issued.key()).principal();
        assertEquals("alice", apiKeys.rateLimitSubject(viaKey));
        assertEquals("alice", apiKeys.rateLimitSubject(password("alice", "user").principal()));
        ApiKeys perKey = ApiKeys.builder(store).clock(clock).rateLimitPerKey(true).build();
        assertEquals("apikey:" + issued.keyId(), perKey.rateLimitSubject(viaKey));
        assertEquals("alice", perKey.rateLimitSubject(password("alice", "user").principal()));
        assertEquals("maxLiveKeys was already set", assertThrows(IllegalStateException.class,
                () -> ApiKeys.builder(store).maxLiveKeys(2).maxLiveKeys(3)).getMessage());
        assertEquals("maxLiveKeys must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> ApiKeys.builder(store).maxLiveKeys(0)).getMessage());
    }

    private static List<String> ids(List<ApiKeyRecord> records) {
        return records.stream().map(ApiKeyRecord::keyId).collect(Collectors.toList());
    }
}
