package dev.infrakit.audit;

import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static dev.infrakit.audit.AuditFixtures.KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every setter of every configuration builder in infra-audit refuses a second call, naming the
 * setting and never the value. The setters are listed by hand (each needs a valid value), and checked against
 * the builders' public methods found by reflection, so a setter added later without a line here
 * fails the test.
 */
class AuditBuildersTest {
    private static final DataSource NO_DATABASE = (DataSource) Proxy.newProxyInstance(
            AuditBuildersTest.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                throw new UnsupportedOperationException("no database in this test");
            });

    private static ECPrivateKey p256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return (ECPrivateKey) generator.generateKeyPair().getPrivate();
    }

    /** Calls each setter twice on a fresh builder; the second call must throw naming the setting. */
    private static <B> void refusesEachSecondCall(Class<?> builderClass, Supplier<B> fresh, Map<String, Consumer<B>> setters,
                                                  Set<String> notSetters) {
        Set<String> publicSetters = Arrays.stream(builderClass.getMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getReturnType() != Object.class && m.getReturnType().isAssignableFrom(builderClass))
                .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
        publicSetters.removeAll(notSetters);
        assertEquals(publicSetters, new TreeSet<>(setters.keySet()), "every setter of " + builderClass.getSimpleName()
                + " is checked here");
        setters.forEach((name, setter) -> {
            B builder = fresh.get();
            setter.accept(builder);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> setter.accept(builder),
                    builderClass.getSimpleName() + "." + name);
            assertFalse(e.getMessage().isBlank());
            assertEquals(true, e.getMessage().endsWith(" was already set"), e.getMessage());
        });
    }

    @Test
    void jsonLinesSinkBuilder() throws Exception {
        ECPrivateKey key = p256();
        Map<String, Consumer<JsonLinesAuditSink.Builder>> setters = new LinkedHashMap<>();
        setters.put("redactor", b -> b.redactor(Redactor.defaults()));
        setters.put("durability", b -> b.durability(Durability.ASYNC));
        setters.put("queue", b -> b.queue(Durability.QueueFull.REJECT, 10));
        setters.put("checkpoints", b -> b.checkpoints(key, Duration.ofSeconds(1)));
        setters.put("clock", b -> b.clock(Clock.systemUTC()));
        setters.put("syncInterval", b -> b.syncInterval(Duration.ofSeconds(2)));
        setters.put("chained", b -> b.chained(false));
        setters.put("checkpointStore", b -> b.checkpointStore(CheckpointStore.file(Path.of("/nonexistent/cp"))));
        setters.put("checkpointMirror", b -> b.checkpointMirror(NO_DATABASE));
        setters.put("journal", b -> b.journal(0));
        setters.put("auditFiles", b -> b.auditFiles(8192, 2));
        setters.put("securityFiles", b -> b.securityFiles(8192, 2));
        refusesEachSecondCall(JsonLinesAuditSink.Builder.class,
                () -> JsonLinesAuditSink.builder(Path.of("/nonexistent/audit"), KEY), setters, Set.of());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> JsonLinesAuditSink
                .builder(Path.of("/nonexistent/audit"), KEY).checkpointStore(CheckpointStore.file(Path.of("/x")))
                .checkpointMirror(NO_DATABASE));
        assertEquals("checkpointStore was already set", e.getMessage(), "one store, however given");
    }

    @Test
    void postgresSinkBuilder() throws Exception {
        ECPrivateKey key = p256();
        Map<String, Consumer<PostgresAuditSink.Builder>> setters = new LinkedHashMap<>();
        setters.put("redactor", b -> b.redactor(Redactor.defaults()));
        setters.put("durability", b -> b.durability(Durability.ASYNC));
        setters.put("queue", b -> b.queue(Durability.QueueFull.REJECT, 10));
        setters.put("checkpoints", b -> b.checkpoints(key, Duration.ofSeconds(1)));
        setters.put("clock", b -> b.clock(Clock.systemUTC()));
        setters.put("writerId", b -> b.writerId("instance-a"));
        refusesEachSecondCall(PostgresAuditSink.Builder.class, () -> PostgresAuditSink.builder(NO_DATABASE, KEY),
                setters, Set.of());
    }

    @Test
    void theMessageNamesTheSettingAndNeverTheValue() {
        String secretLooking = "writer-with-a-secret-looking-id";
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PostgresAuditSink.builder(NO_DATABASE, KEY).writerId(secretLooking).writerId("other"));
        assertEquals("writerId was already set", e.getMessage());
    }

    @Test
    void condensingSinkBuilder() {
        MemoryAuditLog delegate = MemoryAuditLog.create();
        Map<String, Consumer<CondensingAuditSink.Builder>> setters = new LinkedHashMap<>();
        setters.put("types", b -> b.types("auth.invalid-token"));
        setters.put("perAddress", b -> b.perAddress(3));
        setters.put("window", b -> b.window(Duration.ofMinutes(1)));
        setters.put("maxAddresses", b -> b.maxAddresses(10));
        setters.put("clock", b -> b.clock(Clock.systemUTC()));
        refusesEachSecondCall(CondensingAuditSink.Builder.class, () -> CondensingAuditSink.builder(delegate), setters,
                Set.of());
    }

    @Test
    void queryBuilder() {
        Map<String, Consumer<AuditQuery.Builder>> setters = new LinkedHashMap<>();
        setters.put("between", b -> b.between(null, Instant.EPOCH));
        setters.put("actor", b -> b.actor("alice"));
        setters.put("type", b -> b.type("data.read"));
        setters.put("resource", b -> b.resource("credential", null));
        setters.put("limit", b -> b.limit(5));
        refusesEachSecondCall(AuditQuery.Builder.class, AuditQuery::builder, setters, Set.of());
    }

    /**
     * The exception: an event's builder is a value under construction that callers complete in
     * steps (a template whose outcome is set by the step that knows it), so a later value wins.
     */
    @Test
    void anEventBuilderTakesTheLastValue() {
        AuditEvent event = AuditEvent.builder(AuditEvent.Category.ADMIN, "policy.changed").actor(Actor.system())
                .action("update").outcome(AuditEvent.Outcome.PENDING).outcome(AuditEvent.Outcome.FAILURE).build();
        assertEquals(AuditEvent.Outcome.FAILURE, event.outcome());
    }

    @Test
    void metricNamesBuilder() {
        Map<String, Consumer<AuditMetricNames.Builder>> setters = new LinkedHashMap<>();
        setters.put("events", b -> b.events("app.audit.events"));
        setters.put("queue", b -> b.queue("app.audit.queue"));
        setters.put("sync", b -> b.sync("app.audit.sync"));
        refusesEachSecondCall(AuditMetricNames.Builder.class, AuditMetricNames::custom, setters, Set.of());
        assertEquals(new AuditMetricNames("app.audit.events", AuditMetricNames.DEFAULT_QUEUE, AuditMetricNames.DEFAULT_SYNC),
                AuditMetricNames.custom().events("app.audit.events").build());
        assertEquals(AuditMetricNames.DEFAULT, AuditMetricNames.ofDefaults());
    }
}
