/* Content resolution (see resolve.h): the rows of SPEC §2's tables, in the
 * order a request meets them.  Every lookup is one prepared statement of
 * statements_content.c. */
#include <string.h>

#include <apr_strings.h>

#include "listing.h"
#include "path.h"
#include "resolve.h"
#include "timestamp.h"

/* How long after a second a checkpoint may still become visible in it. */
#define CKPT_SETTLE_SECONDS 2

static apr_int64_t to_i64(const char *s)
{
    return s ? apr_atoi64(s) : 0;
}

/* Reads the PUB_COLUMNS of statements_content.c starting at column col. */
static ckpt_publication *read_pub(apr_pool_t *p, const ckpt_dbres *res, int col)
{
    ckpt_publication *pub;

    if (CKPT_DBVAL(res, 0, col) == NULL) {
        return NULL;
    }
    pub = apr_pcalloc(p, sizeof(*pub));
    pub->id = CKPT_DBVAL(res, 0, col);
    pub->repository_id = CKPT_DBVAL(res, 0, col + 1);
    pub->version_number = CKPT_DBVAL(res, 0, col + 2);
    pub->manifest = CKPT_DBVAL(res, 0, col + 3);
    pub->manifest_sha256 = CKPT_DBVAL(res, 0, col + 4);
    pub->manifest_size = (apr_off_t)to_i64(CKPT_DBVAL(res, 0, col + 5));
    pub->created_sec = to_i64(CKPT_DBVAL(res, 0, col + 6));
    return pub;
}

/* An element of a Postgres array literal: quoted, with '"' and '\'
 * escaped, so any path is one element. */
static void add_element(apr_array_header_t *parts, apr_pool_t *p, const char *s, apr_size_t n)
{
    char *q = apr_palloc(p, 2 * n + 3), *o = q;
    apr_size_t i;

    *o++ = '"';
    for (i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            *o++ = '\\';
        }
        *o++ = s[i];
    }
    *o++ = '"';
    *o = '\0';
    APR_ARRAY_PUSH(parts, const char *) = q;
}

const char *ckpt_resolve_prefixes(apr_pool_t *p, const char *path)
{
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    apr_size_t i, n = strlen(path);

    for (i = 1; i <= n && parts->nelts < CKPT_BASE_PATH_MAX_SEGMENTS; i++) {
        if (i == n || path[i] == '/') {
            add_element(parts, p, path, i);
        }
    }
    return apr_pstrcat(p, "{", apr_array_pstrcat(p, parts, ','), "}", NULL);
}

ckpt_rc ckpt_resolve_distribution(ckpt_db *db, apr_pool_t *p, const char *path,
                                  ckpt_distribution **out)
{
    ckpt_dbres *res;
    ckpt_distribution *d;
    ckpt_rc rc = ckpt_db_exec(db, p, &res, "content_distribution", 1,
                              ckpt_resolve_prefixes(p, path));

    if (rc != CKPT_OK) {
        return rc;
    }
    if (res->nrows == 0) {
        return CKPT_NOTFOUND;
    }
    d = apr_pcalloc(p, sizeof(*d));
    d->base_path = CKPT_DBVAL(res, 0, 0);
    d->checkpoint = CKPT_DBVAL(res, 0, 1) && CKPT_DBVAL(res, 0, 1)[0] == 't';
    d->repository_id = CKPT_DBVAL(res, 0, 2);
    d->pub = read_pub(p, res, 3);
    *out = d;
    return CKPT_OK;
}

ckpt_rc ckpt_resolve_checkpoint(ckpt_db *db, apr_pool_t *p, const char *repository_id,
                                apr_int64_t ts_sec, ckpt_publication **out)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if (!repository_id) {
        return CKPT_NOTFOUND;
    }
    rc = ckpt_db_exec(db, p, &res, "content_checkpoint_at", 2, repository_id,
                      apr_psprintf(p, "%" APR_INT64_T_FMT, ts_sec));
    if (rc != CKPT_OK) {
        return rc;
    }
    if (res->nrows == 0) {
        return CKPT_NOTFOUND;
    }
    *out = read_pub(p, res, 0);
    return *out ? CKPT_OK : CKPT_NOTFOUND;
}

ckpt_rc ckpt_resolve_file(ckpt_db *db, apr_pool_t *p, const ckpt_publication *pub,
                          const char *relpath, const char **sha256, apr_off_t *size)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    /* The manifest is the publication's own file; it wins over a unit of
     * the same name, as the manifest is what clients trust. */
    if (!strcmp(relpath, pub->manifest)) {
        *sha256 = pub->manifest_sha256;
        *size = pub->manifest_size;
        return CKPT_OK;
    }
    rc = ckpt_db_exec(db, p, &res, "content_file", 3, pub->repository_id, pub->version_number,
                      relpath);
    if (rc != CKPT_OK) {
        return rc;
    }
    if (res->nrows == 0) {
        return CKPT_NOTFOUND;
    }
    *sha256 = CKPT_DBVAL(res, 0, 0);
    *size = (apr_off_t)to_i64(CKPT_DBVAL(res, 0, 1));
    return CKPT_OK;
}

