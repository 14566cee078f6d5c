/* Content resolution (see resolve.h): the rows of SPEC §2's tables, in the
 * order a request meets them, asking a ckpt_source what exists. */
#include <string.h>

#include <apr_strings.h>

#include "listing.h"
#include "path.h"
#include "resolve.h"
#include "timestamp.h"

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

static void add_entry(apr_array_header_t *entries, const char *name, int is_dir,
                      apr_int64_t mtime, apr_off_t size)
{
    ckpt_listing_entry *e = apr_array_push(entries);
    e->name = name;
    e->is_dir = is_dir;
    e->mtime_sec = mtime;
    e->size = size;
}

/* A redirect: never immutable (a short max-age, SPEC §2), even under an
 * exact checkpoint. */
static void redirect(ckpt_answer *out, const char *location)
{
    out->kind = CKPT_ANSWER_REDIRECT;
    out->location = location;
    out->immutable = 0;
}

/* The manifest is the publication's own file, not a unit, so the source
 * does not know it: it wins over a unit of the same name (it is what
 * clients trust), its directories exist, and listings show it. */

static int is_manifest(const ckpt_publication *pub, const char *path)
{
    return !strcmp(path, pub->manifest);
}

/* Whether dir (not the top) leads to the manifest. */
static int holds_manifest(const ckpt_publication *pub, const char *dir)
{
    apr_size_t n = strlen(dir);
    return n && !strncmp(pub->manifest, dir, n) && pub->manifest[n] == '/';
}

/* The name of the directory directly under dir ("" for the top) that
 * leads to the manifest, or NULL when the manifest is not deeper. */
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

/* The entries of a listing: subdirectories first, then files, each dated
 * with the publication (storage has no directories of its own). */
static apr_array_header_t *listing_entries(apr_pool_t *p, const ckpt_publication *pub,
                                           const char *dir, const ckpt_dir_content *c)
{
    int nf = c->files ? c->files->nelts : 0, nd = c->dirs ? c->dirs->nelts : 0, i;
    apr_array_header_t *e = apr_array_make(p, nf + nd + 2, sizeof(ckpt_listing_entry));
    const char *msub = manifest_subdir(p, pub, dir);

    for (i = 0; i < nd; i++) {
        const char *name = APR_ARRAY_IDX(c->dirs, i, const char *);
        add_entry(e, name, 1, pub->created_sec, 0);
        if (msub && !strcmp(msub, name)) {
            msub = NULL;
        }
    }
    if (msub) {
        add_entry(e, msub, 1, pub->created_sec, 0);
    }
    for (i = 0; i < nf; i++) {
        const ckpt_listing_entry *f = &APR_ARRAY_IDX(c->files, i, ckpt_listing_entry);
        if (strcmp(ckpt_path_parent(p, pub->manifest), dir) != 0
            || strcmp(f->name, ckpt_path_basename(pub->manifest)) != 0) {
            add_entry(e, f->name, 0, pub->created_sec, f->size);
        }
    }
    if (!strcmp(ckpt_path_parent(p, pub->manifest), dir)) {
        add_entry(e, ckpt_path_basename(pub->manifest), 0, pub->created_sec, pub->manifest_size);
    }
    return e;
}

/* "<path>" without a trailing '/': the file, or a redirect to the
 * directory of that name. */
static ckpt_rc serve_file(const ckpt_source *src, apr_pool_t *p, const ckpt_publication *pub,
                          const char *full, const char *path, ckpt_answer *out)
{
    int is_dir = 0;
    ckpt_rc rc;

    out->relpath = path;
    if (is_manifest(pub, path)) {
        out->kind = CKPT_ANSWER_FILE;
        out->sha256 = pub->manifest_sha256;
        out->size = pub->manifest_size;
        return CKPT_OK;
    }
    rc = src->path(src->baton, p, pub, path, &out->sha256, &out->size, &is_dir);
    if (rc == CKPT_NOTFOUND && holds_manifest(pub, path)) {
        rc = CKPT_OK;
        is_dir = 1;
    }
    if (rc != CKPT_OK) {
        return rc;
    }
    if (!is_dir) {
        out->kind = CKPT_ANSWER_FILE;
        return CKPT_OK;
    }
    out->relpath = NULL;
    redirect(out, apr_pstrcat(p, full, "/", NULL));
    return CKPT_OK;
}

/* "<dir>/": its index.html, or its listing. */
static ckpt_rc serve_dir(const ckpt_source *src, apr_pool_t *p, const ckpt_publication *pub,
                         const char *dir, ckpt_answer *out)
{
    const char *index = *dir ? apr_pstrcat(p, dir, "/index.html", NULL) : "index.html";
    ckpt_dir_content c;
    ckpt_rc rc;

    if (is_manifest(pub, index)) {
        out->kind = CKPT_ANSWER_FILE;
        out->relpath = index;
        out->sha256 = pub->manifest_sha256;
        out->size = pub->manifest_size;
        return CKPT_OK;
    }
    memset(&c, 0, sizeof(c));
    rc = src->dir(src->baton, p, pub, dir, index, &c);
    if (rc == CKPT_NOTFOUND && (!*dir || holds_manifest(pub, dir))) {
        rc = CKPT_OK; /* the top, and the manifest's directories, always exist */
    }
    if (rc != CKPT_OK) {
        return rc;
    }
    if (c.index_sha256) {
        out->kind = CKPT_ANSWER_FILE;
        out->relpath = index;
        out->sha256 = c.index_sha256;
        out->size = c.index_size;
        return CKPT_OK;
    }
    out->kind = CKPT_ANSWER_LISTING;
    out->entries = listing_entries(p, pub, dir, &c);
    return CKPT_OK;
}

