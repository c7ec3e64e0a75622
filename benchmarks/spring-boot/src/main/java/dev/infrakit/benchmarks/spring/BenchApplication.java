package dev.infrakit.benchmarks.spring;

import java.lang.management.ManagementFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The application both benchmarks measure: Spring MVC on Tomcat with Actuator and one controller
 * ({@link ItemsController}). It names no Infrakit class, so it runs with and without
 * infra-spring-boot on the class path; with it, the starter configures what the properties of
 * {@link StartupComparison} switch on.
 *
 * <p>Run with {@value #EXIT_WHEN_READY} it prints {@value #READY_PREFIX} and the JVM's uptime in
 * milliseconds when Spring publishes {@link ApplicationReadyEvent} (Tomcat listening, every runner
 * done), then closes the context and exits: one cold start per process.
 */
@SpringBootApplication
public class BenchApplication {
    /** The argument that makes {@link #main} exit once ready. */
    public static final String EXIT_WHEN_READY = "--exit-when-ready";
    /** The line printed when ready: this prefix, then the JVM's uptime in milliseconds. */
    public static final String READY_PREFIX = "ready-after-ms=";
    /** Printed after the uptime: how many beans the context holds. */
    public static final String BEANS_PREFIX = "beans=";
    /** Printed after the bean count: whether a bean of an Infrakit class is among them. */
    public static final String INFRAKIT_PREFIX = "infrakit-beans=";

    /** Created by Spring. */
    public BenchApplication() {
    }

    /**
     * Starts the application.
     *
     * @param args Spring Boot's arguments, and {@value #EXIT_WHEN_READY}
     */
    public static void main(String[] args) {
        boolean exit = java.util.Arrays.asList(args).contains(EXIT_WHEN_READY);
        SpringApplication application = new SpringApplication(BenchApplication.class);
        if (exit) {
            application.addListeners((ApplicationReadyEvent ready) -> {
                long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
                ConfigurableApplicationContext context = ready.getApplicationContext();
                long infrakit = java.util.Arrays.stream(context.getBeanDefinitionNames())
                        .map(context::getType)
                        .filter(type -> type != null && type.getName().startsWith("dev.infrakit.")
                                && !type.getName().startsWith("dev.infrakit.benchmarks."))
                        .count();
                System.out.println(READY_PREFIX + uptime + " " + BEANS_PREFIX + context.getBeanDefinitionCount()
                        + " " + INFRAKIT_PREFIX + infrakit);
            });
        }
        ConfigurableApplicationContext context = application.run(args);
        if (exit) {
            System.exit(SpringApplication.exit(context));
        }
    }
}