/* The manifest is no unit, so the statements that find directories in
 * repository_content do not see a manifest such as "meta/MANIFEST": the
 * name of the directory directly under dir ("" for the root) that leads to
 * it, or NULL when the manifest does not lie deeper than dir. */
static const char *manifest_subdir(apr_pool_t *p, const ckpt_publication *pub, const char *dir)
{
    const char *m = pub->manifest, *slash;
    apr_size_t n = strlen(dir);

    if (n) {
        if (strncmp(m, dir, n) != 0 || m[n] != '/') {
            return NULL;
        }
        m += n + 1;
    }
    slash = strchr(m, '/');
    return slash ? apr_pstrmemdup(p, m, (apr_size_t)(slash - m)) : NULL;
}

static ckpt_rc dir_exists(ckpt_db *db, apr_pool_t *p, const ckpt_publication *pub,
                          const char *dir, int *exists)
{
    ckpt_dbres *res;
    apr_size_t n = strlen(dir);
    ckpt_rc rc;

    /* A directory that holds the manifest, at any depth. */
    if (n && !strncmp(pub->manifest, dir, n) && pub->manifest[n] == '/') {
        *exists = 1;
        return CKPT_OK;
    }
    rc = ckpt_db_exec(db, p, &res, "content_dir_exists", 3, pub->repository_id,
                      pub->version_number, dir);
    if (rc != CKPT_OK) {
        return rc;
    }
    *exists = res->nrows == 1 && CKPT_DBVAL(res, 0, 0) && CKPT_DBVAL(res, 0, 0)[0] == 't';
    return CKPT_OK;
}

static void add_entry(apr_array_header_t *entries, const char *name, int is_dir,
                      apr_int64_t mtime, apr_off_t size)
{
    ckpt_listing_entry *e = apr_array_push(entries);
    e->name = name;
    e->is_dir = is_dir;
    e->mtime_sec = mtime;
    e->size = size;
}

ckpt_rc ckpt_resolve_dir(ckpt_db *db, apr_pool_t *p, const ckpt_publication *pub,
                         const char *dir, apr_array_header_t **entries)
{
    ckpt_dbres *files, *dirs;
    apr_array_header_t *e;
    const char *msub = manifest_subdir(p, pub, dir);
    ckpt_rc rc;
    int i;

    rc = ckpt_db_exec(db, p, &files, "content_dir_files", 3, pub->repository_id,
                      pub->version_number, dir);
    if (rc != CKPT_OK) {
        return rc;
    }
    rc = ckpt_db_exec(db, p, &dirs, *dir ? "content_dir_subdirs" : "content_root_subdirs",
                      *dir ? 3 : 2, pub->repository_id, pub->version_number, dir);
    if (rc != CKPT_OK) {
        return rc;
    }
    e = apr_array_make(p, files->nrows + dirs->nrows + 1, sizeof(ckpt_listing_entry));
    /* Storage has no directories: a directory's date is its publication's. */
    for (i = 0; i < dirs->nrows; i++) {
        const char *name = CKPT_DBVAL(dirs, i, 0);
        if (name && *name) {
            add_entry(e, name, 1, pub->created_sec, 0);
            if (msub && !strcmp(msub, name)) {
                msub = NULL;
            }
        }
    }
    if (msub) {
        add_entry(e, msub, 1, pub->created_sec, 0);
    }
    for (i = 0; i < files->nrows; i++) {
        const char *rel = CKPT_DBVAL(files, i, 0);
        if (!strcmp(rel, pub->manifest)) {
            continue; /* listed once below, as the manifest */
        }
        add_entry(e, ckpt_path_basename(rel), 0, pub->created_sec,
                  (apr_off_t)to_i64(CKPT_DBVAL(files, i, 1)));
    }
    if (!strcmp(ckpt_path_parent(p, pub->manifest), dir)) {
        add_entry(e, ckpt_path_basename(pub->manifest), 0, pub->created_sec, pub->manifest_size);
    }
    if (e->nelts == 0 && *dir) {
        return CKPT_NOTFOUND;
    }
    *entries = e;
    return CKPT_OK;
}

static ckpt_rc checkpoint_index(ckpt_db *db, apr_pool_t *p, const ckpt_distribution *d,
                                ckpt_answer *out)
{
    ckpt_dbres *res;
    int i;
    ckpt_rc rc;

    out->kind = CKPT_ANSWER_LISTING;
    out->checkpoint_index = 1;
    out->entries = apr_array_make(p, 8, sizeof(ckpt_listing_entry));
    if (!d->repository_id) {
        return CKPT_OK;
    }
    rc = ckpt_db_exec(db, p, &res, "content_checkpoints", 1, d->repository_id);
    if (rc != CKPT_OK) {
        return rc;
    }
    for (i = 0; i < res->nrows; i++) {
        apr_int64_t t = to_i64(CKPT_DBVAL(res, i, 0));
        char *ts = apr_palloc(p, CKPT_TS_LEN + 1);
        ckpt_ts_format(t, ts);
        add_entry(out->entries, ts, 1, t, 0);
    }
    return CKPT_OK;
}

