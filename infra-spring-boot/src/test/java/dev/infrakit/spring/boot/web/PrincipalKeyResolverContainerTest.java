package dev.infrakit.spring.boot.web;

import dev.infrakit.ratelimit.RateLimitKey;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.authenticator.BasicAuthenticator;
import org.apache.catalina.realm.GenericPrincipal;
import org.apache.catalina.realm.RealmBase;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.LoginConfig;
import org.apache.tomcat.util.descriptor.web.SecurityCollection;
import org.apache.tomcat.util.descriptor.web.SecurityConstraint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.core.context.SecurityContextHolder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PrincipalKeyResolver}'s fallback when Spring Security has authenticated nobody: the
 * container's own authentication ({@code getUserPrincipal()}, {@code isUserInRole}), here an
 * embedded Tomcat with BASIC authentication over a realm of two users; no Spring Security
 * context is set on the container's threads, so only the container's principal can answer.
 */
class PrincipalKeyResolverContainerTest {
    private static final Map<String, String> PASSWORDS = Map.of("alice", "alice-pw", "bob", "bob-pw");
    private static final Map<String, List<String>> ROLES = Map.of("alice", List.of("admin"), "bob", List.of("reader"));
    private static final PrincipalKeyResolver RESOLVER = PrincipalKeyResolver.of(Map.of("admin", "admin"), "user");

    @TempDir
    static Path base;
    private static Tomcat tomcat;
    private static int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The realm of the container's users: a user's password and roles. */
    static final class Users extends RealmBase {
        @Override
        protected String getPassword(String username) {
            return PASSWORDS.get(username);
        }

        @Override
        protected Principal getPrincipal(String username) {
            return new GenericPrincipal(username, ROLES.getOrDefault(username, List.of()));
        }
    }

    /** Answers the key the resolver finds for the request as the container passes it. */
    static final class KeyServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            SecurityContextHolder.clearContext();
            RateLimitKey key = RESOLVER.resolve(request);
            response.setContentType("text/plain");
            response.getWriter().write(key == null ? "none" : key.tier() + "/" + key.subject());
        }
    }

    @BeforeAll
    static void start() throws Exception {
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        Context context = tomcat.addContext("", base.toString());
        context.setRealm(new Users());
        context.setLoginConfig(new LoginConfig("BASIC", "infrakit", null, null));
        context.getPipeline().addValve(new BasicAuthenticator());
        SecurityConstraint constraint = new SecurityConstraint();
        SecurityCollection api = new SecurityCollection();
        api.addPattern("/api/*");
        constraint.addCollection(api);
        constraint.addAuthRole("**");
        constraint.setAuthConstraint(true);
        context.addConstraint(constraint);
        Tomcat.addServlet(context, "key", new KeyServlet());
        context.addServletMapping("/*", "key");
        tomcat.getConnector();
        tomcat.start();
        port = tomcat.getConnector().getLocalPort();
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }

    private HttpResponse<String> get(String path, String user, String password) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theContainersPrincipalInTheTierOfItsRole() throws Exception {
        HttpResponse<String> alice = get("/api/x", "alice", "alice-pw");
        assertThat(alice.statusCode()).isEqualTo(200);
        assertThat(alice.body()).isEqualTo("admin/alice");
    }

    @Test
    void aPrincipalWithoutAMappedRoleIsInTheDefaultTier() throws Exception {
        HttpResponse<String> bob = get("/api/x", "bob", "bob-pw");
        assertThat(bob.statusCode()).isEqualTo(200);
        assertThat(bob.body()).isEqualTo("user/bob");
    }

    @Test
    void withoutAContainerPrincipalTheRequestPassesThisStage() throws Exception {
        HttpResponse<String> open = get("/open", null, null);
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(open.body()).isEqualTo("none");
        assertThat(get("/api/x", "alice", "wrong").statusCode()).isEqualTo(401);
    }
}
