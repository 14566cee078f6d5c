/* The catalog-and-database source (see source.h). */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "listing.h"
#include "path.h"
#include "source.h"

#define NIL_UUID "00000000-0000-0000-0000-000000000000"

static apr_int64_t to_i64(const char *s)
{
    return s ? apr_atoi64(s) : 0;
}

static ckpt_rc take_db(ckpt_source_ctx *x)
{
    return x->db ? CKPT_OK : x->get_db(x->db_baton, &x->db);
}

/* Runs statement name on the request's connection. */
static ckpt_rc query(ckpt_source_ctx *x, apr_pool_t *p, ckpt_dbres **res, const char *name,
                     int n, const char *const *params)
{
    ckpt_rc rc = take_db(x);
    return rc == CKPT_OK ? ckpt_db_execv(x->db, p, res, name, n, params) : rc;
}

/* The PUB_COLUMNS of statements_content.c, from column col of row. */
static ckpt_publication *read_pub(apr_pool_t *p, const ckpt_dbres *res, int row, int col)
{
    ckpt_publication *pub;

    if (CKPT_DBVAL(res, row, col) == NULL) {
        return NULL;
    }
    pub = apr_pcalloc(p, sizeof(*pub));
    pub->id = CKPT_DBVAL(res, row, col);
    pub->repository_id = CKPT_DBVAL(res, row, col + 1);
    pub->version_number = CKPT_DBVAL(res, row, col + 2);
    pub->manifest = CKPT_DBVAL(res, row, col + 3);
    pub->manifest_sha256 = CKPT_DBVAL(res, row, col + 4);
    pub->manifest_size = (apr_off_t)to_i64(CKPT_DBVAL(res, row, col + 5));
    pub->created_sec = to_i64(CKPT_DBVAL(res, row, col + 6));
    return pub;
}

/* A row of content_distribution(s). */
static void read_dist(apr_pool_t *p, const ckpt_dbres *res, int row, ckpt_catalog_dist *out)
{
    const char *cp = CKPT_DBVAL(res, row, 1);

    out->d.base_path = CKPT_DBVAL(res, row, 0);
    out->d.checkpoint = cp && cp[0] == 't';
    out->d.repository_id = CKPT_DBVAL(res, row, 2);
    out->depends_on = CKPT_DBVAL(res, row, 3);
    out->d.pub = read_pub(p, res, row, 4);
}

/* ---- distributions ---- */

static ckpt_rc load_distributions(ckpt_source_ctx *x, apr_pool_t *p)
{
    apr_array_header_t *dists = NULL;
    ckpt_dbres *res;
    ckpt_rc rc = query(x, p, &res, "content_distributions", 0, NULL);
    int i;

    if (rc == CKPT_OK) {
        dists = apr_array_make(p, res->nrows ? res->nrows : 1, sizeof(ckpt_catalog_dist));
        for (i = 0; i < res->nrows; i++) {
            read_dist(p, res, i, apr_array_push(dists));
        }
    }
    ckpt_catalog_set_distributions(x->catalog, x->ticket, dists);
    return rc;
}

static ckpt_rc db_distribution(ckpt_source_ctx *x, apr_pool_t *p, const char *path,
                               const ckpt_distribution **out)
{
    const char *params[1];
    ckpt_catalog_dist *d;
    ckpt_dbres *res;
    ckpt_rc rc;

    params[0] = ckpt_resolve_prefixes(p, path);
    if ((rc = query(x, p, &res, "content_distribution", 1, params)) != CKPT_OK) {
        return rc;
    }
    if (res->nrows == 0) {
        return CKPT_NOTFOUND;
    }
    d = apr_palloc(p, sizeof(*d));
    read_dist(p, res, 0, d);
    *out = &d->d;
    return CKPT_OK;
}

static ckpt_rc from_catalog(ckpt_catalog_find f)
{
    return f == CKPT_CATALOG_FOUND ? CKPT_OK : CKPT_NOTFOUND;
}

