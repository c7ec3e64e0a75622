package dev.infrakit.audit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sink's output through a real logback encoder, as a log file or a terminal receives it. */
class Slf4jAuditSinkTest {
    private static final String HOSTILE = "a\rERROR forged\nb\u0085c\u2028d\u2029e\u001b[2Jf\u009bg\u007fh\u0000i";

    @Test
    void anEventWithLineBreaksAndControlsInItsFieldsIsOneLineOfJsonThatReadsBackTheSame() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("test.audit.forged");
        LoggerContext context = logger.getLoggerContext();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %msg%n");
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        logger.addAppender(appender);
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);

        Slf4jAuditSink.create(logger, Redactor.defaults()).record(AuditEvent.builder(AuditEvent.Category.DATA_ACCESS,
                "data.read").actor(Actor.user("alice")).action("read").resource(Resource.of("credential", "db")).reason(HOSTILE).detail("note", HOSTILE).build());
        appender.stop();

        String written = out.toString(StandardCharsets.UTF_8);
        assertTrue(written.startsWith("INFO {"), written);
        String line = written.substring("INFO ".length(), written.length() - System.lineSeparator().length());
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            assertFalse(c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029',
                    "U+" + Integer.toHexString(c) + " at " + i + " in " + line);
        }
        JsonNode json = new ObjectMapper().readTree(line);
        assertEquals(HOSTILE, json.get("reason").asText());
    }
}
