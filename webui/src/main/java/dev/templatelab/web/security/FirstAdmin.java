package dev.templatelab.web.security;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * At the first start (no user {@code admin} yet) creates the admin: its password comes from
 * {@code TEMPLATELAB_ADMIN_PASSWORD} (at least 8 characters, as any user's: a shorter one stops the start with a
 * message naming the variable), or is generated and printed once, since nothing else shows it.
 * <p>
 * It runs once every bean exists and before anything starts: a refused password stops {@code serve} before its
 * tuning workers claim trials and before its port opens.
 */
@Component
public class FirstAdmin implements SmartInitializingSingleton {

    static final String USERNAME = "admin";
    /** Where the first admin's password comes from. */
    public static final String PASSWORD_VARIABLE = "TEMPLATELAB_ADMIN_PASSWORD";

    private final UserAccounts accounts;
    private final Environment env;

    FirstAdmin(UserAccounts accounts, Environment env) {
        this.accounts = accounts;
        this.env = env;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (accounts.exists(USERNAME)) {
            return;
        }
        String given = env.getProperty(PASSWORD_VARIABLE, "");
        if (!given.isBlank() && given.length() < UserAccounts.MIN_PASSWORD) {
            throw new IllegalArgumentException(PASSWORD_VARIABLE + " must have at least " + UserAccounts.MIN_PASSWORD
                    + " characters; set a longer one, or unset it to have a password generated and printed");
        }
        String password = given.isBlank() ? generated() : given;
        accounts.create(USERNAME, password, Role.ADMIN);
        if (given.isBlank()) {
            System.out.println("Created user 'admin' with the generated password: " + password);
            System.out.println("(shown only this once; set " + PASSWORD_VARIABLE + " before the first start to choose it)");
        } else {
            System.out.println("Created user 'admin' with the password from " + PASSWORD_VARIABLE);
        }
    }

    private static String generated() {
        byte[] bytes = new byte[15];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
