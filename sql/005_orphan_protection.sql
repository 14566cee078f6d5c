-- Orphan cleanup (orphans/cleanup/, `checkpoint orphans cleanup`) spares
-- what has been of interest within the protection time, as Pulp does with
-- its timestamp_of_interest: a unit uploaded to be added by a later
-- modify, or uploaded again, and its artifact.
ALTER TABLE artifact ADD COLUMN timestamp_of_interest timestamptz NOT NULL DEFAULT clock_timestamp();
ALTER TABLE content ADD COLUMN timestamp_of_interest timestamptz NOT NULL DEFAULT clock_timestamp();
UPDATE artifact SET timestamp_of_interest = pulp_created;
UPDATE content SET timestamp_of_interest = pulp_created;
-- whether a publication still names an artifact as its manifest
CREATE INDEX publication_manifest_idx ON publication (manifest_sha256);
