/* Content resolution (see resolve.h): the rows of SPEC §2's tables, in the
 * order a request meets them, asking a ckpt_source what exists. */
#include <string.h>

#include <apr_strings.h>

#include "listing.h"
#include "path.h"
#include "resolve.h"
#include "storage.h"
#include "timestamp.h"
#include "timetravel.h"

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

/* The memento headers of an answer from checkpoint pub (RFC 7089): one
 * more question to the source, which the catalog answers without a
 * query.  path is what the TimeGate and the TimeMap name. */
static ckpt_rc add_memento(const ckpt_source *src, apr_pool_t *p, const ckpt_distribution *d,
                           const ckpt_publication *pub, const char *path, ckpt_answer *out)
{
    out->memento.kind = CKPT_MEMENTO_OF;
    out->memento.base_path = d->base_path;
    out->memento.path = path;
    out->memento.sec = pub->created_sec;
    return src->checkpoint_nav(src->baton, p, d->repository_id, pub->created_sec,
                               &out->memento.nav);
}

/* from and until of the query string (absent: every checkpoint). */
static ckpt_rc index_bounds(apr_pool_t *p, const ckpt_request *rq, apr_int64_t *from,
                            apr_int64_t *until, int *ranged)
{
    const char *f = ckpt_tt_query(p, rq->args, "from"), *u = ckpt_tt_query(p, rq->args, "until");

    *from = CKPT_TS_MIN_EPOCH;
    *until = CKPT_TS_MAX_EPOCH;
    *ranged = f || u;
    if ((f && ckpt_tt_parse_bound(f, 0, from) != 0) || (u && ckpt_tt_parse_bound(u, 1, until) != 0)) {
        return CKPT_INVALID;
    }
    return CKPT_OK;
}

static void entries_of(apr_pool_t *p, const apr_array_header_t *secs, apr_array_header_t *entries)
{
    int i;

    for (i = 0; i < secs->nelts; i++) {
        apr_int64_t t = APR_ARRAY_IDX(secs, i, apr_int64_t);
        char *ts = apr_palloc(p, CKPT_TS_LEN + 1);
        ckpt_ts_format(t, ts);
        add_entry(entries, ts, 1, t, 0);
    }
}

static apr_array_header_t *secs_of(apr_pool_t *p, const apr_array_header_t *pubs)
{
    apr_array_header_t *secs = apr_array_make(p, pubs->nelts + 1, sizeof(apr_int64_t));
    int i;

    for (i = 0; i < pubs->nelts; i++) {
        APR_ARRAY_PUSH(secs, apr_int64_t) = APR_ARRAY_IDX(pubs, i, ckpt_publication).created_sec;
    }
    return secs;
}

/* <base_path>/: the listing of SPEC §2; as JSON when Accept asks for it;
 * only ?from= to &until=; by month once there are many. */
static ckpt_rc checkpoint_index(const ckpt_source *src, apr_pool_t *p,
                                const ckpt_distribution *d, const ckpt_request *rq,
                                ckpt_answer *out)
{
    apr_array_header_t *secs, *pubs = apr_array_make(p, 1, sizeof(ckpt_publication));
    apr_int64_t from, until;
    int ranged;
    ckpt_rc rc = index_bounds(p, rq, &from, &until, &ranged);

    out->kind = CKPT_ANSWER_LISTING;
    out->checkpoint_index = 1;
    out->repository_id = d->repository_id;
    out->vary = CKPT_VARY_ACCEPT;
    out->entries = apr_array_make(p, 8, sizeof(ckpt_listing_entry));
    if (rc != CKPT_OK || (d->repository_id && (ranged || rq->want_json)
                          && (rc = src->checkpoint_list(src->baton, p, d->repository_id, from,
                                                        until, &pubs)) != CKPT_OK)) {
        return rc;
    }
    if (rq->want_json) {
        out->kind = CKPT_ANSWER_PAGE;
        out->content_type = "application/json";
        out->page = ckpt_tt_index_json(p, rq, d->base_path, pubs);
        return CKPT_OK;
    }
    if (ranged || !d->repository_id) {
        entries_of(p, secs_of(p, pubs), out->entries);
        return CKPT_OK;
    }
    if ((rc = src->checkpoint_times(src->baton, p, d->repository_id, &secs)) != CKPT_OK) {
        return rc;
    }
    if (secs->nelts > CKPT_INDEX_GROUP_AT) {
        out->kind = CKPT_ANSWER_PAGE;
        out->content_type = "text/html; charset=utf-8";
        out->page = ckpt_tt_index_grouped(
            p, apr_pstrcat(p, rq->url_prefix, "/", d->base_path, "/", NULL), secs);
        return CKPT_OK;
    }
    entries_of(p, secs, out->entries);
    return CKPT_OK;
}

