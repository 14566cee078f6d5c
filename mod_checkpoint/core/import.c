/* Importing a directory tree (see import.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <apr_atomic.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "import.h"
#include "path.h"
#include "storage.h"

#define INTERRUPTED "interrupted: nothing was changed"

ckpt_rc ckpt_ingest_cancelled(const ckpt_ingest_hooks *hooks, ckpt_err *err)
{
    if (hooks->cancel && apr_atomic_read32(hooks->cancel)) {
        return ckpt_err_set(err, CKPT_CONFLICT, NULL, INTERRUPTED);
    }
    return CKPT_OK;
}

void ckpt_ingest_report(const ckpt_ingest_hooks *hooks, const char *phase,
                        apr_uint64_t files_done, apr_uint64_t files_total,
                        apr_uint64_t bytes_done, apr_uint64_t bytes_total)
{
    ckpt_ingest_progress pr = {phase, files_done, files_total, bytes_done, bytes_total};

    if (hooks->progress) {
        hooks->progress(hooks->baton, &pr);
    }
}

/* The walk goes into the run's table a batch at a time: what it holds
 * is the batch and the names of the directories still to read. */
typedef struct {
    ckpt_db *db;
    apr_pool_t *p;
    const char *dir;        /* DIR as given */
    const char *real;       /* DIR with symlinks resolved, and a '/' */
    apr_pool_t *batchpool;  /* the batch's files, cleared once they are sent */
    apr_array_header_t *batch;
    apr_array_header_t *dirs;  /* relative directories still to read */
    apr_int64_t files;
    apr_off_t bytes;
} walker;

/* The batch into the run's table. */
static ckpt_rc flush(walker *w, ckpt_err *err)
{
    if (ckpt_ingest_tree_add(w->db, w->p, w->batch, err) != CKPT_OK) {
        return err->rc;
    }
    apr_pool_clear(w->batchpool);
    w->batch = apr_array_make(w->batchpool, CKPT_INGEST_BATCH, sizeof(ckpt_ingest_file *));
    return CKPT_OK;
}

static ckpt_rc refuse(walker *w, const char *rel, const char *why, ckpt_err *err)
{
    return ckpt_err_set(err, CKPT_INVALID, NULL,
                        apr_psprintf(w->p, "%s/%s: %s", w->dir, rel, why));
}

/* A symlink: what it names must be a regular file inside DIR; *fi its. */
static ckpt_rc follow(walker *w, apr_pool_t *scratch, const char *abs, const char *rel,
                      apr_finfo_t *fi, ckpt_err *err)
{
    char *target = realpath(abs, NULL);
    int inside = target && !strncmp(target, w->real, strlen(w->real));

    free(target);
    if (!inside) {
        return refuse(w, rel, "a symlink that leaves the directory (or is broken)", err);
    }
    if (apr_stat(fi, abs, APR_FINFO_TYPE | APR_FINFO_SIZE | APR_FINFO_MTIME, scratch)
            != APR_SUCCESS
        || fi->filetype != APR_REG) {
        return refuse(w, rel, "a symlink to something that is not a regular file", err);
    }
    return CKPT_OK;
}

/* One entry of a directory being read. */
static ckpt_rc entry(walker *w, apr_pool_t *scratch, const char *reldir, apr_finfo_t *fi,
                     ckpt_err *err)
{
    const char *rel = *reldir ? apr_pstrcat(scratch, reldir, "/", fi->name, NULL) : fi->name;
    const char *abs = apr_pstrcat(scratch, w->dir, "/", rel, NULL);
    ckpt_ingest_file *f;
    int rc;

    if (fi->filetype == APR_DIR) {
        APR_ARRAY_PUSH(w->dirs, const char *) = apr_pstrdup(w->p, rel);
        return CKPT_OK;
    }
    if (fi->filetype == APR_LNK && follow(w, scratch, abs, rel, fi, err) != CKPT_OK) {
        return err->rc;
    }
    if (fi->filetype != APR_REG) {
        return refuse(w, rel, "not a regular file (device, fifo or socket)", err);
    }
    if ((rc = ckpt_path_check_relative(rel)) != CKPT_PATH_OK) {
        return refuse(w, rel, apr_psprintf(w->p, "not a valid relative_path: %s",
                                           ckpt_path_error(rc)), err);
    }
    f = apr_pcalloc(w->batchpool, sizeof(*f));
    f->relative_path = apr_pstrdup(w->batchpool, rel);
    f->size = fi->size;
    f->mtime = fi->mtime;
    w->files++;
    w->bytes += fi->size;
    APR_ARRAY_PUSH(w->batch, ckpt_ingest_file *) = f;
    return w->batch->nelts < CKPT_INGEST_BATCH ? CKPT_OK : flush(w, err);
}

