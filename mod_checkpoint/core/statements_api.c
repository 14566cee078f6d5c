/* The management side's statements (see statements.c): repositories,
 * versions, modify, content, publications, distributions, retention and
 * orphan cleanup, run by the core's transactions (repository.c,
 * modify.c, ...).  Parameters are text; casts say what they are.  Every
 * column a reader needs has a name (ckpt_dbres_get), and lists answer one
 * row per result plus, in the column "count", the count of everything
 * the filters match; an empty page is a single row whose other columns
 * are NULL. */
#include "db.h"
#include "statements.h"

#define TS(c) CKPT_SQL_RFC3339(c)

#define REPO_COLS                                                                                 \
    "r.id, r.name, r.description, r.retain_repo_versions, r.retain_checkpoints, "                 \
    "r.latest_number, r.remote_id, " TS("r.pulp_created") " AS pulp_created"

#define VER_COLS                                                                                  \
    "v.repository_id, v.number, v.base_version, v.added, v.removed, v.present, "                  \
    TS("v.pulp_created") " AS pulp_created"

#define CONTENT_COLS                                                                              \
    "c.id, c.relative_path, c.sha256, a.size, " TS("c.pulp_created") " AS pulp_created"

/* distribution_ids: the distributions serving the publication, as
 * Pulp's "distributions" field lists them. */
#define PUB_COLS                                                                                  \
    "p.id, p.repository_id, p.version_number, p.checkpoint, p.manifest, "                         \
    TS("p.pulp_created") " AS pulp_created, "                                                     \
    "(SELECT string_agg(d.id::text, ',' ORDER BY d.pulp_created, d.id) FROM distribution d"       \
    "  WHERE d.publication_id = p.id"                                                             \
    "     OR (d.repository_id = p.repository_id AND d.checkpoint AND p.checkpoint)"               \
    "     OR (d.repository_id = p.repository_id AND NOT d.checkpoint AND p.id ="                  \
    "         (SELECT p2.id FROM publication p2 WHERE p2.repository_id = p.repository_id"         \
    "           ORDER BY " CKPT_SQL_NEWEST_PUBLICATION("p2") " LIMIT 1))"                         \
    "     OR (d.repository_version_id = p.repository_version_id AND p.id ="                       \
    "         (SELECT p3.id FROM publication p3"                                                  \
    "           WHERE p3.repository_version_id = p.repository_version_id"                         \
    "           ORDER BY " CKPT_SQL_NEWEST_PUBLICATION("p3") " LIMIT 1))) AS distribution_ids"

#define DIST_COLS                                                                                 \
    "d.id, d.name, d.base_path, d.publication_id, d.repository_id,"                               \
    " d.repository_version_id AS version_id, dv.repository_id AS version_repository_id,"          \
    " dv.number AS version_number, d.checkpoint, " TS("d.pulp_created") " AS pulp_created"

#define UPLOAD_COLS                                                                               \
    "u.id, u.size, " TS("u.pulp_created") " AS pulp_created, "                                    \
    TS("u.pulp_last_updated") " AS pulp_last_updated"

#define CONTENT_ORDER(t)                                                                          \
    ORD("$9::text", t, "relative_path") ", " ORD("$9::text", t, "sha256") ", "                    \
    ORD("$9::text", t, "pulp_created") ", " t ".relative_path, " t ".id"

#define DIST_ORDER(t)                                                                             \
    ORD("$11::text", t, "name") ", " ORD("$11::text", t, "base_path") ", "                        \
    ORD("$11::text", t, "pulp_created") ", " t ".pulp_created, " t ".id"


/* The content of a new version, set-based: base version $2's units minus
 * those removed ($5) and those whose relative_path an added unit takes,
 * plus the added units ($4). */
#define TARGET                                                                                    \
    "t AS (SELECT b.content_id, b.relative_path, b.dir, b.sha256, b.size FROM repository_content b" \
    "  WHERE b.repository_id = $1 AND " CKPT_SQL_FILE_PRESENT_IN("b", "$2::int")                  \
    "    AND b.content_id <> ALL ($5::uuid[])"                                                    \
    "    AND b.relative_path NOT IN (SELECT ac.relative_path FROM content ac"                     \
    "                                 WHERE ac.id = ANY ($4::uuid[]))"                            \
    " UNION ALL"                                                                                  \
    " SELECT c.id, c.relative_path, regexp_replace(c.relative_path, '/?[^/]*$', ''),"            \
    "        c.sha256, a.size"                                                                    \
    "   FROM content c JOIN artifact a ON a.sha256 = c.sha256 WHERE c.id = ANY ($4::uuid[]))"

