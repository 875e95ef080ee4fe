package dev.templatelab.cli;

import dev.templatelab.tuning.execution.TuningConfiguration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/** The non-web Spring context behind {@code tune} and {@code worker}: storage, launcher and local workers, quiet. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(TuningConfiguration.class)
class TuningCli {

    /**
     * Starts the context on {@code databaseUrl} (null: the embedded PostgreSQL under TEMPLATELAB_HOME) with
     * {@code workers} local workers (unless TEMPLATELAB_WORKERS says otherwise) and {@code flags}: properties the
     * command's options set, which, like {@code --db}, win over environment variables.
     */
    static ConfigurableApplicationContext start(String databaseUrl, int workers, Map<String, Object> flags) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        Map<String, Object> p = new HashMap<>();
        p.put("templatelab.workers", workers);
        p.put("spring.main.banner-mode", "off");
        // The jar also holds the web app: its auto-configurations need a servlet context, which tune/worker don't have.
        p.put("spring.autoconfigure.exclude", String.join(",",
                "com.vaadin.flow.spring.SpringBootAutoConfiguration",
                "com.vaadin.flow.spring.SpringSecurityAutoConfiguration",
                "com.vaadin.flow.spring.VaadinScopesConfig",
                "org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration"));
        p.put("spring.jpa.open-in-view", false);
        p.put("logging.level.root", "warn");
        p.put(QuietStartupFailures.PROPERTY, true);   // a failed start is one error: line (TemplateLabCli), not a trace
        // As command-line arguments: default properties rank below the environment, so an exported DATABASE_URL
        // (even a blank one) would silently beat --db.
        List<String> args = new ArrayList<>();
        flags.forEach((name, value) -> args.add("--" + name + "=" + value));
        if (databaseUrl != null && !databaseUrl.isBlank()) {
            args.add("--DATABASE_URL=" + databaseUrl);
        }
        return new SpringApplicationBuilder(TuningCli.class).web(WebApplicationType.NONE).logStartupInfo(false)
                .properties(p).run(args.toArray(String[]::new));
    }
}
