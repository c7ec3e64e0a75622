package dev.infrakit.core.health;

import dev.infrakit.core.http.ClientText;
import dev.infrakit.core.Arguments;
import dev.infrakit.core.Config;
import dev.infrakit.core.Providers;
import dev.infrakit.core.Ticker;
import dev.infrakit.core.notify.Notification;
import dev.infrakit.core.notify.Notifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs {@link HealthCheck}s and aggregates their results into {@link HealthReport}s.
 *
 * <pre>{@code
 * HealthRegistry health = HealthRegistry.builder()
 *         .defaultTimeout(Duration.ofSeconds(2))
 *         .notifier(WebhookNotifier.builder(webhookUri).build(), Duration.ofMinutes(5))
 *         .build();
 * health.register(DataSourceHealthCheck.builder(dataSource).build());
 * health.register(DiskSpaceHealthCheck.builder(Path.of("/var/lib/app")).build());
 * server.createContext("/health", HealthHandler.of(health));   // infra-web: dev.infrakit.web.jdk
 * }</pre>
 *
 * <h2>How checks run</h2>
 * Every evaluation starts all selected checks at once on a bounded executor and waits for each
 * until its own deadline (its timeout, else the registry's default). A check that has not finished
 * by then is reported DOWN "timed out after 2s" and the answer goes out without it; it keeps
 * running in the background, and while it does, later evaluations do not start it again (so a
 * hung dependency cannot eat the thread pool) but report it timed out at once. A check that
 * throws is DOWN with the exception's message; stack traces go to the debug log only.
 *
 * <h2>Modes</h2>
 * <ul>
 *   <li>On demand (default): every {@link #check()} runs the checks.</li>
 *   <li>Cached: {@link Builder#cacheTtl(Duration)} reuses a result younger than the TTL, so a
 *       load balancer probing every second does not hammer the database.</li>
 *   <li>Background: {@link Builder#backgroundEvaluation(Duration, Duration)} runs the checks at a
 *       fixed period; {@link #check()} only reads the latest results, and a result older than the
 *       maximum age turns DOWN "stale", so a stuck scheduler cannot hide an outage.</li>
 * </ul>
 *
 * <h2>Notifications</h2>
 * With a {@link Notifier}, a notification goes out when a check's status changes (not on every
 * evaluation), at most once per check per minimum interval, so a flapping check cannot flood the
 * channel; when the interval has passed and the status still differs from the last one sent, the
 * new status is sent. A check that starts UP is not news. Notifications are sent from a dedicated
 * thread through a bounded queue; a full queue or a failing notifier is logged and counted
 * ({@link #droppedNotifications()}, {@link #failedNotifications()}), never thrown at the caller.
 *
 * <p>Thread-safe. {@link #close()} stops the background evaluation and the threads the registry
 * created.
 */
public final class HealthRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthRegistry.class);

    private final Map<String, CheckRunner> runners = new ConcurrentHashMap<>();
    private final Duration defaultTimeout;
    private final Duration cacheTtl;
    private final Duration backgroundPeriod;
    private final Duration maxAge;
    private final Clock clock;
    private final Ticker ticker;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final ScheduledExecutorService scheduler;
    private final AutoCloseable backgroundTask;
    private final List<Notifier> notifiers;
    private final Duration notificationInterval;
    private final ThreadPoolExecutor notificationThread;
    private final String serviceId;
    private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong droppedNotifications = new AtomicLong();
    private final AtomicLong failedNotifications = new AtomicLong();
    private volatile boolean closed;

    private HealthRegistry(Builder b) {
        this.defaultTimeout = b.defaultTimeout != null ? b.defaultTimeout : Duration.ofSeconds(2);
        this.cacheTtl = b.cacheTtl;
        this.backgroundPeriod = b.backgroundPeriod;
        this.maxAge = b.maxAge;
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        this.ticker = b.ticker != null ? b.ticker : Ticker.systemTicker();
        this.serviceId = b.serviceId;
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownedExecutor = null;
        } else {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(0, b.maxThreads != null ? b.maxThreads : 64, 60,
                    TimeUnit.SECONDS,
                    new SynchronousQueue<>(), daemonThreads("infrakit-health-"));
            this.executor = pool;
            this.ownedExecutor = pool;
        }
        this.notifiers = List.copyOf(b.notifiers);
        this.notificationInterval = b.notificationInterval;
        this.notificationThread = notifiers.isEmpty() ? null : new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(b.notificationQueueSize != null ? b.notificationQueueSize : 1000),
                daemonThreads("infrakit-health-notify-"));
        if (backgroundPeriod != null && b.periodicScheduler != null) {
            this.scheduler = null;
            this.backgroundTask = b.periodicScheduler.schedule(this::evaluateInBackground, backgroundPeriod);
        } else if (backgroundPeriod != null) {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("infrakit-health-scheduler-"));
            java.util.concurrent.ScheduledFuture<?> task = scheduler.scheduleAtFixedRate(this::evaluateInBackground, 0,
                    backgroundPeriod.toNanos(), TimeUnit.NANOSECONDS);
            this.backgroundTask = () -> task.cancel(true);
        } else {
            this.scheduler = null;
            this.backgroundTask = null;
        }
    }

    /** A builder with defaults: on-demand evaluation, 2 s timeout, up to 64 check threads. */
    public static Builder builder() {
        return new Builder();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    // ------------------------------------------------------------------ registration

    /**
     * Adds a check.
     *
     * @return this registry
     * @throws IllegalArgumentException if a check with the same name is registered
     */
    public HealthRegistry register(HealthCheck check) {
        Objects.requireNonNull(check, "check");
        String name = HealthChecks.requireName(check.name());
        Duration timeout = check.timeout().map(t -> HealthChecks.requirePositive("timeout of " + name, t))
                .orElse(defaultTimeout);
        CheckRunner runner = new CheckRunner(check, name, timeout);
        if (runners.putIfAbsent(name, runner) != null) {
            throw new IllegalArgumentException("A health check named '" + name + "' is already registered");
        }
        listeners.forEach(l -> l.onRegistered(name));
        return this;
    }

    /**
     * Creates and registers the checks of every {@link HealthCheckProvider} on the class path, or
     * only those named in {@code infrakit.health.checks} (a list) when it is set.
     *
     * @param config configuration passed to each provider's {@code create}
     * @return the names of the checks registered
     * @throws dev.infrakit.core.ProviderException if a named provider is missing or fails
     */
    public List<String> registerProviders(Config config) {
        Providers<HealthCheckProvider> providers = Providers.discover(HealthCheckProvider.class);
        List<String> selected = config.getList("infrakit.health.checks", providers.names());
        List<String> registered = new ArrayList<>();
        for (String name : selected) {
            HealthCheck check = providers.select(name).create(config);
            register(check);
            registered.add(check.name());
        }
        return registered;
    }

    /** Removes the named check; returns whether it was registered. */
    public boolean unregister(String name) {
        return runners.remove(name) != null;
    }

    /** The names of the registered checks, sorted. */
    public Set<String> names() {
        return Set.copyOf(new TreeMap<>(runners).keySet());
    }

    /** Whether any registered check belongs to {@code group}. */
    public boolean hasGroup(String group) {
        return runners.values().stream().anyMatch(r -> r.check.groups().contains(group));
    }

    /** The latest completed result of the named check, if it ran. */
    public Optional<HealthResult> lastResult(String name) {
        CheckRunner runner = runners.get(name);
        return runner == null ? Optional.empty() : Optional.ofNullable(runner.last);
    }

    // ------------------------------------------------------------------ evaluation

    /** Evaluates every check. See the class comment for timeouts, caching and background mode. */
    public HealthReport check() {
        return evaluate(null);
    }

    /** Evaluates the checks of {@code group} ({@link HealthCheck#LIVENESS}, {@link HealthCheck#READINESS}, …). */
    public HealthReport check(String group) {
        return evaluate(Objects.requireNonNull(group, "group"));
    }

    private List<CheckRunner> select(String group) {
        List<CheckRunner> selected = new ArrayList<>();
        for (CheckRunner runner : runners.values()) {
            if (group == null || runner.check.groups().contains(group)) {
                selected.add(runner);
            }
        }
        return selected;
    }

    private HealthReport evaluate(String group) {
        if (closed) {
            throw new IllegalStateException("This HealthRegistry is closed");
        }
        long started = ticker.read();
        List<CheckRunner> selected = select(group);
        Map<String, HealthResult> results = new TreeMap<>();
        if (backgroundPeriod != null) {
            for (CheckRunner runner : selected) {
                results.put(runner.name, runner.backgroundView());
            }
        } else {
            results.putAll(run(selected, true));
        }
        return report(selected, results, started);
    }

    /**
     * Runs every check now and stores the results, as one background round does; returns when all
     * finished or timed out. In background mode this refreshes what {@link #check()} reports
     * without waiting for the next period.
     */
    public void refresh() {
        if (closed) {
            throw new IllegalStateException("This HealthRegistry is closed");
        }
        run(select(null), false);
    }

    private void evaluateInBackground() {
        try {
            run(select(null), false);
        } catch (RuntimeException e) {
            LOG.error("Background health evaluation failed", e);
        }
    }

    /** Starts a periodic task; the returned handle cancels it. A seam for tests. */
    @FunctionalInterface
    interface PeriodicScheduler {
        AutoCloseable schedule(Runnable task, Duration period);
    }

    /**
     * Starts (or joins) each check and waits for each until its deadline. Deadlines use real time
     * ({@link System#nanoTime()}), since waiting cannot be simulated; durations, ages and TTLs use
     * the configured ticker.
     */
    private Map<String, HealthResult> run(List<CheckRunner> selected, boolean useCache) {
        Map<String, HealthResult> results = new TreeMap<>();
        List<CheckRunner> waiting = new ArrayList<>();
        List<CompletableFuture<HealthResult>> futures = new ArrayList<>();
        for (CheckRunner runner : selected) {
            HealthResult cached = useCache ? runner.cached() : null;
            if (cached != null) {
                results.put(runner.name, cached);
            } else {
                waiting.add(runner);
                futures.add(runner.start());
            }
        }
        for (int i = 0; i < waiting.size(); i++) {
            CheckRunner runner = waiting.get(i);
            CompletableFuture<HealthResult> future = futures.get(i);
            HealthResult result;
            long remaining = runner.deadlineNanos() - System.nanoTime();
            try {
                result = remaining > 0 ? future.get(remaining, TimeUnit.NANOSECONDS) : future.getNow(null);
            } catch (TimeoutException e) {
                result = null;
            } catch (ExecutionException e) {
                result = HealthResult.down(CheckRunner.describe(e.getCause())).build()
                        .withTiming(clock.instant(), Duration.ZERO);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for health checks", e);
            }
            if (result == null) {
                result = runner.timedOut();
            }
            results.put(runner.name, result);
            afterResult(runner, result);
        }
        return results;
    }

    private HealthReport report(List<CheckRunner> selected, Map<String, HealthResult> results, long started) {
        HealthStatus status = HealthStatus.UP;
        List<String> nonCritical = new ArrayList<>();
        for (CheckRunner runner : selected) {
            HealthStatus s = results.get(runner.name).status();
            if (!runner.check.critical()) {
                nonCritical.add(runner.name);
                if (s == HealthStatus.DOWN) {
                    s = HealthStatus.DEGRADED;
                }
            }
            status = status.worst(s);
        }
        return new HealthReport(status, clock.instant(), Duration.ofNanos(ticker.read() - started), results,
                serviceId, Set.copyOf(nonCritical));
    }

    private void afterResult(CheckRunner runner, HealthResult result) {
        for (HealthListener listener : listeners) {
            try {
                listener.onResult(runner.name, result);
            } catch (RuntimeException e) {
                LOG.warn("Health listener {} failed for check '{}'", listener, runner.name, e);
            }
        }
        if (notificationThread != null) {
            Notification notification = runner.transition(result);
            if (notification != null) {
                dispatch(notification);
            }
        }
    }

    private void dispatch(Notification notification) {
        for (Notifier notifier : notifiers) {
            try {
                notificationThread.execute(() -> {
                    try {
                        notifier.send(notification);
                    } catch (RuntimeException e) {
                        failedNotifications.incrementAndGet();
                        LOG.warn("Notifier {} could not send '{}': {}", notifier.name(),
                                ClientText.forLog(notification.title(), 512), ClientText.forLog(e.getMessage(), 1000));
                    }
                });
            } catch (RejectedExecutionException e) {
                droppedNotifications.incrementAndGet();
                LOG.warn("Notification queue full or closed; not sent to {}: {}", notifier.name(),
                        ClientText.forLog(notification.title(), 512));
            }
        }
    }

    void addListener(HealthListener listener) {
        listeners.add(listener);
    }

    /** Notifications that could not be queued (queue full), since start. */
    public long droppedNotifications() {
        return droppedNotifications.get();
    }

    /** Notifications a notifier failed to deliver, since start. */
    public long failedNotifications() {
        return failedNotifications.get();
    }

    /** Stops background evaluation and the threads this registry created. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (backgroundTask != null) {
            try {
                backgroundTask.close();
            } catch (Exception e) {
                LOG.warn("Could not cancel background health evaluation", e);
            }
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
        if (notificationThread != null) {
            notificationThread.shutdown();
            try {
                if (!notificationThread.awaitTermination(5, TimeUnit.SECONDS)) {
                    notificationThread.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                notificationThread.shutdownNow();
            }
        }
    }

    /** Receives every result the registry produces; used by {@link HealthMetrics}. */
    interface HealthListener {
        void onRegistered(String check);

        void onResult(String check, HealthResult result);
    }

    /**
     * The state of one registered check: its in-flight run (at most one), its latest result and
     * its notification state.
     */
    private final class CheckRunner {
        final HealthCheck check;
        final String name;
        final Duration timeout;
        private CompletableFuture<HealthResult> inFlight;
        private long inFlightSinceNanos;
        volatile HealthResult last;
        private volatile long lastTick;
        // Notification state, guarded by "this".
        private HealthStatus notifiedStatus = HealthStatus.UP;
        private long notifiedTick;
        private boolean notifiedOnce;

        CheckRunner(HealthCheck check, String name, Duration timeout) {
            this.check = check;
            this.name = name;
            this.timeout = timeout;
        }

        HealthResult cached() {
            HealthResult result = last;
            if (cacheTtl != null && result != null && ticker.read() - lastTick < cacheTtl.toNanos()) {
                return result;
            }
            return null;
        }

        HealthResult backgroundView() {
            HealthResult result = last;
            if (result == null) {
                return HealthResult.down("not evaluated yet").build().withTiming(clock.instant(), Duration.ZERO);
            }
            long age = ticker.read() - lastTick;
            if (age > maxAge.toNanos()) {
                return result.withStatus(HealthStatus.DOWN, "stale: last evaluated " + Duration.ofNanos(age).toSeconds()
                        + "s ago (maximum age " + maxAge.toSeconds() + "s)" + result.output().map(o -> "; " + o).orElse(""));
            }
            return result;
        }

        synchronized CompletableFuture<HealthResult> start() {
            if (inFlight != null && !inFlight.isDone()) {
                return inFlight;
            }
            CompletableFuture<HealthResult> future = new CompletableFuture<>();
            inFlight = future;
            inFlightSinceNanos = System.nanoTime();
            try {
                executor.execute(() -> runCheck(future));
            } catch (RejectedExecutionException e) {
                future.complete(HealthResult.down("not run: the health executor rejected it (" + e.getMessage() + ")")
                        .build().withTiming(clock.instant(), Duration.ZERO));
            }
            return future;
        }

        synchronized long deadlineNanos() {
            return inFlightSinceNanos + timeout.toNanos();
        }

        private void runCheck(CompletableFuture<HealthResult> future) {
            long begin = ticker.read();
            HealthResult result;
            try {
                result = check.check();
                if (result == null) {
                    result = HealthResult.down("the check returned no result").build();
                }
            } catch (Throwable e) {
                LOG.debug("Health check '{}' failed", name, e);
                result = HealthResult.down(describe(e)).build();
                if (e instanceof VirtualMachineError) {
                    complete(future, result, begin);
                    throw (VirtualMachineError) e;
                }
            }
            complete(future, result, begin);
        }

        private void complete(CompletableFuture<HealthResult> future, HealthResult result, long begin) {
            long end = ticker.read();
            HealthResult timed = result.withTiming(clock.instant(), Duration.ofNanos(end - begin));
            last = timed;
            lastTick = end;
            future.complete(timed);
        }

        HealthResult timedOut() {
            long runningFor = System.nanoTime() - inFlightSinceNanosSnapshot();
            String output = "timed out after " + format(timeout)
                    + (runningFor > timeout.toNanos() * 2 ? " (still running after " + format(Duration.ofNanos(runningFor)) + ")" : "");
            HealthResult result = HealthResult.down(output).build().withTiming(clock.instant(), timeout);
            // Remembered like any result, so background mode and the metrics see the timeout.
            last = result;
            lastTick = ticker.read();
            return result;
        }

        private synchronized long inFlightSinceNanosSnapshot() {
            return inFlightSinceNanos;
        }

        /** The notification for this result, if it is news under the minimum interval. */
        synchronized Notification transition(HealthResult result) {
            HealthStatus status = result.status();
            long now = ticker.read();
            if (status == notifiedStatus) {
                return null;
            }
            if (notifiedOnce && now - notifiedTick < notificationInterval.toNanos()) {
                return null;
            }
            HealthStatus previous = notifiedStatus;
            notifiedStatus = status;
            notifiedTick = now;
            notifiedOnce = true;
            Notification.Severity severity = status == HealthStatus.UP ? Notification.Severity.INFO
                    : status == HealthStatus.DEGRADED || !check.critical() ? Notification.Severity.WARNING
                    : Notification.Severity.CRITICAL;
            String title = status == HealthStatus.UP ? "Health check '" + name + "' recovered"
                    : "Health check '" + name + "' is " + status;
            Map<String, String> fields = new TreeMap<>();
            fields.put("previous", previous.name());
            fields.put("status", status.name());
            fields.put("critical", Boolean.toString(check.critical()));
            result.observedValue().ifPresent(v -> fields.put("observed",
                    v + result.observedUnit().map(u -> " " + u).orElse("")));
            if (serviceId != null) {
                fields.put("service", serviceId);
            }
            return new Notification("health:" + name, severity, title, result.output().orElse(""), clock.instant(),
                    fields);
        }

        static String describe(Throwable e) {
            String message = e.getMessage();
            return message == null || message.isBlank() ? e.getClass().getSimpleName()
                    : e.getClass().getSimpleName() + ": " + message.strip().replaceAll("\\s+", " ");
        }
    }

    private static String format(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /**
     * Builds a {@link HealthRegistry}; validates each setting at once. Notifiers are added; every
     * other setting may be given once (a second call, also through {@link #config}, throws
     * {@link IllegalStateException}). Not thread-safe.
     */
    public static final class Builder {
        private Duration defaultTimeout;
        private Duration cacheTtl;
        private Duration backgroundPeriod;
        private Duration maxAge;
        private Clock clock;
        private Ticker ticker;
        private Executor executor;
        private Integer maxThreads;
        private final List<Notifier> notifiers = new ArrayList<>();
        private Duration notificationInterval = Duration.ofMinutes(5);
        private Integer notificationQueueSize;
        private String serviceId;
        private PeriodicScheduler periodicScheduler;

        private Builder() {
        }

        Builder periodicScheduler(PeriodicScheduler scheduler) {
            this.periodicScheduler = scheduler;
            return this;
        }

        /**
         * The timeout of checks that declare none (default 2 s).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder defaultTimeout(Duration timeout) {
            Arguments.setOnce(defaultTimeout, "defaultTimeout");
            this.defaultTimeout = HealthChecks.requirePositive("defaultTimeout", timeout);
            return this;
        }

        /**
         * Reuses a result younger than {@code ttl} instead of running the check again.
         *
         * @throws IllegalStateException if it was already set, or background evaluation was chosen
         */
        public Builder cacheTtl(Duration ttl) {
            Arguments.setOnce(cacheTtl, "cacheTtl");
            if (backgroundPeriod != null) {
                throw new IllegalStateException("cacheTtl and backgroundEvaluation exclude each other");
            }
            this.cacheTtl = HealthChecks.requirePositive("cacheTtl", ttl);
            return this;
        }

        /**
         * Runs all checks every {@code period} in the background; reports only read the latest
         * results, and a result older than {@code maxAge} is reported DOWN "stale".
         *
         * @throws IllegalArgumentException unless {@code maxAge} exceeds {@code period}
         * @throws IllegalStateException if it was already set, or a cache TTL was chosen
         */
        public Builder backgroundEvaluation(Duration period, Duration maxAge) {
            Arguments.setOnce(backgroundPeriod, "backgroundEvaluation");
            if (cacheTtl != null) {
                throw new IllegalStateException("cacheTtl and backgroundEvaluation exclude each other");
            }
            this.backgroundPeriod = HealthChecks.requirePositive("period", period);
            this.maxAge = HealthChecks.requirePositive("maxAge", maxAge);
            if (maxAge.compareTo(period) <= 0) {
                throw new IllegalArgumentException("maxAge (" + maxAge + ") must exceed the period (" + period
                        + "), or every result would be stale");
            }
            return this;
        }

        /**
         * The clock that stamps results (default UTC system clock).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder clock(Clock clock) {
            Arguments.setOnce(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The ticker for durations, cache age and notification intervals (default system ticker).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder ticker(Ticker ticker) {
            Arguments.setOnce(this.ticker, "ticker");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Runs checks on {@code executor} (not shut down by the registry) instead of the registry's own pool.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder executor(Executor executor) {
            Arguments.setOnce(this.executor, "executor");
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The maximum threads of the registry's own pool (default 64).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder maxThreads(int maxThreads) {
            Arguments.setOnce(this.maxThreads, "maxThreads");
            if (maxThreads < 1) {
                throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
            }
            this.maxThreads = maxThreads;
            return this;
        }

        /**
         * Sends status changes to {@code notifier}, at most once per check per {@code minInterval}.
         * May be called several times; the interval of the last call applies to all.
         */
        public Builder notifier(Notifier notifier, Duration minInterval) {
            notifiers.add(Objects.requireNonNull(notifier, "notifier"));
            this.notificationInterval = Arguments.notNegative(minInterval, "minInterval");
            return this;
        }

        /**
         * How many notifications may wait to be sent before new ones are dropped and counted (default 1000).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder notificationQueueSize(int size) {
            Arguments.setOnce(notificationQueueSize, "notificationQueueSize");
            if (size < 1) {
                throw new IllegalArgumentException("notificationQueueSize must be at least 1, got " + size);
            }
            this.notificationQueueSize = size;
            return this;
        }

        /**
         * An id rendered as {@code serviceId} in reports and added to notifications.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder serviceId(String serviceId) {
            Arguments.setOnce(this.serviceId, "serviceId");
            this.serviceId = Objects.requireNonNull(serviceId, "serviceId");
            return this;
        }

        /**
         * Applies {@code infrakit.health.*} settings: {@code timeout}, {@code cache-ttl},
         * {@code background-period} with {@code max-age}, {@code max-threads}, {@code service-id}.
         *
         * @throws dev.infrakit.core.ConfigException naming the bad key
         */
        public Builder config(Config config) {
            Config health = config.section("infrakit.health");
            if (health.has("timeout")) {
                Duration timeout = health.getDuration("timeout");
                if (timeout.isZero()) {
                    throw health.invalid("timeout", "expected a positive duration");
                }
                defaultTimeout(timeout);
            }
            if (health.has("cache-ttl")) {
                cacheTtl(positive(health, "cache-ttl"));
            }
            if (health.has("background-period")) {
                Duration period = positive(health, "background-period");
                Duration age = health.getDuration("max-age", period.multipliedBy(3));
                if (age.compareTo(period) <= 0) {
                    throw health.invalid("max-age", "expected more than background-period (" + period + ")");
                }
                if (cacheTtl != null) {
                    throw health.invalid("background-period", "expected cache-ttl or background-period, not both");
                }
                backgroundEvaluation(period, age);
            }
            if (health.has("max-threads")) {
                int threads = health.getInt("max-threads");
                if (threads < 1) {
                    throw health.invalid("max-threads", "expected at least 1");
                }
                maxThreads(threads);
            }
            health.find("service-id").ifPresent(this::serviceId);
            return this;
        }

        private static Duration positive(Config config, String key) {
            Duration value = config.getDuration(key);
            if (value.isZero()) {
                throw config.invalid(key, "expected a positive duration");
            }
            return value;
        }

        /** The registry; starts background evaluation if configured. */
        public HealthRegistry build() {
            return new HealthRegistry(this);
        }
    }
}
