-- Time travel beyond one checkpoint (issue 12): a path's history, the
-- difference between two checkpoints, and where some bytes were, each at a
-- cost in proportion to what changed, never to the number of checkpoints
-- or files.
--
-- 1. The checkpoint that first shows a version: checkpoints are always of
--    their repository's newest version, so their version numbers grow with
--    time, and "the first checkpoint of version >= V" (where a range of a
--    path became visible) and "the last of version < V" (the last that
--    still showed it) are one step on this index.
CREATE INDEX publication_checkpoint_version_idx
    ON publication (repository_id, version_number, pulp_created) WHERE checkpoint;

-- 2. What changed between versions L and H: the ranges opened in (L, H]
--    and the ranges closed in (L, H], each read in (version, path) order,
--    so that a diff is read in pages that resume where the last one ended.
CREATE INDEX repository_content_added_idx
    ON repository_content (repository_id, version_added, relative_path);
CREATE INDEX repository_content_removed_idx
    ON repository_content (repository_id, version_removed, relative_path)
    WHERE version_removed IS NOT NULL;

-- 3. Where some bytes were: the ranges of a digest in a repository.
CREATE INDEX repository_content_sha256_idx
    ON repository_content (repository_id, sha256, relative_path, version_added);
