package dev.templatelab.cli;

import dev.templatelab.tuning.execution.TuningConfiguration;
import java.util.HashMap;
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
     * {@code workers} local workers and any extra properties.
     */
    static ConfigurableApplicationContext start(String databaseUrl, int workers, Map<String, Object> extra) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        Map<String, Object> p = new HashMap<>(extra);
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
        if (databaseUrl != null && !databaseUrl.isBlank()) {
            p.put("DATABASE_URL", databaseUrl);
        }
        return new SpringApplicationBuilder(TuningCli.class).web(WebApplicationType.NONE).logStartupInfo(false)
                .properties(p).run();
    }
}