static ckpt_rc src_distribution(void *baton, apr_pool_t *p, const char *path,
                                const ckpt_distribution **out)
{
    ckpt_source_ctx *x = baton;
    ckpt_catalog_find f;
    ckpt_rc rc;

    if (x->catalog) {
        f = ckpt_catalog_distribution(x->catalog, p, path, out);
        if (f == CKPT_CATALOG_UNKNOWN && ckpt_catalog_load_distributions(x->catalog)) {
            if ((rc = load_distributions(x, p)) != CKPT_OK) {
                return rc;
            }
            f = ckpt_catalog_distribution(x->catalog, p, path, out);
        }
        if (f != CKPT_CATALOG_UNKNOWN) {
            return from_catalog(f);
        }
    }
    return db_distribution(x, p, path, out);
}

/* ---- checkpoints ---- */

static ckpt_rc load_checkpoints(ckpt_source_ctx *x, apr_pool_t *p, const char *repository_id)
{
    apr_array_header_t *pubs = NULL;
    const char *params[1];
    ckpt_dbres *res;
    ckpt_rc rc;
    int i;

    params[0] = repository_id;
    rc = query(x, p, &res, "content_checkpoints", 1, params);
    if (rc == CKPT_OK) {
        pubs = apr_array_make(p, res->nrows ? res->nrows : 1, sizeof(ckpt_publication));
        for (i = 0; i < res->nrows; i++) {
            *(ckpt_publication *)apr_array_push(pubs) = *read_pub(p, res, i, 0);
        }
    }
    ckpt_catalog_set_checkpoints(x->catalog, p, x->ticket, repository_id, pubs);
    return rc;
}

/* Loads the checkpoints of repository_id into the catalog when no other
 * thread is: CKPT_OK whether it did or not. */
static ckpt_rc want_checkpoints(ckpt_source_ctx *x, apr_pool_t *p, const char *repository_id)
{
    if (ckpt_catalog_load_checkpoints(x->catalog, p, repository_id)) {
        return load_checkpoints(x, p, repository_id);
    }
    return CKPT_OK;
}

static ckpt_rc src_checkpoint_at(void *baton, apr_pool_t *p, const char *repository_id,
                                 apr_int64_t sec, const ckpt_publication **out)
{
    ckpt_source_ctx *x = baton;
    const char *params[2];
    ckpt_catalog_find f = CKPT_CATALOG_UNKNOWN;
    ckpt_dbres *res;
    ckpt_rc rc;

    if (x->catalog) {
        f = ckpt_catalog_checkpoint_at(x->catalog, p, repository_id, sec, out);
        if (f == CKPT_CATALOG_UNKNOWN) {
            if ((rc = want_checkpoints(x, p, repository_id)) != CKPT_OK) {
                return rc;
            }
            f = ckpt_catalog_checkpoint_at(x->catalog, p, repository_id, sec, out);
        }
    }
    if (f != CKPT_CATALOG_UNKNOWN) {
        return from_catalog(f);
    }
    params[0] = repository_id;
    params[1] = apr_psprintf(p, "%" APR_INT64_T_FMT, sec);
    if ((rc = query(x, p, &res, "content_checkpoint_at", 2, params)) != CKPT_OK) {
        return rc;
    }
    *out = res->nrows ? read_pub(p, res, 0, 0) : NULL;
    return *out ? CKPT_OK : CKPT_NOTFOUND;
}

static ckpt_rc src_checkpoint_times(void *baton, apr_pool_t *p, const char *repository_id,
                                    apr_array_header_t **secs)
{
    ckpt_source_ctx *x = baton;
    const char *params[1];
    ckpt_dbres *res;
    ckpt_rc rc;
    int i;

    if (x->catalog) {
        if (ckpt_catalog_checkpoint_times(x->catalog, p, repository_id, secs)
            == CKPT_CATALOG_FOUND) {
            return CKPT_OK;
        }
        if ((rc = want_checkpoints(x, p, repository_id)) != CKPT_OK) {
            return rc;
        }
        if (ckpt_catalog_checkpoint_times(x->catalog, p, repository_id, secs)
            == CKPT_CATALOG_FOUND) {
            return CKPT_OK;
        }
    }
    params[0] = repository_id;
    if ((rc = query(x, p, &res, "content_checkpoint_times", 1, params)) != CKPT_OK) {
        return rc;
    }
    *secs = apr_array_make(p, res->nrows ? res->nrows : 1, sizeof(apr_int64_t));
    for (i = 0; i < res->nrows; i++) {
        APR_ARRAY_PUSH(*secs, apr_int64_t) = to_i64(CKPT_DBVAL(res, i, 0));
    }
    return CKPT_OK;
}