static ckpt_rc read_dir(walker *w, apr_pool_t *scratch, const char *reldir, ckpt_err *err)
{
    const char *abs = *reldir ? apr_pstrcat(scratch, w->dir, "/", reldir, NULL) : w->dir;
    apr_int32_t want = APR_FINFO_TYPE | APR_FINFO_NAME | APR_FINFO_SIZE | APR_FINFO_MTIME;
    apr_finfo_t fi;
    apr_dir_t *d;
    apr_status_t rv = apr_dir_open(&d, abs, scratch);
    ckpt_rc rc = CKPT_OK;

    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, w->p, rv, apr_psprintf(w->p, "opening %s", abs));
    }
    while (rc == CKPT_OK && ((rv = apr_dir_read(&fi, want, d)) == APR_SUCCESS
                             || rv == APR_INCOMPLETE)) {
        if (!strcmp(fi.name, ".") || !strcmp(fi.name, "..")) {
            continue;
        }
        if (rv == APR_INCOMPLETE
            && apr_stat(&fi, apr_pstrcat(scratch, abs, "/", fi.name, NULL),
                        want | APR_FINFO_LINK, scratch) != APR_SUCCESS) {
            rc = refuse(w, fi.name, "cannot be read", err);
            break;
        }
        rc = entry(w, scratch, reldir, &fi, err);
    }
    apr_dir_close(d);
    return rc;
}

/* Every file under dir, into the run's table. */
static ckpt_rc walk(walker *w, const ckpt_ingest_hooks *hooks, ckpt_err *err)
{
    apr_pool_t *scratch;
    char *real = realpath(w->dir, NULL);

    if (!real) {
        return ckpt_err_os(err, w->p, APR_FROM_OS_ERROR(errno),
                           apr_psprintf(w->p, "opening %s", w->dir));
    }
    w->real = apr_pstrcat(w->p, real, "/", NULL);
    free(real);
    apr_pool_create(&scratch, w->p);
    APR_ARRAY_PUSH(w->dirs, const char *) = "";
    while (w->dirs->nelts) {
        const char *reldir = *(const char **)apr_array_pop(w->dirs);
        apr_pool_clear(scratch);
        if (read_dir(w, scratch, reldir, err) != CKPT_OK
            || ckpt_ingest_cancelled(hooks, err) != CKPT_OK) {
            return err->rc;
        }
        ckpt_ingest_report(hooks, "scanning", (apr_uint64_t)w->files, 0, (apr_uint64_t)w->bytes,
                           0);
    }
    apr_pool_destroy(scratch);
    return flush(w, err);
}

/* The files to hash, shared by the hashing threads: each takes the next
 * index; the first failure stops them all. */
typedef struct {
    const apr_array_header_t *todo;
    const char *root, *dir;
    int link;
    const ckpt_ingest_hooks *hooks;
    apr_uint64_t files_before, files_total, bytes_total;  /* of the run, for progress */
    volatile apr_uint32_t next, done, failed;
    volatile apr_uint64_t bytes;  /* hashed in the run */
    ckpt_err err;          /* the first failure, its strings in errpool */
    apr_pool_t *errpool;
} hashing;

typedef struct {
    hashing *h;
    apr_pool_t *results;   /* this thread's own: digests and staged paths */
} hasher;

static void hash_failed(hashing *h, const ckpt_err *e, apr_pool_t *scratch)
{
    if (apr_atomic_cas32(&h->failed, 1, 0) == 0) {
        h->err = *e;
        h->err.reason = apr_pstrdup(h->errpool, ckpt_err_text(scratch, e));
        h->err.what = NULL;
    }
}

