package dev.templatelab.web.security;

import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The first admin is made, or its too-short password refused, before anything the context runs has started. */
class FirstAdminTest {

    /** Stands for what starts with the context (the tuning workers, the web server); remembers a start after a stop. */
    static class StartRecorder implements SmartLifecycle {
        volatile boolean everStarted;
        private volatile boolean running;

        @Override
        public void start() {
            everStarted = true;
            running = true;
        }

        @Override
        public void stop() {
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }
    }

    /** No user yet; records the users created (no database behind it). */
    static class NoUsersYet extends UserAccounts {
        final List<String> created = new ArrayList<>();

        NoUsersYet() {
            super(null, null, null, null, null);
        }

        @Override
        public boolean exists(String username) {
            return false;
        }

        @Override
        public Account create(String username, String password, Role role) {
            created.add(username + "/" + role);
            return new Account(username, role);
        }
    }

    @Configuration
    @Import(FirstAdmin.class)
    static class Context {
        /** Static, to be read after a start that failed: its context is gone then. */
        static final StartRecorder STARTS = new StartRecorder();

        @Bean
        NoUsersYet accounts() {
            return new NoUsersYet();
        }

        @Bean
        StartRecorder starts() {
            return STARTS;
        }
    }

    private static SpringApplicationBuilder startWithPassword(String password) {
        return new SpringApplicationBuilder(Context.class).web(WebApplicationType.NONE).logStartupInfo(false)
                .properties(FirstAdmin.PASSWORD_VARIABLE + "=" + password);
    }

    @Test
    void aTooShortPasswordStopsTheStartBeforeAnythingStarts() {
        Context.STARTS.everStarted = false;
        assertThatThrownBy(startWithPassword("short")::run)
                .hasStackTraceContaining(FirstAdmin.PASSWORD_VARIABLE + " must have at least 8");
        assertThat(Context.STARTS.everStarted).as("the context's lifecycle beans were started before the refusal")
                .isFalse();
    }

    @Test
    void aLongEnoughPasswordMakesTheAdmin() {
        try (var context = startWithPassword("long-enough-1").run()) {
            assertThat(context.getBean(NoUsersYet.class).created).containsExactly("admin/ADMIN");
            assertThat(context.getBean(StartRecorder.class).everStarted).isTrue();
        }
    }
}
