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

    /**
     * A named volume mounted on a folder the image lacks is created root's, and the image's non-root user cannot
     * write there (the artifact store at /artifacts was): every mount target of a service built from a Dockerfile
     * must be made in that image and owned by its user.
     */
    @Test
    void eachImageMakesEveryFolderComposeMountsAndGivesItToItsUser() throws IOException {
        for (String name : List.of("server", "worker", "gpu-worker")) {
            Map<String, Object> build = map(service(name).get("build"));
            Path file = Path.of(String.valueOf(build.get("context"))).resolve(String.valueOf(build.get("dockerfile")));
            Dockerfile image = Dockerfile.read(file);
            for (String target : mountTargets(name)) {
                assertThat(image.made()).as("%s: folders `mkdir -p` makes in %s's last stage", name, file)
                        .contains(target);
                assertThat(image.ownedByUser()).as("%s: folders %s's last stage gives its USER %s with chown",
                        name, file, image.user()).contains(target);
            }
        }
        assertThat(mountTargets("server")).contains("/artifacts", "/data");
    }

    @Test
    void theArtifactsRootIsTheSharedVolumeInEveryService() {
        for (String name : List.of("server", "worker", "gpu-worker")) {
            assertThat(mountTargets(name)).as("%s's volumes", name)
                    .contains(String.valueOf(environment(name).get("TEMPLATELAB_ARTIFACTS_ROOT")));
        }
    }

    @Test
    void aDockerfileWithoutTheChownFailsTheCheck() throws IOException {
        Path dir = Files.createTempDirectory("dockerfile");
        try {
            Path file = Files.writeString(dir.resolve("Dockerfile"), String.join("\n",
                    "FROM eclipse-temurin:17-jdk-jammy AS build", "RUN mkdir -p /artifacts && chown templatelab /artifacts",
                    "FROM eclipse-temurin:17-jre-jammy", "RUN useradd --uid 10001 templatelab \\",
                    "    && mkdir -p /data /artifacts && chown -R templatelab:templatelab /data", "USER templatelab", ""));
            Dockerfile image = Dockerfile.read(file);
            assertThat(image.user()).isEqualTo("templatelab");
            assertThat(image.made()).containsExactlyInAnyOrder("/data", "/artifacts");
            assertThat(image.ownedByUser()).containsExactly("/data");   // not the build stage's chown
        } finally {
            Files.deleteIfExists(dir.resolve("Dockerfile"));
            Files.delete(dir);
        }
    }

    /** The last stage of a Dockerfile (the image): its USER, the folders its RUNs make and give that user. */
    record Dockerfile(String user, Set<String> made, Set<String> ownedByUser) {

        static Dockerfile read(Path file) throws IOException {
            List<String> instructions = new java.util.ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String line : Files.readAllLines(file)) {
                if (line.strip().startsWith("#")) {
                    continue;
                }
                boolean continued = line.endsWith("\\");
                current.append(continued ? line.substring(0, line.length() - 1) : line).append(' ');
                if (!continued) {
                    String instruction = current.toString().strip();
                    if (instruction.regionMatches(true, 0, "FROM ", 0, 5)) {
                        instructions.clear();   // a new stage: only the last one is the image
                    }
                    if (!instruction.isEmpty()) {
                        instructions.add(instruction);
                    }
                    current.setLength(0);
                }
            }
            String user = instructions.stream().filter(i -> i.startsWith("USER ")).map(i -> i.substring(5).strip())
                    .reduce((first, last) -> last).orElse("root");
            Set<String> made = new TreeSet<>();
            Set<String> owned = new TreeSet<>();
            for (String run : instructions.stream().filter(i -> i.startsWith("RUN ")).toList()) {
                for (String command : run.substring(4).split("&&|;")) {
                    List<String> words = Arrays.stream(command.strip().split("\\s+")).toList();
                    List<String> operands = words.stream().skip(1).filter(w -> !w.startsWith("-")).toList();
                    if (words.get(0).equals("mkdir")) {
                        made.addAll(operands);
                    } else if (words.get(0).equals("chown") && !operands.isEmpty()
                            && operands.get(0).split(":")[0].equals(user)) {
                        owned.addAll(operands.subList(1, operands.size()));
                    }
                }
            }
            return new Dockerfile(user, made, owned);
        }
    }

    /** Where a service mounts volumes: {@code source:target[:mode]} or the long form's {@code target}. */
    private static List<String> mountTargets(String name) {
        Object volumes = service(name).get("volumes");
        if (volumes == null) {
            return List.of();
        }
        return ((List<?>) volumes).stream().map(v -> v instanceof Map<?, ?> m ? String.valueOf(m.get("target"))
                : String.valueOf(v).split(":")[1]).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
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
