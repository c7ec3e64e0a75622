package dev.infrakit.spring.boot;

/**
 * The connection keys every Infrakit PostgreSQL pool reads ({@code url}, {@code username},
 * {@code password}), shared by the properties of each capability with a database of its own; the
 * other pool keys ({@code pool-size}, …) pass through to Infrakit unchanged.
 */
public class InfrakitPoolProperties {

    /** JDBC URL of the database. */
    private String url;

    /** Database user. */
    private String username;

    /** Database password. Secret: prefer a password file or the environment. */
    private String password;

    /** Created by Spring. */
    public InfrakitPoolProperties() {
    }

    /** @return the JDBC URL of the database */
    public String getUrl() {
        return url;
    }

    /** @param url the JDBC URL of the database */
    public void setUrl(String url) {
        this.url = url;
    }

    /** @return the database user */
    public String getUsername() {
        return username;
    }

    /** @param username the database user */
    public void setUsername(String username) {
        this.username = username;
    }

    /** @return the database password */
    public String getPassword() {
        return password;
    }

    /** @param password the database password */
    public void setPassword(String password) {
        this.password = password;
    }
}
