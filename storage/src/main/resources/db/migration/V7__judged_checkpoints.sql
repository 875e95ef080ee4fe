-- Whether a worker got the pruner's verdict on a checkpoint's epoch: the verdict is asked before the epoch's
-- checkpoint is stored and recorded with it. A trial taken up again after its worker was lost, paused or failed is
-- judged before it resumes only if its latest checkpoint is not: a verdict given (a trial that passed a rung) is
-- not revisited, and one never given (a worker lost in between) is not skipped.
ALTER TABLE checkpoints ADD COLUMN judged boolean NOT NULL DEFAULT false;