/* The table "Paths inside a publication".  full is the whole request path
 * below the prefix (for the directory redirect), path the part inside the
 * publication. */
static ckpt_rc serve_path(const ckpt_source *src, apr_pool_t *p, const ckpt_publication *pub,
                          const char *full, const char *path, int is_dir, ckpt_answer *out)
{
    out->repository_id = pub->repository_id;
    return is_dir ? serve_dir(src, p, pub, path, out) : serve_file(src, p, pub, full, path, out);
}

static ckpt_rc checkpoint_index(const ckpt_source *src, apr_pool_t *p,
                                const ckpt_distribution *d, ckpt_answer *out)
{
    apr_array_header_t *secs;
    ckpt_rc rc;
    int i;

    out->kind = CKPT_ANSWER_LISTING;
    out->checkpoint_index = 1;
    out->repository_id = d->repository_id;
    out->entries = apr_array_make(p, 8, sizeof(ckpt_listing_entry));
    if (!d->repository_id) {
        return CKPT_OK;
    }
    rc = src->checkpoint_times(src->baton, p, d->repository_id, &secs);
    if (rc != CKPT_OK) {
        return rc;
    }
    for (i = 0; i < secs->nelts; i++) {
        apr_int64_t t = APR_ARRAY_IDX(secs, i, apr_int64_t);
        char *ts = apr_palloc(p, CKPT_TS_LEN + 1);
        ckpt_ts_format(t, ts);
        add_entry(out->entries, ts, 1, t, 0);
    }
    return CKPT_OK;
}

/* The table "Checkpoint distributions", below <base_path>/: inner is
 * "<TS>" or "<TS>/<path>". */
static ckpt_rc serve_checkpoint(const ckpt_source *src, apr_pool_t *p,
                                const ckpt_distribution *d, const char *inner, int is_dir,
                                apr_int64_t now_sec, ckpt_answer *out)
{
    const char *slash = strchr(inner, '/');
    apr_size_t tslen = slash ? (apr_size_t)(slash - inner) : strlen(inner);
    const char *tail = inner + tslen; /* "" or "/<path>" */
    const ckpt_publication *pub;
    apr_int64_t ts, asof = src->asof_sec < now_sec ? src->asof_sec : now_sec;
    char ts2[CKPT_TS_LEN + 1];
    ckpt_rc rc;

    if (ckpt_ts_classify(inner, tslen, now_sec, &ts) != CKPT_TS_OK || !d->repository_id) {
        return CKPT_NOTFOUND;
    }
    rc = src->checkpoint_at(src->baton, p, d->repository_id, ts, &pub);
    if (rc != CKPT_OK) {
        return rc;
    }
    ckpt_ts_format(pub->created_sec, ts2);
    if (pub->created_sec != ts || (!*tail && !is_dir)) {
        /* Another second, or "<TS>" without its '/': to the checkpoint's
         * own URL, keeping the path below it. */
        redirect(out, apr_pstrcat(p, d->base_path, "/", ts2, tail, (is_dir || !*tail) ? "/" : "",
                                  NULL));
        out->repository_id = d->repository_id;
        /* A checkpoint not yet visible when the source read its data may
         * still take second ts. */
        out->settling = pub->created_sec != ts && ts >= asof - CKPT_SETTLE_SECONDS;
        return CKPT_OK;
    }
    out->immutable = 1;
    return serve_path(src, p, pub, apr_pstrcat(p, d->base_path, "/", ts2, tail, NULL),
                      *tail ? tail + 1 : "", is_dir, out);
}

ckpt_rc ckpt_resolve_request(const ckpt_source *src, apr_pool_t *p, const char *rest,
                             apr_int64_t now_sec, ckpt_answer *out)
{
    const char *path, *after;
    int is_dir;
    const ckpt_distribution *d;
    ckpt_rc rc;

    memset(out, 0, sizeof(*out));
    if (ckpt_path_split_request(p, rest, &path, &is_dir) != CKPT_PATH_OK || !*path) {
        return CKPT_NOTFOUND;
    }
    rc = src->distribution(src->baton, p, path, &d);
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
            return checkpoint_index(src, p, d, out);
        }
        return serve_checkpoint(src, p, d, after + 1, is_dir, now_sec, out);
    }
    if (!d->pub) {
        return CKPT_NOTFOUND;
    }
    return serve_path(src, p, d->pub, path, *after ? after + 1 : "", is_dir, out);
}
