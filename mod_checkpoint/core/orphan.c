/* Orphan cleanup (see orphan.h).  Content first (it may leave artifacts
 * orphaned), then artifact rows, then files no row names, then temporary
 * files.  Each step works in batches, each batch one transaction that
 * holds the locks of the digests it removes. */
#include <string.h>

#include <apr_strings.h>

#include "artifact.h"
#include "href.h"
#include "list.h"
#include "orphan.h"
#include "storage.h"

#define BATCH 200

typedef struct {
    const char *root;
    const char *minutes;
    ckpt_orphan_summary *sum;
    apr_array_header_t *shas;   /* the batch */
    apr_pool_t *batch_pool;
} sweep;

static ckpt_rc content_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    sweep *s = baton;
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "orphan_ranges_delete", 0) != CKPT_OK) {
        return err->rc;
    }
    s->sum->memberships = res->affected;
    if (ckpt_db_query(db, p, &res, err, "orphan_content_delete", 1, s->minutes) != CKPT_OK) {
        /* A version took one of them meanwhile: look again. */
        return err->rc == CKPT_CONFLICT ? ckpt_err_set(err, CKPT_RETRY, NULL, err->reason)
                                        : err->rc;
    }
    s->sum->content = res->affected;
    return CKPT_OK;
}

/* Removes the files of the rows a batch deleted. */
static ckpt_rc remove_files(apr_pool_t *p, sweep *s, const ckpt_dbres *res, const char *col,
                            apr_int64_t *count, ckpt_err *err)
{
    int i;

    for (i = 0; i < res->nrows; i++) {
        apr_off_t size;
        if (ckpt_storage_remove_artifact(p, s->root, ckpt_dbres_get(res, i, col), &size, err)
            != CKPT_OK) {
            return err->rc;
        }
        s->sum->bytes += size;
        (*count)++;
    }
    return CKPT_OK;
}

/* One batch of artifact rows: locked, deleted if still orphans, files gone. */
static ckpt_rc artifacts_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    sweep *s = baton;
    ckpt_dbres *res;

    if (ckpt_artifact_lock_all(db, p, s->shas, err) != CKPT_OK
        || ckpt_db_query(db, p, &res, err, "orphan_artifacts_delete", 2, s->minutes,
                         ckpt_db_array(p, s->shas)) != CKPT_OK) {
        return err->rc;
    }
    return remove_files(p, s, res, "sha256", &s->sum->artifacts, err);
}

static ckpt_rc clean_artifacts(ckpt_db *db, apr_pool_t *p, sweep *s, ckpt_err *err)
{
    for (;;) {
        apr_int64_t before = s->sum->artifacts;
        ckpt_dbres *res;
        int i;

        if (ckpt_db_query(db, p, &res, err, "orphan_artifacts", 2, s->minutes,
                          apr_itoa(p, BATCH)) != CKPT_OK) {
            return err->rc;
        }
        if (res->nrows == 0) {
            return CKPT_OK;
        }
        s->shas = apr_array_make(p, res->nrows, sizeof(const char *));
        for (i = 0; i < res->nrows; i++) {
            APR_ARRAY_PUSH(s->shas, const char *) = ckpt_dbres_get(res, i, "sha256");
        }
        if (ckpt_db_txn(db, p, artifacts_txn, s, err) != CKPT_OK) {
            return err->rc;
        }
        if (s->sum->artifacts == before) {
            return CKPT_OK; /* all of them were taken meanwhile */
        }
    }
}

/* Files of a batch of digests that no row names: locked, looked up again,
 * removed. */
static ckpt_rc files_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    sweep *s = baton;
    ckpt_dbres *res;

    if (ckpt_artifact_lock_all(db, p, s->shas, err) != CKPT_OK
        || ckpt_db_query(db, p, &res, err, "orphan_files_unknown", 1, ckpt_db_array(p, s->shas))
               != CKPT_OK) {
        return err->rc;
    }
    return remove_files(p, s, res, "sha256", &s->sum->artifact_files, err);
}

static ckpt_rc flush_files(ckpt_db *db, sweep *s, ckpt_err *err)
{
    ckpt_rc rc = CKPT_OK;

    if (s->shas->nelts > 0) {
        rc = ckpt_db_txn(db, s->batch_pool, files_txn, s, err);
    }
    apr_pool_clear(s->batch_pool);
    s->shas = apr_array_make(s->batch_pool, BATCH, sizeof(const char *));
    return rc;
}

