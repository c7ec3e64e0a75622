package dev.infrakit.examples.springboot;

import dev.infrakit.audit.AuditSink;
import dev.infrakit.auth.ApiKeys;
import dev.infrakit.auth.NewApiKey;
import dev.infrakit.core.http.ClientText;
import dev.infrakit.credentials.AuditedCredentialStore;
import dev.infrakit.credentials.CredentialMetadata;
import dev.infrakit.credentials.CredentialNotFoundException;
import dev.infrakit.credentials.CredentialStore;
import dev.infrakit.credentials.Secret;
import dev.infrakit.credentials.SecretValue;
import dev.infrakit.spring.boot.security.ApiKeyAuthenticationToken;
import dev.infrakit.spring.boot.security.SpringSecurityActor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The demo's credential API (list, read, write, versions; reads for {@code user} and {@code admin},
 * writes for {@code admin}) and API keys, over the starter's beans. Every credential read and write
 * goes through {@link AuditedCredentialStore}, recorded with the Spring principal.
 */
@RestController
@RequestMapping("/api/v1")
class CredentialController {
    private static final Pattern APP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private final CredentialStore credentials;
    private final ApiKeys apiKeys;

    CredentialController(CredentialStore store, AuditSink audit, SpringSecurityActor actor, ApiKeys apiKeys) {
        this.credentials = AuditedCredentialStore.builder(store, audit).actor(actor).build();
        this.apiKeys = apiKeys;
    }

    @GetMapping("/credentials")
    @PreAuthorize("hasAnyRole('user', 'admin')")
    List<Map<String, Object>> list() {
        return credentials.list("apps/").stream().map(m -> Map.<String, Object>of("app", m.name().substring(5),
                "version", m.currentVersion(), "updatedAt", m.updated().toString())).toList();
    }

    @GetMapping("/credentials/{app}")
    @PreAuthorize("hasAnyRole('user', 'admin')")
    Map<String, Object> read(@PathVariable("app") String app) {
        Secret secret = credentials.get(name(app));
        Map<String, String> fields = new LinkedHashMap<>();
        secret.value().fieldNames().forEach(f -> fields.put(f, secret.value().field(f).orElse("")));
        return Map.of("app", app, "version", secret.version(), "credentials", fields);
    }

    @PutMapping("/credentials/{app}")
    @PreAuthorize("hasRole('admin')")
    ResponseEntity<Map<String, Object>> write(@PathVariable("app") String app, @RequestBody Map<String, String> fields) {
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("A credential needs at least one field.");
        }
        for (String field : fields.keySet()) {
            if (field.isEmpty() || field.length() > 128 || field.chars().anyMatch(c -> ClientText.isControl((char) c))) {
                throw new IllegalArgumentException("A field name is 1 to 128 characters without control characters.");
            }
        }
        int version = credentials.put(name(app), SecretValue.ofFields(fields));
        return ResponseEntity.status(version == 1 ? 201 : 200).body(Map.of("app", app, "version", version));
    }

    @GetMapping("/credentials/{app}/versions")
    @PreAuthorize("hasAnyRole('user', 'admin')")
    Map<String, Object> versions(@PathVariable("app") String app) {
        CredentialMetadata meta = credentials.metadata(name(app)).orElseThrow(); // 404 below
        return Map.of("app", app, "versions", meta.versions().stream().map(v -> Map.of("version", v.version(),
                "createdAt", v.created().toString(), "deleted", v.deleted().isPresent())).toList());
    }

    /** An API key for the caller, with the caller's roles; a key cannot mint keys. */
    @PostMapping("/apikeys")
    ResponseEntity<Object> createApiKey(Authentication caller) {
        if (caller instanceof ApiKeyAuthenticationToken) {
            return ResponseEntity.status(403).body(ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN,
                    "An API key cannot create API keys; sign in with a token."));
        }
        Set<String> roles = new TreeSet<>();
        for (GrantedAuthority authority : caller.getAuthorities()) {
            if (authority.getAuthority().startsWith("ROLE_")) {
                roles.add(authority.getAuthority().substring(5));
            }
        }
        NewApiKey key = apiKeys.create(caller.getName(), roles, "example", Duration.ofDays(30));
        return ResponseEntity.status(201).body(Map.of("id", key.keyId(), "key", key.key()));
    }

    private static String name(String app) {
        if (!APP.matcher(app).matches()) {
            throw new IllegalArgumentException("An app name is 1 to 100 letters, digits, . _ -.");
        }
        return "apps/" + app;
    }

    @ExceptionHandler({CredentialNotFoundException.class, NoSuchElementException.class})
    ProblemDetail notFound(RuntimeException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No such credential.");
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }
}