/* Orphans: older than $1 minutes of interest and held by nothing. */
#define ORPHAN_AGE(t) t ".timestamp_of_interest < now() - make_interval(mins => $1::int)"
#define ARTIFACT_UNUSED(a)                                                                        \
    "NOT EXISTS (SELECT 1 FROM content c WHERE c.sha256 = " a ".sha256)"                          \
    " AND NOT EXISTS (SELECT 1 FROM publication p WHERE p.manifest_sha256 = " a ".sha256)"
/* Uploads and cleanups of one digest take this lock in turn (artifact.c). */
#define ARTIFACT_LOCK(s) "pg_advisory_xact_lock(1, hashtext(" s "))"

const ckpt_stmt ckpt_stmts_api[] = {
    /* repositories */
    {"api_repo_insert",
     "WITH r AS (INSERT INTO repository (name, description, retain_repo_versions,"
     " retain_checkpoints, remote_id) VALUES ($1, $2, $3::int, $4::int, $5::uuid) RETURNING *),"
     " v AS (INSERT INTO repository_version (repository_id, number) SELECT id, 0 FROM r)"
     " SELECT " REPO_COLS " FROM r"},
    {"api_repo_get", "SELECT " REPO_COLS " FROM repository r WHERE r.id = $1"},
    {"api_repo_lock", "SELECT " REPO_COLS " FROM repository r WHERE r.id = $1 FOR UPDATE"},
    {"api_repo_list", CKPT_SQL_NAMED_LIST("repository", REPO_COLS, "r")},
    {"api_repo_update",
     "UPDATE repository r SET"
     " name = CASE WHEN $2::bool THEN $3 ELSE r.name END,"
     " description = CASE WHEN $4::bool THEN $5 ELSE r.description END,"
     " retain_repo_versions = CASE WHEN $6::bool THEN $7::int ELSE r.retain_repo_versions END,"
     " retain_checkpoints = CASE WHEN $8::bool THEN $9::int ELSE r.retain_checkpoints END,"
     " remote_id = CASE WHEN $10::bool THEN $11::uuid ELSE r.remote_id END"
     " WHERE r.id = $1 RETURNING " REPO_COLS},
    {"api_repo_delete", "DELETE FROM repository WHERE id = $1"},
    {"api_repo_set_latest", "UPDATE repository SET latest_number = $2::int WHERE id = $1"},

    /* retention: each one statement over the whole repository */
    {"api_retain_checkpoints",
     "UPDATE publication SET checkpoint = false WHERE id IN"
     " (SELECT x.id FROM (SELECT p.id,"
     "   row_number() OVER (ORDER BY " CKPT_SQL_NEWEST_PUBLICATION("p") ") AS n"
     "   FROM publication p WHERE p.repository_id = $1 AND p.checkpoint) x"
     "  WHERE x.n > (SELECT retain_checkpoints FROM repository WHERE id = $1))"},
    {"api_retain_versions",
     "DELETE FROM repository_version v WHERE v.id IN"
     " (SELECT x.id FROM (SELECT rv.id, row_number() OVER (ORDER BY rv.number DESC) AS n"
     "   FROM repository_version rv WHERE rv.repository_id = $1) x"
     "  WHERE x.n > (SELECT retain_repo_versions FROM repository WHERE id = $1))"
     " AND NOT EXISTS (SELECT 1 FROM distribution d WHERE d.repository_version_id = v.id)"
     " AND NOT EXISTS (SELECT 1 FROM distribution d JOIN publication p ON p.id = d.publication_id"
     "                 WHERE p.repository_version_id = v.id)"
     " AND NOT (EXISTS (SELECT 1 FROM distribution d"
     "                  WHERE d.repository_id = $1 AND NOT d.checkpoint)"
     "          AND v.id = (SELECT p.repository_version_id FROM publication p"
     "                       WHERE p.repository_id = $1"
     "                       ORDER BY " CKPT_SQL_NEWEST_PUBLICATION("p") " LIMIT 1))"
     " AND NOT (EXISTS (SELECT 1 FROM distribution d WHERE d.repository_id = $1 AND d.checkpoint)"
     "          AND EXISTS (SELECT 1 FROM publication p WHERE p.repository_version_id = v.id"
     "                      AND p.checkpoint))"},

    /* versions */
    {"api_ver_get",
     "SELECT " VER_COLS " FROM repository_version v"
     " WHERE v.repository_id = $1 AND v.number = $2::int"},
    {"api_ver_list",
     "WITH f AS (SELECT * FROM repository_version WHERE repository_id = $1"
     " AND ($2::int IS NULL OR number = $2::int)) "
     PAGE(VER_COLS, "v", "f.number DESC", "v.number DESC", "$3", "$4")},
    {"api_ver_usage",
     "SELECT v.id, EXISTS (SELECT 1 FROM publication p WHERE p.repository_version_id = v.id)"
     "   AS published,"
     " EXISTS (SELECT 1 FROM distribution d WHERE d.repository_version_id = v.id) AS distributed"
     " FROM repository_version v WHERE v.repository_id = $1 AND v.number = $2::int"},
    {"api_ver_delete", "DELETE FROM repository_version WHERE id = $1"},
    {"api_ver_id",
     "SELECT id FROM repository_version WHERE repository_id = $1 AND number = $2::int"},

    /* modify: checks, then close, open, record; $1 repository, $2 base
     * number, $3 new number, $4 added ids, $5 removed ids */
    {"api_units_check",
     "SELECT (SELECT count(DISTINCT u) FROM unnest($1::uuid[]) u) AS given, count(*) AS found,"
     " count(DISTINCT relative_path) AS paths FROM content WHERE id = ANY ($1::uuid[])"},
    /* Of the units $1, the digests (and sizes) of those no version of any
     * repository holds, each once with one of its units: a file in
     * storage must back each before a version may name it. */
    {"api_units_unheld",
     "SELECT c.sha256, a.size, min(c.id::text) AS id FROM content c"
     "  JOIN artifact a ON a.sha256 = c.sha256"
     " WHERE c.id = ANY ($1::uuid[])"
     "   AND NOT EXISTS (SELECT 1 FROM repository_content rc WHERE rc.content_id = c.id)"
     " GROUP BY c.sha256, a.size"},
    {"api_mod_close",
     "WITH " TARGET
     " UPDATE repository_content rc SET version_removed = $3::int"
     " WHERE rc.repository_id = $1 AND rc.version_removed IS NULL"
     "   AND rc.content_id NOT IN (SELECT t.content_id FROM t)"},
    {"api_mod_open",
     "WITH " TARGET
     " INSERT INTO repository_content"
     "  (repository_id, content_id, relative_path, dir, sha256, size, version_added)"
     " SELECT $1, t.content_id, t.relative_path, t.dir, t.sha256, t.size, $3::int FROM t"
     "  WHERE NOT EXISTS (SELECT 1 FROM repository_content rc WHERE rc.repository_id = $1"
     "                    AND rc.version_removed IS NULL AND rc.content_id = t.content_id)"},
    /* The same from the latest version, touching only the rows of what
     * changes (the indexes on open ranges find them): $1 repository,
     * $2 new number, $3 added ids, $4 removed ids. */
    {"api_mod_close_latest",
     "UPDATE repository_content rc SET version_removed = $2::int"
     " WHERE rc.repository_id = $1 AND rc.version_removed IS NULL"
     "   AND rc.content_id <> ALL ($3::uuid[])"
     "   AND (rc.content_id = ANY ($4::uuid[]) OR rc.relative_path IN"
     "        (SELECT c.relative_path FROM content c WHERE c.id = ANY ($3::uuid[])))"},
    {"api_mod_open_latest",
     "INSERT INTO repository_content"
     " (repository_id, content_id, relative_path, dir, sha256, size, version_added)"
     " SELECT $1, c.id, c.relative_path, regexp_replace(c.relative_path, '/?[^/]*$', ''),"
     "  c.sha256, a.size, $2::int"
     "   FROM content c JOIN artifact a ON a.sha256 = c.sha256 WHERE c.id = ANY ($3::uuid[])"
     "    AND NOT EXISTS (SELECT 1 FROM repository_content rc WHERE rc.repository_id = $1"
     "                    AND rc.version_removed IS NULL AND rc.content_id = c.id)"},
    {"api_mod_version",
     "INSERT INTO repository_version AS v"
     " (repository_id, number, base_version, added, removed, present)"
     " SELECT $1, $2::int, $3::int, $4::bigint, $5::bigint,"
     "  (SELECT count(*) FROM repository_content"
     "    WHERE repository_id = $1 AND version_removed IS NULL)"
     " RETURNING " VER_COLS},

    /* artifacts and content */
    {"api_artifact_lock", "SELECT " ARTIFACT_LOCK("$1")},
    /* A digest met again is of interest again: orphan cleanup spares it
     * (never shortening the lease a running import or sync holds on it:
     * ingest_lease). */
    {"api_artifact_insert",
     "INSERT INTO artifact AS a (sha256, size) VALUES ($1, $2::bigint)"
     " ON CONFLICT (sha256) DO UPDATE"
     " SET timestamp_of_interest = greatest(a.timestamp_of_interest, clock_timestamp())"},
    {"api_content_insert",
     "INSERT INTO content AS c (relative_path, sha256) VALUES ($1, $2)"
     " ON CONFLICT (relative_path, sha256) DO UPDATE"
     " SET timestamp_of_interest = greatest(c.timestamp_of_interest, clock_timestamp())"
     " RETURNING c.id, (c.xmax = 0) AS created"},
    {"api_content_get",
     "SELECT " CONTENT_COLS " FROM content c JOIN artifact a ON a.sha256 = c.sha256"
     " WHERE c.id = $1"},
    /* filters: $1 relative_path, $2 sha256, $3/$4 present in repository
     * $3 version $4, $5/$6 added in, $7/$8 removed in; $9 ordering */
    {"api_content_list",
     "WITH f AS (SELECT c.*, a.size FROM content c JOIN artifact a ON a.sha256 = c.sha256"
     " WHERE ($1::text IS NULL OR c.relative_path = $1) AND ($2::text IS NULL OR c.sha256 = $2)"
     " AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM repository_content rc"
     "      WHERE rc.repository_id = $3 AND rc.content_id = c.id"
     "        AND " CKPT_SQL_PRESENT_IN("rc", "$4::int") "))"
     " AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM repository_content rc"
     "      WHERE rc.repository_id = $5 AND rc.content_id = c.id AND rc.version_added = $6::int))"
     " AND ($7::uuid IS NULL OR EXISTS (SELECT 1 FROM repository_content rc"
     "      WHERE rc.repository_id = $7 AND rc.content_id = c.id"
     "        AND rc.version_removed = $8::int))) "
     "SELECT (SELECT count(*) FROM f) AS count, c.id, c.relative_path, c.sha256, c.size, "
     TS("c.pulp_created") " AS pulp_created FROM (SELECT 1) one LEFT JOIN LATERAL"
     " (SELECT * FROM f ORDER BY " CONTENT_ORDER("f")
     " LIMIT $10::bigint OFFSET $11::bigint) c ON true ORDER BY " CONTENT_ORDER("c")},

    /* publications */
    {"api_pub_manifest",
     "SELECT coalesce(string_agg(c.relative_path || ',' || c.sha256 || ',' || a.size || E'\\n', ''"
     "  ORDER BY c.relative_path COLLATE \"C\"), '') AS manifest"
     " FROM repository_content rc JOIN content c ON c.id = rc.content_id"
     " JOIN artifact a ON a.sha256 = c.sha256"
     " WHERE rc.repository_id = $1 AND " CKPT_SQL_FILE_PRESENT_IN("rc", "$2::int")},
    /* Waits, holding the repository's lock, until the second after the
     * repository's latest checkpoint second has begun. */
    {"api_pub_checkpoint_wait",
     "SELECT pg_sleep(greatest(0, extract(epoch FROM"
     " (SELECT max(checkpoint_second) FROM publication WHERE repository_id = $1)"
     " + interval '1 second' - clock_timestamp())::float8 + 0.001))"},
    {"api_pub_insert",
     "INSERT INTO publication (repository_id, repository_version_id, version_number, checkpoint,"
     " checkpoint_second, manifest, manifest_sha256, pulp_created)"
     " SELECT $1, v.id, v.number, $3::bool, CASE WHEN $3::bool THEN date_trunc('second', t.ts) END,"
     "  $4, $5, t.ts FROM (SELECT clock_timestamp() AS ts) t, repository_version v"
     " WHERE v.repository_id = $1 AND v.number = $2::int RETURNING id"},
    {"api_pub_get", "SELECT " PUB_COLS " FROM publication p WHERE p.id = $1"},
    /* $1 repository, $2 checkpoint, $3/$4 repository version, $5 ordering */
    {"api_pub_list",
     "WITH f AS (SELECT * FROM publication WHERE ($1::uuid IS NULL OR repository_id = $1)"
     " AND ($2::bool IS NULL OR checkpoint = $2::bool)"
     " AND ($3::uuid IS NULL OR (repository_id = $3 AND version_number = $4::int))) "
     PAGE(PUB_COLS, "p", ORD("$5::text", "f", "pulp_created") ", f.pulp_created, f.id",
          ORD("$5::text", "p", "pulp_created") ", p.pulp_created, p.id", "$6", "$7")},
    {"api_pub_delete", "DELETE FROM publication WHERE id = $1"},
    {"api_pub_exists", "SELECT 1 AS found FROM publication WHERE id = $1"},

    /* distributions */
    {"api_dist_get",
     "SELECT " DIST_COLS " FROM distribution d"
     " LEFT JOIN repository_version dv ON dv.id = d.repository_version_id WHERE d.id = $1"},
    /* $1-$5 name filters, $6-$10 base_path filters, $11 ordering */
    {"api_dist_list",
     "WITH f AS (SELECT * FROM distribution WHERE "
     TEXT_FILTERS("name", "$1", "$2", "$3", "$4", "$5") " AND "
     TEXT_FILTERS("base_path", "$6", "$7", "$8", "$9", "$10") ") "
     "SELECT (SELECT count(*) FROM f) AS count, " DIST_COLS " FROM (SELECT 1) one"
     " LEFT JOIN LATERAL"
     " (SELECT * FROM f ORDER BY " DIST_ORDER("f") " LIMIT $12::bigint OFFSET $13::bigint) d"
     " ON true LEFT JOIN repository_version dv ON dv.id = d.repository_version_id"
     " ORDER BY " DIST_ORDER("d")},
    /* Concurrent creates and updates cannot both pass the overlap check.
     * LOCK TABLE cannot be prepared: an advisory lock that every
     * distribution write takes does the same. */
    {"api_dist_lock", "SELECT pg_advisory_xact_lock(7240915811696912494)"},
    /* another distribution's base_path equal to $1, or a path-segment
     * prefix of it, or having it as one */
    {"api_dist_overlap",
     "SELECT base_path FROM distribution WHERE ($2::uuid IS NULL OR id <> $2)"
     " AND (base_path = $1 OR left($1, length(base_path) + 1) = base_path || '/'"
     "      OR left(base_path, length($1) + 1) = $1 || '/')"
     " ORDER BY base_path LIMIT 1"},
    {"api_dist_insert",
     "INSERT INTO distribution (name, base_path, publication_id, repository_id,"
     " repository_version_id, checkpoint) VALUES ($1, $2, $3, $4, $5, $6::bool) RETURNING id"},
    {"api_dist_update",
     "UPDATE distribution SET name = $2, base_path = $3, publication_id = $4, repository_id = $5,"
     " repository_version_id = $6, checkpoint = $7::bool WHERE id = $1"},
    {"api_dist_delete", "DELETE FROM distribution WHERE id = $1"},

    /* chunked uploads (chunked.c) */
    {"api_upload_insert", "INSERT INTO upload AS u (size) VALUES ($1::bigint) RETURNING " UPLOAD_COLS},
    {"api_upload_get", "SELECT " UPLOAD_COLS " FROM upload u WHERE u.id = $1"},
    {"api_upload_lock", "SELECT " UPLOAD_COLS " FROM upload u WHERE u.id = $1 FOR UPDATE"},
    {"api_upload_chunks",
     "SELECT \"offset\", size FROM upload_chunk WHERE upload_id = $1 ORDER BY \"offset\""},
    /* A chunk sent again at the same offset replaces the old one. */
    {"api_upload_chunk_put",
     "INSERT INTO upload_chunk (upload_id, \"offset\", size, sha256)"
     " VALUES ($1, $2::bigint, $3::bigint, $4) ON CONFLICT (upload_id, \"offset\")"
     " DO UPDATE SET size = EXCLUDED.size, sha256 = EXCLUDED.sha256"},
    {"api_upload_touch",
     "UPDATE upload u SET pulp_last_updated = clock_timestamp() WHERE u.id = $1"
     " RETURNING " UPLOAD_COLS},
    {"api_upload_delete", "DELETE FROM upload WHERE id = $1"},
    /* $1 size, $2 size__gt, $3 size__lt, $4 ordering */
    {"api_upload_list",
     "WITH f AS (SELECT * FROM upload WHERE ($1::bigint IS NULL OR size = $1::bigint)"
     " AND ($2::bigint IS NULL OR size > $2::bigint) AND ($3::bigint IS NULL OR size < $3::bigint)) "
     PAGE(UPLOAD_COLS, "u",
          ORD("$4::text", "f", "size") ", " ORD("$4::text", "f", "pulp_created")
          ", f.pulp_created, f.id",
          ORD("$4::text", "u", "size") ", " ORD("$4::text", "u", "pulp_created")
          ", u.pulp_created, u.id", "$5", "$6")},

    /* orphan cleanup ($1: minutes of protection) */
    /* Membership ranges that no remaining version lies in: retention and
     * version deletion leave them, and they would keep units from being
     * orphans. */
    {"orphan_ranges_delete",
     "DELETE FROM repository_content rc WHERE NOT EXISTS (SELECT 1 FROM repository_version v"
     " WHERE v.repository_id = rc.repository_id AND " CKPT_SQL_PRESENT_IN("rc", "v.number") ")"},
    {"orphan_content_delete",
     "DELETE FROM content c WHERE c.id IN (SELECT c2.id FROM content c2 WHERE " ORPHAN_AGE("c2")
     "   AND NOT EXISTS (SELECT 1 FROM repository_content rc WHERE rc.content_id = c2.id)"
     "   FOR UPDATE SKIP LOCKED)"
     " AND NOT EXISTS (SELECT 1 FROM repository_content rc WHERE rc.content_id = c.id)"},
    {"orphan_artifacts",
     "SELECT a.sha256 FROM artifact a WHERE " ORPHAN_AGE("a") " AND " ARTIFACT_UNUSED("a")
     " ORDER BY a.sha256 LIMIT $2::int"},
    {"orphan_artifacts_lock",
     "SELECT " ARTIFACT_LOCK("x.s") " FROM (SELECT s FROM unnest($1::text[]) s ORDER BY s) x"},
    {"orphan_artifacts_delete",
     "DELETE FROM artifact a WHERE a.sha256 = ANY ($2::text[]) AND " ORPHAN_AGE("a")
     " AND " ARTIFACT_UNUSED("a") " RETURNING a.sha256, a.size"},
    /* Uploads no chunk came to for the protection time (Pulp removes
     * them by age too, with its UPLOAD_PROTECTION_TIME). */
    {"orphan_uploads_delete",
     "DELETE FROM upload WHERE pulp_last_updated < now() - make_interval(mins => $1::int)"
     " RETURNING id"},
    /* Of the directories $1 under storage/upload, those no upload names. */
    {"orphan_uploads_unknown",
     "SELECT s AS id FROM unnest($1::uuid[]) s WHERE NOT EXISTS (SELECT 1 FROM upload u"
     " WHERE u.id = s)"},
    /* Of the digests $1 of files in storage, those no row names. */
    {"orphan_files_unknown",
     "SELECT s AS sha256 FROM unnest($1::text[]) s"
     " WHERE NOT EXISTS (SELECT 1 FROM artifact a WHERE a.sha256 = s)"},
    {NULL, NULL}};
