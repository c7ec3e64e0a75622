package dev.infrakit.web;

import java.io.ByteArrayInputStream;
import java.util.List;

/**
 * Run by {@link LightRuntimeIT} in a JVM holding only infra-web's runtime jars (no Servlet API):
 * the neutral core works. Prints one line per step.
 */
public final class LightWebMain {
    private LightWebMain() {
    }

    public static void main(String[] args) throws Exception {
        BodyLimit limit = BodyLimit.of(4);
        System.out.println("declared 5: " + limit.checkDeclared(List.of("5")).orElseThrow().status());
        try {
            limit.limit(new ByteArrayInputStream(new byte[5])).readAllBytes();
            System.out.println("read past the limit");
        } catch (BodyTooLargeException e) {
            System.out.println("streamed 5: " + e.getMessage());
        }
        System.out.println("headers: " + SecurityHeaders.defaults().headers().size());
        System.out.println("route: " + RouteTemplates.of("/users/{name}").match("/users/alice") + " "
                + HttpMetricTags.method("BREW") + " " + HttpMetricTags.outcome(503));
        try {
            Class.forName("jakarta.servlet.Filter");
            System.out.println("present: jakarta.servlet.Filter");
        } catch (ClassNotFoundException e) {
            System.out.println("absent: jakarta.servlet.Filter");
        }
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry");
            System.out.println("present: micrometer");
        } catch (ClassNotFoundException e) {
            System.out.println("absent: micrometer");
        }
    }
}
