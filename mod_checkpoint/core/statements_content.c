/* The content side's statements (see statements.c); resolve.c runs them.
 *
 * Times come back as whole seconds since 1970 (floor of the epoch), so no
 * DateStyle or time zone setting of the server can change what we read.
 * A unit is in version N when version_added <= N < version_removed (NULL:
 * still present); every statement below that reads repository_content says
 * so with $2 = N. */
#include "db.h"

/* The publication columns every publication lookup returns, in this order:
 * id, repository_id, version_number, manifest, manifest_sha256, the
 * manifest's size, pulp_created (epoch seconds). */
#define PUB_COLUMNS                                                                       \
    "p.id, p.repository_id, p.version_number, p.manifest, p.manifest_sha256, ma.size, " \
    "floor(extract(epoch FROM p.pulp_created))::bigint"

const ckpt_stmt ckpt_stmts_content[] = {
    /* The distribution whose base_path is the longest path-segment prefix
     * of the request ($1: every such prefix), and for a plain one the
     * publication it serves: its own, its repository's newest or its
     * repository version's newest.  Each branch of the lateral union is
     * one index probe; the ones that do not apply find nothing. */
    {"content_distribution",
     "SELECT d.base_path, d.checkpoint, d.repository_id, " PUB_COLUMNS
     " FROM distribution d"
     " LEFT JOIN LATERAL ("
     "   (SELECT * FROM publication WHERE id = d.publication_id)"
     "   UNION ALL"
     "   (SELECT * FROM publication WHERE NOT d.checkpoint AND repository_id = d.repository_id"
     "     ORDER BY pulp_created DESC LIMIT 1)"
     "   UNION ALL"
     "   (SELECT * FROM publication WHERE repository_version_id = d.repository_version_id"
     "     ORDER BY pulp_created DESC LIMIT 1)"
     "   LIMIT 1) p ON true"
     " LEFT JOIN artifact ma ON ma.sha256 = p.manifest_sha256"
     " WHERE d.base_path = ANY ($1::text[])"
     " ORDER BY length(d.base_path) DESC LIMIT 1"},

    /* The latest checkpoint of repository $1 created before the end of
     * second $2 (epoch seconds): the exact one when it has that second. */
    {"content_checkpoint_at",
     "SELECT " PUB_COLUMNS
     " FROM publication p JOIN artifact ma ON ma.sha256 = p.manifest_sha256"
     " WHERE p.repository_id = $1 AND p.checkpoint"
     "   AND p.pulp_created < to_timestamp($2::bigint + 1)"
     " ORDER BY p.pulp_created DESC LIMIT 1"},

    /* Every checkpoint of repository $1, oldest first. */
    {"content_checkpoints",
     "SELECT floor(extract(epoch FROM pulp_created))::bigint FROM publication"
     " WHERE repository_id = $1 AND checkpoint ORDER BY pulp_created"},

    /* A file by relative path $3 in version $2 of repository $1. */
    {"content_file",
     "SELECT c.sha256, a.size FROM repository_content rc"
     " JOIN content c ON c.id = rc.content_id JOIN artifact a ON a.sha256 = c.sha256"
     " WHERE rc.repository_id = $1 AND rc.relative_path = $3"
     "   AND rc.version_added <= $2::int"
     "   AND (rc.version_removed IS NULL OR rc.version_removed > $2::int)"
     " LIMIT 1"},

    /* Whether directory $3 (not the root) holds a file, directly or deeper:
     * the deeper ones are the range ["$3/", "$30"), '0' following '/'. */
    {"content_dir_exists",
     "SELECT EXISTS (SELECT 1 FROM repository_content"
     "   WHERE repository_id = $1 AND dir = $3 AND version_added <= $2::int"
     "     AND (version_removed IS NULL OR version_removed > $2::int))"
     " OR EXISTS (SELECT 1 FROM repository_content"
     "   WHERE repository_id = $1 AND dir ~>=~ ($3 || '/') AND dir ~<~ ($3 || '0')"
     "     AND version_added <= $2::int"
     "     AND (version_removed IS NULL OR version_removed > $2::int))"},

    /* The files directly in directory $3 ("" for the root). */
    {"content_dir_files",
     "SELECT rc.relative_path, a.size FROM repository_content rc"
     " JOIN content c ON c.id = rc.content_id JOIN artifact a ON a.sha256 = c.sha256"
     " WHERE rc.repository_id = $1 AND rc.dir = $3"
     "   AND rc.version_added <= $2::int"
     "   AND (rc.version_removed IS NULL OR rc.version_removed > $2::int)"},

    /* The subdirectories directly under directory $3 (not the root), found
     * by a skip scan over the dir index rather than by reading every file
     * below: from the smallest dir under "$3/", each step jumps past the
     * dirs of the subdirectory just found (itself, and the range
     * [name/, name0)).  Names such as "a-b" sort between "a" and "a/", so a
     * subdirectory can be met twice: DISTINCT.  Each step moves strictly
     * forward, so the walk ends. */
    {"content_dir_subdirs",
     "WITH RECURSIVE s(d) AS ("
     "  (SELECT dir FROM repository_content"
     "    WHERE repository_id = $1 AND dir ~>=~ ($3 || '/') AND dir ~<~ ($3 || '0')"
     "      AND version_added <= $2::int"
     "      AND (version_removed IS NULL OR version_removed > $2::int)"
     "    ORDER BY dir USING ~<~ LIMIT 1)"
     "  UNION ALL"
     "  SELECT COALESCE("
     "    (SELECT dir FROM repository_content"
     "      WHERE repository_id = $1 AND dir ~>~ s.d"
     "        AND dir ~<~ ($3 || '/' || split_part(substr(s.d, length($3) + 2), '/', 1) || '/')"
     "        AND version_added <= $2::int"
     "        AND (version_removed IS NULL OR version_removed > $2::int)"
     "      ORDER BY dir USING ~<~ LIMIT 1),"
     "    (SELECT dir FROM repository_content"
     "      WHERE repository_id = $1"
     "        AND dir ~>=~ ($3 || '/' || split_part(substr(s.d, length($3) + 2), '/', 1) || '0')"
     "        AND dir ~<~ ($3 || '0')"
     "        AND version_added <= $2::int"
     "        AND (version_removed IS NULL OR version_removed > $2::int)"
     "      ORDER BY dir USING ~<~ LIMIT 1))"
     "  FROM s WHERE s.d IS NOT NULL)"
     " SELECT DISTINCT split_part(substr(d, length($3) + 2), '/', 1) FROM s WHERE d IS NOT NULL"},

    /* The same for the top level: every dir other than "" lies under it. */
    {"content_root_subdirs",
     "WITH RECURSIVE s(d) AS ("
     "  (SELECT dir FROM repository_content"
     "    WHERE repository_id = $1 AND dir ~>~ ''"
     "      AND version_added <= $2::int"
     "      AND (version_removed IS NULL OR version_removed > $2::int)"
     "    ORDER BY dir USING ~<~ LIMIT 1)"
     "  UNION ALL"
     "  SELECT COALESCE("
     "    (SELECT dir FROM repository_content"
     "      WHERE repository_id = $1 AND dir ~>~ s.d"
     "        AND dir ~<~ (split_part(s.d, '/', 1) || '/')"
     "        AND version_added <= $2::int"
     "        AND (version_removed IS NULL OR version_removed > $2::int)"
     "      ORDER BY dir USING ~<~ LIMIT 1),"
     "    (SELECT dir FROM repository_content"
     "      WHERE repository_id = $1 AND dir ~>=~ (split_part(s.d, '/', 1) || '0')"
     "        AND version_added <= $2::int"
     "        AND (version_removed IS NULL OR version_removed > $2::int)"
     "      ORDER BY dir USING ~<~ LIMIT 1))"
     "  FROM s WHERE s.d IS NOT NULL)"
     " SELECT DISTINCT split_part(d, '/', 1) FROM s WHERE d IS NOT NULL"},

    /* What the content caches compare (sql/002_content_generation.sql). */
    {"content_generation", "SELECT n FROM content_generation WHERE id = 1"},

    {NULL, NULL}};
