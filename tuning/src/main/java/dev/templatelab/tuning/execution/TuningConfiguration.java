package dev.templatelab.tuning.execution;

import dev.templatelab.storage.config.StorageConfiguration;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Tuning for a Spring application: {@code @Import(TuningConfiguration.class)}. Brings storage
 * ({@link StorageConfiguration}), the {@link ExperimentLauncher} and the local worker pool, which runs
 * {@code templatelab.workers} (env {@code TEMPLATELAB_WORKERS}) trials at once when that is above 0 and stops
 * gracefully (running trials checkpointed and released) when the context closes.
 */
@Configuration(proxyBeanMethods = false)
@Import(StorageConfiguration.class)
@ComponentScan(basePackageClasses = TuningConfiguration.class)
public class TuningConfiguration {
}
