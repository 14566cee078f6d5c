-- How many open files a directory has, as the planner sees it.  The
-- statistics of repository_content.dir count every row, open or closed,
-- so a directory whose few files changed in every version (dists/stable
-- of an apt repository: its Release files, one row per version) is most
-- of the table to them, however few of its rows are open.  Asked for the
-- open files of such a directory (content_dir of dists/stable at version
-- 10,000 in tests/test_history.c), the planner expected 1,201 on a fresh
-- test database, where there are 2.  On one whose statistics had aged, it
-- read the repository's open rows whole through
-- repository_content_open_path_idx instead of the directory's own index
-- (1,042 rows read for an answer of 3, where the same directory with 10
-- versions read 38).  Statistics of a partial index are not used for
-- estimates, and extended statistics on (dir, version_removed) barely
-- changed the index path's estimate (tried: 1,184 rows against 1,201).
--
-- So the open half of the directory's btree is keyed on the directory of
-- the row while it is open (NULL once closed: CKPT_SQL_OPEN_DIR in
-- statements.h is the same expression, and must stay so), and a
-- statistics object on that expression counts the open rows alone: its
-- null fraction is the closed rows, its common values the directories of
-- the open ones.  A statement that asks for the open files of a
-- directory names the expression; the index holds the same rows as before.
-- The planner applies the index's predicate on top of the expression's
-- statistics, which count open rows already, so it now expects too few
-- rather than too many (pool/d3's 100 open files in that test: 12).  For
-- content_dir that only makes this index look cheaper; not checked for
-- directories of thousands of files.
-- (Statistics on an expression: PostgreSQL 14 and later.)
--
-- A module still on the statements before this migration asks "dir ="
-- for open rows, which no directory index serves now (it reads the
-- repository's open rows, as above): migrate and replace the
-- module together.  The migration holds an exclusive lock on
-- repository_content (its DROP INDEX) while it builds the index and
-- analyzes, as sql/070 did.
DROP INDEX repository_content_open_dir_idx;
CREATE INDEX repository_content_open_dir_idx ON repository_content
    (repository_id, (CASE WHEN version_removed IS NULL THEN dir END) text_pattern_ops,
     version_added)
    WHERE version_removed IS NULL;
CREATE STATISTICS repository_content_open_dir_stats
    ON (CASE WHEN version_removed IS NULL THEN dir END) FROM repository_content;

-- The directory triggers' "any open file in or below D" (sql/080), which
-- the old key served, name the new one; the rest is as in sql/080.
CREATE OR REPLACE FUNCTION repository_content_dirs_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    closed checkpoint_dir_change[] := ARRAY(
        SELECT ROW(x.repository_id, x.dir, x.v)::checkpoint_dir_change
          FROM (SELECT DISTINCT ON (d.repository_id, anc) d.repository_id, anc AS dir, d.v
                  FROM (SELECT n.repository_id, n.dir, min(n.version_removed) AS v
                          FROM new_rows n WHERE n.version_removed IS NOT NULL
                         GROUP BY n.repository_id, n.dir) d,
                       checkpoint_dir_ancestors(d.dir) anc
                 ORDER BY d.repository_id, anc, d.v) x);
BEGIN
    PERFORM checkpoint_dirs_rebuild_changed(ARRAY(
        SELECT ROW(o.repository_id, o.dir, o.v)::checkpoint_dir_change
          FROM checkpoint_dirs_last(closed) o
         WHERE o.lr > o.v OR (o.has_last AND o.lr IS NULL AND o.la > o.v)));
    WITH empty AS (
            SELECT a.* FROM checkpoint_dirs_last(closed) a
             WHERE a.has_last AND a.lr IS NULL AND a.la <= a.v
               AND NOT EXISTS (SELECT 1 FROM repository_content f
                                WHERE f.repository_id = a.repository_id AND f.version_removed IS NULL
                                  AND (CASE WHEN f.version_removed IS NULL THEN f.dir END) = a.dir)
               AND NOT EXISTS (SELECT 1 FROM repository_content f
                                WHERE f.repository_id = a.repository_id AND f.version_removed IS NULL
                                  AND (CASE WHEN f.version_removed IS NULL THEN f.dir END)
                                      ~>=~ (a.dir || '/')
                                  AND (CASE WHEN f.version_removed IS NULL THEN f.dir END)
                                      ~<~ (a.dir || '0'))),
         dropped AS (
            DELETE FROM repository_dir d USING empty e
             WHERE d.repository_id = e.repository_id AND d.dir = e.dir
               AND d.version_removed IS NULL AND d.version_added = e.v)
    UPDATE repository_dir d SET version_removed = e.v FROM empty e
     WHERE d.repository_id = e.repository_id AND d.dir = e.dir
       AND d.version_removed IS NULL AND d.version_added < e.v;
    RETURN NULL;
END $$;

-- The new statistics now rather than at autovacuum's next pass.
ANALYZE repository_content;
