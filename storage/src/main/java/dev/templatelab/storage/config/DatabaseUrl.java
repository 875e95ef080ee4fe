package dev.templatelab.storage.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * An external PostgreSQL server as JDBC wants it. Accepts {@code jdbc:postgresql://host:port/db?...}
 * as is, and the Heroku/libpq style {@code postgres://user:password@host:port/db?sslmode=require}
 * (also {@code postgresql://}), whose user and password move out of the URL.
 * {@code DATABASE_USER}/{@code DATABASE_PASSWORD}, when given, win over the ones in the URL.
 */
public record DatabaseUrl(String jdbcUrl, String user, String password) {

    /** Parses {@code url}; {@code user}/{@code password} may be null or blank (then the URL's are used). */
    public static DatabaseUrl parse(String url, String user, String password) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("DATABASE_URL is blank");
        }
        String trimmed = url.trim();
        if (trimmed.startsWith("jdbc:postgresql:")) {
            return new DatabaseUrl(trimmed, blankToNull(user), blankToNull(password));
        }
        if (!trimmed.startsWith("postgres://") && !trimmed.startsWith("postgresql://")) {
            throw new IllegalArgumentException("DATABASE_URL must start with jdbc:postgresql://, postgres:// or "
                    + "postgresql:// (PostgreSQL is the only database TemplateLab supports), got: " + redact(trimmed));
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            // no cause: its message holds the URL as given, password and all
            throw new IllegalArgumentException("DATABASE_URL is not a valid URL: " + redact(trimmed) + " ("
                    + e.getReason() + ")");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("DATABASE_URL has no host: " + redact(trimmed));
        }
        String urlUser = null;
        String urlPassword = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            urlUser = decode(parts[0]);
            urlPassword = parts.length > 1 ? decode(parts[1]) : null;
        }
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
        if (uri.getPort() != -1) {
            jdbc.append(':').append(uri.getPort());
        }
        jdbc.append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            jdbc.append('?').append(uri.getRawQuery());
        }
        return new DatabaseUrl(jdbc.toString(),
                blankToNull(user) != null ? user : urlUser,
                blankToNull(password) != null ? password : urlPassword);
    }

    /** The URL with any password replaced by {@code ***}, for logs and error messages. */
    static String redact(String url) {
        // Up to the last '@' of the user part: a password may contain one.
        return url.replaceAll("(//[^:/@]+:).*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /** The JDBC URL with any password in it replaced by {@code ***}: what a banner may show. */
    public String redactedJdbcUrl() {
        return redact(jdbcUrl);
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + redact(jdbcUrl) + ", user=" + user + "]";
    }

    private static String decode(String s) {
        // URLDecoder is for forms: a literal "+" in a password is a plus, not a space.
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