static ckpt_rc src_checkpoint_list(void *baton, apr_pool_t *p, const char *repository_id,
                                   apr_int64_t from, apr_int64_t until, apr_array_header_t **pubs)
{
    ckpt_source_ctx *x = baton;
    const char *params[3];
    ckpt_dbres *res;
    ckpt_rc rc;
    int i;

    if (x->catalog) {
        if ((rc = want_checkpoints(x, p, repository_id)) != CKPT_OK) {
            return rc;
        }
        if (ckpt_catalog_checkpoint_list(x->catalog, p, repository_id, from, until, pubs)
            == CKPT_CATALOG_FOUND) {
            return CKPT_OK;
        }
    }
    params[0] = repository_id;
    params[1] = apr_psprintf(p, "%" APR_INT64_T_FMT, from);
    params[2] = apr_psprintf(p, "%" APR_INT64_T_FMT, until);
    if ((rc = query(x, p, &res, "content_checkpoint_list", 3, params)) != CKPT_OK) {
        return rc;
    }
    *pubs = apr_array_make(p, res->nrows ? res->nrows : 1, sizeof(ckpt_publication));
    for (i = 0; i < res->nrows; i++) {
        *(ckpt_publication *)apr_array_push(*pubs) = *read_pub(p, res, i, 0);
    }
    return CKPT_OK;
}

static apr_int64_t sec_or_none(const char *s)
{
    return s ? to_i64(s) : CKPT_NO_SEC;
}

static ckpt_rc src_checkpoint_nav(void *baton, apr_pool_t *p, const char *repository_id,
                                  apr_int64_t sec, ckpt_nav *out)
{
    ckpt_source_ctx *x = baton;
    const char *params[2];
    ckpt_dbres *res;
    ckpt_rc rc;

    if (x->catalog) {
        if ((rc = want_checkpoints(x, p, repository_id)) != CKPT_OK) {
            return rc;
        }
        if (ckpt_catalog_checkpoint_nav(x->catalog, repository_id, sec, out)
            == CKPT_CATALOG_FOUND) {
            return CKPT_OK;
        }
    }
    params[0] = repository_id;
    params[1] = apr_psprintf(p, "%" APR_INT64_T_FMT, sec);
    if ((rc = query(x, p, &res, "content_checkpoint_nav", 2, params)) != CKPT_OK) {
        return rc;
    }
    if (res->nrows != 1) {
        return CKPT_DBERROR;
    }
    out->first = sec_or_none(CKPT_DBVAL(res, 0, 0));
    out->prev = sec_or_none(CKPT_DBVAL(res, 0, 1));
    out->next = sec_or_none(CKPT_DBVAL(res, 0, 2));
    out->last = sec_or_none(CKPT_DBVAL(res, 0, 3));
    return CKPT_OK;
}

/* ---- files and directories ---- */

