package dev.templatelab.web.security;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.session.SessionInformation;
import org.springframework.security.core.session.SessionRegistry;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.JdbcUserDetailsManager;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.util.List;
import java.util.regex.Pattern;

/** Users and their roles, stored in the database (tables {@code users} and {@code authorities}). */
@Service
public class UserAccounts {

    /** Letters, digits, dot, dash, underscore; what fits in a URL and a log line. */
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._-]{1,50}");
    /** The shortest password a user may have (also {@code TEMPLATELAB_ADMIN_PASSWORD}'s, see {@link FirstAdmin}). */
    static final int MIN_PASSWORD = 8;

    private final JdbcUserDetailsManager users;
    private final JdbcTemplate jdbc;
    private final PasswordEncoder passwords;
    private final SessionRegistry sessions;
    private final OpenPages openPages;

    UserAccounts(JdbcUserDetailsManager users, JdbcTemplate jdbc, PasswordEncoder passwords, SessionRegistry sessions,
                 OpenPages openPages) {
        this.users = users;
        this.sessions = sessions;
        this.openPages = openPages;
        this.jdbc = jdbc;
        this.passwords = passwords;
    }

    /** A user as the admin page lists it. */
    public record Account(String username, Role role) {
    }

    /** Creates a user with {@code role} (and the roles it implies). */
    @Transactional
    public Account create(String username, String password, Role role) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new IllegalArgumentException("user name must be 1-50 letters, digits, '.', '-' or '_', got '"
                    + username + "'");
        }
        if (password == null || password.length() < MIN_PASSWORD) {
            throw new IllegalArgumentException("password must have at least " + MIN_PASSWORD + " characters");
        }
        if (users.userExists(username)) {
            throw new IllegalArgumentException("a user named " + username + " already exists");
        }
        users.createUser(User.withUsername(username).password(passwords.encode(password))
                .authorities(role.implied().stream().map(r -> Role.PREFIX + r.name()).toArray(String[]::new))
                .build());
        return new Account(username, role);
    }

    /** Whether a user with this name exists. */
    public boolean exists(String username) {
        return users.userExists(username);
    }

    /** Every user with their highest role, by name. */
    @Transactional(readOnly = true)
    public List<Account> list() {
        return jdbc.query("SELECT u.username, array_agg(a.authority) AS roles FROM users u"
                        + " LEFT JOIN authorities a ON a.username = u.username GROUP BY u.username ORDER BY u.username",
                (rs, i) -> new Account(rs.getString(1), highest(List.of((Object[]) rs.getArray(2).getArray()))));
    }

    /**
     * Deletes a user and ends their signed-in UI sessions: their open pages go to the login page at once (the REST
     * API checks credentials on every request anyway); the last admin cannot be deleted.
     */
    @Transactional
    public void delete(String username) {
        if (!users.userExists(username)) {
            throw new IllegalArgumentException("no user named " + username);
        }
        boolean admin = list().stream().anyMatch(a -> a.username().equals(username) && a.role() == Role.ADMIN);
        if (admin && list().stream().filter(a -> a.role() == Role.ADMIN).count() == 1) {
            throw new IllegalArgumentException(username + " is the last admin; make another admin first");
        }
        users.deleteUser(username);
        // Once the deletion is committed (a failed one leaves the user signed in as before).
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                endSessions(username);
            }
        });
    }

    private void endSessions(String username) {
        for (Object principal : sessions.getAllPrincipals()) {
            if (principal instanceof UserDetails signedIn && signedIn.getUsername().equals(username)) {
                sessions.getAllSessions(principal, false).forEach(SessionInformation::expireNow);
            }
        }
        openPages.sendToLogin(username);   // the expired session then lands there, signed out
    }

    private static Role highest(List<Object> authorities) {
        Role best = Role.VIEWER;
        for (Object a : authorities) {
            if (a == null) {
                continue;
            }
            Role r = Role.parse(a.toString().substring(Role.PREFIX.length()));
            best = r.ordinal() > best.ordinal() ? r : best;
        }
        return best;
    }
}
