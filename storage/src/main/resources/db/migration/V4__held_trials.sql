-- ASHA with promotions: a trial can pause at a rung (HELD, its checkpoint kept) and later run on or be pruned.
ALTER TABLE trials DROP CONSTRAINT trials_state_check;
ALTER TABLE trials ADD CONSTRAINT trials_state_check
    CHECK (state IN ('WAITING', 'RUNNING', 'HELD', 'COMPLETE', 'PRUNED', 'FAIL'));
