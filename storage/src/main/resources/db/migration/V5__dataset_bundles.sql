-- A dataset's images packed into one artifact, so workers on machines without its folder can train on it.
ALTER TABLE datasets ADD COLUMN bundle_uri    varchar(2000);
ALTER TABLE datasets ADD COLUMN bundle_size   bigint CHECK (bundle_size >= 0);
ALTER TABLE datasets ADD COLUMN bundle_sha256 varchar(64);
ALTER TABLE datasets ADD CONSTRAINT datasets_bundle_complete
    CHECK ((bundle_uri IS NULL) = (bundle_size IS NULL) AND (bundle_uri IS NULL) = (bundle_sha256 IS NULL));
