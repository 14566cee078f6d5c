-- The directory triggers of repository_content (sql/010) expanded every
-- new or closed row into its directory's ancestors, then kept one row per
-- (repository, ancestor): for a first import of 100,000 files, 400,000
-- ancestor rows sorted down to about 1,000 directories, 1.0 s of the
-- insert's 5 s (EXPLAIN ANALYZE of the bench's tree, issue 10).  Files
-- share directories, so the rows are first reduced to one per
-- (repository, directory) with its lowest version, and only those are
-- expanded: the same directories at the same versions (the lowest of a
-- directory's files, then the lowest over the directories below an
-- ancestor), 0.14 s.  Everything else is as in sql/010.
CREATE OR REPLACE FUNCTION repository_content_dirs_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    opened checkpoint_dir_change[] := ARRAY(
        SELECT ROW(x.repository_id, x.dir, x.v)::checkpoint_dir_change
          FROM (SELECT DISTINCT ON (d.repository_id, anc) d.repository_id, anc AS dir, d.v
                  FROM (SELECT n.repository_id, n.dir, min(n.version_added) AS v
                          FROM new_rows n WHERE n.version_removed IS NULL
                         GROUP BY n.repository_id, n.dir) d,
                       checkpoint_dir_ancestors(d.dir) anc
                 ORDER BY d.repository_id, anc, d.v) x);
    rebuild checkpoint_dir_change[] := ARRAY(
        SELECT DISTINCT ROW(d.repository_id, anc, 0)::checkpoint_dir_change
          FROM (SELECT DISTINCT n.repository_id, n.dir
                  FROM new_rows n WHERE n.version_removed IS NOT NULL) d,
               checkpoint_dir_ancestors(d.dir) anc);
BEGIN
    rebuild := rebuild || ARRAY(
        SELECT ROW(o.repository_id, o.dir, o.v)::checkpoint_dir_change
          FROM checkpoint_dirs_last(opened) o
         WHERE o.lr > o.v OR (o.has_last AND o.lr IS NULL AND o.la > o.v));
    PERFORM checkpoint_dirs_rebuild_changed(rebuild);
    WITH a AS (SELECT * FROM checkpoint_dirs_last(opened)),
         reopened AS (
            UPDATE repository_dir d SET version_removed = NULL FROM a
             WHERE d.repository_id = a.repository_id AND d.dir = a.dir
               AND d.version_added = a.la AND a.lr = a.v)
    INSERT INTO repository_dir (repository_id, dir, parent, version_added)
    SELECT a.repository_id, a.dir, regexp_replace(a.dir, '/?[^/]*$', ''), a.v FROM a
     WHERE NOT a.has_last OR a.lr < a.v;
    RETURN NULL;
END $$;

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
                                  AND f.dir = a.dir)
               AND NOT EXISTS (SELECT 1 FROM repository_content f
                                WHERE f.repository_id = a.repository_id AND f.version_removed IS NULL
                                  AND f.dir ~>=~ (a.dir || '/') AND f.dir ~<~ (a.dir || '0'))),
         dropped AS (
            DELETE FROM repository_dir d USING empty e
             WHERE d.repository_id = e.repository_id AND d.dir = e.dir
               AND d.version_removed IS NULL AND d.version_added = e.v)
    UPDATE repository_dir d SET version_removed = e.v FROM empty e
     WHERE d.repository_id = e.repository_id AND d.dir = e.dir
       AND d.version_removed IS NULL AND d.version_added < e.v;
    RETURN NULL;
END $$;
