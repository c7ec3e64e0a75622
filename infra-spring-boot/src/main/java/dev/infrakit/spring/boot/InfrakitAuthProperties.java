package dev.infrakit.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code infrakit.auth.*}: the {@code TokenVerifier} bean (keys from a local JWKS file or a remote JWKS URL) and the {@code ApiKeys} bean. Values are checked by Infrakit, whose errors name the key.
 */
@ConfigurationProperties(prefix = "infrakit.auth")
public class InfrakitAuthProperties {

    /** false turns token verification off even when a JWKS is set. */
    private Boolean enabled;

    /** URL of the identity provider's JWKS document (https unless jwks.allow-http). */
    private String jwksUri;

    /** A local JWKS document (public keys) to verify tokens with. */
    private String jwksFile;

    /** Fetching a remote JWKS. */
    private final Jwks jwks = new Jwks();

    /** The accepted token issuers (iss); required with a JWKS, * for any. */
    private List<String> issuer = new ArrayList<>();

    /** This service's audience (aud must contain it); required with a JWKS, * for any. */
    private String audience;

    /** Accepted typ values, comma-separated. Default at+jwt. */
    private List<String> types = new ArrayList<>();

    /** The claim holding the roles. Default roles. */
    private String rolesClaim;

    /** Clock difference tolerated on exp and nbf. Default 60s. */
    private String clockSkew;

    /** Longest token accepted, in characters. Default 8192. */
    private Integer maxLength;

    /** API keys. */
    private final ApiKeys apiKeys = new ApiKeys();

    /** Rotation of the application's own {@code TokenKeys} signing keys. */
    private final SigningKeys signingKeys = new SigningKeys();

    /** Created by Spring. */
    public InfrakitAuthProperties() {
    }

    /** @return false turns token verification off even when a JWKS is set */
    public Boolean getEnabled() {
        return enabled;
    }

    /** @param enabled false turns token verification off even when a JWKS is set */
    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    /** @return uRL of the identity provider's JWKS document (https unless jwks.allow-http) */
    public String getJwksUri() {
        return jwksUri;
    }

    /** @param jwksUri uRL of the identity provider's JWKS document (https unless jwks.allow-http) */
    public void setJwksUri(String jwksUri) {
        this.jwksUri = jwksUri;
    }

    /** @return a local JWKS document (public keys) to verify tokens with */
    public String getJwksFile() {
        return jwksFile;
    }

    /** @param jwksFile a local JWKS document (public keys) to verify tokens with */
    public void setJwksFile(String jwksFile) {
        this.jwksFile = jwksFile;
    }

    /** @return the jwks settings: fetching a remote JWKS */
    public Jwks getJwks() {
        return jwks;
    }

    /** @return the accepted token issuers (iss); required with a JWKS, * for any */
    public List<String> getIssuer() {
        return issuer;
    }

    /** @param issuer the accepted token issuers (iss); required with a JWKS, * for any */
    public void setIssuer(List<String> issuer) {
        this.issuer = issuer;
    }

    /** @return this service's audience (aud must contain it); required with a JWKS, * for any */
    public String getAudience() {
        return audience;
    }

    /** @param audience this service's audience (aud must contain it); required with a JWKS, * for any */
    public void setAudience(String audience) {
        this.audience = audience;
    }

    /** @return accepted typ values, comma-separated */
    public List<String> getTypes() {
        return types;
    }

    /** @param types accepted typ values, comma-separated */
    public void setTypes(List<String> types) {
        this.types = types;
    }

    /** @return the claim holding the roles */
    public String getRolesClaim() {
        return rolesClaim;
    }

    /** @param rolesClaim the claim holding the roles */
    public void setRolesClaim(String rolesClaim) {
        this.rolesClaim = rolesClaim;
    }

    /** @return clock difference tolerated on exp and nbf */
    public String getClockSkew() {
        return clockSkew;
    }

    /** @param clockSkew clock difference tolerated on exp and nbf */
    public void setClockSkew(String clockSkew) {
        this.clockSkew = clockSkew;
    }

    /** @return longest token accepted, in characters */
    public Integer getMaxLength() {
        return maxLength;
    }

    /** @param maxLength longest token accepted, in characters */
    public void setMaxLength(Integer maxLength) {
        this.maxLength = maxLength;
    }

