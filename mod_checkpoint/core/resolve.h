/* The content side's decisions (SPEC section 2): which distribution, which
 * checkpoint or publication, which file, directory listing or redirect a
 * request path names.  No httpd headers: content.c turns the answer into
 * an httpd response. */
#ifndef CKPT_RESOLVE_H
#define CKPT_RESOLVE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "ckpt_status.h"
#include "db.h"

typedef struct {
    const char *id;
    const char *repository_id;
    const char *version_number; /* text, as it goes back into statements */
    const char *manifest;       /* "PULP_MANIFEST" */
    const char *manifest_sha256;
    apr_off_t manifest_size;
    apr_int64_t created_sec;    /* pulp_created, epoch seconds (floor) */
} ckpt_publication;

typedef struct {
    const char *base_path;
    int checkpoint;
    const char *repository_id;
    const ckpt_publication *pub; /* plain distributions: what they serve, or NULL */
} ckpt_distribution;

typedef enum {
    CKPT_ANSWER_FILE,     /* an artifact: sha256, size, relpath */
    CKPT_ANSWER_LISTING,  /* entries (ckpt_listing_entry) */
    CKPT_ANSWER_REDIRECT  /* location: a decoded path below the prefix */
} ckpt_answer_kind;

typedef struct {
    ckpt_answer_kind kind;
    const char *sha256;
    apr_off_t size;
    const char *relpath;            /* its path in the publication: names its type */
    apr_array_header_t *entries;
    const char *page;               /* a listing rendered for one request path, or NULL */
    const char *location;           /* "bp/TS2/a/b/", no leading '/', not escaped */
    int immutable;                  /* under an exact checkpoint timestamp */
    int checkpoint_index;           /* the index of a checkpoint distribution */
    int settling;                   /* a redirect for a second so recent that a
                                     * checkpoint may still appear in it */
} ckpt_answer;

/* Answers a content request.  rest is the decoded request path after the
 * prefix and its '/' ("bp/20250130T203000Z/dists/", "bp"), now_sec the
 * request time.  CKPT_OK and *out; CKPT_NOTFOUND for everything SPEC §2
 * answers with 404 (including paths that are refused); CKPT_DBDOWN or
 * CKPT_DBERROR from the database. */
ckpt_rc ckpt_resolve_request(ckpt_db *db, apr_pool_t *p, const char *rest, apr_int64_t now_sec,
                             ckpt_answer *out);

/* The steps, for tests and for callers that need one of them. */

/* The distribution whose base_path is the longest path-segment prefix of
 * path (no leading or trailing '/'), in one query. */
ckpt_rc ckpt_resolve_distribution(ckpt_db *db, apr_pool_t *p, const char *path,
                                  ckpt_distribution **out);

/* The latest checkpoint of a repository created before the end of second
 * ts_sec; CKPT_NOTFOUND when there is none (ts before the first). */
ckpt_rc ckpt_resolve_checkpoint(ckpt_db *db, apr_pool_t *p, const char *repository_id,
                                apr_int64_t ts_sec, ckpt_publication **out);

/* A file of a publication (its manifest included) by relative path. */
ckpt_rc ckpt_resolve_file(ckpt_db *db, apr_pool_t *p, const ckpt_publication *pub,
                          const char *relpath, const char **sha256, apr_off_t *size);

/* The direct children of directory dir ("" for the root) as
 * ckpt_listing_entry; CKPT_NOTFOUND when dir (not the root) holds nothing. */
ckpt_rc ckpt_resolve_dir(ckpt_db *db, apr_pool_t *p, const ckpt_publication *pub,
                         const char *dir, apr_array_header_t **entries);

/* A base path is looked for among the first this many segments of a
 * request: the candidates are sent as one array, and without a bound a
 * path of 2,000 one-letter segments would send megabytes of them. */
#define CKPT_BASE_PATH_MAX_SEGMENTS 64

/* The Postgres array literal {"a","a/b",...} of the path-segment prefixes
 * of path, shortest first, at most CKPT_BASE_PATH_MAX_SEGMENTS of them. */
const char *ckpt_resolve_prefixes(apr_pool_t *p, const char *path);

#endif
