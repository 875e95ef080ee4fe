package dev.templatelab.web.datasets;

import dev.templatelab.web.WebAppTest;
import jakarta.servlet.MultipartConfigElement;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Multipart parts are staged under TEMPLATELAB_HOME, not in the system's temp folder, and old leftovers swept. */
class UploadStagingTest extends WebAppTest {

    @Autowired
    ApplicationContext context;
    @Autowired
    DispatcherServletRegistrationBean dispatcher;
    @Autowired
    DatasetImports imports;

    /** TEMPLATELAB_HOME/uploads/incoming of the test's home. */
    private final Path incoming = datasetsDir().getParent().resolve("uploads").resolve("incoming");

    @Test
    void theServletContainerStagesPartsUnderTheHome() {
        MultipartConfigElement config = dispatcher.getMultipartConfig();
        assertThat(config).as("the REST API's servlet takes multipart requests").isNotNull();
        assertThat(Path.of(config.getLocation())).isEqualTo(incoming);
        assertThat(incoming).isDirectory();
        // The sizes of application.properties still hold: 2 GB a file, parts over 1 MB on disk.
        assertThat(config.getMaxFileSize()).isEqualTo(2L << 30);
        assertThat(config.getFileSizeThreshold()).isEqualTo(1 << 20);
        // Any other servlet taking multipart requests (Vaadin's) stages there too.
        for (ServletRegistrationBean<?> servlet : context.getBeansOfType(ServletRegistrationBean.class).values()) {
            if (servlet.getMultipartConfig() != null) {
                assertThat(Path.of(servlet.getMultipartConfig().getLocation())).as(servlet.getServletName())
                        .isEqualTo(incoming);
            }
        }
    }

    @Test
    void stagedPartsLeftADayAgoAreSweptAtStartNotFreshOnes() throws IOException {
        Path old = Files.createTempFile(incoming, "upload_", ".tmp");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path fresh = Files.createTempFile(incoming, "upload_", ".tmp");

        assertThat(imports.sweepOldUploads()).isGreaterThanOrEqualTo(1);
        assertThat(old).doesNotExist();
        assertThat(fresh).as("perhaps a request still receiving it").exists();
        Files.delete(fresh);
    }
}