    /** @return the apiKeys settings: aPI keys */
    public ApiKeys getApiKeys() {
        return apiKeys;
    }

    /**
     * Fetching a remote JWKS.
     */
    public static class Jwks {

        /** Age after which the document is fetched again. */
        private String refreshAfter;

        /** Time a fetch may take. */
        private String requestTimeout;

        /** Whether a plain http URL is allowed (tests, a local provider). Default false. */
        private Boolean allowHttp;

        /** Created by Spring. */
        public Jwks() {
        }

        /** @return age after which the document is fetched again */
        public String getRefreshAfter() {
            return refreshAfter;
        }

        /** @param refreshAfter age after which the document is fetched again */
        public void setRefreshAfter(String refreshAfter) {
            this.refreshAfter = refreshAfter;
        }

        /** @return time a fetch may take */
        public String getRequestTimeout() {
            return requestTimeout;
        }

        /** @param requestTimeout time a fetch may take */
        public void setRequestTimeout(String requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        /** @return whether a plain http URL is allowed (tests, a local provider) */
        public Boolean getAllowHttp() {
            return allowHttp;
        }

        /** @param allowHttp whether a plain http URL is allowed (tests, a local provider) */
        public void setAllowHttp(Boolean allowHttp) {
            this.allowHttp = allowHttp;
        }
    }

    /** @return the signing-key rotation settings */
    public SigningKeys getSigningKeys() {
        return signingKeys;
    }

    /**
     * Rotation of the application's {@code TokenKeys} bean: a new signing key once per period, once
     * across the instances sharing a {@code ClusterLock} bean.
     */
    public static class SigningKeys {

        /** How long a key signs before the next replaces it, e.g. 30d; longer than the keys' grace. */
        private String rotationPeriod;

        /** Created by Spring. */
        public SigningKeys() {
        }

        /** @return how long a key signs before the next replaces it */
        public String getRotationPeriod() {
            return rotationPeriod;
        }

        /** @param rotationPeriod how long a key signs before the next replaces it ({@code 30d}) */
        public void setRotationPeriod(String rotationPeriod) {
            this.rotationPeriod = rotationPeriod;
        }
    }

    /**
     * API keys.
     */
    public static class ApiKeys {

        /** Whether to create the ApiKeys bean. */
        private Boolean enabled;

        /** Where keys are kept: credentials (the CredentialStore bean; the default when there is one) or memory. */
        private String store;

        /** Live keys per subject at most. Default 10. */
        private Integer maxLiveKeys;

        /** The role that may manage other subjects' keys. Default admin. */
        private String adminRole;

        /** Whether each key gets its own rate-limit budget. Default false. */
        private Boolean rateLimitPerKey;

        /** Created by Spring. */
        public ApiKeys() {
        }

        /** @return whether to create the ApiKeys bean */
        public Boolean getEnabled() {
            return enabled;
        }

        /** @param enabled whether to create the ApiKeys bean */
        public void setEnabled(Boolean enabled) {
            this.enabled = enabled;
        }

        /** @return where keys are kept: credentials (the CredentialStore bean; the default when there is one) or memory */
        public String getStore() {
            return store;
        }

        /** @param store where keys are kept: credentials (the CredentialStore bean; the default when there is one) or memory */
        public void setStore(String store) {
            this.store = store;
        }

        /** @return live keys per subject at most */
        public Integer getMaxLiveKeys() {
            return maxLiveKeys;
        }

        /** @param maxLiveKeys live keys per subject at most */
        public void setMaxLiveKeys(Integer maxLiveKeys) {
            this.maxLiveKeys = maxLiveKeys;
        }

        /** @return the role that may manage other subjects' keys */
        public String getAdminRole() {
            return adminRole;
        }

        /** @param adminRole the role that may manage other subjects' keys */
        public void setAdminRole(String adminRole) {
            this.adminRole = adminRole;
        }

        /** @return whether each key gets its own rate-limit budget */
        public Boolean getRateLimitPerKey() {
            return rateLimitPerKey;
        }

        /** @param rateLimitPerKey whether each key gets its own rate-limit budget */
        public void setRateLimitPerKey(Boolean rateLimitPerKey) {
            this.rateLimitPerKey = rateLimitPerKey;
        }
    }
}
