package dev.templatelab.web;

import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.web.security.Role;
import dev.templatelab.web.security.UserAccounts;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real application on embedded PostgreSQL in a fresh {@code TEMPLATELAB_HOME}, without workers or the
 * sample dataset. Every subclass shares one application context (same configuration), so the database
 * starts once per test run.
 */
@AutoConfigureObservability(tracing = false)   // Boot's tests switch metrics export off; the Prometheus endpoint is tested
@SpringBootTest(classes = TemplateLabWebApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"templatelab.sample-dataset=false", "templatelab.workers=0", "templatelab.ship-to-workers=false",
                "templatelab.live-updates.interval-ms=250",
                "TEMPLATELAB_ADMIN_PASSWORD=" + WebAppTest.ADMIN_PASSWORD})
public abstract class WebAppTest {

    public static final String ADMIN_PASSWORD = "admin-password-1";
    public static final String OPERATOR = "olga";
    public static final String VIEWER = "victor";
    public static final String PASSWORD = "password-123";

    static final Path HOME = tempHome();

    @DynamicPropertySource
    static void home(DynamicPropertyRegistry registry) {
        registry.add("TEMPLATELAB_HOME", HOME::toString);
    }

    @LocalServerPort
    protected int port;
    @Autowired
    protected TestRestTemplate rest;
    @Autowired
    protected UserAccounts accounts;

    /** A client logged in (HTTP basic) as an admin, operator ("olga") or viewer ("victor"). */
    protected TestRestTemplate as(Role role) {
        ensureUsers();
        return switch (role) {
            case ADMIN -> rest.withBasicAuth("admin", ADMIN_PASSWORD);
            case OPERATOR -> rest.withBasicAuth(OPERATOR, PASSWORD);
            case VIEWER -> rest.withBasicAuth(VIEWER, PASSWORD);
        };
    }

    protected void ensureUsers() {
        if (!accounts.exists(OPERATOR)) {
            accounts.create(OPERATOR, PASSWORD, Role.OPERATOR);
        }
        if (!accounts.exists(VIEWER)) {
            accounts.create(VIEWER, PASSWORD, Role.VIEWER);
        }
    }

    /** The app's datasets folder: extracted uploads live here. */
    protected static Path datasetsDir() {
        return HOME.resolve("datasets");
    }

    /**
     * No file under {@code uploads/} and no entry under {@code datasets/} that no registered dataset lives in: what a
     * refused, failed or stopped import must leave.
     */
    protected static void assertNoImportLeftovers(DatasetService datasets) {
        List<Path> registered = datasets.list().stream().map(d -> Path.of(d.storageUri())).toList();
        for (Path dir : List.of(datasetsDir(), HOME.resolve("uploads"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    // uploads/incoming is the servlet container's staging folder (the container empties it).
                    assertThat(files.filter(f -> !f.equals(HOME.resolve("uploads").resolve("incoming")))
                            .filter(f -> registered.stream().noneMatch(r -> r.startsWith(f))))
                            .as("files in %s that belong to no dataset", dir).isEmpty();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static Path tempHome() {
        try {
            return Files.createTempDirectory("templatelab-webui-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
