-- What the tuner needs to run an experiment the same way on every worker, beyond the experiments
-- columns: the sampler's seed and the tuning settings (objective name, retries, random init, ...).
-- Written by the tuning module in the same transaction that creates the experiment.
CREATE TABLE experiment_tuning (
    experiment_id  bigint  PRIMARY KEY REFERENCES experiments (id) ON DELETE CASCADE,
    seed           bigint  NOT NULL,
    settings       jsonb   NOT NULL DEFAULT '{}'
);
