package dev.infrakit.examples.springboot;

import dev.infrakit.auth.TokenIssuer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;

/**
 * The credential API on Spring Boot, wired by infra-spring-boot from {@code application.yml}.
 *
 * <p>{@code java -jar infrakit-spring-boot-example.jar [--server.port=8081] [--example.data-dir=./data]}
 * serves it; {@code java -jar infrakit-spring-boot-example.jar token SUBJECT [ROLE...]
 * [--example.data-dir=./data]} prints an access token for it. On first use the data directory gets
 * its keys ({@link DataDirectory}), before the starter reads them.
 */
@SpringBootApplication
@EnableMethodSecurity
public class SpringBootExample {
    static final String ISSUER = "infrakit-spring-boot-example";
    static final String AUDIENCE = "credentials-api";

    /**
     * Serves the API, or with {@code token} first prints an access token and exits.
     *
     * @param args Spring Boot's command line ({@code --server.port=…}), or {@code token SUBJECT [ROLE...]}
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("token")) {
            System.out.println(token(args));
            return;
        }
        start(args);
    }

    static ConfigurableApplicationContext start(String... args) {
        SpringApplication application = new SpringApplication(SpringBootExample.class);
        // The keys exist before any bean reads them: the data directory is named by the
        // Environment (command line, application.yml), which is ready at this event.
        application.addListeners((ApplicationListener<ApplicationEnvironmentPreparedEvent>) event ->
                DataDirectory.prepare(Path.of(event.getEnvironment().getRequiredProperty("example.data-dir"))));
        return application.run(args);
    }

    static String token(String[] args) {
        Path dir = Path.of("data");
        Set<String> roles = new LinkedHashSet<>();
        List<String> words = Arrays.asList(args).subList(1, args.length);
        String subject = null;
        for (String word : words) {
            if (word.startsWith("--example.data-dir=")) {
                dir = Path.of(word.substring("--example.data-dir=".length()));
            } else if (subject == null) {
                subject = word;
            } else {
                roles.add(word);
            }
        }
        if (subject == null) {
            throw new IllegalArgumentException("usage: token SUBJECT [ROLE...] [--example.data-dir=DIR]");
        }
        return TokenIssuer.builder(DataDirectory.prepare(dir)).issuer(ISSUER).audience(AUDIENCE).build()
                .issue(subject, roles);
    }
}
