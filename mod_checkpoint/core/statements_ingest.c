/* The statements of bulk ingest (ingest.c): a tree of (relative_path,
 * sha256, size) rows arrives as arrays and is compared, leased and
 * recorded with one statement each, whatever the number of files.
 * Parameters: $1 is the repository; arrays are text literals
 * (ckpt_db_array) cast to their type. */
#include "db.h"
#include "statements.h"

/* The tree's rows that the latest version does not hold as they are. */
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
    /* What the last import saw, where the latest version still agrees. */
    {"ingest_state",
     "SELECT s.relative_path, s.size, s.mtime, s.sha256 FROM import_state s"
     " JOIN repository_content rc ON rc.repository_id = s.repository_id"
     "  AND rc.relative_path = s.relative_path AND rc.version_removed IS NULL"
     "  AND rc.sha256 = s.sha256 AND rc.size = s.size"
     " WHERE s.repository_id = $1"},
    /* $2 paths, $3 digests: 1-based positions of the rows that change. */
    {"ingest_changed", CHANGED},
    /* $2 paths: the units of the latest version whose path the tree lacks. */
    {"ingest_gone",
     "SELECT rc.content_id FROM repository_content rc"
     " WHERE rc.repository_id = $1 AND rc.version_removed IS NULL"
     "   AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) AS t(path)"
     "                    WHERE t.path = rc.relative_path)"},
    /* Artifact rows before their bytes, with a lease of an hour on their
     * interest: orphan cleanup spares a row and a file that a row names,
     * so bytes placed for a version not yet made are never swept.  $1
     * digests, $2 sizes. */
    {"ingest_lease",
     "INSERT INTO artifact AS a (sha256, size, timestamp_of_interest)"
     " SELECT x.s, x.z, clock_timestamp() + interval '1 hour'"
     "   FROM unnest($1::text[], $2::bigint[]) AS x(s, z)"
     " ON CONFLICT (sha256) DO UPDATE SET timestamp_of_interest ="
     "  greatest(a.timestamp_of_interest, excluded.timestamp_of_interest)"},
    /* $1 paths, $2 digests: their units, made or found. */
    {"ingest_content",
     "INSERT INTO content AS c (relative_path, sha256)"
     " SELECT * FROM unnest($1::text[], $2::text[])"
     " ON CONFLICT (relative_path, sha256) DO UPDATE SET timestamp_of_interest = clock_timestamp()"
     " RETURNING c.id"},
    {"ingest_state_forget",
     "DELETE FROM import_state s WHERE s.repository_id = $1"
     "  AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) AS t(path) WHERE t.path = s.relative_path)"},
    /* $2 paths, $3 sizes, $4 mtimes, $5 digests */
    {"ingest_state_put",
     "INSERT INTO import_state (repository_id, relative_path, size, mtime, sha256)"
     " SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[])"
     " ON CONFLICT (repository_id, relative_path) DO UPDATE"
     " SET size = excluded.size, mtime = excluded.mtime, sha256 = excluded.sha256"},
    /* After a large change, so that the next run's joins are planned on
     * what the tables hold now rather than before autovacuum comes by. */
    {"ingest_analyze", "ANALYZE import_state, repository_content"},
    {NULL, NULL}};
