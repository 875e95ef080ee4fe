-- A trial that failed with an error goes back to WAITING but is not claimed again before this time (database clock),
-- a delay that grows with its attempts: a fault that lasts a moment (a file not there yet, a busy disk) does not use up
-- every attempt within a second. NULL: claimable at once (new, re-queued after a lost worker, released on a pause).
ALTER TABLE trials ADD COLUMN claimable_after timestamptz;
