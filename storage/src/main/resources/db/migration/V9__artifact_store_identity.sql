-- Which artifact store this database's experiments keep their files in (checkpoints, the datasets' and weights'
-- copies): one row, written by the first process that starts on the database. The store folder holds the same id in
-- its marker file templatelab-store-id; a process whose folder holds another id, or none, refuses to start
-- (ArtifactStoreIdentity), instead of writing checkpoints where the server cannot find them.
CREATE TABLE artifact_store (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    store_id    text        NOT NULL CHECK (store_id <> ''),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
