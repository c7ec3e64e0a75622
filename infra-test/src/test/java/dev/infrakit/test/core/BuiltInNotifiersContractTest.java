package dev.infrakit.test.core;

import dev.infrakit.core.notify.*;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.sun.net.httpserver.HttpServer;
import dev.infrakit.test.contract.NotifierContract;
import dev.infrakit.test.contract.RemoteNotifierContract;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** {@link NotifierContract} for every built-in notifier, each against a real destination started by the test. */
class BuiltInNotifiersContractTest {
    @Nested
    class Log extends NotifierContract {
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        private Logger logger;

        @BeforeEach
        void attach() {
            logger = (Logger) LoggerFactory.getLogger("test.notifier.contract");
            appender.start();
            logger.addAppender(appender);
            logger.setAdditive(false);
            logger.setLevel(Level.INFO);
        }

        @AfterEach
        void detach() {
            logger.detachAppender(appender);
        }

        @Override
        protected Notifier createNotifier() {
            return Slf4jNotifier.create(logger);
        }

        @Override
        protected List<String> delivered() {
            synchronized (appender.list) {
                return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            }
        }

        @Override
        protected List<String> secrets() {
            return List.of();
        }
    }

    /** Against a local HTTP server: the path under /ok answers 200, under /fail 500. */
    @Nested
    class Webhook extends RemoteNotifierContract {
        private static final String TOKEN = "T000/B000/hidden-webhook-token";
        private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());
        private HttpServer server;

        @BeforeEach
        void start() throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                boolean ok = exchange.getRequestURI().getPath().startsWith("/ok/");
                if (ok) {
                    bodies.add(new String(body, StandardCharsets.UTF_8));
                }
                exchange.sendResponseHeaders(ok ? 200 : 500, -1);
                exchange.close();
            });
            server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
            server.start();
        }

        @AfterEach
        void stop() {
            server.stop(0);
        }

        private URI url(String prefix) {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + prefix + TOKEN);
        }

        @Override
        protected Notifier createNotifier() {
            return WebhookNotifier.builder(url("/ok/")).build();
        }

        @Override
        protected Notifier createFailingNotifier() {
            return WebhookNotifier.builder(url("/fail/")).maxAttempts(1).build();
        }

        @Override
        protected List<String> delivered() {
            synchronized (bodies) {
                return List.copyOf(bodies);
            }
        }

        @Override
        protected List<String> secrets() {
            return List.of(TOKEN, "hidden-webhook-token");
        }
    }

    /** Against GreenMail on a free port; the failing one against a port nothing listens on. */
    @Nested
    class Email extends RemoteNotifierContract {
        private static final String PASSWORD = "pa55word-secret";

        @RegisterExtension
        final GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
                .withConfiguration(GreenMailConfiguration.aConfig().withUser("alerts@example.com", "alerts", PASSWORD));

        private Notifier notifier(int port) {
            return EmailNotifier.builder("127.0.0.1", port).startTls(EmailNotifier.StartTls.OFF)
                    .credentials("alerts", PASSWORD.toCharArray()).timeout(Duration.ofSeconds(5))
                    .from("alerts@example.com").to("oncall@example.com").build();
        }

        @Override
        protected Notifier createNotifier() {
            return notifier(smtp.getSmtp().getPort());
        }

        @Override
        protected Notifier createFailingNotifier() throws Exception {
            int closed;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = socket.getLocalPort();
            }
            return notifier(closed);
        }

        @Override
        protected List<String> delivered() throws Exception {
            List<String> subjects = new ArrayList<>();
            for (MimeMessage message : smtp.getReceivedMessages()) {
                subjects.add(message.getSubject());
            }
            return subjects;
        }

        @Override
        protected List<String> secrets() {
            return List.of(PASSWORD);
        }
    }
}