/* Whether path (a directory when is_dir) is in pub: what the TimeGate
 * checks before it sends a client there. */
static ckpt_rc exists_in(const ckpt_source *src, apr_pool_t *p, const ckpt_publication *pub,
                         const char *path, int is_dir)
{
    const char *sha256;
    apr_off_t size;
    int dir = 0;
    ckpt_rc rc;

    if ((!is_dir && is_manifest(pub, path)) || holds_manifest(pub, path)) {
        return CKPT_OK;
    }
    rc = src->path(src->baton, p, pub, path, &sha256, &size, &dir);
    return rc == CKPT_OK && is_dir && !dir ? CKPT_NOTFOUND : rc;
}

/* <base_path>/<path>, the first segment no time and no reserved name: the
 * TimeGate (RFC 7089), 302 to the checkpoint current at Accept-Datetime,
 * or at the request's time, when the path is there. */
static ckpt_rc timegate(const ckpt_source *src, apr_pool_t *p, const ckpt_distribution *d,
                        const char *path, int is_dir, const ckpt_request *rq, ckpt_answer *out)
{
    apr_int64_t sec = rq->now_sec, asof = src->asof_sec < sec ? src->asof_sec : sec;
    const ckpt_publication *pub;
    char ts2[CKPT_TS_LEN + 1];
    ckpt_rc rc;

    if (rq->accept_datetime) {
        if (ckpt_ts_parse_http(rq->accept_datetime, &sec) != 0) {
            return CKPT_INVALID;
        }
        sec = sec < rq->now_sec ? sec : rq->now_sec;
    }
    if ((rc = src->checkpoint_at(src->baton, p, d->repository_id, sec, &pub)) != CKPT_OK
        || (rc = exists_in(src, p, pub, path, is_dir)) != CKPT_OK) {
        return rc;
    }
    ckpt_ts_format(pub->created_sec, ts2);
    redirect(out, apr_pstrcat(p, d->base_path, "/", ts2, "/", path, is_dir ? "/" : "", NULL));
    out->status = 302;
    out->vary = CKPT_VARY_DATETIME;
    out->repository_id = d->repository_id;
    out->settling = pub->created_sec != sec && sec >= asof - CKPT_SETTLE_SECONDS;
    out->memento.kind = CKPT_MEMENTO_GATE;
    out->memento.base_path = d->base_path;
    out->memento.path = apr_pstrcat(p, path, is_dir ? "/" : "", NULL);
    out->memento.sec = pub->created_sec;
    return CKPT_OK;
}

/* timemap/link/<path> and timemap/json/<path>: a path's changes, read
 * when sent (history.h); with an empty path every checkpoint, or with
 * ?sha256= (JSON) where those bytes were.  rest follows "timemap". */
