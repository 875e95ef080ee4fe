-- The last epoch on which a worker got the pruner's verdict for a trial (and a held trial's rung epoch). A trial
-- taken up again after its worker was lost, paused or failed is judged before it resumes only if its last
-- checkpointed epoch is later than this: a verdict already given (a trial that passed a rung) is not revisited.
ALTER TABLE trials ADD COLUMN judged_epoch integer CHECK (judged_epoch >= 0);
