package dev.templatelab.storage.datasets;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import dev.templatelab.storage.artifacts.StoredArtifact;
import org.hibernate.annotations.CreationTimestamp;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.annotations.SourceType;
import org.hibernate.type.SqlTypes;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Row of {@code datasets}. */
@Entity
@Table(name = "datasets")
class DatasetEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(nullable = false, unique = true, length = 200)
    String name;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    List<String> classes;

    @Column(name = "image_count", nullable = false)
    int imageCount;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "class_counts", nullable = false)
    Map<String, Integer> classCounts;

    @Column(name = "content_hash", length = 64)
    String contentHash;

    @Column(name = "storage_uri", nullable = false, length = 2000)
    String storageUri;

    @Column(name = "bundle_uri", length = 2000)
    String bundleUri;

    @Column(name = "bundle_size")
    Long bundleSize;

    @Column(name = "bundle_sha256", length = 64)
    String bundleSha256;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "import_warnings", nullable = false)
    List<String> importWarnings = new ArrayList<>();

    @CreationTimestamp(source = SourceType.DB)
    @Column(name = "created_at", nullable = false, updatable = false)
    Instant createdAt;

    protected DatasetEntity() {
    }

    DatasetEntity(NewDataset d) {
        this.name = d.name();
        this.classes = List.copyOf(d.classes());
        this.imageCount = d.imageCount();
        this.classCounts = new LinkedHashMap<>(d.classCounts());
        this.contentHash = d.contentHash();
        this.storageUri = d.storageUri().toString();
        this.importWarnings = new ArrayList<>(d.warnings());
    }

    DatasetInfo toInfo() {
        return new DatasetInfo(id, name, List.copyOf(classes), imageCount, new LinkedHashMap<>(classCounts),
                contentHash, URI.create(storageUri), createdAt,
                bundleUri == null ? null : new StoredArtifact(URI.create(bundleUri), bundleSize, bundleSha256),
                List.copyOf(importWarnings));
    }
}
