-- Cancelling an experiment ends its unfinished trials as CANCELLED instead of FAIL: stopped by the user, not failed.
-- A cancelled trial keeps its curve and, if it stored one, its best checkpoint with that epoch and its objective value.
ALTER TABLE trials DROP CONSTRAINT trials_state_check;
ALTER TABLE trials ADD CONSTRAINT trials_state_check
    CHECK (state IN ('WAITING', 'RUNNING', 'HELD', 'COMPLETE', 'PRUNED', 'FAIL', 'CANCELLED'));

-- Trials that earlier versions failed on a cancel ("experiment cancelled") become what they were, with the best epoch
-- and objective value of their best checkpoint (as a cancel now records them).
UPDATE trials t SET state = 'CANCELLED', error = NULL,
       best_epoch = (SELECT c.epoch FROM checkpoints c WHERE c.trial_id = t.id AND c.is_best),
       objective_value = (SELECT CASE e.objective WHEN 'TRAIN_LOSS' THEN m.train_loss WHEN 'VAL_LOSS' THEN m.val_loss
                                                  WHEN 'VAL_ACCURACY' THEN m.val_accuracy WHEN 'VAL_MAP' THEN m.val_map
                                                  ELSE m.val_macro_f1 END
                          FROM checkpoints c
                          JOIN trial_metrics m ON m.trial_id = c.trial_id AND m.epoch = c.epoch
                          JOIN experiments e ON e.id = t.experiment_id
                          WHERE c.trial_id = t.id AND c.is_best)
WHERE t.state = 'FAIL' AND t.error = 'experiment cancelled';
