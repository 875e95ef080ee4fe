package dev.templatelab.storage.datasets;

import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.StoredArtifact;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.util.List;
import java.util.Optional;

/** Registers and finds datasets (their metadata; the images stay where {@code storageUri} says, and in a bundle). */
@Service
@Transactional
public class DatasetService {

    private final DatasetRepository datasets;

    DatasetService(DatasetRepository datasets) {
        this.datasets = datasets;
    }

    /** Registers a dataset; its name must be new. */
    public DatasetInfo register(NewDataset dataset) {
        if (datasets.findByName(dataset.name()).isPresent()) {
            throw new IllegalArgumentException("a dataset named " + dataset.name() + " already exists");
        }
        return datasets.saveAndFlush(new DatasetEntity(dataset)).toInfo();
    }

    /** The dataset with this id. */
    @Transactional(readOnly = true)
    public DatasetInfo get(long id) {
        return datasets.findById(id).map(DatasetEntity::toInfo).orElseThrow(() -> new NotFoundException("dataset", id));
    }

    /** The dataset with this name, if any. */
    @Transactional(readOnly = true)
    public Optional<DatasetInfo> findByName(String name) {
        return datasets.findByName(name).map(DatasetEntity::toInfo);
    }

    /** Datasets with this content hash, oldest first (a re-import of the same images finds the first). */
    @Transactional(readOnly = true)
    public List<DatasetInfo> findByContentHash(String contentHash) {
        return datasets.findByContentHashOrderByIdAsc(contentHash).stream().map(DatasetEntity::toInfo).toList();
    }

    /** All datasets, newest first. */
    @Transactional(readOnly = true)
    public List<DatasetInfo> list() {
        return datasets.findAllByOrderByCreatedAtDescIdDesc().stream().map(DatasetEntity::toInfo).toList();
    }

    /** Records where the copy of the dataset's images in the artifact store is ({@link DatasetInfo#bundle}). */
    public DatasetInfo recordBundle(long id, StoredArtifact bundle) {
        DatasetEntity dataset = datasets.findById(id).orElseThrow(() -> new NotFoundException("dataset", id));
        dataset.bundleUri = bundle.uri().toString();
        dataset.bundleSize = bundle.sizeBytes();
        dataset.bundleSha256 = bundle.sha256();
        return datasets.saveAndFlush(dataset).toInfo();
    }

    /** Deletes the dataset's record (not its files); refused while an experiment uses it. */
    public void delete(long id) {
        DatasetEntity dataset = datasets.findById(id).orElseThrow(() -> new NotFoundException("dataset", id));
        long users = datasets.countExperimentsUsing(id);
        if (users > 0) {
            throw new DatasetInUseException(dataset.name, users);
        }
        datasets.delete(dataset);
    }
}
