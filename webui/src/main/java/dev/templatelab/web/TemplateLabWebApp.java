package dev.templatelab.web;

import com.vaadin.flow.component.page.AppShellConfigurator;
import com.vaadin.flow.component.page.Push;
import com.vaadin.flow.theme.Theme;
import dev.templatelab.tuning.execution.TuningConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableScheduling;

import java.util.Map;

/**
 * The TemplateLab web application: the Vaadin dashboard and the REST API over storage's services.
 * {@code ./templatelab serve} starts it; tests start it with {@link SpringApplication} or
 * {@code @SpringBootTest}. Server push is on so running experiments update live.
 */
@SpringBootApplication
@Import(TuningConfiguration.class)   // storage, the experiment launcher and the local worker pool
@EnableScheduling
@Push
@Theme("templatelab")
public class TemplateLabWebApp implements AppShellConfigurator {

    /**
     * Starts the application and returns its context. One local worker unless {@code TEMPLATELAB_WORKERS} or
     * {@code --templatelab.workers} says otherwise (a default here, not in application.properties, which the
     * CLI's {@code tune}/{@code worker} contexts read too).
     */
    public static ConfigurableApplicationContext start(Map<String, Object> properties, String... args) {
        SpringApplication app = new SpringApplication(TemplateLabWebApp.class);
        Map<String, Object> defaults = new java.util.HashMap<>(Map.of("templatelab.workers", 1));
        defaults.putAll(properties);
        app.setDefaultProperties(defaults);
        return app.run(args);
    }
}