/* Reads directory dir of pub's repository as a block into the catalog. */
static ckpt_rc load_block(ckpt_source_ctx *x, apr_pool_t *p, const ckpt_publication *pub,
                          const char *dir)
{
    const char *params[3];
    ckpt_dirblock_row *rows;
    ckpt_dbres *res;
    int i, n = 0, latest = -1;
    ckpt_rc rc;

    params[0] = pub->repository_id;
    params[1] = dir;
    params[2] = apr_itoa(p, CKPT_DIRBLOCK_MAX_ROWS + 1);
    if ((rc = query(x, p, &res, "content_block", 3, params)) != CKPT_OK) {
        ckpt_catalog_set_block(x->catalog, p, x->ticket, pub->repository_id, dir, -1, NULL, 0);
        return rc;
    }
    rows = apr_pcalloc(p, sizeof(*rows) * (apr_size_t)(res->nrows ? res->nrows : 1));
    for (i = 0; i < res->nrows; i++) {
        const char *kind = CKPT_DBVAL(res, i, 0), *removed = CKPT_DBVAL(res, i, 5);
        if (kind[0] == 'L') {
            latest = (int)to_i64(CKPT_DBVAL(res, i, 4));
            continue;
        }
        rows[n].path = CKPT_DBVAL(res, i, 1);
        rows[n].sha256 = CKPT_DBVAL(res, i, 2);
        rows[n].size = (apr_off_t)to_i64(CKPT_DBVAL(res, i, 3));
        rows[n].added = (int)to_i64(CKPT_DBVAL(res, i, 4));
        rows[n].removed = removed ? (int)to_i64(removed) : -1;
        rows[n++].is_dir = kind[0] == 'd';
    }
    ckpt_catalog_set_block(x->catalog, p, x->ticket, pub->repository_id, dir, latest,
                           n > CKPT_DIRBLOCK_MAX_ROWS ? NULL : rows, n);
    return CKPT_OK;
}

/* The catalog's block of dir for pub's version: FOUND after fn answered
 * from it, otherwise the source asks per path.  A block is loaded when
 * none covers the version (one thread at a time): from the node's shared
 * store when another process has loaded it, else from the database. */
typedef ckpt_catalog_find (*block_fn)(ckpt_catalog *c, apr_pool_t *p, const char *repo,
                                      const char *dir, int version, void *baton);

static ckpt_catalog_find with_block(ckpt_source_ctx *x, apr_pool_t *p,
                                    const ckpt_publication *pub, const char *dir, block_fn fn,
                                    void *baton)
{
    int version = atoi(pub->version_number);
    ckpt_catalog_find f;

    if (!x->catalog) {
        return CKPT_CATALOG_UNKNOWN;
    }
    f = fn(x->catalog, p, pub->repository_id, dir, version, baton);
    if (f == CKPT_CATALOG_UNKNOWN
        && ckpt_catalog_load_block(x->catalog, p, pub->repository_id, dir, version)
        && (ckpt_catalog_block_from_shared(x->catalog, p, x->ticket, pub->repository_id, dir,
                                           version)
            || load_block(x, p, pub, dir) == CKPT_OK)) {
        f = fn(x->catalog, p, pub->repository_id, dir, version, baton);
    }
    return f;
}

typedef struct {
    const char *name;
    ckpt_dirblock_kind kind;
    const char *sha256;
    apr_off_t size;
} find_baton;

static ckpt_catalog_find block_find(ckpt_catalog *c, apr_pool_t *p, const char *repo,
                                    const char *dir, int version, void *baton)
{
    find_baton *b = baton;
    return ckpt_catalog_block_find(c, p, repo, dir, version, b->name, &b->kind, &b->sha256,
                                   &b->size);
}

static ckpt_rc src_path(void *baton, apr_pool_t *p, const ckpt_publication *pub,
                        const char *path, const char **sha256, apr_off_t *size, int *is_dir)
{
    const char *params[3];
    find_baton fb;
    ckpt_dbres *res;
    ckpt_rc rc;

    memset(&fb, 0, sizeof(fb));
    fb.name = ckpt_path_basename(path);
    if (with_block(baton, p, pub, ckpt_path_parent(p, path), block_find, &fb)
        == CKPT_CATALOG_FOUND) {
        *is_dir = fb.kind == CKPT_DIRBLOCK_DIR;
        *sha256 = fb.sha256;
        *size = fb.size;
        return fb.kind == CKPT_DIRBLOCK_ABSENT ? CKPT_NOTFOUND : CKPT_OK;
    }
    params[0] = pub->repository_id;
    params[1] = pub->version_number;
    params[2] = path;
    if ((rc = query(baton, p, &res, "content_path", 3, params)) != CKPT_OK) {
        return rc;
    }
    if (res->nrows == 0) {
        return CKPT_NOTFOUND;
    }
    *is_dir = CKPT_DBVAL(res, 0, 0)[0] == 'd';
    *sha256 = CKPT_DBVAL(res, 0, 1);
    *size = (apr_off_t)to_i64(CKPT_DBVAL(res, 0, 2));
    return CKPT_OK;
}

