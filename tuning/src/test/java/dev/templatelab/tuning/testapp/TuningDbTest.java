package dev.templatelab.tuning.testapp;

import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.trials.TrialService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of tuning's database tests: one Spring context (embedded PostgreSQL under target/) shared by the test
 * classes of one JVM, no local workers (tests start their own). Every test makes uniquely named rows.
 */
@SpringBootTest(classes = TuningTestApplication.class, properties = {"templatelab.workers=0",
        "templatelab.tuning.heartbeat-interval=500ms", "templatelab.tuning.heartbeat-grace=3s",
        "templatelab.tuning.poll-interval=200ms", "templatelab.ship-to-workers=true"})
public abstract class TuningDbTest {

    protected static final Path HOME = freshHome();

    @DynamicPropertySource
    static void home(DynamicPropertyRegistry registry) {
        registry.add("TEMPLATELAB_HOME", HOME::toString);
    }

    @Autowired protected DatasetService datasets;
    @Autowired protected ExperimentService experiments;
    @Autowired protected TrialService trials;
    @Autowired protected JdbcTemplate jdbc;

    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A registered dataset (rows only; the path need not exist). */
    protected DatasetInfo newDataset(Path images) {
        return datasets.register(new NewDataset(unique("digits"), List.of("0", "1"), 20, Map.of("0", 10, "1", 10),
                null, images == null ? URI.create("file:///nowhere/digits") : images.toUri()));
    }

    private static Path freshHome() {
        Path home = Path.of("target", "tuning-test-home").toAbsolutePath();
        try {
            if (Files.exists(home)) {
                try (Stream<Path> files = Files.walk(home)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            return Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
