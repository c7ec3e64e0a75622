package dev.infrakit.spring.boot.security;

import dev.infrakit.audit.Actor;
import dev.infrakit.core.http.ClientAddress;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.web.servlet.ServletClients;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import java.util.function.Supplier;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The audit {@link Actor} of the current thread's request: the authenticated Spring principal
 * ({@link Actor#user(String)} of its name; {@link Actor#anonymous(String)} without one) from the
 * client's address and user agent. Give it to what records audit events for requests (for example
 * infra-auth's {@code ApiKeys.builder(store).actor(actor)}) or call {@link #get()} when building an
 * {@code AuditEvent}, so audit records carry the principal Spring Security authenticated. Outside
 * a request: {@link Actor#system()}. Thread-safe.
 */
public final class SpringSecurityActor implements Supplier<Actor> {
    private final ClientAddress.Resolver clients;

    private SpringSecurityActor(ClientAddress.Resolver clients) {
        this.clients = clients;
    }

    /**
     * Actors whose addresses {@code clients} finds.
     *
     * @throws NullPointerException if {@code clients} is null
     */
    public static SpringSecurityActor of(ClientAddress.Resolver clients) {
        return new SpringSecurityActor(Objects.requireNonNull(clients, "clients"));
    }

    /** The actor of the current request (see the class comment). */
    @Override
    public Actor get() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        boolean authenticated = authentication != null && authentication.isAuthenticated()
                && !(authentication instanceof AnonymousAuthenticationToken);
        if (!(attributes instanceof ServletRequestAttributes servlet)) {
            return authenticated ? user(authentication) : Actor.system();
        }
        HttpServletRequest request = servlet.getRequest();
        String ip = ServletClients.resolve(clients, request).text();
        Actor actor = authenticated ? user(authentication) : Actor.anonymous(ip);
        return actor.fromClient(ip, request.getHeader("User-Agent"));
    }

    /** The user named as Spring names the principal (a name over 256 characters cut with a marker). */
    private static Actor user(Authentication authentication) {
        return Actor.user(ClientText.truncate(authentication.getName(), 256));
    }

    @Override
    public String toString() {
        return "SpringSecurityActor[" + clients + "]";
    }
}
