-- Content lookups that cost the same at version 10 and at version 10,000
-- (issue 8), and a change feed that names what changed.
--
-- 1. A file in version N is the range of its path with the largest
--    version_added <= N, if that range is still open at N.  Ranges of one
--    path never overlap (at most one is open, and a range is only ever
--    closed at the version being made), so one backward step on
--    repository_content_path_idx finds it, however long the history.
-- 2. The files of a directory in version N: a GiST index on the version
--    range answers "dir = D and the range holds N" without reading the
--    ranges of other versions.
-- 3. Directories get ranges of their own (repository_dir), kept by
--    statement-level triggers on repository_content, so "is D a directory
--    in N" and "the subdirectories of D in N" are index probes too.
-- 4. sha256 and size ride on the membership row: a file lookup reads one
--    index and one heap row, not three tables.
-- 5. content_change names the repositories each change touched, so that a
--    process drops only their answers (the nil uuid: a distribution changed).

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- 4. denormalised digest and size
ALTER TABLE repository_content ADD COLUMN sha256 text, ADD COLUMN size bigint;
UPDATE repository_content rc SET sha256 = c.sha256, size = a.size
  FROM content c JOIN artifact a ON a.sha256 = c.sha256 WHERE c.id = rc.content_id;
ALTER TABLE repository_content ALTER COLUMN sha256 SET NOT NULL, ALTER COLUMN size SET NOT NULL;

-- 2. files of a directory in a version; and the open files below a
-- directory, for the directory triggers
DROP INDEX repository_content_dir_idx;
CREATE INDEX repository_content_dir_range_idx ON repository_content
    USING gist (repository_id, dir, int4range(version_added, version_removed));
CREATE INDEX repository_content_open_dir_idx ON repository_content
    (repository_id, dir text_pattern_ops) WHERE version_removed IS NULL;

-- 3. directories as ranges
CREATE TABLE repository_dir (
    repository_id   uuid NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
    dir             text NOT NULL CHECK (dir <> ''),
    parent          text NOT NULL,
    version_added   integer NOT NULL,
    version_removed integer,
    CHECK (parent = regexp_replace(dir, '/?[^/]*$', '')),
    CHECK (version_removed IS NULL OR version_removed > version_added)
);
CREATE INDEX repository_dir_path_idx ON repository_dir (repository_id, dir, version_added);
CREATE UNIQUE INDEX repository_dir_open_idx ON repository_dir (repository_id, dir)
    WHERE version_removed IS NULL;
CREATE INDEX repository_dir_children_idx ON repository_dir
    USING gist (repository_id, parent, int4range(version_added, version_removed));

