-- Chunked uploads (Pulp's uploads/): an upload of a known size takes its
-- chunks in any order, each stored under <storage>/upload/<upload id>/
-- <offset>; a chunk sent again at the same offset replaces the old one, as
-- in Pulp.  A commit (or content create with upload=) assembles the chunks
-- and deletes the upload.  pulp_last_updated moves with every chunk: orphan
-- cleanup removes the uploads untouched for its protection time.
CREATE TABLE upload (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    size              bigint NOT NULL CHECK (size >= 0),
    pulp_created      timestamptz NOT NULL DEFAULT clock_timestamp(),
    pulp_last_updated timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX upload_last_updated_idx ON upload (pulp_last_updated);

CREATE TABLE upload_chunk (
    upload_id uuid NOT NULL REFERENCES upload (id) ON DELETE CASCADE,
    "offset"  bigint NOT NULL CHECK ("offset" >= 0),
    size      bigint NOT NULL CHECK (size > 0),
    sha256    text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (upload_id, "offset")
);