static void read_dir_row(apr_pool_t *p, const ckpt_dbres *res, int i, ckpt_dir_content *out)
{
    const char *kind = CKPT_DBVAL(res, i, 0), *path = CKPT_DBVAL(res, i, 1);

    if (kind[0] == 'i') {
        out->index_sha256 = CKPT_DBVAL(res, i, 2);
        out->index_size = (apr_off_t)to_i64(CKPT_DBVAL(res, i, 3));
    }
    else if (kind[0] == 'd') {
        APR_ARRAY_PUSH(out->dirs, const char *) = ckpt_path_basename(path);
    }
    else {
        ckpt_listing_entry *e = apr_array_push(out->files);
        memset(e, 0, sizeof(*e));
        e->name = ckpt_path_basename(path);
        e->size = (apr_off_t)to_i64(CKPT_DBVAL(res, i, 3));
    }
}

typedef struct {
    int holds;
    ckpt_dir_content *out;
} list_baton;

static ckpt_catalog_find block_list(ckpt_catalog *c, apr_pool_t *p, const char *repo,
                                    const char *dir, int version, void *baton)
{
    list_baton *b = baton;
    return ckpt_catalog_block_list(c, p, repo, dir, version, &b->holds, b->out);
}

static ckpt_rc src_dir(void *baton, apr_pool_t *p, const ckpt_publication *pub, const char *dir,
                       const char *index_path, ckpt_dir_content *out)
{
    const char *params[4];
    list_baton lb;
    ckpt_dbres *res;
    ckpt_rc rc;
    int i;

    lb.holds = 0;
    lb.out = out;
    if (with_block(baton, p, pub, dir, block_list, &lb) == CKPT_CATALOG_FOUND) {
        return lb.holds ? CKPT_OK : CKPT_NOTFOUND;
    }
    params[0] = pub->repository_id;
    params[1] = pub->version_number;
    params[2] = dir;
    params[3] = index_path;
    if ((rc = query(baton, p, &res, "content_dir", 4, params)) != CKPT_OK) {
        return rc;
    }
    out->files = apr_array_make(p, res->nrows ? res->nrows : 1, sizeof(ckpt_listing_entry));
    out->dirs = apr_array_make(p, 8, sizeof(const char *));
    for (i = 0; i < res->nrows; i++) {
        read_dir_row(p, res, i, out);
    }
    return res->nrows ? CKPT_OK : CKPT_NOTFOUND;
}

void ckpt_source_init(ckpt_source *src, ckpt_source_ctx *ctx, apr_int64_t asof_sec)
{
    memset(src, 0, sizeof(*src));
    src->baton = ctx;
    src->distribution = src_distribution;
    src->checkpoint_at = src_checkpoint_at;
    src->checkpoint_times = src_checkpoint_times;
    src->checkpoint_list = src_checkpoint_list;
    src->checkpoint_nav = src_checkpoint_nav;
    src->path = src_path;
    src->dir = src_dir;
    src->asof_sec = asof_sec;
}

/* ---- history (history.h): always the database ---- */

static ckpt_rc ranges_of(ckpt_source_ctx *x, apr_pool_t *p, const char *stmt,
                         const char *repository_id, const char *key,
                         apr_array_header_t **ranges)
{
    const char *params[2];
    ckpt_dbres *res;
    ckpt_rc rc;
    int i;

    params[0] = repository_id;
    params[1] = key;
    if ((rc = query(x, p, &res, stmt, 2, params)) != CKPT_OK) {
        return rc;
    }
    *ranges = apr_array_make(p, res->nrows ? res->nrows : 1, sizeof(ckpt_range));
    for (i = 0; i < res->nrows; i++) {
        ckpt_range *r = apr_array_push(*ranges);
        r->path = CKPT_DBVAL(res, i, 0);
        r->sha256 = CKPT_DBVAL(res, i, 1);
        r->size = (apr_off_t)to_i64(CKPT_DBVAL(res, i, 2));
        r->first = sec_or_none(CKPT_DBVAL(res, i, 3));
        r->last = sec_or_none(CKPT_DBVAL(res, i, 4));
        r->gone = sec_or_none(CKPT_DBVAL(res, i, 5));
    }
    return CKPT_OK;
}

