package dev.infrakit.web.tomcat;

import jakarta.servlet.ServletContainerInitializer;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An embedded Tomcat 11 on 127.0.0.1 and an ephemeral port, with one application at the root
 * whose filters and servlets a {@link ServletContainerInitializer} adds through the Servlet API
 * (as a user's application would, and as infra-web's README shows), nothing Tomcat-specific.
 *
 * <p>Set up as infra-web-tomcat-tests' README advises for production: Tomcat's default servlet at
 * {@code /} (a web application gets it from {@code conf/web.xml}; without it a path nothing maps is
 * answered 404 before any filter runs), the error report valve without the exception report and
 * server version (otherwise Tomcat's error pages echo a rejected header line and show an
 * exception's message and stack trace), and a short {@code connectionTimeout} (Tomcat drains a
 * refused request body before it closes the connection, waiting up to that long for each read).
 * Its base directory is a temporary one, deleted by {@link #stop()}.
 */
final class EmbeddedTomcat {
    /** How long the connector waits for a client's next bytes. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);

    private final Tomcat tomcat;
    private final Path baseDir;
    private final int port;

    private EmbeddedTomcat(Tomcat tomcat, Path baseDir, int port) {
        this.tomcat = tomcat;
        this.baseDir = baseDir;
        this.port = port;
    }

    /** Starts a Tomcat with at most {@code maxThreads} request threads running {@code application}. */
    static EmbeddedTomcat start(int maxThreads, ServletContainerInitializer application)
            throws IOException, LifecycleException {
        Path baseDir = Files.createTempDirectory("infrakit-tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setSilent(true);
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxThreads", Integer.toString(maxThreads));
        connector.setProperty("minSpareThreads", "1");
        connector.setProperty("connectionTimeout", Long.toString(CONNECTION_TIMEOUT.toMillis()));
        tomcat.setConnector(connector);
        ErrorReportValve errors = new ErrorReportValve();
        errors.setShowReport(false);
        errors.setShowServerInfo(false);
        tomcat.getHost().getPipeline().addValve(errors);
        StandardContext context = (StandardContext) tomcat.addContext("", baseDir.toString());
        // Leak detection for redeployed web applications: there is one class loader here, and
        // on Java 17 it only warns that it needs --add-opens.
        context.setClearReferencesRmiTargets(false);
        context.setClearReferencesThreadLocals(false);
        Tomcat.addServlet(context, "default", new DefaultServlet());
        context.addServletMapping("/", "default");
        context.addServletContainerInitializer(application, null);
        tomcat.start();
        return new EmbeddedTomcat(tomcat, baseDir, connector.getLocalPort());
    }

    /** The port the connector listens on. */
    int port() {
        return port;
    }

    /** Stops the server and deletes its base directory. */
    void stop() throws LifecycleException {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            try (Stream<Path> files = Files.walk(baseDir)) {
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not delete Tomcat's base directory " + baseDir, e);
            }
        }
    }
}
