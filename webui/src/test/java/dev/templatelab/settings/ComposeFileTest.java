package dev.templatelab.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose.yaml is valid (checked by Debian's docker-compose, which needs no engine) and configures the
 * application only through variables it reads: every variable set on a TemplateLab service is an
 * {@link EnvironmentVariable}, and reaches the property the code reads, as Spring binds environment variables.
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path COMPOSE = ROOT.resolve("docker/compose.yaml");
    private static Map<String, Object> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void validateWithDockerCompose() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("docker-compose", "-f", COMPOSE.toString(), "config").redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("docker-compose is not installed: apt-get install -y docker-compose (.ci/run does this)", e);
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("docker-compose config says:%n%s", out).isZero();
        Map<String, Object> resolved = new Yaml().load(out);
        services = (Map<String, Object>) resolved.get("services");
    }

    @Test
    void hasPostgresServerAndAScalableWorkerSharingTheArtifactVolume() {
        assertThat(services).containsKeys("postgres", "server", "worker", "gpu-worker");
        assertThat(service("worker")).doesNotContainKey("ports").doesNotContainKey("container_name");
        for (String name : List.of("server", "worker", "gpu-worker")) {
            assertThat(String.valueOf(service(name).get("volumes"))).as(name).contains("artifacts:/artifacts");
        }
    }

    @Test
    void everyVariableATemplateLabServiceSetsIsOneTheApplicationReads() {
        Set<String> known = Arrays.stream(EnvironmentVariable.values()).map(Enum::name).collect(Collectors.toSet());
        for (String name : List.of("server", "worker", "gpu-worker")) {
            assertThat(environment(name).keySet()).as("variables of service %s", name).isSubsetOf(known);
        }
        assertThat(environment("worker")).containsKeys("DATABASE_URL", "TEMPLATELAB_ARTIFACTS_ROOT");
        assertThat(environment("server")).containsKeys("DATABASE_URL", "TEMPLATELAB_ARTIFACTS_ROOT",
                "TEMPLATELAB_WORKERS", "TEMPLATELAB_ADMIN_PASSWORD");
    }

    @Test
    void eachVariableReachesThePropertyTheCodeReads() {
        for (String name : List.of("server", "worker")) {
            Map<String, Object> env = new LinkedHashMap<>(environment(name));
            StandardEnvironment spring = new StandardEnvironment();
            spring.getPropertySources().addFirst(new SystemEnvironmentPropertySource("compose", env));
            for (Map.Entry<String, Object> e : env.entrySet()) {
                String property = EnvironmentVariable.valueOf(e.getKey()).property();
                assertThat(spring.getProperty(property)).as("%s -> %s", e.getKey(), property)
                        .isEqualTo(e.getValue() == null ? null : String.valueOf(e.getValue()));
            }
        }
        // And a misspelt variable would not: relaxed binding is not a catch-all.
        StandardEnvironment spring = new StandardEnvironment();
        spring.getPropertySources().addFirst(new MapPropertySource("typo", Map.of("TEMPLATELAB_ARTIFACT_ROOT", "/x")));
        assertThat(spring.getProperty(EnvironmentVariable.TEMPLATELAB_ARTIFACTS_ROOT.property())).isNull();
    }

    @Test
    void theDockerReadmeDocumentsEveryVariable() throws IOException {
        String readme = Files.readString(ROOT.resolve("docker/README.md"));
        Set<String> missing = new TreeSet<>();
        for (EnvironmentVariable v : EnvironmentVariable.values()) {
            if (!readme.contains("| `" + v.name() + "` |")) {
                missing.add(v.name());
            }
        }
        assertThat(missing).as("variables missing from docker/README.md's table").isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) {
        return (Map<String, Object>) services.get(name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> environment(String name) {
        Object env = service(name).get("environment");
        return env == null ? Map.of() : (Map<String, Object>) env;
    }
}
