package dev.templatelab.storage.datasets;

import dev.templatelab.storage.artifacts.StoredArtifact;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A registered dataset: its images are at {@code storageUri}, and {@code bundle} (null unless an upload or launch copied
 * them for workers on other machines) is a copy of them in the artifact store for machines that cannot read that folder.
 * {@code warnings}: what its import left out or found worth a look, one line each.
 */
public record DatasetInfo(long id, String name, List<String> classes, int imageCount,
                          Map<String, Integer> classCounts, String contentHash, URI storageUri, Instant createdAt,
                          StoredArtifact bundle, List<String> warnings) {
}
