package dev.templatelab.storage.datasets;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A registered dataset. */
public record DatasetInfo(long id, String name, List<String> classes, int imageCount,
                          Map<String, Integer> classCounts, String contentHash, URI storageUri, Instant createdAt) {
}
