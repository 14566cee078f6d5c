-- Ingest at mirror scale (issue 10): `checkpoint import` and `checkpoint
-- sync` turn a whole tree into one version with a handful of set-based
-- statements (arrays unnested in the database, never one statement per
-- file).
--
-- import_state is what an import last saw of each file of its directory:
-- size and mtime, and the digest it hashed then.  A re-import hashes again
-- only files whose size or mtime moved, the quick check rsync makes too
-- (a file rewritten in place to the same size with its mtime put back is
-- not seen; `import --verify` hashes everything).  A row is trusted only
-- while the repository's latest version holds that path with that digest,
-- so a change made through the API is never hidden by it.
CREATE TABLE import_state (
    repository_id uuid NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
    relative_path text NOT NULL,
    size          bigint NOT NULL,
    mtime         bigint NOT NULL,   -- microseconds since 1970-01-01 UTC
    sha256        text NOT NULL,
    PRIMARY KEY (repository_id, relative_path)
);
