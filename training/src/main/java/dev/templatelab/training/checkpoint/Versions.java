package dev.templatelab.training.checkpoint;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Library, JVM and OS versions for provenance. */
public final class Versions {

    private Versions() {
    }

    public static Map<String, String> current() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("templatelab", String.valueOf(Versions.class.getPackage().getImplementationVersion()));
        v.put("deeplearning4j", mavenVersion("org.deeplearning4j", "deeplearning4j-nn"));
        v.put("nd4j", mavenVersion("org.nd4j", "nd4j-api"));
        v.put("backend", String.valueOf(Nd4jRuntime.describe()));
        v.put("java", System.getProperty("java.runtime.version"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return v;
    }

    private static String mavenVersion(String group, String artifact) {
        String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = Versions.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