static ckpt_rc timemap(const ckpt_source *src, apr_pool_t *p, const ckpt_distribution *d,
                       const char *rest, int is_dir, const ckpt_request *rq, ckpt_answer *out)
{
    int json = !strncmp(rest, "/json", 5);
    const char *path, *sha256 = json ? ckpt_tt_query(p, rq->args, "sha256") : NULL;
    apr_array_header_t *secs;
    ckpt_rc rc;

    if ((!json && strncmp(rest, "/link", 5) != 0) || (rest[5] && rest[5] != '/')) {
        return CKPT_NOTFOUND;
    }
    path = rest[5] ? rest + 6 : "";
    out->repository_id = d->repository_id;
    out->history.base_path = d->base_path;
    out->history.repository_id = d->repository_id;
    out->history.path = path;
    if (*path) {
        out->kind = CKPT_ANSWER_HISTORY;
        out->history.kind = json ? CKPT_HISTORY_TIMEMAP_JSON : CKPT_HISTORY_TIMEMAP_LINK;
        return is_dir ? CKPT_NOTFOUND : CKPT_OK; /* a directory has no digest to follow */
    }
    if (sha256) {
        out->kind = CKPT_ANSWER_HISTORY;
        out->history.kind = CKPT_HISTORY_LOOKUP;
        out->history.sha256 = sha256;
        return ckpt_storage_valid_sha256(sha256) ? CKPT_OK : CKPT_INVALID;
    }
    if ((rc = src->checkpoint_times(src->baton, p, d->repository_id, &secs)) != CKPT_OK) {
        return rc;
    }
    out->kind = CKPT_ANSWER_PAGE;
    out->content_type = json ? "application/json" : "application/link-format";
    out->page = ckpt_tt_timemap_all(p, rq, d->base_path, secs, json);
    return CKPT_OK;
}

/* One time of diff/<TS1>/<TS2>/: a checkpoint's, any second or a day. */
static ckpt_rc diff_end(const ckpt_source *src, apr_pool_t *p, const ckpt_distribution *d,
                        const char *seg, apr_size_t len, const ckpt_request *rq,
                        const ckpt_publication **pub)
{
    apr_int64_t sec;
    ckpt_seg_class c = ckpt_ts_classify_segment(seg, len, rq->now_sec, &sec);

    if (c != CKPT_SEG_EXACT && c != CKPT_SEG_DAY) {
        return CKPT_NOTFOUND;
    }
    return src->checkpoint_at(src->baton, p, d->repository_id, sec, pub);
}

/* diff/<TS1>/<TS2>/[<prefix>]: what changed from one checkpoint to
 * another, read when sent.  rest follows "diff". */
static ckpt_rc diff(const ckpt_source *src, apr_pool_t *p, const ckpt_distribution *d,
                    const char *rest, const ckpt_request *rq, ckpt_answer *out)
{
    const char *t1 = rest + 1, *s1 = strchr(t1, '/'), *t2, *s2;
    ckpt_rc rc;

    if (!*rest || !s1) {
        return CKPT_NOTFOUND;
    }
    t2 = s1 + 1;
    s2 = strchr(t2, '/');
    if ((rc = diff_end(src, p, d, t1, (apr_size_t)(s1 - t1), rq, &out->history.from)) != CKPT_OK
        || (rc = diff_end(src, p, d, t2, s2 ? (apr_size_t)(s2 - t2) : strlen(t2), rq,
                          &out->history.to)) != CKPT_OK) {
        return rc;
    }
    out->kind = CKPT_ANSWER_HISTORY;
    out->repository_id = d->repository_id;
    out->history.kind = CKPT_HISTORY_DIFF;
    out->history.base_path = d->base_path;
    out->history.repository_id = d->repository_id;
    out->history.path = s2 ? s2 + 1 : "";
    return CKPT_OK;
}

/* A file under an inexact time, answered in place (CheckpointInexact
 * Serve): the file of the checkpoint then, with where it lives; a
 * directory keeps its redirect, straight to the checkpoint's directory. */
static ckpt_rc serve_in_place(const ckpt_source *src, apr_pool_t *p, const ckpt_distribution *d,
                              const ckpt_publication *pub, const char *at, const char *tail,
                              ckpt_answer *out)
{
    ckpt_rc rc = serve_path(src, p, pub, at, tail + 1, 0, out);

    if (rc != CKPT_OK || out->kind != CKPT_ANSWER_FILE) {
        return rc;
    }
    out->immutable = 0;
    out->content_location = at;
    return add_memento(src, p, d, pub, tail + 1, out);
}

/* The table "Checkpoint distributions", below <base_path>/: inner is
 * "<TS>" or "<TS>/<path>" (TS also a day), or a TimeGate's path, or a
 * reserved name's. */
