package dev.templatelab.tuning.testapp;

import dev.templatelab.tuning.execution.TuningConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** The smallest application around tuning, as the web app and the CLI use it; for tests. */
@SpringBootApplication
@Import(TuningConfiguration.class)
public class TuningTestApplication {
}