typedef struct {
    ckpt_db *db;
    sweep *s;
    ckpt_err *err;
} walk_baton;

static ckpt_rc saw_file(void *baton, const char *sha256, apr_off_t size)
{
    walk_baton *w = baton;

    APR_ARRAY_PUSH(w->s->shas, const char *) = apr_pstrdup(w->s->batch_pool, sha256);
    return w->s->shas->nelts >= BATCH ? flush_files(w->db, w->s, w->err) : CKPT_OK;
}

static ckpt_rc clean_files(ckpt_db *db, apr_pool_t *p, sweep *s, apr_time_t cutoff,
                           ckpt_err *err)
{
    walk_baton w = {db, s, err};

    apr_pool_create(&s->batch_pool, p);
    s->shas = apr_array_make(s->batch_pool, BATCH, sizeof(const char *));
    if (ckpt_storage_walk_artifacts(p, s->root, cutoff, saw_file, &w, err) != CKPT_OK) {
        return err->rc;
    }
    return flush_files(db, s, err);
}

/* The chunks of uploads removed. */
static ckpt_rc remove_uploads(apr_pool_t *p, sweep *s, const ckpt_dbres *res, ckpt_err *err)
{
    apr_int64_t files = 0;
    int i;

    for (i = 0; i < res->nrows; i++) {
        if (ckpt_storage_remove_chunks(p, s->root, ckpt_dbres_get(res, i, "id"), &files,
                                       &s->sum->bytes, err) != CKPT_OK) {
            return err->rc;
        }
    }
    return CKPT_OK;
}

static ckpt_rc saw_upload_dir(void *baton, const char *name)
{
    apr_array_header_t *ids = baton;

    if (ckpt_uuid_valid(name)) {
        APR_ARRAY_PUSH(ids, const char *) = apr_pstrdup(ids->pool, name);
    }
    return CKPT_OK;
}

/* Uploads untouched for the protection time, rows then chunks; then the
 * directories of upload/ that no row names (a failure between the two). */
static ckpt_rc clean_uploads(ckpt_db *db, apr_pool_t *p, sweep *s, apr_time_t cutoff,
                             ckpt_err *err)
{
    apr_array_header_t *dirs = apr_array_make(p, 8, sizeof(const char *));
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "orphan_uploads_delete", 1, s->minutes) != CKPT_OK
        || remove_uploads(p, s, res, err) != CKPT_OK) {
        return err->rc;
    }
    s->sum->uploads = res->nrows;
    if (ckpt_storage_walk_uploads(p, s->root, cutoff, saw_upload_dir, dirs, err) != CKPT_OK) {
        return err->rc;
    }
    if (dirs->nelts == 0) {
        return CKPT_OK;
    }
    if (ckpt_db_query(db, p, &res, err, "orphan_uploads_unknown", 1, ckpt_db_array(p, dirs))
        != CKPT_OK) {
        return err->rc;
    }
    return remove_uploads(p, s, res, err);
}

ckpt_rc ckpt_orphans_cleanup(ckpt_db *db, apr_pool_t *p, const char *root, apr_int64_t minutes,
                             ckpt_orphan_summary *out, ckpt_err *err)
{
    apr_time_t cutoff = apr_time_now() - apr_time_from_sec(minutes * 60);
    sweep s;

    memset(out, 0, sizeof(*out));
    memset(&s, 0, sizeof(s));
    s.root = root;
    s.minutes = ckpt_i64toa(p, minutes);
    s.sum = out;
    if (minutes < 0 || minutes > CKPT_ORPHAN_PROTECTION_MAX) {
        return ckpt_err_invalid(err, "orphan_protection_time",
                                "Ensure this value is between 0 and 52704000.");
    }
    if (ckpt_db_txn(db, p, content_txn, &s, err) != CKPT_OK
        || clean_artifacts(db, p, &s, err) != CKPT_OK
        || clean_files(db, p, &s, cutoff, err) != CKPT_OK
        || clean_uploads(db, p, &s, cutoff, err) != CKPT_OK) {
        return ckpt_err_context(err, "orphan cleanup");
    }
    if (ckpt_storage_sweep_tmp(p, root, cutoff, &out->tmp_files, &out->bytes, err) != CKPT_OK) {
        return ckpt_err_context(err, "orphan cleanup");
    }
    return CKPT_OK;
}
