package dev.infrakit.benchmarks;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.FileAppender;
import dev.infrakit.audit.Actor;
import dev.infrakit.audit.AuditEvent;
import dev.infrakit.audit.AuditJson;
import dev.infrakit.audit.Durability;
import dev.infrakit.audit.JsonLinesAuditSink;
import dev.infrakit.audit.Resource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Recording one audit event. Asynchronous: Infrakit's ASYNC sink (blocking when full: nothing
 * dropped) against Logback's {@code AsyncAppender} writing the same JSON line to a file, configured
 * not to discard (discarding threshold 0, never-block off). Durable: Infrakit's DURABLE sink (group
 * commit) against appending each line and calling {@code force} before returning; run these with
 * {@code -t 16}, since group commit pays off with concurrent writers. Both write to the working
 * directory's file system.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AuditSinkBenchmark {
    static final byte[] KEY = "benchmark-key-of-at-least-32-bytes-long!".getBytes(StandardCharsets.UTF_8);

    static AuditEvent event() {
        return AuditEvent.builder(AuditEvent.Category.DATA_ACCESS, "data.read").actor(Actor.user("alice")
                .from("203.0.113.7", "bench/1.0")).action("read").resource(Resource.of("credential", "billing-db"))
                .detail("rows", 1).build();
    }

    /** Temporary directories, removed after the run. */
    abstract static class Files0 {
        Path dir;

        void create(String prefix) throws IOException {
            dir = Files.createTempDirectory(Path.of("."), prefix);
        }

        void delete() throws IOException {
            TempFiles.deleteTree(dir);
        }
    }

    /** An Infrakit file sink set up by a subclass; no event may be rejected. */
    abstract static class InfrakitSink extends Files0 {
        JsonLinesAuditSink sink;
        AuditEvent event;

        abstract JsonLinesAuditSink.Builder configure(JsonLinesAuditSink.Builder builder);

        @Setup
        public void setUp() throws IOException {
            create("audit-" + getClass().getSimpleName());
            sink = configure(JsonLinesAuditSink.builder(dir, KEY)).build();
            event = event();
        }

        @TearDown
        public void tearDown() throws IOException {
            sink.close();
            if (sink.stats().rejected() != 0) {
                throw new IllegalStateException("events were rejected");
            }
            delete();
        }
    }

    /** Infrakit ASYNC. */
    @State(Scope.Benchmark)
    public static class InfrakitAsync extends InfrakitSink {
        @Override
        JsonLinesAuditSink.Builder configure(JsonLinesAuditSink.Builder builder) {
            return builder.durability(Durability.ASYNC).queue(Durability.QueueFull.BLOCK, 8192);
        }
    }

    /** Infrakit ASYNC without the HMAC chain: the chain's cost, by difference. */
    @State(Scope.Benchmark)
    public static class InfrakitAsyncUnchained extends InfrakitSink {
        @Override
        JsonLinesAuditSink.Builder configure(JsonLinesAuditSink.Builder builder) {
            return builder.durability(Durability.ASYNC).queue(Durability.QueueFull.BLOCK, 8192).chained(false);
        }
    }

    /** Infrakit DURABLE (group commit). */
    @State(Scope.Benchmark)
    public static class InfrakitDurable extends InfrakitSink {
        @Override
        JsonLinesAuditSink.Builder configure(JsonLinesAuditSink.Builder builder) {
            return builder.durability(Durability.DURABLE);
        }
    }

    /** Logback AsyncAppender over a FileAppender, not discarding. */
    @State(Scope.Benchmark)
    public static class LogbackAsync extends Files0 {
        LoggerContext context;
        Logger logger;
        AuditJson json;
        AuditEvent event;
        AsyncAppenderBase<ILoggingEvent> async;

        @Setup
        public void setUp() throws IOException {
            create("audit-logback");
            context = new LoggerContext();
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setContext(context);
            encoder.setPattern("%msg%n");
            encoder.start();
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setContext(context);
            file.setFile(dir.resolve("audit.log").toString());
            file.setEncoder(encoder);
            file.setImmediateFlush(false);
            file.start();
            async = new ch.qos.logback.classic.AsyncAppender();
            async.setContext(context);
            async.setQueueSize(8192);
            async.setDiscardingThreshold(0);
            async.setNeverBlock(false);
            async.addAppender(file);
            async.start();
            logger = context.getLogger("audit");
            logger.setAdditive(false);
            logger.addAppender(async);
            json = AuditJson.defaults();
            event = event();
        }

        @TearDown
        public void tearDown() throws IOException {
            context.stop();
            delete();
        }
    }

    /** Append, then force, per event, under a lock: what naive durable code does. */
    @State(Scope.Benchmark)
    public static class FsyncPerEvent extends Files0 {
        FileChannel channel;
        AuditJson json;
        AuditEvent event;

        @Setup
        public void setUp() throws IOException {
            create("audit-fsync");
            channel = FileChannel.open(dir.resolve("audit.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            json = AuditJson.defaults();
            event = event();
        }

        @TearDown
        public void tearDown() throws IOException {
            channel.close();
            delete();
        }

        synchronized void write(String line) throws IOException {
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
        }
    }

    @Benchmark
    public void infrakitAsync(InfrakitAsync state) {
        state.sink.record(state.event);
    }

    @Benchmark
    public void infrakitAsyncUnchained(InfrakitAsyncUnchained state) {
        state.sink.record(state.event);
    }

    @Benchmark
    public void logbackAsync(LogbackAsync state) {
        state.logger.info(state.json.toJson(state.event));
    }

    @Benchmark
    public void infrakitDurable(InfrakitDurable state) {
        state.sink.record(state.event);
    }

    @Benchmark
    public void fsyncPerEvent(FsyncPerEvent state) throws IOException {
        state.write(state.json.toJson(state.event));
    }
}
