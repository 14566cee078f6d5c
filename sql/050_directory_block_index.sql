-- A cold directory listing loads the directory's block (dirblock.h): every
-- range row of the files in it.  Served by the GiST range index, that was a
-- bitmap scan plus one heap page per row scattered over the table (about 30
-- for a directory of 200 files), which kept cold listings at a tenth of
-- static speed.  A covering btree on (repository_id, dir) answers the same
-- rows from the index alone, in order, in a few pages: an index-only scan
-- once the visibility map is set, which autovacuum keeps up for this
-- append-mostly table.  The GiST index stays: it finds the files of a
-- directory present in one version in O(result) (content_dir).
--
-- The predicate is true of every row (versions count from 0); it is there
-- so that only a statement that says it (content_block) can use this
-- index.  Without it the planner also took the covering index for
-- content_dir, which then read every range the directory ever had instead
-- of those present in the version (tests/test_history.c catches that).
CREATE INDEX repository_content_dir_block_idx ON repository_content
    (repository_id, dir) INCLUDE (relative_path, sha256, size, version_added, version_removed)
    WHERE version_added >= 0;
