/* The statements of bulk ingest (ingest.c): a tree of (relative_path,
 * sha256, size) rows arrives in batches of arrays into a temporary table
 * and is compared, leased and committed with one statement each, whatever
 * the number of files.  Parameters: $1 is the repository; arrays are text
 * literals (ckpt_db_array) cast to their type. */
#include "db.h"
#include "statements.h"

/* The latest version's row rc of path in repository repo: the open one. */
#define OPEN_AT(repo, path)                                                                      \
    "rc.repository_id = " repo " AND rc.relative_path = " path " AND rc.version_removed IS NULL"

/* The rows of a batch that the latest version does not hold as they are. */
#define CHANGED                                                                                  \
    "SELECT x.i FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x(path, sha, i)"         \
    " WHERE NOT EXISTS (SELECT 1 FROM repository_content rc WHERE " OPEN_AT("$1", "x.path")    \
    "   AND rc.sha256 = x.sha)"                                                                  \
    " ORDER BY x.i"

const ckpt_stmt ckpt_stmts_ingest[] = {
    /* One import or sync of a repository at a time: a session lock, held
     * by the command's connection, dropped with it however it ends. */
    {"ingest_try_lock", "SELECT pg_try_advisory_lock(10, hashtext($1::text)) AS locked"},
    {"ingest_unlock", "SELECT pg_advisory_unlock(10, hashtext($1::text)) AS unlocked"},
    {"ingest_repo_by_name", "SELECT r.id FROM repository r WHERE r.name = $1"},
    {"ingest_latest", "SELECT r.latest_number FROM repository r WHERE r.id = $1"},
    /* $2 paths, $3 digests: 1-based positions of the rows that change. */
    {"ingest_changed", CHANGED},
    /* Artifact rows before their bytes, with a lease on their interest
     * ($3 seconds ahead: LEASE_SECONDS, ingest.c): orphan cleanup spares a
     * row and a file that a row names, so bytes placed for a version not
     * yet made are never swept.  $1 digests, $2 sizes. */
    {"ingest_lease",
     "INSERT INTO artifact AS a (sha256, size, timestamp_of_interest)"
     " SELECT x.s, x.z, clock_timestamp() + make_interval(secs => $3::int)"
     "   FROM unnest($1::text[], $2::bigint[]) AS x(s, z)"
     " ON CONFLICT (sha256) DO UPDATE SET timestamp_of_interest ="
     "  greatest(a.timestamp_of_interest, excluded.timestamp_of_interest)"},
    /* An import's units of those digests, leased the same way in the same
     * transaction, so that its commit finds them made: $1 paths, $2
     * digests, $3 the lease's seconds. */
    {"ingest_lease_units",
     "INSERT INTO content AS c (relative_path, sha256, timestamp_of_interest)"
     " SELECT x.p, x.s, clock_timestamp() + make_interval(secs => $3::int)"
     "   FROM unnest($1::text[], $2::text[]) AS x(p, s)"
     " ON CONFLICT (relative_path, sha256) DO UPDATE SET timestamp_of_interest ="
     "  greatest(c.timestamp_of_interest, excluded.timestamp_of_interest)"},
    /* After a large change, so that the next run's joins are planned on
     * what the tables hold now rather than before autovacuum comes by. */
    {"ingest_analyze", "ANALYZE repository_content"},

    /* The tree of a run, in this session's own table: it arrives in
     * batches and is compared, hashed and committed where it lies, so a
     * run's memory does not grow with the number of files.  A temporary
     * table: no other session sees it, no WAL is written for it, and it
     * goes with the session however a run ends. */
    {"ingest_tree_present",
     "SELECT to_regclass('pg_temp.ingest_file') IS NOT NULL AS present"},
    {"ingest_tree_make",
     "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_file ("
     " relative_path text PRIMARY KEY, sha256 text, size bigint NOT NULL,"
     " mtime bigint NOT NULL, changed boolean NOT NULL DEFAULT false, staged text)"},
    /* A sync's digests that the latest version does not hold at their
     * paths, each once with one path of it (the one its download is
     * recorded on): what it leases, and fetches when storage lacks it. */
    {"ingest_digest_make",
     "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_digest ("
     " sha256 text PRIMARY KEY, size bigint NOT NULL, relative_path text NOT NULL)"},
    {"ingest_tree_clear", "TRUNCATE ingest_file, ingest_digest"},
    /* Temporary tables are not analyzed by autovacuum. */
    {"ingest_tree_analyze", "ANALYZE ingest_file"},
    /* $1 paths, $2 sizes, $3 mtimes, $4 digests (NULL: not known yet);
     * a path given twice is not inserted twice (affected says so).  A
     * digest not given is taken where an import's state vouches for it:
     * repository $5's latest version holds that path, and the last import
     * that hashed it saw the same size and mtime as the file has now
     * (import_mtime, set only by an import: a row the API makes has none,
     * so that a change made through the API is never hidden by it). */
    {"ingest_tree_add",
     "INSERT INTO ingest_file (relative_path, size, mtime, sha256)"
     " SELECT x.path, x.size, x.mtime, coalesce(x.sha, (SELECT rc.sha256 FROM repository_content rc"
     "  WHERE " OPEN_AT("$5::uuid", "x.path") " AND rc.size = x.size AND rc.import_mtime = x.mtime))"
     " FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) AS x(path, size, mtime, sha)"
     " ON CONFLICT (relative_path) DO NOTHING"},
    {"ingest_tree_todo",
     "SELECT count(*) AS files, coalesce(sum(size), 0) AS bytes FROM ingest_file"
     " WHERE sha256 IS NULL"},
    /* The next $2 files to hash after path $1, in path order. */
    {"ingest_tree_page",
     "SELECT relative_path, size, mtime FROM ingest_file"
     " WHERE sha256 IS NULL AND relative_path > $1 ORDER BY relative_path LIMIT $2::int"},
    /* $1 the repository. */
    {"ingest_digest_fill",
     "INSERT INTO ingest_digest (sha256, size, relative_path)"
     " SELECT f.sha256, min(f.size), min(f.relative_path) FROM ingest_file f"
     "  WHERE NOT EXISTS (SELECT 1 FROM repository_content rc WHERE " OPEN_AT("$1", "f.relative_path")
     "    AND rc.sha256 = f.sha256)"
     "  GROUP BY f.sha256"},
    {"ingest_digest_todo",
     "SELECT count(*) AS files, coalesce(sum(size), 0) AS bytes FROM ingest_digest"},
    /* The next $2 of them after digest $1, in digest order. */
    {"ingest_digest_page",
     "SELECT relative_path, sha256, size FROM ingest_digest"
     " WHERE sha256 > $1 ORDER BY sha256 LIMIT $2::int"},
    /* $1 paths, $2 digests, $3 sizes, $4 staged files ('' for none):
     * hashed (or downloaded) in this run. */
#define HASHED(also)                                                                             \
    "UPDATE ingest_file f SET sha256 = x.sha, size = x.size, staged = nullif(x.staged, '')"     \
    also " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])"                      \
    " AS x(path, sha, size, staged) WHERE f.relative_path = x.path"
    {"ingest_tree_hashed", HASHED("")},
    /* An import's, which stages exactly the files that change (the
     * others' staged copies are dropped first), so records that too; and
     * of those that do not change, what it saw (the mtime) goes at once
     * onto the open row of repository $5 that holds the same bytes at the
     * path, for the next import (ingest_tree_add).  That is true of the
     * file whether or not this run ends in a version; the rows of what
     * changes get theirs with the version (ingest_tree_open).  A row a
     * writer holds (the API's modify closing it) is skipped, not waited
     * for: this statement runs outside the commit, and waiting on rows
     * taken in another order could deadlock; a skipped row costs its file
     * one more hashing at the next import. */
    {"ingest_tree_hashed_state",
     "WITH f AS (" HASHED(", changed = x.staged <> ''")
     " RETURNING f.relative_path, f.size, f.mtime, f.sha256, f.changed),"
     " s AS (SELECT rc.ctid AS row, f.mtime FROM repository_content rc, f"
     "  WHERE NOT f.changed AND " OPEN_AT("$5", "f.relative_path")
     "    AND rc.sha256 = f.sha256 AND rc.size = f.size AND rc.import_mtime IS DISTINCT FROM f.mtime"
     "  FOR NO KEY UPDATE OF rc SKIP LOCKED)"
     " UPDATE repository_content rc SET import_mtime = s.mtime FROM s WHERE rc.ctid = s.row"},
    /* The next $2 staged files after path $1, in path order... */
    {"ingest_tree_staged_page",
     "SELECT relative_path, sha256, size, staged FROM ingest_file"
     " WHERE staged IS NOT NULL AND relative_path > $1 ORDER BY relative_path LIMIT $2::int"},
    /* ...and, once every one is placed or removed, none. */
    {"ingest_tree_unstage", "UPDATE ingest_file SET staged = NULL WHERE staged IS NOT NULL"},

    /* The commit, one transaction.  Changed: what the latest version
     * does not hold as it is ($1 repository).  An import recorded it as it
     * hashed, against the version it began with; when the latest is
     * another by now (or for a sync, which records none), each row whose
     * flag says otherwise than the latest version is flipped... */
    {"ingest_tree_changed",
     "UPDATE ingest_file f SET changed = NOT f.changed WHERE f.changed = EXISTS (SELECT 1"
     "  FROM repository_content rc WHERE " OPEN_AT("$1", "f.relative_path")
     "   AND rc.sha256 = f.sha256)"},
    /* ...and they are counted. */
    {"ingest_tree_changed_count", "SELECT count(*) AS n FROM ingest_file WHERE changed"},
    /* Its units, made or found: an import's were leased with their
     * digests and stand while the lease has $1 seconds to run (the
     * foreign key of ingest_tree_open then locks them); the others (a
     * sync's, or a long run's) are made here, or locked by DO UPDATE, with
     * an expired lease brought up to now, so that cleanup cannot take
     * them before COMMIT. */
    {"ingest_tree_units",
     "INSERT INTO content AS c (relative_path, sha256)"
     " SELECT f.relative_path, f.sha256 FROM ingest_file f WHERE f.changed"
     "  AND NOT EXISTS (SELECT 1 FROM content u WHERE u.relative_path = f.relative_path"
     "   AND u.sha256 = f.sha256"
     "   AND u.timestamp_of_interest > clock_timestamp() + make_interval(secs => $1::int))"
     " ON CONFLICT (relative_path, sha256) DO UPDATE"
     " SET timestamp_of_interest = greatest(c.timestamp_of_interest, clock_timestamp())"},
    /* $2 the new version: the ranges of replaced paths close... */
    {"ingest_tree_close_replaced",
     "UPDATE repository_content rc SET version_removed = $2::int"
     " FROM ingest_file f WHERE f.changed AND " OPEN_AT("$1", "f.relative_path")},
    /* ...and, for a mirror, those of paths the tree lacks... */
    {"ingest_tree_close_gone",
     "UPDATE repository_content rc SET version_removed = $2::int"
     " WHERE rc.repository_id = $1 AND rc.version_removed IS NULL"
     "   AND NOT EXISTS (SELECT 1 FROM ingest_file f WHERE f.relative_path = rc.relative_path)"},
    /* ...and the changed paths' new ranges open, with the mtime an
     * import saw (a sync's files have none: -1, sync.c). */
    {"ingest_tree_open",
     "INSERT INTO repository_content"
     " (repository_id, content_id, relative_path, dir, sha256, size, version_added, import_mtime)"
     " SELECT $1, c.id, c.relative_path, regexp_replace(c.relative_path, '/?[^/]*$', ''),"
     "  c.sha256, a.size, $2::int, nullif(f.mtime, -1)"
     "   FROM ingest_file f JOIN content c ON c.relative_path = f.relative_path"
     "    AND c.sha256 = f.sha256 JOIN artifact a ON a.sha256 = c.sha256"
     "  WHERE f.changed ORDER BY c.relative_path"},
    {NULL, NULL}};
