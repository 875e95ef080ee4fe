-- Paused time does not count against an experiment's wall-clock budget: when the current pause began, and the
-- seconds of earlier pauses after it started.
ALTER TABLE experiments ADD COLUMN paused_at      timestamptz;
ALTER TABLE experiments ADD COLUMN paused_seconds double precision NOT NULL DEFAULT 0 CHECK (paused_seconds >= 0);
-- Experiments paused before this migration: their pause counts from now (when it began is not known).
UPDATE experiments SET paused_at = now() WHERE state = 'PAUSED';
