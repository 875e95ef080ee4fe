package dev.templatelab.web.datasets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Registers the bundled digits at first start, while no dataset is registered ({@code templatelab.sample-dataset=true}),
 * in the background: writing 10,000 PNGs takes a few seconds and the UI is usable meanwhile.
 */
@Component
@ConditionalOnProperty(name = "templatelab.sample-dataset", havingValue = "true")
class SampleDatasetRegistration {

    private static final Logger log = LoggerFactory.getLogger(SampleDatasetRegistration.class);

    private final DatasetImports imports;

    SampleDatasetRegistration(DatasetImports imports) {
        this.imports = imports;
    }

    @EventListener(ApplicationReadyEvent.class)
    void register() {
        Thread thread = new Thread(() -> {
            try {
                imports.registerSampleOnFirstStart();
            } catch (RuntimeException e) {
                log.error("Could not register the sample dataset: {}", e.getMessage(), e);
            }
        }, "sample-dataset");
        thread.setDaemon(true);
        thread.start();
    }
}
