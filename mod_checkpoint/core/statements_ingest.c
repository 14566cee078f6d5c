/* The statements of bulk ingest (ingest.c): a tree of (relative_path,
 * sha256, size) rows arrives in batches of arrays into a temporary table
 * and is compared, leased and committed with one statement each, whatever
 * the number of files.  Parameters: $1 is the repository; arrays are text
 * literals (ckpt_db_array) cast to their type. */
#include "db.h"
#include "statements.h"

/* The rows of a batch that the latest version does not hold as they are. */
#define CHANGED                                                                                  \
    "SELECT x.i FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x(path, sha, i)"         \
    " WHERE NOT EXISTS (SELECT 1 FROM repository_content rc WHERE rc.repository_id = $1"         \
    "   AND rc.relative_path = x.path AND rc.version_removed IS NULL AND rc.sha256 = x.sha)"     \
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
    {"ingest_analyze", "ANALYZE import_state, repository_content"},

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
     * digest not given is taken where the last import's state of
     * repository $5 vouches for it: what it saw of the file (size, mtime)
     * is what the file is now, and the latest version still holds that
     * path with that digest, so that a change made through the API is
     * never hidden by it. */
    {"ingest_tree_add",
     "INSERT INTO ingest_file (relative_path, size, mtime, sha256)"
     " SELECT x.path, x.size, x.mtime, coalesce(x.sha, (SELECT s.sha256 FROM import_state s"
     "   JOIN repository_content rc ON rc.repository_id = s.repository_id"
     "    AND rc.relative_path = s.relative_path AND rc.version_removed IS NULL"
     "    AND rc.sha256 = s.sha256 AND rc.size = s.size"
     "  WHERE s.repository_id = $5::uuid AND s.relative_path = x.path"
     "    AND s.size = x.size AND s.mtime = x.mtime))"
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
     "  WHERE NOT EXISTS (SELECT 1 FROM repository_content rc WHERE rc.repository_id = $1"
     "    AND rc.relative_path = f.relative_path AND rc.version_removed IS NULL"
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
    /* An import's: and what it saw of them (size, mtime, digest) into the
     * state of repository $5 at once.  The state vouches for a digest only
     * while the latest version holds it at that path (ingest_tree_add),
     * so a run that then fails leaves no state that could mislead the
     * next.  An import stages exactly the files that change (the others'
     * staged copies are dropped first), so it records that too. */
    {"ingest_tree_hashed_state",
     "WITH f AS (" HASHED(", changed = x.staged <> ''")
     " RETURNING f.relative_path, f.size, f.mtime, f.sha256)"
     " INSERT INTO import_state (repository_id, relative_path, size, mtime, sha256)"
     " SELECT $5, f.relative_path, f.size, f.mtime, f.sha256 FROM f"
     " ON CONFLICT (repository_id, relative_path) DO UPDATE"
     " SET size = excluded.size, mtime = excluded.mtime, sha256 = excluded.sha256"},
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
     "  FROM repository_content rc WHERE rc.repository_id = $1"
     "   AND rc.relative_path = f.relative_path AND rc.version_removed IS NULL"
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
     " FROM ingest_file f WHERE f.changed AND rc.repository_id = $1"
     "  AND rc.relative_path = f.relative_path AND rc.version_removed IS NULL"},
    /* ...and, for a mirror, those of paths the tree lacks... */
    {"ingest_tree_close_gone",
     "UPDATE repository_content rc SET version_removed = $2::int"
     " WHERE rc.repository_id = $1 AND rc.version_removed IS NULL"
     "   AND NOT EXISTS (SELECT 1 FROM ingest_file f WHERE f.relative_path = rc.relative_path)"},
    /* ...and the changed paths' new ranges open. */
    {"ingest_tree_open",
     "INSERT INTO repository_content"
     " (repository_id, content_id, relative_path, dir, sha256, size, version_added)"
     " SELECT $1, c.id, c.relative_path, regexp_replace(c.relative_path, '/?[^/]*$', ''),"
     "  c.sha256, a.size, $2::int"
     "   FROM ingest_file f JOIN content c ON c.relative_path = f.relative_path"
     "    AND c.sha256 = f.sha256 JOIN artifact a ON a.sha256 = c.sha256"
     "  WHERE f.changed ORDER BY c.relative_path"},
    /* What an import's state knows of paths a mirror's tree lacks. */
    {"ingest_tree_state_forget",
     "DELETE FROM import_state s WHERE s.repository_id = $1"
     "  AND NOT EXISTS (SELECT 1 FROM ingest_file f WHERE f.relative_path = s.relative_path)"},
    {NULL, NULL}};
