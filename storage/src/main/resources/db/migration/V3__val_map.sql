-- Mean average precision on the validation set after each epoch (multi-label datasets), so an experiment
-- can be tuned and pruned on mAP like on accuracy.
ALTER TABLE trial_metrics ADD COLUMN val_map double precision;

ALTER TABLE experiments DROP CONSTRAINT experiments_objective_check;
ALTER TABLE experiments ADD CONSTRAINT experiments_objective_check
    CHECK (objective IN ('TRAIN_LOSS', 'VAL_LOSS', 'VAL_ACCURACY', 'VAL_MACRO_F1', 'VAL_MAP'));
