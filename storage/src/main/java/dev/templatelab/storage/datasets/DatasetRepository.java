package dev.templatelab.storage.datasets;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

import java.util.List;
import java.util.Optional;

interface DatasetRepository extends JpaRepository<DatasetEntity, Long> {

    Optional<DatasetEntity> findByName(String name);

    List<DatasetEntity> findByContentHashOrderByIdAsc(String contentHash);

    List<DatasetEntity> findAllByOrderByCreatedAtDescIdDesc();

    @Query(value = "SELECT count(*) FROM experiments WHERE dataset_id = :id", nativeQuery = true)
    long countExperimentsUsing(long id);
}