-- 'a/b/c' -> 'a', 'a/b', 'a/b/c'; '' -> nothing
CREATE FUNCTION checkpoint_dir_ancestors(d text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_to_string(s[1:i], '/')
      FROM (SELECT string_to_array(d, '/') AS s) x,
           generate_series(1, coalesce(array_length(x.s, 1), 0)) i
$$;

-- The ranges of directories dirs (NULL: every directory) of repository
-- repo, made again from all its file ranges: a directory is present in
-- version N when a file below it is.  Islands of overlapping or touching
-- file ranges become one range.  For bulk loads of history and for this
-- migration; everyday changes take the incremental path below.
CREATE FUNCTION checkpoint_dirs_rebuild(repo uuid, dirs text[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM repository_dir WHERE repository_id = repo AND (dirs IS NULL OR dir = ANY (dirs));
    INSERT INTO repository_dir (repository_id, dir, parent, version_added, version_removed)
    SELECT repo, g.dir, regexp_replace(g.dir, '/?[^/]*$', ''), min(g.a), nullif(max(g.r), 2147483647)
      FROM (SELECT s.*, count(*) FILTER (WHERE s.reach IS NULL OR s.reach < s.a)
                          OVER (PARTITION BY s.dir ORDER BY s.a, s.r) AS island
              FROM (SELECT f.*, max(f.r) OVER (PARTITION BY f.dir ORDER BY f.a, f.r
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
                      FROM (SELECT anc AS dir, rc.version_added AS a,
                                   coalesce(rc.version_removed, 2147483647) AS r
                              FROM repository_content rc, checkpoint_dir_ancestors(rc.dir) anc
                             WHERE rc.repository_id = repo
                               AND (dirs IS NULL OR anc = ANY (dirs))) f) s) g
     GROUP BY g.dir, g.island;
$$;

-- A directory that a statement changed something below, and the version
-- at which it did (the lowest one, when several).
CREATE TYPE checkpoint_dir_change AS (repository_id uuid, dir text, v integer);

-- Each changed directory with its last range now (la, lr), if it has one.
CREATE FUNCTION checkpoint_dirs_last(c checkpoint_dir_change[])
RETURNS TABLE (repository_id uuid, dir text, v integer, has_last boolean, la integer, lr integer)
LANGUAGE sql STABLE AS $$
    SELECT a.repository_id, a.dir, a.v, l.version_added IS NOT NULL, l.version_added,
           l.version_removed
      FROM unnest(c) a
      LEFT JOIN LATERAL (SELECT d.version_added, d.version_removed FROM repository_dir d
                          WHERE d.repository_id = a.repository_id AND d.dir = a.dir
                          ORDER BY d.version_added DESC LIMIT 1) l ON true
$$;

-- Rebuilds the directories of c (of any repository).
CREATE FUNCTION checkpoint_dirs_rebuild_changed(c checkpoint_dir_change[]) RETURNS void
LANGUAGE sql AS $$
    SELECT checkpoint_dirs_rebuild(x.repository_id, x.dirs)
      FROM (SELECT a.repository_id, array_agg(DISTINCT a.dir) AS dirs FROM unnest(c) a
             GROUP BY a.repository_id) x
$$;

-- Rows inserted.  The usual case appends: open ranges of the version being
-- made, whose directories are then present from it on (one closed at that
-- very version, because its last file left just before another came, is
-- reopened rather than split).  Anything else -- ranges inserted closed,
-- or opened before a directory's last range ends (bulk loads of history)
-- -- rebuilds the directories concerned.
CREATE FUNCTION repository_content_dirs_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    opened checkpoint_dir_change[] := ARRAY(
        SELECT ROW(x.repository_id, x.dir, x.v)::checkpoint_dir_change
          FROM (SELECT DISTINCT ON (n.repository_id, anc) n.repository_id, anc AS dir,
                       n.version_added AS v
                  FROM new_rows n, checkpoint_dir_ancestors(n.dir) anc
                 WHERE n.version_removed IS NULL
                 ORDER BY n.repository_id, anc, n.version_added) x);
    rebuild checkpoint_dir_change[] := ARRAY(
        SELECT DISTINCT ROW(n.repository_id, anc, 0)::checkpoint_dir_change
          FROM new_rows n, checkpoint_dir_ancestors(n.dir) anc
         WHERE n.version_removed IS NOT NULL);
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

-- Ranges closed at version v: a directory with no open file left below it
-- is closed at v too, or dropped if it was only opened at v.  A directory
-- whose open range began after v (history rewritten) is rebuilt.
CREATE FUNCTION repository_content_dirs_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    closed checkpoint_dir_change[] := ARRAY(
        SELECT ROW(x.repository_id, x.dir, x.v)::checkpoint_dir_change
          FROM (SELECT DISTINCT ON (n.repository_id, anc) n.repository_id, anc AS dir,
                       n.version_removed AS v
                  FROM new_rows n, checkpoint_dir_ancestors(n.dir) anc
                 WHERE n.version_removed IS NOT NULL
                 ORDER BY n.repository_id, anc, n.version_removed) x);
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

CREATE TRIGGER repository_content_dirs_insert AFTER INSERT ON repository_content
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repository_content_dirs_insert();
CREATE TRIGGER repository_content_dirs_update AFTER UPDATE ON repository_content
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repository_content_dirs_update();

SELECT checkpoint_dirs_rebuild(id, NULL) FROM repository;

-- 5. what each change touched
CREATE TABLE content_change (
    n             bigint NOT NULL,
    repository_id uuid NOT NULL,
    PRIMARY KEY (n, repository_id)
);

CREATE OR REPLACE FUNCTION content_generation_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    gen bigint := nullif(current_setting('checkpoint.generation', true), '')::bigint;
    repo uuid;
BEGIN
    -- once per transaction, however many rows it changed
    IF gen IS NULL THEN
        UPDATE content_generation SET n = n + 1 WHERE id = 1 RETURNING n INTO gen;
        PERFORM set_config('checkpoint.generation', gen::text, true);
        -- Old entries go; a process further behind than what is kept
        -- empties everything (it cannot tell what changed).
        IF gen % 1000 = 0 THEN
            DELETE FROM content_change WHERE n < gen - 100000;
        END IF;
    END IF;
    IF TG_TABLE_NAME = 'publication' THEN
        repo := CASE TG_OP WHEN 'DELETE' THEN OLD.repository_id ELSE NEW.repository_id END;
    ELSE
        repo := '00000000-0000-0000-0000-000000000000';
    END IF;
    INSERT INTO content_change (n, repository_id) VALUES (gen, repo) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
