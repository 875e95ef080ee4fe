package dev.templatelab.web.security;

import java.util.List;
import java.util.Locale;

/**
 * What a user may do. Each role includes the ones below it: a user is stored with every authority its
 * role implies, so checks ask for the least role an action needs ({@code hasRole("OPERATOR")}).
 */
public enum Role {
    /** Browse experiments and datasets, download checkpoints. */
    VIEWER,
    /** Also upload and delete datasets, launch, pause, resume and cancel experiments. */
    OPERATOR,
    /** Also manage users. */
    ADMIN;

    /** Spring Security names, e.g. "ROLE_OPERATOR". */
    public static final String PREFIX = "ROLE_";

    /** This role and every role below it. */
    public List<Role> implied() {
        return List.of(values()).subList(0, ordinal() + 1);
    }

    /** The role's name as a person writes it: "viewer", "operator", "admin". */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "viewer", "OPERATOR", ...; the error lists the roles. */
    public static Role parse(String text) {
        for (Role r : values()) {
            if (r.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + text + "'; use viewer, operator or admin");
    }
}
