-- What an import saw of a file (issue 10) moves from import_state onto
-- the version's own row of it.  A re-import trusts a digest without
-- hashing only while the latest version holds the path and the file's
-- size and mtime are what the last import that hashed it saw; the open
-- row of the path already holds the path, the digest and the size, so the
-- mtime is all that was missing from it.  A row the API makes has no
-- import_mtime, so a change made through the API is never hidden.
--
-- import_state was a second row per file, written as each batch was
-- hashed: about 1.1 s of the database's time per 100,000 files of a first
-- import (its primary key on (repository, path)), on the two cores the
-- hashing shares, plus the forgetting of a mirror's lost paths in the
-- commit.  The mtime on the row costs 8 bytes and no index; updating it
-- (a file touched, its bytes the same) changes no indexed column.
ALTER TABLE repository_content ADD COLUMN import_mtime bigint;  -- microseconds since 1970-01-01 UTC
UPDATE repository_content rc SET import_mtime = s.mtime
  FROM import_state s
 WHERE rc.repository_id = s.repository_id AND rc.relative_path = s.relative_path
   AND rc.version_removed IS NULL AND rc.sha256 = s.sha256 AND rc.size = s.size;
DROP TABLE import_state;
