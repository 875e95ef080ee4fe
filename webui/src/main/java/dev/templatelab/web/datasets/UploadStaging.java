package dev.templatelab.web.datasets;

import dev.templatelab.storage.config.StorageLocations;
import jakarta.servlet.MultipartConfigElement;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.web.servlet.MultipartProperties;
import org.springframework.boot.web.servlet.MultipartConfigFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the servlet container stages multipart parts above {@code spring.servlet.multipart.file-size-threshold}:
 * {@code TEMPLATELAB_HOME/uploads/incoming}, not Tomcat's folder under /tmp, so an upload of up to 2 GB needs room
 * on one disk only (it is copied from there into {@code uploads/}). Tomcat deletes a request's parts when the
 * request ends; what a crash leaves is swept with the other uploads ({@link DatasetImports#sweepOldUploads}).
 * An explicit {@code spring.servlet.multipart.location} still wins.
 */
@Configuration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class UploadStaging {

    /** The staging folder's name under {@code TEMPLATELAB_HOME/uploads}. */
    static final String INCOMING = "incoming";

    /** Replaces Boot's own bean (it backs off when one exists), keeping the sizes from application.properties. */
    @Bean
    MultipartConfigElement multipartConfigElement(MultipartProperties properties, StorageLocations locations) {
        MultipartConfigFactory factory = new MultipartConfigFactory();
        factory.setFileSizeThreshold(properties.getFileSizeThreshold());
        factory.setMaxFileSize(properties.getMaxFileSize());
        factory.setMaxRequestSize(properties.getMaxRequestSize());
        factory.setLocation(StringUtils.hasText(properties.getLocation()) ? properties.getLocation()
                : incoming(locations).toString());
        return factory.createMultipartConfig();
    }

    /** {@code TEMPLATELAB_HOME/uploads/incoming}, created: Tomcat does not create a missing location. */
    static Path incoming(StorageLocations locations) {
        Path incoming = locations.home().resolve("uploads").resolve(INCOMING);
        try {
            Files.createDirectories(incoming);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the upload staging folder " + incoming + ": " + e.getMessage(), e);
        }
        return incoming;
    }
}