static ckpt_rc serve_checkpoint(const ckpt_source *src, apr_pool_t *p,
                                const ckpt_distribution *d, const char *inner, int is_dir,
                                const ckpt_request *rq, ckpt_answer *out)
{
    const char *slash = strchr(inner, '/');
    apr_size_t tslen = slash ? (apr_size_t)(slash - inner) : strlen(inner);
    const char *tail = inner + tslen; /* "" or "/<path>" */
    const ckpt_publication *pub;
    apr_int64_t ts = 0, asof = src->asof_sec < rq->now_sec ? src->asof_sec : rq->now_sec;
    ckpt_seg_class seg = ckpt_ts_classify_segment(inner, tslen, rq->now_sec, &ts);
    char ts2[CKPT_TS_LEN + 1];
    const char *at;
    int settling;
    ckpt_rc rc;

    if (seg == CKPT_SEG_INVALID || !d->repository_id) {
        return CKPT_NOTFOUND;
    }
    if (seg == CKPT_SEG_OTHER) {
        if (tslen == 7 && !strncmp(inner, "timemap", 7)) {
            return timemap(src, p, d, tail, is_dir, rq, out);
        }
        if (tslen == 4 && !strncmp(inner, "diff", 4)) {
            return diff(src, p, d, tail, rq, out);
        }
        return timegate(src, p, d, inner, is_dir, rq, out);
    }
    rc = src->checkpoint_at(src->baton, p, d->repository_id, ts, &pub);
    /* A checkpoint not yet visible when the source read its data may still
     * take second ts: a redirect for it is settling, and when ts was asked
     * for exactly (a 404 too) the answer is unseen. */
    settling = ts >= asof - CKPT_SETTLE_SECONDS
               && (rc == CKPT_NOTFOUND || (rc == CKPT_OK && pub->created_sec != ts));
    out->unseen = seg == CKPT_SEG_EXACT && settling;
    if (rc != CKPT_OK) {
        return rc;
    }
    ckpt_ts_format(pub->created_sec, ts2);
    at = apr_pstrcat(p, d->base_path, "/", ts2, tail, NULL);
    if (seg != CKPT_SEG_EXACT || pub->created_sec != ts || (!*tail && !is_dir)) {
        out->settling = settling;
        out->repository_id = d->repository_id;
        if (rq->inexact_serve && *tail && !is_dir) {
            return serve_in_place(src, p, d, pub, at, tail, out);
        }
        /* To the checkpoint's own URL, keeping the path below it. */
        redirect(out, apr_pstrcat(p, at, (is_dir || !*tail) ? "/" : "", NULL));
        return CKPT_OK;
    }
    out->immutable = 1;
    rc = serve_path(src, p, pub, at, *tail ? tail + 1 : "", is_dir, out);
    if (rc != CKPT_OK || out->kind == CKPT_ANSWER_REDIRECT) {
        return rc;
    }
    return add_memento(src, p, d, pub,
                       apr_pstrcat(p, *tail ? tail + 1 : "", *tail && is_dir ? "/" : "", NULL),
                       out);
}

ckpt_rc ckpt_resolve(const ckpt_source *src, apr_pool_t *p, const char *rest,
                     const ckpt_request *rq, ckpt_answer *out)
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
            return checkpoint_index(src, p, d, rq, out);
        }
        return serve_checkpoint(src, p, d, after + 1, is_dir, rq, out);
    }
    if (!d->pub) {
        return CKPT_NOTFOUND;
    }
    return serve_path(src, p, d->pub, path, *after ? after + 1 : "", is_dir, out);
}

ckpt_rc ckpt_resolve_request(const ckpt_source *src, apr_pool_t *p, const char *rest,
                             apr_int64_t now_sec, ckpt_answer *out)
{
    ckpt_request rq;

    memset(&rq, 0, sizeof(rq));
    rq.now_sec = now_sec;
    rq.url_prefix = "";
    rq.api_root = "/pulp/api/v3/";
    return ckpt_resolve(src, p, rest, &rq, out);
}
