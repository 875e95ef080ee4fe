-- What an import left out or found worth a look (skipped files, duplicates, small classes), one line each, kept so
-- the Datasets page and GET /api/datasets/{id} can show them after the upload's answer is gone.
ALTER TABLE datasets ADD COLUMN import_warnings jsonb NOT NULL DEFAULT '[]';
