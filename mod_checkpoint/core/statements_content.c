/* The content side's statements (see statements.c); source.c runs them.
 *
 * Times come back as whole seconds since 1970 (floor of the epoch), so no
 * DateStyle or time zone setting of the server can change what we read.
 *
 * Every lookup in a version costs the same at version 10 and at version
 * 10,000 (sql/010_history.sql): a path's ranges never overlap, so the one
 * with the largest version_added <= N, read by one backward index step,
 * says whether the path is in version N; a directory's files in N come
 * from a GiST index on the version range; directories have ranges of
 * their own (repository_dir).  $1 is always the repository, $2 the version
 * number N. */
#include "db.h"
#include "statements.h"

/* The publication columns every publication lookup returns, in this order:
 * id, repository_id, version_number, manifest, manifest_sha256, the
 * manifest's size, pulp_created (epoch seconds). */
#define PUB_COLUMNS                                                                       \
    "p.id, p.repository_id, p.version_number, p.manifest, p.manifest_sha256, ma.size, " \
    "floor(extract(epoch FROM p.pulp_created))::bigint"

/* The publication a plain distribution d serves: its own, its
 * repository's newest or its repository version's newest (the API's
 * rule, statements.h). */
#define SERVED_PUBLICATION                                                                  \
    " LEFT JOIN LATERAL ("                                                                  \
    "   (SELECT * FROM publication WHERE id = d.publication_id)"                            \
    "   UNION ALL"                                                                          \
    "   (SELECT * FROM publication np"                                                      \
    "     WHERE NOT d.checkpoint AND np.repository_id = d.repository_id"                    \
    "     ORDER BY " CKPT_SQL_NEWEST_PUBLICATION("np") " LIMIT 1)"                          \
    "   UNION ALL"                                                                          \
    "   (SELECT * FROM publication np WHERE np.repository_version_id = d.repository_version_id" \
    "     ORDER BY " CKPT_SQL_NEWEST_PUBLICATION("np") " LIMIT 1)"                          \
    "   LIMIT 1) p ON true"                                                                 \
    " LEFT JOIN artifact ma ON ma.sha256 = p.manifest_sha256"

/* A checkpoint's second, and "a checkpoint of repository $1". */
#define CKPT_SECOND "floor(extract(epoch FROM pulp_created))::bigint"
#define CKPT_OF "repository_id = $1 AND checkpoint"

/* The last range of a path (any path expression) that started at or
 * before version v. */
#define RANGE_AT(path, v)                                                                   \
    "(SELECT sha256, size, version_added, version_removed FROM repository_content"          \
    "  WHERE repository_id = $1 AND relative_path = " path " AND version_added <= " v       \
    "  ORDER BY version_added DESC LIMIT 1)"
/* The range of path (a file) that says whether it is in version $2: its
 * ranges never overlap, so the one that started last at or before $2,
 * found by one backward index step, is it if any is. */
#define FILE_RANGE(path) RANGE_AT(path, "$2::int")
#define IN_VERSION(r) CKPT_SQL_PRESENT_IN(r, "$2::int")

/* path is $4 or below it, by whole segments ("" is everything). */
#define UNDER_PREFIX(path) "($4 = '' OR " path " = $4 OR starts_with(" path ", $4 || '/'))"

/* A stretch rc of a path as the checkpoints saw it (history.h's
 * ckpt_range): 0 path, 1 sha256, 2 size, then the seconds of 3 the first
 * checkpoint of a version >= its start (where it became visible; none
 * before its end: never visible, left out), 4 the last of a version
 * before its end, 5 the first of a version at or after its end.
 * Checkpoints are of their repository's newest version, so their
 * versions grow with time and each is one step on
 * publication_checkpoint_version_idx. */
