/* Importing a directory tree (see import.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <apr_atomic.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include "import.h"
#include "path.h"
#include "storage.h"

typedef struct {
    ckpt_db *db;
    apr_pool_t *p;
    const char *dir;        /* DIR as given */
    const char *real;       /* DIR with symlinks resolved, and a '/' */
    const char *vouch;      /* the repository whose import state vouches, or NULL */
    apr_pool_t *batchpool;  /* the batch's files, cleared once they are sent */
    apr_array_header_t *batch;
    apr_array_header_t *dirs;  /* relative directories still to read */
    apr_int64_t files;
    apr_off_t bytes;
} walker;

/* The batch into the run's table. */
static ckpt_rc flush(walker *w, ckpt_err *err)
{
    if (ckpt_ingest_tree_add(w->db, w->p, w->batch, w->vouch, err) != CKPT_OK) {
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

/* What every batch's hashing shares: where files come from and go, and
 * the run's progress. */
typedef struct {
    const char *root, *dir;
    int link;
    int threads;
    const ckpt_ingest_hooks *hooks;
    apr_uint64_t files_total, bytes_total;
    volatile apr_uint32_t done;    /* files hashed in the run */
    volatile apr_uint64_t bytes;
} hash_common;

struct hashing;
typedef struct {
    struct hashing *h;
    apr_pool_t *results;   /* this thread's own: digests and staged paths */
} hasher;

/* One batch being hashed: its threads each take the next index of todo;
 * the first failure stops them all.  The last thread to finish says so
 * on cond, which the caller waits on between progress reports. */
typedef struct hashing {
    hash_common *c;
    const apr_array_header_t *todo;
    volatile apr_uint32_t next, failed;
    ckpt_err err;          /* the first failure, its strings in errpool */
    apr_pool_t *errpool;
    apr_thread_mutex_t *mutex;
    apr_thread_cond_t *cond;
    int running;           /* threads not finished, under mutex */
    int n;
    apr_thread_t *threads[16];
    hasher me[16];
} hashing;

static void hash_failed(hashing *h, const ckpt_err *e, apr_pool_t *scratch)
{
    if (apr_atomic_cas32(&h->failed, 1, 0) == 0) {
        h->err = *e;
        h->err.reason = apr_pstrdup(h->errpool, ckpt_err_text(scratch, e));
        h->err.what = NULL;
    }
}

/* The next file of the batch, staged and hashed: 0 when there is none. */
static int hash_one(hashing *h, apr_pool_t *results, apr_pool_t *scratch)
{
    hash_common *c = h->c;
    apr_uint32_t i = apr_atomic_inc32(&h->next);
    ckpt_ingest_file *f;
    const char *tmp, *sha;
    ckpt_err e = {0};

    if (i >= (apr_uint32_t)h->todo->nelts) {
        return 0;
    }
    f = APR_ARRAY_IDX(h->todo, i, ckpt_ingest_file *);
    apr_pool_clear(scratch);
    if (ckpt_storage_stage_file(scratch, c->root,
                                apr_pstrcat(scratch, c->dir, "/", f->relative_path, NULL),
                                c->link, &tmp, &sha, &f->size, &e) != CKPT_OK) {
        hash_failed(h, &e, scratch);
        return 0;
    }
    f->staged = apr_pstrdup(results, tmp);
    f->sha256 = apr_pstrdup(results, sha);
    apr_atomic_add64(&c->bytes, (apr_uint64_t)f->size);
    apr_atomic_inc32(&c->done);
    return 1;
}

static void *APR_THREAD_FUNC hash_thread(apr_thread_t *t, void *data)
{
    hasher *me = data;
    hashing *h = me->h;
    apr_pool_t *scratch;
    ckpt_err stop = {0};

    apr_pool_create(&scratch, me->results);
    while (!apr_atomic_read32(&h->failed)
           && ckpt_ingest_cancelled(h->c->hooks, &stop) == CKPT_OK
           && hash_one(h, me->results, scratch)) {
    }
    apr_pool_destroy(scratch);
    apr_thread_mutex_lock(h->mutex);
    if (--h->running == 0) {
        apr_thread_cond_signal(h->cond);
    }
    apr_thread_mutex_unlock(h->mutex);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static apr_status_t destroy_pool(void *data)
{
    apr_pool_destroy(data);
    return APR_SUCCESS;
}

/* Starts hashing (and staging) todo on the run's threads, which go on
 * while the caller does other work.  What they make lives as long as p. */
static void hash_start(apr_pool_t *p, hash_common *c, const apr_array_header_t *todo,
                       hashing *h)
{
    apr_status_t rv;
    int i, n = c->threads > 0 && c->threads <= 16 ? c->threads : 2;

    memset(h, 0, sizeof(*h));
    h->c = c;
    h->todo = todo;
    h->errpool = p;
    apr_thread_mutex_create(&h->mutex, APR_THREAD_MUTEX_DEFAULT, p);
    apr_thread_cond_create(&h->cond, p);
    h->running = n;
    for (i = 0; i < n; i++) {
        h->me[i].h = h;
        apr_pool_create_unmanaged_ex(&h->me[i].results, NULL, NULL);
        apr_pool_cleanup_register(p, h->me[i].results, destroy_pool, apr_pool_cleanup_null);
        if ((rv = apr_thread_create(&h->threads[i], NULL, hash_thread, &h->me[i], p))
            != APR_SUCCESS) {
            apr_atomic_set32(&h->failed, 1);
            ckpt_err_os(&h->err, h->errpool, rv, "starting a hashing thread");
            apr_thread_mutex_lock(h->mutex);
            h->running -= n - i;
            apr_thread_mutex_unlock(h->mutex);
            break;
        }
        h->n = i + 1;
    }
}

/* Waits for the batch hash_start began, reporting progress meanwhile. */
static ckpt_rc hash_finish(hashing *h, ckpt_err *err)
{
    hash_common *c = h->c;
    apr_status_t rv;
    int i;

    apr_thread_mutex_lock(h->mutex);
    while (h->running > 0) {
        ckpt_ingest_report(c->hooks, "hashing", apr_atomic_read32(&c->done), c->files_total,
                           apr_atomic_read64(&c->bytes), c->bytes_total);
        apr_thread_cond_timedwait(h->cond, h->mutex, apr_time_from_msec(100));
    }
    apr_thread_mutex_unlock(h->mutex);
    for (i = 0; i < h->n; i++) {
        apr_thread_join(&rv, h->threads[i]);
    }
    if (apr_atomic_read32(&h->failed)) {
        *err = h->err;
        return err->rc;
    }
    return ckpt_ingest_cancelled(c->hooks, err);
}

/* A batch's leases on req->lease_db, on a thread of their own. */
typedef struct {
    ckpt_db *db;
    apr_pool_t *pool;   /* the thread's own allocator */
    const apr_array_header_t *changed;
    ckpt_err err;
    ckpt_rc rc;
} leasing;

static void *APR_THREAD_FUNC lease_thread(apr_thread_t *t, void *data)
{
    leasing *l = data;

    l->rc = ckpt_ingest_lease(l->db, l->pool, l->changed, 1, &l->err);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* The leases of changed and the record of batch (ingest.c), each a
 * database's round of statements per batch: on two connections at once
 * when the run has a second (req->lease_db), else one after the other.
 * Neither touches what the other writes (the leases: artifact and
 * content; the record: the run's own table and the mtimes on the latest
 * version's rows), and both are done before the next batch is settled
 * and before the commit, whichever failed failing the run. */
static ckpt_rc lease_and_record(const ckpt_ingest_ctx *c, apr_pool_t *p,
                                const apr_array_header_t *changed,
                                const apr_array_header_t *batch, ckpt_err *err)
{
    const ckpt_import_req *req = c->req;
    leasing l;
    apr_thread_t *t = NULL;
    apr_status_t rv;
    ckpt_rc rc;

    memset(&l, 0, sizeof(l));
    if (req->lease_db && changed->nelts) {
        l.db = req->lease_db;
        l.changed = changed;
        if (apr_pool_create_unmanaged_ex(&l.pool, NULL, NULL) != APR_SUCCESS
            || apr_thread_create(&t, NULL, lease_thread, &l, p) != APR_SUCCESS) {
            t = NULL;
        }
    }
    if (!t && ckpt_ingest_lease(c->db, p, changed, 1, err) != CKPT_OK) {
        if (l.pool) {
            apr_pool_destroy(l.pool);
        }
        return err->rc;
    }
    rc = ckpt_ingest_tree_hashed(c->db, p, c->in, batch, req->repository_id, err);
    if (t) {
        apr_thread_join(&rv, t);
        if (rc == CKPT_OK && l.rc != CKPT_OK) {
            /* As the serial order would have said it, out of l.pool. */
            *err = l.err;
            ckpt_err_keep(err, p);
            rc = err->rc;
        }
    }
    if (l.pool) {
        apr_pool_destroy(l.pool);
    }
    return rc;
}

/* A hashed batch: the staged copies of files that do not change
 * dropped, the digests of those that do leased, and the digests recorded
 * with the staged files that stay (the run's table owns them from then
 * on: placed together at the end, after one syncfs, or removed on a
 * failure). */
static ckpt_rc settle_batch(const ckpt_ingest_ctx *c, apr_pool_t *p,
                            apr_array_header_t *batch, ckpt_err *err)
{
    const ckpt_import_req *req = c->req;
    apr_array_header_t *changed;
    apr_hash_t *keep = apr_hash_make(p);
    int i;

    if (ckpt_ingest_changed(c->db, p, req->repository_id, batch, &changed, err) != CKPT_OK) {
        return err->rc;
    }
    for (i = 0; i < changed->nelts; i++) {
        ckpt_ingest_file **f = &APR_ARRAY_IDX(changed, i, ckpt_ingest_file *);
        apr_hash_set(keep, f, sizeof(*f), *f);
    }
    for (i = 0; i < batch->nelts; i++) {
        ckpt_ingest_file **f = &APR_ARRAY_IDX(batch, i, ckpt_ingest_file *);
        if ((*f)->staged && !apr_hash_get(keep, f, sizeof(*f))) {
            apr_file_remove((*f)->staged, p);
            (*f)->staged = NULL;
        }
    }
    /* Leased now with their units, while the next batch hashes: orphan
     * cleanup spares their rows and files from here on (ckpt_ingest_finish
     * places them, and finds the units made, without a pass of its own);
     * what the run saw of files whose bytes did not change goes onto their
     * rows as it is recorded. */
    if (lease_and_record(c, p, changed, batch, err) != CKPT_OK) {
        return err->rc;
    }
    for (i = 0; i < batch->nelts; i++) {
        APR_ARRAY_IDX(batch, i, ckpt_ingest_file *)->staged = NULL;
    }
    return CKPT_OK;
}

/* The pipeline of hash_tree: one batch hashing on the threads while the
 * one before is settled here.  Slot k has its own pool and batch. */
typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *batch;
    hashing h;
    int hashing;     /* hash_start called, hash_finish not yet */
} batch_slot;

/* The next page of files after the last of prev (or from the first),
 * into slot, and its hashing started; slot->batch is empty at the end. */
static ckpt_rc next_batch(const ckpt_ingest_ctx *c, hash_common *hc, const batch_slot *prev,
                          batch_slot *slot, ckpt_err *err)
{
    const char *after =
        prev && prev->batch && prev->batch->nelts
            ? APR_ARRAY_IDX(prev->batch, prev->batch->nelts - 1, ckpt_ingest_file *)->relative_path
            : "";

    apr_pool_clear(slot->pool);
    slot->batch = NULL;
    if (ckpt_ingest_tree_page(c->db, slot->pool, after, CKPT_INGEST_BATCH, &slot->batch, err)
        != CKPT_OK) {
        return err->rc;
    }
    if (slot->batch->nelts) {
        hash_start(slot->pool, hc, slot->batch, &slot->h);
        slot->hashing = 1;
    }
    return CKPT_OK;
}

/* Waits for a slot's hashing, then settles it (unless ok is 0: after a
 * failure, only waits); the staged files the run's table did not take
 * are removed either way. */
static ckpt_rc drain(const ckpt_ingest_ctx *c, batch_slot *slot, int ok, ckpt_err *err)
{
    ckpt_err mine = {0};
    ckpt_rc rc = CKPT_OK;

    if (slot->hashing) {
        slot->hashing = 0;
        rc = hash_finish(&slot->h, ok ? err : &mine);
    }
    if (ok && rc == CKPT_OK && slot->batch && slot->batch->nelts) {
        rc = settle_batch(c, slot->pool, slot->batch, err);
    }
    if (slot->batch) {
        ckpt_ingest_discard(slot->pool, slot->batch);
    }
    return ok ? rc : CKPT_OK;
}

/* Every file the import state does not vouch for, a batch at a time in
 * path order: batch k + 1 hashes on the threads while batch k is
 * settled. */
static ckpt_rc hash_tree(const ckpt_ingest_ctx *c, hash_common *hc, ckpt_ingest_result *res,
                         ckpt_err *err)
{
    batch_slot slots[2];
    apr_time_t start = apr_time_now();
    ckpt_rc rc;
    int k;

    memset(slots, 0, sizeof(slots));
    apr_pool_create(&slots[0].pool, c->p);
    apr_pool_create(&slots[1].pool, c->p);
    rc = next_batch(c, hc, NULL, &slots[0], err);
    for (k = 0; rc == CKPT_OK && slots[k].batch->nelts; k ^= 1) {
        if ((rc = hash_finish(&slots[k].h, err)) != CKPT_OK) {
            slots[k].hashing = 0;
            break;
        }
        slots[k].hashing = 0;
        if ((rc = next_batch(c, hc, &slots[k], &slots[k ^ 1], err)) == CKPT_OK) {
            rc = drain(c, &slots[k], 1, err);
        }
    }
    res->t_fetch = apr_time_now() - start;
    if (rc != CKPT_OK) {
        err->reason = apr_pstrdup(c->p, ckpt_err_text(slots[k].pool, err));
        err->what = err->field = NULL;
    }
    drain(c, &slots[0], 0, err);
    drain(c, &slots[1], 0, err);
    apr_pool_destroy(slots[0].pool);
    apr_pool_destroy(slots[1].pool);
    return rc;
}

static ckpt_rc run(const ckpt_ingest_ctx *c, ckpt_ingest_result *res, ckpt_err *err)
{
    apr_pool_t *p = c->p;
    const ckpt_import_req *req = c->req;
    walker w = {c->db, p, req->dir, NULL, req->verify ? NULL : req->repository_id, NULL, NULL,
                apr_array_make(p, 64, sizeof(char *)), 0, 0};
    hash_common hc;
    apr_time_t start = apr_time_now();

    memset(&hc, 0, sizeof(hc));
    apr_pool_create(&w.batchpool, p);
    w.batch = apr_array_make(w.batchpool, CKPT_INGEST_BATCH, sizeof(ckpt_ingest_file *));
    if (ckpt_ingest_note_latest(c->db, p, c->in, err) != CKPT_OK
        || walk(&w, c->hooks, err) != CKPT_OK
        || ckpt_ingest_tree_todo(c->db, p, &hc.files_total, &hc.bytes_total, err) != CKPT_OK) {
        return err->rc;
    }
    apr_pool_destroy(w.batchpool);
    res->files = w.files;
    res->bytes = w.bytes;
    res->hashed = (apr_int64_t)hc.files_total;
    res->t_read = apr_time_now() - start;
    hc.root = c->root;
    hc.dir = req->dir;
    hc.link = req->link;
    hc.threads = req->threads;
    hc.hooks = c->hooks;
    if (hash_tree(c, &hc, res, err) != CKPT_OK) {
        return err->rc;
    }
    if (ckpt_ingest_cancelled(c->hooks, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_ingest_finish(c->db, p, c->root, c->hooks, c->in, res, err);
}

ckpt_rc ckpt_import(ckpt_db *db, apr_pool_t *p, const char *root, const ckpt_import_req *req,
                    const ckpt_ingest_hooks *hooks, ckpt_ingest_result *res, ckpt_err *err)
{
    ckpt_ingest_ctx c = {db, p, root, req, hooks, NULL};

    return ckpt_ingest_run(&c, req->repository_id, req->additive, "import", run, res, err);
}