static void redirect(ckpt_answer *out, const char *location)
{
    out->kind = CKPT_ANSWER_REDIRECT;
    out->location = location;
}

/* The table "Paths inside a publication".  full is the whole request path
 * below the prefix (for the directory redirect), path the part inside the
 * publication. */
static ckpt_rc serve_path(ckpt_db *db, apr_pool_t *p, const ckpt_publication *pub,
                          const char *full, const char *path, int is_dir, ckpt_answer *out)
{
    ckpt_rc rc;

    if (!is_dir) {
        int exists = 0;

        rc = ckpt_resolve_file(db, p, pub, path, &out->sha256, &out->size);
        if (rc == CKPT_OK) {
            out->kind = CKPT_ANSWER_FILE;
            out->relpath = path;
            return CKPT_OK;
        }
        if (rc != CKPT_NOTFOUND) {
            return rc;
        }
        rc = dir_exists(db, p, pub, path, &exists);
        if (rc != CKPT_OK) {
            return rc;
        }
        if (!exists) {
            return CKPT_NOTFOUND;
        }
        redirect(out, apr_pstrcat(p, full, "/", NULL));
        return CKPT_OK;
    }

    out->relpath = *path ? apr_pstrcat(p, path, "/index.html", NULL) : "index.html";
    rc = ckpt_resolve_file(db, p, pub, out->relpath, &out->sha256, &out->size);
    if (rc == CKPT_OK) {
        out->kind = CKPT_ANSWER_FILE;
        return CKPT_OK;
    }
    if (rc != CKPT_NOTFOUND) {
        return rc;
    }
    out->relpath = NULL;
    out->kind = CKPT_ANSWER_LISTING;
    return ckpt_resolve_dir(db, p, pub, path, &out->entries);
}

/* The table "Checkpoint distributions", below <base_path>/: inner is
 * "<TS>" or "<TS>/<path>". */
static ckpt_rc serve_checkpoint(ckpt_db *db, apr_pool_t *p, const ckpt_distribution *d,
                                const char *inner, int is_dir, apr_int64_t now_sec,
                                ckpt_answer *out)
{
    const char *slash = strchr(inner, '/');
    apr_size_t tslen = slash ? (apr_size_t)(slash - inner) : strlen(inner);
    const char *tail = inner + tslen; /* "" or "/<path>" */
    ckpt_publication *pub;
    apr_int64_t ts;
    char ts2[CKPT_TS_LEN + 1];
    ckpt_rc rc;

    if (ckpt_ts_classify(inner, tslen, now_sec, &ts) != CKPT_TS_OK) {
        return CKPT_NOTFOUND;
    }
    rc = ckpt_resolve_checkpoint(db, p, d->repository_id, ts, &pub);
    if (rc != CKPT_OK) {
        return rc;
    }
    ckpt_ts_format(pub->created_sec, ts2);
    if (pub->created_sec != ts || (!*tail && !is_dir)) {
        /* Another second, or "<TS>" without its '/': to the checkpoint's
         * own URL, keeping the path below it. */
        redirect(out, apr_pstrcat(p, d->base_path, "/", ts2, tail, (is_dir || !*tail) ? "/" : "",
                                  NULL));
        /* A checkpoint being committed now may still take second ts (its
         * pulp_created is taken before its commit). */
        out->settling = pub->created_sec != ts && ts >= now_sec - CKPT_SETTLE_SECONDS;
        return CKPT_OK;
    }
    out->immutable = 1;
    return serve_path(db, p, pub, apr_pstrcat(p, d->base_path, "/", ts2, tail, NULL),
                      *tail ? tail + 1 : "", is_dir, out);
}

ckpt_rc ckpt_resolve_request(ckpt_db *db, apr_pool_t *p, const char *rest, apr_int64_t now_sec,
                             ckpt_answer *out)
{
    const char *path, *after;
    int is_dir;
    ckpt_distribution *d;
    ckpt_rc rc;

    memset(out, 0, sizeof(*out));
    if (ckpt_path_split_request(p, rest, &path, &is_dir) != CKPT_PATH_OK || !*path) {
        return CKPT_NOTFOUND;
    }
    rc = ckpt_resolve_distribution(db, p, path, &d);
    if (rc != CKPT_OK) {
        return rc;
    }
    after = path + strlen(d->base_path); /* "" or "/..." */
    if (!*after && !is_dir) {
        redirect(out, apr_pstrcat(p, d->base_path, "/", NULL));
        return CKPT_OK;
    }
    if (d->checkpoint) {
        if (!*after) {
            return checkpoint_index(db, p, d, out);
        }
        return serve_checkpoint(db, p, d, after + 1, is_dir, now_sec, out);
    }
    if (!d->pub) {
        return CKPT_NOTFOUND;
    }
    return serve_path(db, p, d->pub, path, *after ? after + 1 : "", is_dir, out);
}