static void *APR_THREAD_FUNC hash_thread(apr_thread_t *t, void *data)
{
    hasher *me = data;
    hashing *h = me->h;
    apr_pool_t *scratch;

    ckpt_err stop = {0};

    apr_pool_create(&scratch, me->results);
    while (!apr_atomic_read32(&h->failed) && ckpt_ingest_cancelled(h->hooks, &stop) == CKPT_OK) {
        apr_uint32_t i = apr_atomic_inc32(&h->next);
        ckpt_ingest_file *f;
        const char *tmp, *sha;
        ckpt_err e = {0};

        if (i >= (apr_uint32_t)h->todo->nelts) {
            break;
        }
        f = APR_ARRAY_IDX(h->todo, i, ckpt_ingest_file *);
        apr_pool_clear(scratch);
        if (ckpt_storage_stage_file(scratch, h->root,
                                    apr_pstrcat(scratch, h->dir, "/", f->relative_path, NULL),
                                    h->link, &tmp, &sha, &f->size, &e) != CKPT_OK) {
            hash_failed(h, &e, scratch);
            break;
        }
        f->staged = apr_pstrdup(me->results, tmp);
        f->sha256 = apr_pstrdup(me->results, sha);
        apr_atomic_add64(&h->bytes, (apr_uint64_t)f->size);
        apr_atomic_inc32(&h->done);
    }
    apr_pool_destroy(scratch);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static apr_status_t destroy_pool(void *data)
{
    apr_pool_destroy(data);
    return APR_SUCCESS;
}

/* Hashes (and stages) h->todo on n threads; reports progress meanwhile.
 * What the threads make lives as long as p. */
static ckpt_rc hash_all(apr_pool_t *p, hashing *h, int n, ckpt_err *err)
{
    apr_thread_t *threads[16];
    hasher me[16];
    apr_status_t rv;
    int i;

    for (i = 0; i < n; i++) {
        me[i].h = h;
        apr_pool_create_unmanaged_ex(&me[i].results, NULL, NULL);
        apr_pool_cleanup_register(p, me[i].results, destroy_pool, apr_pool_cleanup_null);
        if ((rv = apr_thread_create(&threads[i], NULL, hash_thread, &me[i], p)) != APR_SUCCESS) {
            apr_atomic_set32(&h->failed, 1);
            n = i;
            ckpt_err_os(&h->err, h->errpool, rv, "starting a hashing thread");
            break;
        }
    }
    while (apr_atomic_read32(&h->done) < (apr_uint32_t)h->todo->nelts
           && !apr_atomic_read32(&h->failed) && ckpt_ingest_cancelled(h->hooks, err) == CKPT_OK) {
        ckpt_ingest_report(h->hooks, "hashing", h->files_before + apr_atomic_read32(&h->done),
                           h->files_total, apr_atomic_read64(&h->bytes), h->bytes_total);
        apr_sleep(apr_time_from_msec(100));
    }
    for (i = 0; i < n; i++) {
        apr_thread_join(&rv, threads[i]);
    }
    if (apr_atomic_read32(&h->failed)) {
        *err = h->err;
        return err->rc;
    }
    return ckpt_ingest_cancelled(h->hooks, err);
}

/* One batch of files to hash: hashed and staged, their digests
 * recorded, the ones that change placed in storage, the others' staged
 * copies dropped. */
static ckpt_rc hash_batch(const ckpt_ingest_ctx *c, apr_pool_t *p, hashing *h,
                          apr_array_header_t *batch, ckpt_ingest_result *res, ckpt_err *err)
{
    const ckpt_import_req *req = c->req;
    ckpt_ingest_req in = {req->repository_id, req->additive, batch};
    apr_array_header_t *changed;
    apr_time_t start = apr_time_now();
    ckpt_rc rc;

    h->todo = batch;
    h->next = h->done = 0;
    rc = hash_all(p, h, req->threads > 0 && req->threads <= 16 ? req->threads : 2, err);
    res->t_fetch += apr_time_now() - start;
    if (rc == CKPT_OK
        && (ckpt_ingest_tree_hashed(c->db, p, batch, err) != CKPT_OK
            || ckpt_ingest_changed(c->db, p, &in, &changed, err) != CKPT_OK
            || ckpt_ingest_place(c->db, p, c->root, changed, res, err) != CKPT_OK)) {
        rc = err->rc;
    }
    ckpt_ingest_discard(p, batch);
    h->files_before += (apr_uint64_t)batch->nelts;
    return rc;
}

/* Every file the import state does not vouch for, a batch at a time in
 * path order; two pools take turns, so that the last path of one batch
 * outlives it to find the next. */
static ckpt_rc hash_tree(const ckpt_ingest_ctx *c, hashing *h, ckpt_ingest_result *res,
                         ckpt_err *err)
{
    apr_pool_t *pools[2];
    apr_array_header_t *batch;
    const char *after = "";
    ckpt_rc rc = CKPT_OK;
    int turn;

    apr_pool_create(&pools[0], c->p);
    apr_pool_create(&pools[1], c->p);
    for (turn = 0; rc == CKPT_OK; turn ^= 1) {
        apr_pool_clear(pools[turn]);
        if ((rc = ckpt_ingest_cancelled(c->hooks, err)) != CKPT_OK
            || (rc = ckpt_ingest_tree_page(c->db, pools[turn], after, CKPT_INGEST_BATCH, &batch,
                                           err)) != CKPT_OK
            || !batch->nelts) {
            break;
        }
        rc = hash_batch(c, pools[turn], h, batch, res, err);
        after = APR_ARRAY_IDX(batch, batch->nelts - 1, ckpt_ingest_file *)->relative_path;
    }
    if (rc != CKPT_OK) {
        err->reason = apr_pstrdup(c->p, ckpt_err_text(pools[turn], err));
        err->what = err->field = NULL;
    }
    apr_pool_destroy(pools[0]);
    apr_pool_destroy(pools[1]);
    return rc;
}

static ckpt_rc run(const ckpt_ingest_ctx *c, ckpt_ingest_req *in, ckpt_ingest_result *res,
                   ckpt_err *err)
{
    apr_pool_t *p = c->p;
    const ckpt_import_req *req = c->req;
    walker w = {c->db, p, req->dir, NULL, NULL, NULL, apr_array_make(p, 64, sizeof(char *)), 0, 0};
    hashing h;
    apr_time_t start = apr_time_now(), stored;

    memset(&h, 0, sizeof(h));
    apr_pool_create(&w.batchpool, p);
    w.batch = apr_array_make(w.batchpool, CKPT_INGEST_BATCH, sizeof(ckpt_ingest_file *));
    if (walk(&w, c->hooks, err) != CKPT_OK
        || ckpt_ingest_tree_vouch(c->db, p, req->verify ? NULL : req->repository_id,
                                  &h.files_total, &h.bytes_total, err) != CKPT_OK) {
        return err->rc;
    }
    apr_pool_destroy(w.batchpool);
    res->files = w.files;
    res->bytes = w.bytes;
    res->hashed = (apr_int64_t)h.files_total;
    res->t_read = apr_time_now() - start;
    h.root = c->root;
    h.dir = req->dir;
    h.link = req->link;
    h.hooks = c->hooks;
    h.errpool = p;
    if (hash_tree(c, &h, res, err) != CKPT_OK) {
        return err->rc;
    }
    stored = apr_time_now();
    if (ckpt_storage_sync(p, c->root, err) != CKPT_OK /* the names, before the version */
        || ckpt_ingest_cancelled(c->hooks, err) != CKPT_OK) {
        return err->rc;
    }
    res->t_store += apr_time_now() - stored;
    return ckpt_ingest_commit(c->db, p, in, res, err);
}

ckpt_rc ckpt_import(ckpt_db *db, apr_pool_t *p, const char *root, const ckpt_import_req *req,
                    const ckpt_ingest_hooks *hooks, ckpt_ingest_result *res, ckpt_err *err)
{
    ckpt_ingest_ctx c = {db, p, root, req, hooks};

    return ckpt_ingest_run(&c, req->repository_id, req->additive, "import", run, res, err);
}
