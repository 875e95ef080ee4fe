package dev.templatelab.storage.testapp;

import dev.templatelab.storage.config.StorageConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** The smallest application around the storage library, as the web app will use it; for tests and the bench. */
@SpringBootApplication
@Import(StorageConfiguration.class)
public class StorageTestApplication {

    public static void main(String[] args) {
        SpringApplication.run(StorageTestApplication.class, args);
    }
}
