/**
 * TemplateLab's storage: datasets, experiments, trials, per-epoch metrics, checkpoints and events in
 * PostgreSQL (embedded by default), behind stateless transactional services. Import
 * {@link dev.templatelab.storage.config.StorageConfiguration} into a Spring Boot application; callers
 * see records, never entities or repositories.
 */
package dev.templatelab.storage;
