package dev.templatelab.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/k8s's Deployments run as the images' user (uid 10001) and can write their volumes: a fresh volume is
 * root's unless the pod's {@code securityContext.fsGroup} gives it to the user's group; and the artifact store
 * the application is pointed at is the shared volume.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("..").toAbsolutePath().normalize().resolve("docker/k8s");
    private static final int IMAGE_USER = 10001;

    @Test
    void everyDeploymentGivesItsVolumesToTheImagesUser() throws IOException {
        List<Map<String, Object>> deployments = deployments();
        assertThat(deployments).hasSizeGreaterThanOrEqualTo(3);
        for (Map<String, Object> deployment : deployments) {
            Map<String, Object> pod = podSpec(deployment);
            Map<String, Object> security = map(pod.get("securityContext"));
            assertThat(security).as("%s: pod securityContext", name(deployment)).isNotNull()
                    .containsEntry("runAsUser", IMAGE_USER).containsEntry("fsGroup", IMAGE_USER);
        }
    }

    @Test
    void theArtifactsRootIsTheSharedVolumesMountPath() throws IOException {
        for (Map<String, Object> deployment : deployments()) {
            for (Object c : (List<?>) podSpec(deployment).get("containers")) {
                Map<String, Object> container = map(c);
                String root = ((List<?>) container.get("env")).stream().map(KubernetesManifestsTest::map)
                        .filter(e -> "TEMPLATELAB_ARTIFACTS_ROOT".equals(e.get("name")))
                        .map(e -> String.valueOf(e.get("value"))).findFirst().orElse(null);
                Map<String, Object> mount = ((List<?>) container.get("volumeMounts")).stream()
                        .map(KubernetesManifestsTest::map).filter(m -> m.get("mountPath").equals(root)).findFirst()
                        .orElse(null);
                assertThat(mount).as("%s: a volume mounted at TEMPLATELAB_ARTIFACTS_ROOT (%s)", name(deployment), root)
                        .isNotNull();
                Map<String, Object> volume = ((List<?>) podSpec(deployment).get("volumes")).stream()
                        .map(KubernetesManifestsTest::map).filter(v -> v.get("name").equals(mount.get("name")))
                        .findFirst().orElseThrow();
                assertThat(map(volume.get("persistentVolumeClaim"))).as("%s: the artifact volume", name(deployment))
                        .containsEntry("claimName", "templatelab-artifacts");
            }
        }
    }

    private static List<Map<String, Object>> deployments() throws IOException {
        List<Map<String, Object>> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object document : new Yaml().loadAll(Files.readString(file))) {
                    Map<String, Object> d = map(document);
                    if (d != null && "Deployment".equals(d.get("kind"))) {
                        found.add(d);
                    }
                }
            }
        }
        return found;
    }

    private static Map<String, Object> podSpec(Map<String, Object> deployment) {
        return map(map(map(deployment.get("spec")).get("template")).get("spec"));
    }

    private static String name(Map<String, Object> deployment) {
        return String.valueOf(map(deployment.get("metadata")).get("name"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
