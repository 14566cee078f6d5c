-- A directory's block (dirblock.h, content_block) holds the ranges of its
-- subdirectories too: the repository_dir rows whose parent is the
-- directory.  They were found through the GiST range index
-- repository_dir_children_idx, which on equality alone walks many pages
-- (49 buffers and 0.8 ms for a directory with no subdirectory, in a
-- repository of 10,000 directories), or, in the generic plan PostgreSQL
-- settles on for the prepared statement, by a sequential scan of the
-- whole table (11,010 rows, 1.5 ms): nearly all of a block load, where
-- the files' part takes 0.05 ms.  A covering btree on (repository_id,
-- parent) answers them from the index alone, in a page or two.
--
-- As for repository_content_dir_block_idx (sql/050), the predicate is
-- true of every row and only a statement that says it can use the index:
-- content_dir keeps the GiST index, which finds the subdirectories present
-- in one version in O(result).
CREATE INDEX repository_dir_block_idx ON repository_dir
    (repository_id, parent) INCLUDE (dir, version_added, version_removed)
    WHERE version_added >= 0;