#define STRETCH_COLUMNS "rc.relative_path, rc.sha256, rc.size, f.s, l.s, g.s"
#define STRETCH_CHECKPOINTS                                                                 \
    " JOIN LATERAL (SELECT version_number AS v, " CKPT_SECOND " AS s FROM publication"      \
    "   WHERE " CKPT_OF " AND version_number >= rc.version_added"                           \
    "   ORDER BY version_number, pulp_created LIMIT 1) f"                                   \
    "   ON f.v < coalesce(rc.version_removed, 2147483647)"                                  \
    " JOIN LATERAL (SELECT " CKPT_SECOND " AS s FROM publication"                           \
    "   WHERE " CKPT_OF " AND version_number < coalesce(rc.version_removed, 2147483647)"    \
    "   ORDER BY version_number DESC, pulp_created DESC LIMIT 1) l ON true"                 \
    " LEFT JOIN LATERAL (SELECT " CKPT_SECOND " AS s FROM publication"                      \
    "   WHERE " CKPT_OF " AND version_number >= rc.version_removed"                         \
    "   ORDER BY version_number, pulp_created LIMIT 1) g ON true"

const ckpt_stmt ckpt_stmts_content[] = {
    /* Every distribution, for the process catalog: 0 base_path,
     * 1 checkpoint, 2 repository_id, 3 the repository whose publications
     * decide what a plain one serves, 4.. PUB_COLUMNS of what it serves. */
    {"content_distributions",
     "SELECT d.base_path, d.checkpoint, d.repository_id,"
     " CASE WHEN NOT d.checkpoint THEN coalesce(d.repository_id, dv.repository_id,"
     "  p.repository_id) END, " PUB_COLUMNS
     " FROM distribution d LEFT JOIN repository_version dv ON dv.id = d.repository_version_id"
     SERVED_PUBLICATION},

    /* The distribution whose base_path is the longest path-segment prefix
     * of the request ($1: every such prefix), as content_distributions
     * (without column 3), when the catalog does not know them yet. */
    {"content_distribution",
     "SELECT d.base_path, d.checkpoint, d.repository_id, NULL, " PUB_COLUMNS
     " FROM distribution d" SERVED_PUBLICATION
     " WHERE d.base_path = ANY ($1::text[])"
     " ORDER BY length(d.base_path) DESC LIMIT 1"},

    /* Every checkpoint of repository $1, oldest first.  (No two
     * checkpoints of a repository share a second, so pulp_created orders
     * them alone, as publication_checkpoint_idx does.) */
    {"content_checkpoints",
     "SELECT " PUB_COLUMNS
     " FROM publication p JOIN artifact ma ON ma.sha256 = p.manifest_sha256"
     " WHERE p.repository_id = $1 AND p.checkpoint ORDER BY p.pulp_created"},

    /* The latest checkpoint of repository $1 created before the end of
     * second $2 (epoch seconds), when the catalog does not know them. */
    {"content_checkpoint_at",
     "SELECT " PUB_COLUMNS
     " FROM publication p JOIN artifact ma ON ma.sha256 = p.manifest_sha256"
     " WHERE p.repository_id = $1 AND p.checkpoint"
     "   AND p.pulp_created < to_timestamp($2::bigint + 1)"
     " ORDER BY p.pulp_created DESC LIMIT 1"},

    /* The seconds of every checkpoint of repository $1, oldest first. */
    {"content_checkpoint_times",
     "SELECT floor(extract(epoch FROM pulp_created))::bigint FROM publication"
     " WHERE repository_id = $1 AND checkpoint ORDER BY pulp_created"},

    /* Path $3 in version $2: 0 'f' with 1 sha256 and 2 size for a file,
     * 'd' for a directory, no row for neither.  A file costs one probe. */
    {"content_path",
     "(SELECT 'f', f.sha256, f.size FROM " FILE_RANGE("$3") " f WHERE " IN_VERSION("f") ")"
     " UNION ALL"
     " (SELECT 'd', NULL, NULL FROM (SELECT version_added, version_removed FROM repository_dir"
     "   WHERE repository_id = $1 AND dir = $3 AND version_added <= $2::int"
     "   ORDER BY version_added DESC LIMIT 1) d WHERE " IN_VERSION("d") ")"
     " LIMIT 1"},

    /* Directory $3 ("" for the top) in version $2: its index.html ($4) as
     * 0 'i', 1 path, 2 sha256, 3 size; without one, its files ('f', path,
     * NULL, size) and subdirectories ('d', path); no row when it holds
     * nothing. */
    {"content_dir",
     "WITH idx AS (SELECT f.sha256, f.size FROM " FILE_RANGE("$4") " f"
     "  WHERE " IN_VERSION("f") ")"
     " SELECT 'i', $4, sha256, size FROM idx"
     " UNION ALL"
     " SELECT 'f', relative_path, NULL, size FROM repository_content rc"
     "  WHERE repository_id = $1 AND " CKPT_SQL_DIR_FILE_PRESENT_IN("rc", "$3", "$2::int")
     "    AND NOT EXISTS (SELECT 1 FROM idx)"
     " UNION ALL"
     " SELECT 'd', dir, NULL, NULL FROM repository_dir rd"
     "  WHERE repository_id = $1 AND parent = $3 AND " CKPT_SQL_PRESENT_IN("rd", "$2::int")
     "    AND NOT EXISTS (SELECT 1 FROM idx)"},

    /* Directory $2 of repository $1 as a block (dirblock.h): the
     * repository's latest version ('L', in column 4), then the ranges of
     * the files in it ('f': path, sha256, size, added, removed) and of its
     * subdirectories ('d'), each at most $3 rows, all in one snapshot. */
    {"content_block",
     "(SELECT 'L', NULL::text, NULL::text, NULL::bigint, latest_number, NULL::int"
     "  FROM repository WHERE id = $1)"
     " UNION ALL"
     " (SELECT 'f', relative_path, sha256, size, version_added, version_removed"
     /* an index-only scan of repository_content_dir_block_idx (sql/050),
      * which only a statement naming its predicate can use */
     "  FROM repository_content WHERE repository_id = $1 AND dir = $2"
     "   AND version_added >= 0 LIMIT $3::int)"
     " UNION ALL"
     " (SELECT 'd', dir, NULL, NULL, version_added, version_removed"
     /* an index-only scan of repository_dir_block_idx (sql/060), likewise */
     "  FROM repository_dir WHERE repository_id = $1 AND parent = $2"
     "   AND version_added >= 0 LIMIT $3::int)"},

    /* The checkpoints of repository $1 created in seconds [$2, $3], when
     * the catalog does not know them (the index as JSON or of a month). */
    {"content_checkpoint_list",
     "SELECT " PUB_COLUMNS
     " FROM publication p JOIN artifact ma ON ma.sha256 = p.manifest_sha256"
     " WHERE p.repository_id = $1 AND p.checkpoint"
     "   AND p.pulp_created >= to_timestamp($2::bigint)"
     "   AND p.pulp_created < to_timestamp($3::bigint + 1) ORDER BY p.pulp_created"},

    /* The first, previous, next and last checkpoints of repository $1
     * around second $2 (a memento's Link header), when the catalog does
     * not know them: four steps on publication_checkpoint_idx. */
    {"content_checkpoint_nav",
     "SELECT (SELECT " CKPT_SECOND " FROM publication WHERE " CKPT_OF
     "   ORDER BY pulp_created LIMIT 1),"
     " (SELECT " CKPT_SECOND " FROM publication WHERE " CKPT_OF
     "   AND pulp_created < to_timestamp($2::bigint) ORDER BY pulp_created DESC LIMIT 1),"
     " (SELECT " CKPT_SECOND " FROM publication WHERE " CKPT_OF
     "   AND pulp_created >= to_timestamp($2::bigint + 1) ORDER BY pulp_created LIMIT 1),"
     " (SELECT " CKPT_SECOND " FROM publication WHERE " CKPT_OF
     "   ORDER BY pulp_created DESC LIMIT 1)"},

    /* The stretches of path $2 of repository $1, oldest first, each with
     * the first and last checkpoints that showed it and the first that
     * no longer did (seconds), leaving out those no checkpoint showed: one
     * row per change of the path, three index steps each (sql/020). */
    {"content_path_ranges",
     "SELECT " STRETCH_COLUMNS " FROM repository_content rc" STRETCH_CHECKPOINTS
     " WHERE rc.repository_id = $1 AND rc.relative_path = $2"
     " ORDER BY rc.version_added"},

    /* The same for every stretch in which repository $1 held digest $2,
     * by path: one row per stretch of those bytes. */
    {"content_digest_ranges",
     "SELECT " STRETCH_COLUMNS " FROM repository_content rc" STRETCH_CHECKPOINTS
     " WHERE rc.repository_id = $1 AND rc.sha256 = $2"
     " ORDER BY rc.relative_path, rc.version_added"},

    /* A page of a diff between versions $2 < $3 of repository $1 below
     * path prefix $4 ("" for all): the stretches opened in ($2, $3] and
     * still open at $3, after ($5, $6) in (version_added, path) order, at
     * most $7, with the path's stretch at $2 if it was there; $8 'added'
     * keeps paths absent at $2, anything else paths whose digest changed.
     * 0 version, 1 path, 2 sha256 and 3 size at $2, 4 and 5 at $3.  Each
     * row is read once over all pages: O(changes). */
    {"content_diff_new",
     "SELECT n.version_added, n.relative_path, o.sha256, o.size, n.sha256, n.size"
     " FROM repository_content n"
     " LEFT JOIN LATERAL " RANGE_AT("n.relative_path", "$2::int") " o"
     "   ON " CKPT_SQL_PRESENT_IN("o", "$2::int")
     " WHERE n.repository_id = $1 AND n.version_added > $2::int AND n.version_added <= $3::int"
     "   AND " CKPT_SQL_PRESENT_IN("n", "$3::int")
     "   AND (n.version_added, n.relative_path) > ($5::int, $6::text)"
     "   AND " UNDER_PREFIX("n.relative_path")
     "   AND CASE WHEN $8 = 'added' THEN o.sha256 IS NULL ELSE o.sha256 <> n.sha256 END"
     " ORDER BY n.version_added, n.relative_path LIMIT $7::int"},

    /* The other side: stretches present at $2 and closed in ($2, $3]
     * whose path is absent at $3 (removed), in (version_removed, path)
     * order; columns as above, nothing at $3. */
    {"content_diff_gone",
     "SELECT o.version_removed, o.relative_path, o.sha256, o.size, NULL, NULL"
     " FROM repository_content o"
     " LEFT JOIN LATERAL " RANGE_AT("o.relative_path", "$3::int") " n"
     "   ON " CKPT_SQL_PRESENT_IN("n", "$3::int")
     " WHERE o.repository_id = $1 AND o.version_removed > $2::int"
     "   AND o.version_removed <= $3::int AND o.version_added <= $2::int"
     "   AND (o.version_removed, o.relative_path) > ($5::int, $6::text)"
     "   AND " UNDER_PREFIX("o.relative_path") " AND n.sha256 IS NULL"
     " ORDER BY o.version_removed, o.relative_path LIMIT $7::int"},

    /* What the process catalogs compare (sql/002, sql/010). */
    /* On a hot standby also the commit time of the last transaction it
     * replayed: what it knows is at least as of then. */
    {"content_generation",
     "SELECT n, pg_is_in_recovery() AS standby,"
     " extract(epoch FROM pg_last_xact_replay_timestamp())::float8 AS replayed"
     " FROM content_generation WHERE id = 1"},

    /* The repositories whose publications changed in generations
     * ($1, $2] (the nil uuid: a distribution changed), each row with
     * the number of those generations on record. */
    {"content_changes",
     "SELECT DISTINCT c.repository_id, (SELECT count(DISTINCT n) FROM content_change"
     "   WHERE n > $1::bigint AND n <= $2::bigint)"
     " FROM content_change c WHERE c.n > $1::bigint AND c.n <= $2::bigint"},

    {NULL, NULL}};
