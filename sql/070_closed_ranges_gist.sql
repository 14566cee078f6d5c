-- The GiST range index of files (sql/010) held every range, open or
-- closed.  An open range [v, infinity) needs no GiST to be found in a
-- version: it is in N exactly when version_added <= N, and the open rows
-- of a directory or a repository are one probe of a btree already kept
-- (repository_content_open_dir_idx, _open_unit_idx): as many as the
-- latest version has there, whatever the history.  So only closed ranges
-- go into the GiST now, and "present in N" is written as the two halves
-- (CKPT_SQL_FILE_PRESENT_IN in statements.h).
--
-- Why: a GiST insertion is the costliest index entry of a new file (over
-- a third of inserting 100,000 rows into repository_content: 3 s of the
-- first import of the bench's tree, issue 10).  A range enters the GiST
-- only when it closes, which for most files is never.
DROP INDEX repository_content_dir_range_idx;
CREATE INDEX repository_content_dir_range_idx ON repository_content
    USING gist (repository_id, dir, int4range(version_added, version_removed))
    WHERE version_removed IS NOT NULL;
-- The open half, for one directory: its open rows that began at or before
-- N, a range of this btree (with version_added in it, the files added to
-- the directory after N are not read either).  Its other user, the
-- directory triggers' "any open file below D", reads its leading columns
-- as before.
DROP INDEX repository_content_open_dir_idx;
CREATE INDEX repository_content_open_dir_idx ON repository_content
    (repository_id, dir text_pattern_ops, version_added) WHERE version_removed IS NULL;