static ckpt_rc hist_path_ranges(void *baton, apr_pool_t *p, const char *repository_id,
                                const char *path, apr_array_header_t **ranges)
{
    return ranges_of(baton, p, "content_path_ranges", repository_id, path, ranges);
}

static ckpt_rc hist_digest_ranges(void *baton, apr_pool_t *p, const char *repository_id,
                                  const char *sha256, apr_array_header_t **ranges)
{
    return ranges_of(baton, p, "content_digest_ranges", repository_id, sha256, ranges);
}

static ckpt_rc hist_diff_page(void *baton, apr_pool_t *p, const char *repository_id,
                              ckpt_diff_side side, const char *lo, const char *hi,
                              const char *prefix, const char *after_version,
                              const char *after_path, int limit, apr_array_header_t **rows)
{
    const char *params[8];
    ckpt_dbres *res;
    ckpt_rc rc;
    int i;

    params[0] = repository_id;
    params[1] = lo;
    params[2] = hi;
    params[3] = prefix;
    params[4] = after_version;
    params[5] = after_path;
    params[6] = apr_itoa(p, limit);
    params[7] = side == CKPT_DIFF_HI_ONLY ? "added" : "changed";
    rc = query(baton, p, &res, side == CKPT_DIFF_LO_ONLY ? "content_diff_gone" : "content_diff_new",
               side == CKPT_DIFF_LO_ONLY ? 7 : 8, params);
    if (rc != CKPT_OK) {
        return rc;
    }
    *rows = apr_array_make(p, res->nrows ? res->nrows : 1, sizeof(ckpt_diff_row));
    for (i = 0; i < res->nrows; i++) {
        ckpt_diff_row *r = apr_array_push(*rows);
        r->version = CKPT_DBVAL(res, i, 0);
        r->path = CKPT_DBVAL(res, i, 1);
        r->lo_sha256 = CKPT_DBVAL(res, i, 2);
        r->lo_size = (apr_off_t)to_i64(CKPT_DBVAL(res, i, 3));
        r->hi_sha256 = CKPT_DBVAL(res, i, 4);
        r->hi_size = (apr_off_t)to_i64(CKPT_DBVAL(res, i, 5));
    }
    return CKPT_OK;
}

void ckpt_source_history_init(ckpt_history_source *hs, ckpt_source_ctx *ctx)
{
    memset(hs, 0, sizeof(*hs));
    hs->baton = ctx;
    hs->path_ranges = hist_path_ranges;
    hs->digest_ranges = hist_digest_ranges;
    hs->diff_page = hist_diff_page;
}

/* ---- readings ---- */

/* What changed in generations (from, to]. */
static ckpt_rc read_changes(ckpt_db *db, apr_pool_t *p, apr_int64_t from, apr_int64_t to,
                            ckpt_catalog_changes *ch)
{
    const char *params[2];
    ckpt_dbres *res;
    ckpt_rc rc;
    int i;

    memset(ch, 0, sizeof(*ch));
    ch->repositories = apr_array_make(p, 4, sizeof(const char *));
    params[0] = apr_psprintf(p, "%" APR_INT64_T_FMT, from);
    params[1] = apr_psprintf(p, "%" APR_INT64_T_FMT, to);
    if ((rc = ckpt_db_execv(db, p, &res, "content_changes", 2, params)) != CKPT_OK) {
        return rc;
    }
    /* Each generation leaves a record; one missing (pruned, or the
     * number moved some other way) leaves nothing to go by. */
    ch->unknown = to < from || res->nrows == 0 || to_i64(CKPT_DBVAL(res, 0, 1)) != to - from;
    for (i = 0; i < res->nrows; i++) {
        const char *id = CKPT_DBVAL(res, i, 0);
        if (!strcmp(id, NIL_UUID)) {
            ch->distributions = 1;
        }
        else {
            APR_ARRAY_PUSH(ch->repositories, const char *) = id;
        }
    }
    return CKPT_OK;
}

/* How long a publication's transaction may take from its time to its
 * commit, for a standby's replay point (see ckpt_source_refresh). */
#define CKPT_SOURCE_SETTLE_MARGIN apr_time_from_sec(2)

/* The content generation, and on a standby how far it has replayed. */
static ckpt_rc read_generation(ckpt_db *db, apr_pool_t *p, apr_int64_t *gen, int *standby,
                               apr_time_t *replayed)
{
    ckpt_dbres *res;
    ckpt_rc rc = ckpt_db_execv(db, p, &res, "content_generation", 0, NULL);
    const char *r;

    if (rc == CKPT_OK && (res->nrows != 1 || !CKPT_DBVAL(res, 0, 0))) {
        rc = CKPT_DBERROR;
    }
    if (rc != CKPT_OK) {
        return rc;
    }
    *gen = to_i64(CKPT_DBVAL(res, 0, 0));
    *standby = ckpt_dbres_bool(res, 0, "standby");
    r = ckpt_dbres_get(res, 0, "replayed");
    *replayed = r ? (apr_time_t)(atof(r) * APR_USEC_PER_SEC) : 0;
    return CKPT_OK;
}

ckpt_rc ckpt_source_generation(ckpt_db *db, apr_pool_t *p, apr_int64_t *gen)
{
    int standby;
    apr_time_t replayed;

    return read_generation(db, p, gen, &standby, &replayed);
}

ckpt_rc ckpt_source_refresh(ckpt_catalog *cat, ckpt_db *db, apr_pool_t *p, apr_time_t asked,
                            const ckpt_source_primary *primary, apr_uint64_t *ticket)
{
    apr_int64_t before = ckpt_catalog_generation(cat), now = 0;
    ckpt_catalog_changes ch, *changes = NULL;
    apr_time_t replayed = 0, asof = asked;
    int standby = 0, behind = 0;
    ckpt_rc rc = read_generation(db, p, &now, &standby, &replayed);

    if (rc == CKPT_OK && before >= 0 && now != before) {
        rc = read_changes(db, p, before, now, &ch);
        changes = &ch;
    }
    if (rc != CKPT_OK) {
        ckpt_catalog_check_failed(cat);
        return rc;
    }
    if (standby) {
        /* Caught up with the primary's reading taken before this one: as
         * current as that; otherwise only as of its replay point.  Less a
         * margin either way: a publication's time is taken inside its
         * transaction, and another transaction may commit (and be
         * replayed, or be in that reading) between that time and its
         * commit. */
        behind = !primary || primary->generation < 0 || now < primary->generation;
        asof = (behind ? replayed : primary->asked) - CKPT_SOURCE_SETTLE_MARGIN;
    }
    ckpt_catalog_checked_standby(cat, now, changes, asked, asof, behind, ticket);
    return CKPT_OK;
}

static ckpt_rc given_db(void *baton, ckpt_db **db)
{
    *db = baton;
    return CKPT_OK;
}

ckpt_rc ckpt_source_warm(ckpt_catalog *cat, ckpt_db *db, apr_pool_t *p)
{
    ckpt_source_ctx x;
    apr_time_t now = apr_time_now();
    ckpt_rc rc;

    memset(&x, 0, sizeof(x));
    if (ckpt_catalog_begin(cat, now, &x.ticket) != CKPT_CATALOG_CHECK) {
        return CKPT_OK;
    }
    if ((rc = ckpt_source_refresh(cat, db, p, now, NULL, &x.ticket)) != CKPT_OK) {
        return rc;
    }
    x.catalog = cat;
    x.get_db = given_db;
    x.db_baton = db;
    return ckpt_catalog_load_distributions(cat) ? load_distributions(&x, p) : CKPT_OK;
}
