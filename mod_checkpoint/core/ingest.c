/* Bulk ingest (see ingest.h). */
#include <string.h>

#include <apr_atomic.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>
#include <apr_strings.h>

#include "artifact.h"
#include "ingest.h"
#include "list.h"
#include "repository.h"
#include "storage.h"
#include "version.h"

/* What a cancelled run says. */
#define INTERRUPTED "interrupted: nothing was changed"
/* Digests leased (and locked against orphan cleanup) per transaction, or
 * files when their units are leased too: well inside PostgreSQL's lock
 * table. */
#define LEASE_BATCH 1000
/* Rows changed (or hashed) from which a run refreshes the planner's
 * statistics of the tables it compares against. */
#define ANALYZE_AFTER 1000
/* How long a lease (ingest_lease) keeps orphan cleanup off its rows. */
#define LEASE_SECONDS 3600
/* A run older than half a lease at its end leases its staged files again,
 * and its commit renews the units with less than that left
 * (ingest_tree_units). */
#define RELET_SECONDS (LEASE_SECONDS / 2)
#define RELET_AFTER apr_time_from_sec(RELET_SECONDS)

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
static ckpt_rc find_repo(ckpt_db *db, apr_pool_t *p, const char *name, int create,
                         const char **repo_id, ckpt_err *err)
{
    ckpt_repo_fields in = {0};
    ckpt_dbres *res;
    ckpt_repo *repo;

    if (ckpt_db_query(db, p, &res, err, "ingest_repo_by_name", 1, name) != CKPT_OK) {
        return err->rc;
    }
    if (res->nrows) {
        *repo_id = ckpt_dbres_get(res, 0, "id");
        return CKPT_OK;
    }
    if (!create) {
        return ckpt_err_set(err, CKPT_NOTFOUND, NULL,
                            apr_psprintf(p, "no repository named '%s' (--create makes it)", name));
    }
    in.name = name;
    if (ckpt_repo_create(db, p, &in, &repo, err) != CKPT_OK) {
        return err->rc;
    }
    *repo_id = repo->id;
    return CKPT_OK;
}

ckpt_rc ckpt_ingest_lock(ckpt_db *db, apr_pool_t *p, const char *repo_id, const char *name,
                         ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "ingest_try_lock", 1, repo_id) != CKPT_OK) {
        return err->rc;
    }
    if (!ckpt_dbres_bool(res, 0, "locked")) {
        return ckpt_err_set(err, CKPT_CONFLICT, NULL,
                            apr_psprintf(p, "another import or sync of repository '%s' is "
                                            "running; try again when it is done", name));
    }
    return CKPT_OK;
}

ckpt_rc ckpt_ingest_begin(ckpt_db *db, apr_pool_t *p, const char *name, int create,
                          const char **repo_id, ckpt_err *err)
{
    if (find_repo(db, p, name, create, repo_id, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_ingest_lock(db, p, *repo_id, name, err);
}

void ckpt_ingest_end(ckpt_db *db, apr_pool_t *p, const char *repo_id)
{
    ckpt_dbres *res;

    ckpt_db_query(db, p, &res, NULL, "ingest_unlock", 1, repo_id);
}

/* A failure's words, from scratch (about to go) into p: what, field and
 * reason as one reason (ckpt_err_words: no "request" for a missing what,
 * so that keeping them twice does not say it twice). */
static void keep_err(apr_pool_t *p, apr_pool_t *scratch, ckpt_rc rc, ckpt_err *err)
{
    if (rc == CKPT_OK) {
        return;
    }
    err->reason = apr_pstrdup(p, ckpt_err_words(scratch, err));
    err->what = NULL;
    err->field = NULL;
}

/* Columns of files as array parameters: paths, digests, sizes, mtimes
 * (NULL where not asked for). */
typedef struct {
    const char *paths, *shas, *sizes, *mtimes, *staged;
} columns;

enum {
    COL_PATHS_SHAS = 0,     /* paths and digests */
    COL_ALL = 1,            /* sizes and mtimes too */
    COL_NO_SHA = 2,         /* no digests (not known yet) */
    COL_STAGED = 4          /* staged files ('' for none) */
};
enum { COLUMN_PATH, COLUMN_SHA, COLUMN_SIZE, COLUMN_MTIME, COLUMN_STAGED };

/* One column as an array literal in p.  The element pointers and the
 * digits live in scratch, cleared after each column: a 100,000-file tree
 * then holds only the literals it sends. */
static const char *column_of(apr_pool_t *p, apr_pool_t *scratch,
                             const apr_array_header_t *files, int which)
{
    apr_array_header_t *c = apr_array_make(scratch, files->nelts + 1, sizeof(const char *));
    const char *out;
    int i;

    for (i = 0; i < files->nelts; i++) {
        const ckpt_ingest_file *f = APR_ARRAY_IDX(files, i, const ckpt_ingest_file *);
        const char **e = &APR_ARRAY_PUSH(c, const char *);
        *e = which == COLUMN_PATH   ? f->relative_path
             : which == COLUMN_SHA  ? f->sha256
             : which == COLUMN_SIZE   ? apr_off_t_toa(scratch, f->size)
             : which == COLUMN_MTIME  ? ckpt_i64toa(scratch, f->mtime)
             : f->staged ? f->staged : "";
    }
    out = ckpt_db_array(p, c);
    apr_pool_clear(scratch);
    return out;
}

static columns as_columns(apr_pool_t *p, const apr_array_header_t *files, int what)
{
    columns out = {NULL, NULL, NULL, NULL, NULL};
    apr_pool_t *scratch;

    apr_pool_create(&scratch, p);
    out.paths = column_of(p, scratch, files, COLUMN_PATH);
    out.shas = (what & COL_NO_SHA) ? NULL : column_of(p, scratch, files, COLUMN_SHA);
    if (what & COL_ALL) {
        out.sizes = column_of(p, scratch, files, COLUMN_SIZE);
        out.mtimes = column_of(p, scratch, files, COLUMN_MTIME);
    }
    if (what & COL_STAGED) {
        out.staged = column_of(p, scratch, files, COLUMN_STAGED);
    }
    apr_pool_destroy(scratch);
    return out;
}

ckpt_rc ckpt_ingest_tree_begin(ckpt_db *db, apr_pool_t *p, ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "ingest_tree_present", 0) != CKPT_OK
        || (!ckpt_dbres_bool(res, 0, "present")
            && (ckpt_db_query(db, p, &res, err, "ingest_tree_make", 0) != CKPT_OK
                || ckpt_db_query(db, p, &res, err, "ingest_digest_make", 0) != CKPT_OK))) {
        return err->rc;
    }
    return ckpt_db_query(db, p, &res, err, "ingest_tree_clear", 0);
}

void ckpt_ingest_tree_end(ckpt_db *db, apr_pool_t *p)
{
    ckpt_dbres *res;

    ckpt_db_query(db, p, &res, NULL, "ingest_tree_clear", 0);
}

ckpt_rc ckpt_ingest_tree_add(ckpt_db *db, apr_pool_t *p, const apr_array_header_t *files,
                             const char *vouch, ckpt_err *err)
{
    apr_pool_t *scratch;
    ckpt_dbres *res;
    columns c;
    ckpt_rc rc;

    if (!files->nelts) {
        return CKPT_OK;
    }
    apr_pool_create(&scratch, p);
    c = as_columns(scratch, files,
                   COL_ALL | (APR_ARRAY_IDX(files, 0, const ckpt_ingest_file *)->sha256
                                  ? 0
                                  : COL_NO_SHA));
    rc = ckpt_db_query(db, scratch, &res, err, "ingest_tree_add", 5, c.paths, c.sizes, c.mtimes,
                       c.shas, vouch);
    if (rc == CKPT_OK && res->affected < files->nelts) {
        rc = ckpt_err_set(err, CKPT_INVALID, NULL, "a relative_path is listed twice");
    }
    keep_err(p, scratch, rc, err);
    apr_pool_destroy(scratch);
    return rc;
}

ckpt_rc ckpt_ingest_tree_todo(ckpt_db *db, apr_pool_t *p, apr_uint64_t *files,
                              apr_uint64_t *bytes, ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "ingest_tree_analyze", 0) != CKPT_OK
        || ckpt_db_query(db, p, &res, err, "ingest_tree_todo", 0) != CKPT_OK) {
        return err->rc;
    }
    *files = (apr_uint64_t)ckpt_dbres_int(res, 0, "files", 0);
    *bytes = (apr_uint64_t)ckpt_dbres_int(res, 0, "bytes", 0);
    return CKPT_OK;
}

/* Up to limit rows of statement stmt (a page in path order after path
 * after) as files: the columns it answers of path, digest, size, mtime
 * and staged file. */
static ckpt_rc page_of(ckpt_db *db, apr_pool_t *p, const char *stmt, const char *after,
                       int limit, apr_array_header_t **out, ckpt_err *err)
{
    ckpt_dbres *res;
    int i;

    if (ckpt_db_query(db, p, &res, err, stmt, 2, after, apr_itoa(p, limit)) != CKPT_OK) {
        return err->rc;
    }
    *out = apr_array_make(p, res->nrows + 1, sizeof(ckpt_ingest_file *));
    for (i = 0; i < res->nrows; i++) {
        ckpt_ingest_file *f = apr_pcalloc(p, sizeof(*f));
        f->relative_path = ckpt_dbres_get(res, i, "relative_path");
        f->sha256 = ckpt_dbres_get(res, i, "sha256");
        f->size = (apr_off_t)ckpt_dbres_int(res, i, "size", 0);
        f->mtime = ckpt_dbres_int(res, i, "mtime", -1);
        f->staged = ckpt_dbres_get(res, i, "staged");
        APR_ARRAY_PUSH(*out, ckpt_ingest_file *) = f;
    }
    return CKPT_OK;
}

ckpt_rc ckpt_ingest_tree_page(ckpt_db *db, apr_pool_t *p, const char *after, int limit,
                              apr_array_header_t **out, ckpt_err *err)
{
    return page_of(db, p, "ingest_tree_page", after, limit, out, err);
}

ckpt_rc ckpt_ingest_tree_digests(ckpt_db *db, apr_pool_t *p, const char *repo_id,
                                 apr_uint64_t *files, apr_uint64_t *bytes, ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "ingest_tree_analyze", 0) != CKPT_OK
        || ckpt_db_query(db, p, &res, err, "ingest_digest_fill", 1, repo_id) != CKPT_OK
        || ckpt_db_query(db, p, &res, err, "ingest_digest_todo", 0) != CKPT_OK) {
        return err->rc;
    }
    *files = (apr_uint64_t)ckpt_dbres_int(res, 0, "files", 0);
    *bytes = (apr_uint64_t)ckpt_dbres_int(res, 0, "bytes", 0);
    return CKPT_OK;
}

ckpt_rc ckpt_ingest_digest_page(ckpt_db *db, apr_pool_t *p, const char *after, int limit,
                                apr_array_header_t **out, ckpt_err *err)
{
    return page_of(db, p, "ingest_digest_page", after, limit, out, err);
}

ckpt_rc ckpt_ingest_note_latest(ckpt_db *db, apr_pool_t *p, ckpt_ingest_req *in, ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "ingest_latest", 1, in->repository_id) != CKPT_OK) {
        return err->rc;
    }
    if (res->nrows == 0) {
        return ckpt_err_set(err, CKPT_NOTFOUND, NULL, "the repository is gone");
    }
    in->latest_seen = (int)ckpt_dbres_int(res, 0, "latest_number", 0);
    return CKPT_OK;
}

/* A staged file's line in a spool: digest, size and the staged file's
 * name in <root>/tmp (a name of storage's own making, so no blank or
 * newline in it). */
static ckpt_rc spool_file(apr_pool_t *p, apr_file_t *spool, const char *tmpdir,
                          const ckpt_ingest_file *f, ckpt_err *err)
{
    size_t len = strlen(tmpdir);
    const char *name = f->staged + len, *line;
    apr_status_t rv;

    if (strncmp(f->staged, tmpdir, len) || !*name || strpbrk(name, " \n/")) {
        return ckpt_err_set(err, CKPT_IOERROR, NULL,
                            apr_psprintf(p, "a staged file outside %s: %s", tmpdir, f->staged));
    }
    line = apr_psprintf(p, "%s %" APR_OFF_T_FMT " %s\n", f->sha256, f->size, name);
    rv = apr_file_write_full(spool, line, strlen(line), NULL);
    return rv == APR_SUCCESS ? CKPT_OK : ckpt_err_os(err, p, rv, "writing the run's spool");
}

ckpt_rc ckpt_ingest_tree_hashed(ckpt_db *db, apr_pool_t *p, ckpt_ingest_req *in,
                                const apr_array_header_t *files, const char *state_of,
                                ckpt_err *err)
{
    apr_pool_t *scratch;
    ckpt_dbres *res;
    columns c;
    ckpt_rc rc;
    int i;

    apr_pool_create(&scratch, p);
    c = as_columns(scratch, files, COL_ALL | COL_STAGED);
    rc = state_of ? ckpt_db_query(db, scratch, &res, err, "ingest_tree_hashed_state", 5, c.paths,
                                  c.shas, c.sizes, c.staged, state_of)
                  : ckpt_db_query(db, scratch, &res, err, "ingest_tree_hashed", 4, c.paths,
                                  c.shas, c.sizes, c.staged);
    /* The table owns them now: into the spool as they are (a failure
     * here fails the run, whose discard then removes them). */
    for (i = 0; rc == CKPT_OK && i < files->nelts; i++) {
        const ckpt_ingest_file *f = APR_ARRAY_IDX(files, i, const ckpt_ingest_file *);
        if (f->staged && (rc = spool_file(scratch, in->spool, in->tmpdir, f, err)) == CKPT_OK) {
            in->spooled++;
        }
    }
    keep_err(p, scratch, rc, err);
    apr_pool_destroy(scratch);
    return rc;
}

/* The files at the positions ingest_changed answers. */
static ckpt_rc changed_files(ckpt_db *db, apr_pool_t *p, const char *repo_id,
                             const apr_array_header_t *files, const columns *cols,
                             apr_array_header_t **out, ckpt_err *err)
{
    ckpt_dbres *res;
    int i;

    if (ckpt_db_query(db, p, &res, err, "ingest_changed", 3, repo_id, cols->paths,
                      cols->shas) != CKPT_OK) {
        return err->rc;
    }
    *out = apr_array_make(p, res->nrows + 1, sizeof(ckpt_ingest_file *));
    for (i = 0; i < res->nrows; i++) {
        apr_int64_t k = ckpt_dbres_int(res, i, "i", 0);
        APR_ARRAY_PUSH(*out, ckpt_ingest_file *) =
            APR_ARRAY_IDX(files, (int)k - 1, ckpt_ingest_file *);
    }
    return CKPT_OK;
}

ckpt_rc ckpt_ingest_changed(ckpt_db *db, apr_pool_t *p, const char *repo_id,
                            const apr_array_header_t *files, apr_array_header_t **changed,
                            ckpt_err *err)
{
    apr_pool_t *scratch;
    apr_array_header_t *found = NULL;
    columns cols;
    ckpt_rc rc;

    /* The columns and the answer are as large as the files given: only
     * the list of what changed outlives this. */
    apr_pool_create(&scratch, p);
    cols = as_columns(scratch, files, COL_PATHS_SHAS);
    rc = changed_files(db, scratch, repo_id, files, &cols, &found, err);
    *changed = rc == CKPT_OK ? apr_array_copy(p, found) : NULL;
    keep_err(p, scratch, rc, err);
    apr_pool_destroy(scratch);
    return rc;
}

typedef struct {
    apr_array_header_t *shas, *sizes;
    apr_array_header_t *paths, *unit_shas;   /* NULL: no units */
} lease_baton;

static ckpt_rc lease_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    lease_baton *b = baton;
    ckpt_dbres *res;

    if (ckpt_artifact_lock_all(db, p, b->shas, err) != CKPT_OK
        || ckpt_db_query(db, p, &res, err, "ingest_lease", 3, ckpt_db_array(p, b->shas),
                         ckpt_db_array(p, b->sizes), apr_itoa(p, LEASE_SECONDS)) != CKPT_OK) {
        return err->rc;
    }
    return b->paths ? ckpt_db_query(db, p, &res, err, "ingest_lease_units", 3,
                                    ckpt_db_array(p, b->paths), ckpt_db_array(p, b->unit_shas),
                                    apr_itoa(p, LEASE_SECONDS))
                    : CKPT_OK;
}

ckpt_rc ckpt_ingest_lease(ckpt_db *db, apr_pool_t *p, const apr_array_header_t *changed,
                          int units, ckpt_err *err)
{
    apr_hash_t *seen = apr_hash_make(p);
    apr_pool_t *batch;
    lease_baton b;
    int i;

    apr_pool_create(&batch, p);
    for (i = 0; i <= changed->nelts; i++) {
        const ckpt_ingest_file *f =
            i < changed->nelts ? APR_ARRAY_IDX(changed, i, const ckpt_ingest_file *) : NULL;
        if (i == 0 || !f || (units ? b.paths : b.shas)->nelts == LEASE_BATCH) {
            /* A chunk may hold only units of digests leased earlier. */
            if (i > 0 && (b.shas->nelts || (b.paths && b.paths->nelts))
                && ckpt_db_txn(db, batch, lease_txn, &b, err) != CKPT_OK) {
                return err->rc;
            }
            apr_pool_clear(batch);
            b.shas = apr_array_make(batch, LEASE_BATCH, sizeof(const char *));
            b.sizes = apr_array_make(batch, LEASE_BATCH, sizeof(const char *));
            b.paths = units ? apr_array_make(batch, LEASE_BATCH, sizeof(const char *)) : NULL;
            b.unit_shas = units ? apr_array_make(batch, LEASE_BATCH, sizeof(const char *)) : NULL;
        }
        if (f && !apr_hash_get(seen, f->sha256, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, f->sha256, APR_HASH_KEY_STRING, f);
            APR_ARRAY_PUSH(b.shas, const char *) = f->sha256;
            APR_ARRAY_PUSH(b.sizes, const char *) = apr_off_t_toa(batch, f->size);
        }
        if (f && units) {
            APR_ARRAY_PUSH(b.paths, const char *) = f->relative_path;
            APR_ARRAY_PUSH(b.unit_shas, const char *) = f->sha256;
        }
    }
    return CKPT_OK;
}

/* What a pass over the staged files of the run's table works for. */
typedef struct {
    apr_file_t *spool;
    const char *tmpdir;   /* <root>/tmp/, where every staged file is */
    apr_int64_t n;
} staged_pass;

/* The staged files of the run's table, a page at a time (path order). */
typedef ckpt_rc (*page_fn)(ckpt_db *db, apr_pool_t *p, staged_pass *st,
                           apr_array_header_t *files, ckpt_err *err);

static ckpt_rc each_staged(ckpt_db *db, apr_pool_t *p, page_fn fn, staged_pass *st,
                           ckpt_err *err)
{
    apr_pool_t *pools[2];
    apr_array_header_t *page = NULL;
    const char *after = "";
    ckpt_rc rc = CKPT_OK;
    int k;

    apr_pool_create(&pools[0], p);
    apr_pool_create(&pools[1], p);
    for (k = 0; rc == CKPT_OK; k ^= 1) {
        apr_pool_clear(pools[k]);
        if ((rc = page_of(db, pools[k], "ingest_tree_staged_page", after, CKPT_INGEST_BATCH,
                          &page, err)) != CKPT_OK
            || !page->nelts) {
            break;
        }
        rc = fn(db, pools[k], st, page, err);
        after = APR_ARRAY_IDX(page, page->nelts - 1, ckpt_ingest_file *)->relative_path;
    }
    keep_err(p, pools[k], rc, err);
    apr_pool_destroy(pools[0]);
    apr_pool_destroy(pools[1]);
    return rc;
}

static ckpt_rc discard_page(ckpt_db *db, apr_pool_t *p, staged_pass *st,
                            apr_array_header_t *files, ckpt_err *err)
{
    (void)db;
    (void)st;
    (void)err;
    ckpt_ingest_discard(p, files);
    return CKPT_OK;
}

/* A page of staged files into a new spool, leased again first: for a
 * run older than half a lease (the run's own spool lists the same). */
static ckpt_rc spool_page(ckpt_db *db, apr_pool_t *p, staged_pass *st,
                          apr_array_header_t *files, ckpt_err *err)
{
    int i;

    if (ckpt_ingest_lease(db, p, files, 0, err) != CKPT_OK) {
        return err->rc;
    }
    for (i = 0; i < files->nelts; i++) {
        if (spool_file(p, st->spool, st->tmpdir, APR_ARRAY_IDX(files, i, ckpt_ingest_file *),
                       err) != CKPT_OK) {
            return err->rc;
        }
        st->n++;
    }
    return CKPT_OK;
}

/* Placing the staged files, on a thread of its own while the commit's
 * statements run: it needs no database (the spool lists the files), and
 * the commit waits for it before COMMIT.  Its memory is its own
 * allocator's (pool), apart from the caller's. */
typedef struct {
    const char *root, *tmpdir;
    apr_file_t *spool;      /* the run's, or own_spool */
    apr_file_t *own_spool;  /* made by placer_start (relet), closed by the finish */
    const ckpt_ingest_hooks *hooks;
    apr_pool_t *pool;
    apr_thread_t *thread;
    int running;            /* started, not yet joined */
    int walked;             /* it went through the whole spool: every staged
                             * file is placed or removed */
    ckpt_rc rc;             /* how it ended; err's strings in pool */
    ckpt_err err;
    apr_int64_t stored;
    apr_off_t stored_bytes;
    apr_interval_time_t took;
} placer;

/* One spool line: "<sha256> <size> <name>\n". */
static int spool_line(char *line, const char **sha, apr_off_t *size, const char **name)
{
    char *sp, *nl = strchr(line, '\n'), *end;

    if (!nl || strlen(line) < 68 || line[64] != ' ' || !(sp = strchr(line + 65, ' '))) {
        return 0;
    }
    *nl = line[64] = *sp = '\0';
    *sha = line;
    *size = (apr_off_t)apr_strtoi64(line + 65, &end, 10);
    *name = sp + 1;
    return *end == '\0' && **name;
}

/* Every staged file of the spool renamed into place (a digest staged
 * twice: kept once), between a syncfs for the bytes (before any name) and
 * one for the names (before a version names them).  After a failure or a
 * cancel it goes on only to remove the staged files not placed. */
static void *APR_THREAD_FUNC place_thread(apr_thread_t *t, void *data)
{
    placer *pl = data;
    apr_time_t start = apr_time_now();
    apr_pool_t *scratch;
    apr_off_t zero = 0;
    char line[512];
    ckpt_rc rc;

    apr_pool_create(&scratch, pl->pool);
    rc = ckpt_storage_sync(pl->pool, pl->root, &pl->err);
    /* From the start whatever happened: the files not placed are removed. */
    if (apr_file_seek(pl->spool, APR_SET, &zero) != APR_SUCCESS) {
        if (rc == CKPT_OK) {
            rc = ckpt_err_set(&pl->err, CKPT_IOERROR, NULL, "reading the run's spool");
        }
        goto done; /* not walked: the run's table still names them, for its discard */
    }
    while (apr_file_gets(line, sizeof(line), pl->spool) == APR_SUCCESS) {
        const char *sha, *name, *staged;
        apr_off_t size;

        apr_pool_clear(scratch);
        if (!spool_line(line, &sha, &size, &name)) {
            if (rc == CKPT_OK) {
                rc = ckpt_err_set(&pl->err, CKPT_IOERROR, NULL, "a malformed spool line");
            }
            continue;
        }
        staged = apr_pstrcat(scratch, pl->tmpdir, name, NULL);
        if (rc == CKPT_OK) {
            if ((rc = ckpt_ingest_cancelled(pl->hooks, &pl->err)) == CKPT_OK
                && (rc = ckpt_storage_place(scratch, pl->root, staged, sha, size, &pl->err))
                       == CKPT_OK) {
                pl->stored++;
                pl->stored_bytes += size;
                continue;
            }
            /* The first failure's words, out of scratch. */
            ckpt_err_keep(&pl->err, pl->pool);
        }
        apr_file_remove(staged, scratch);
    }
    pl->walked = 1;
    if (rc == CKPT_OK) {
        rc = ckpt_storage_sync(pl->pool, pl->root, &pl->err);
    }
done:
    pl->rc = rc;
    pl->took = apr_time_now() - start;
    apr_pool_destroy(scratch);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* Waits for the placing to end: what it says, or that the run was
 * cancelled meanwhile. */
static ckpt_rc placer_join(placer *pl, ckpt_err *err)
{
    apr_status_t rv;

    if (pl->running) {
        apr_thread_join(&rv, pl->thread);
        pl->running = 0;
    }
    if (pl->rc != CKPT_OK) {
        *err = pl->err;
        return pl->rc;
    }
    return ckpt_ingest_cancelled(pl->hooks, err);
}

/* The placing of the files in the run's spool started (pl->running),
 * when there is any.  A run older than half a lease (relet) leases its
 * staged files again first, from its table, into a new spool. */
static ckpt_rc placer_start(ckpt_db *db, apr_pool_t *p, placer *pl, const ckpt_ingest_req *in,
                            int relet, ckpt_err *err)
{
    staged_pass st = {in->spool, pl->tmpdir, in->spooled};
    apr_status_t rv;

    if (relet) {
        st.n = 0;
        if (ckpt_storage_scratch(p, pl->root, "spool", &st.spool, err) != CKPT_OK) {
            return err->rc;
        }
        pl->own_spool = st.spool;
        if (each_staged(db, p, spool_page, &st, err) != CKPT_OK) {
            return err->rc;
        }
    }
    pl->spool = st.spool;
    if (!st.n) {
        /* Nothing of this run's to place; but what the version names may
         * have been placed by another run still to sync its names. */
        return ckpt_storage_sync(p, pl->root, err);
    }
    if ((rv = apr_file_flush(pl->spool)) != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, "writing the run's spool");
    }
    if ((rv = apr_thread_create(&pl->thread, NULL, place_thread, pl, pl->pool))
        != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, "starting the placing thread");
    }
    pl->running = 1;
    return CKPT_OK;
}

void ckpt_ingest_tree_discard(ckpt_db *db, apr_pool_t *p)
{
    staged_pass st = {NULL, NULL, 0};
    ckpt_err ignored = {0};
    ckpt_dbres *r;

    /* Removed a page at a time, then forgotten at once (the pages follow
     * the path, not the staged column), as after a failed placing. */
    if (each_staged(db, p, discard_page, &st, &ignored) == CKPT_OK) {
        ckpt_db_query(db, p, &r, NULL, "ingest_tree_unstage", 0);
    }
}

typedef struct {
    const ckpt_ingest_req *req;
    ckpt_ingest_result *res;
    placer *placing;
} commit_baton;

/* The ranges of the changed paths, closed where the latest version has
 * them and opened anew at version next; *closed and *opened count them.
 * Their units are made first, unless leased already (units 0). */
static ckpt_rc replace(ckpt_db *db, apr_pool_t *p, const char *repo, const char *next,
                       int units, apr_int64_t *closed, apr_int64_t *opened, ckpt_err *err)
{
    ckpt_dbres *res;

    if ((units && ckpt_db_query(db, p, &res, err, "ingest_tree_units", 1,
                                apr_itoa(p, RELET_SECONDS)) != CKPT_OK)
        || ckpt_db_query(db, p, &res, err, "ingest_tree_close_replaced", 2, repo, next)
               != CKPT_OK) {
        return err->rc;
    }
    *closed = res->affected;
    if (ckpt_db_query(db, p, &res, err, "ingest_tree_open", 2, repo, next) != CKPT_OK) {
        return err->rc;
    }
    *opened = res->affected;
    return CKPT_OK;
}

/* The version of the tree in ingest_file: what changed replaced, what a
 * mirror's tree lacks removed; none when nothing changed. */
static ckpt_rc commit_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    commit_baton *b = baton;
    const char *repo = b->req->repository_id, *next;
    apr_int64_t closed = 0, opened = 0;
    ckpt_dbres *changed, *gone = NULL;
    int latest, flags_hold, units_hold;

    b->res->version = NULL;
    if (ckpt_modify_lock(db, p, repo, &latest, err) != CKPT_OK) {
        return err->rc;
    }
    /* An import's flags (and the units it leased with them, while their
     * lease has more than RELET_SECONDS to run) hold as long as the latest
     * version is the one it compared with: under the lock, no other
     * writer makes another meanwhile. */
    flags_hold = b->req->latest_seen >= 0 && latest == b->req->latest_seen;
    if ((!flags_hold
         && ckpt_db_query(db, p, &changed, err, "ingest_tree_changed", 1, repo) != CKPT_OK)
        || ckpt_db_query(db, p, &changed, err, "ingest_tree_changed_count", 0) != CKPT_OK) {
        return err->rc;
    }
    next = apr_itoa(p, latest + 1);
    if (!b->req->additive
        && ckpt_db_query(db, p, &gone, err, "ingest_tree_close_gone", 2, repo, next) != CKPT_OK) {
        return err->rc;
    }
    b->res->changed = ckpt_dbres_int(changed, 0, "n", 0);
    b->res->removed = gone ? gone->affected : 0;
    units_hold = flags_hold && apr_time_now() - b->res->started < RELET_AFTER;
    if ((b->res->changed
         && replace(db, p, repo, next, !units_hold, &closed, &opened, err) != CKPT_OK)
        || ((b->res->changed || b->res->removed)
            && ckpt_modify_finish(db, p, repo, latest, -1, opened, closed + b->res->removed,
                                  &b->res->version, err) != CKPT_OK)) {
        return err->rc;
    }
    /* The bytes placed and synced before COMMIT makes a version name them. */
    return placer_join(b->placing, err);
}

ckpt_rc ckpt_ingest_finish(ckpt_db *db, apr_pool_t *p, const char *root,
                           const ckpt_ingest_hooks *hooks, const ckpt_ingest_req *req,
                           ckpt_ingest_result *res, ckpt_err *err)
{
    placer pl;
    commit_baton b = {req, res, &pl};
    ckpt_dbres *ignored;
    apr_pool_t *scratch;
    apr_time_t start = apr_time_now();
    ckpt_rc rc;

    memset(&pl, 0, sizeof(pl));
    pl.root = root;
    pl.tmpdir = req->tmpdir;
    pl.hooks = hooks;
    apr_pool_create_unmanaged_ex(&pl.pool, NULL, NULL);
    apr_pool_create(&scratch, p);
    ckpt_ingest_report(hooks, "committing", 0, 0, 0, 0);
    /* A batch's lease lasts an hour from when it was recorded: a run
     * longer than half that leases its staged files again, so that none
     * has run out before the version names it. */
    if ((rc = placer_start(db, p, &pl, req, start - res->started > RELET_AFTER, err)) == CKPT_OK
        && (rc = ckpt_db_query(db, scratch, &ignored, err, "ingest_tree_analyze", 0)) == CKPT_OK) {
        rc = ckpt_db_txn(db, scratch, commit_txn, &b, err);
    }
    if (pl.running) { /* the transaction failed before it waited */
        ckpt_err mine = {0};
        placer_join(&pl, &mine);
    }
    keep_err(p, scratch, rc, err);
    if (pl.walked && rc != CKPT_OK) {
        /* Every staged file is placed or removed now: none for the run's
         * discard to remove.  (After a success the run's table is
         * emptied whole.) */
        ckpt_db_query(db, scratch, &ignored, NULL, "ingest_tree_unstage", 0);
    }
    if (rc == CKPT_OK && res->version) {
        res->version = apr_pmemdup(p, res->version, sizeof(*res->version));
        res->version->pulp_created = apr_pstrdup(p, res->version->pulp_created);
        res->version->repository_id = apr_pstrdup(p, res->version->repository_id);
    }
    if (rc == CKPT_OK && res->changed + res->removed + res->hashed >= ANALYZE_AFTER) {
        ckpt_db_query(db, scratch, &ignored, NULL, "ingest_analyze", 0);
    }
    res->stored = pl.stored;
    res->stored_bytes = pl.stored_bytes;
    res->t_store = pl.took;
    res->t_commit = apr_time_now() - start;
    if (pl.own_spool) {
        apr_file_close(pl.own_spool);
    }
    apr_pool_destroy(scratch);
    apr_pool_destroy(pl.pool);
    return rc;
}

void ckpt_ingest_discard(apr_pool_t *p, const apr_array_header_t *files)
{
    int i;

    for (i = 0; i < files->nelts; i++) {
        ckpt_ingest_file *f = APR_ARRAY_IDX(files, i, ckpt_ingest_file *);
        if (f->staged) {
            apr_file_remove(f->staged, p);
            f->staged = NULL;
        }
    }
}

ckpt_rc ckpt_ingest_run(const ckpt_ingest_ctx *c, const char *repo_id, int additive,
                        const char *what, ckpt_ingest_fn fn, ckpt_ingest_result *res,
                        ckpt_err *err)
{
    ckpt_ingest_req in;
    ckpt_ingest_ctx mine = *c;
    ckpt_rc rc;

    memset(res, 0, sizeof(*res));
    memset(&in, 0, sizeof(in));
    res->started = apr_time_now();
    in.repository_id = repo_id;
    in.additive = additive;
    in.tmpdir = apr_pstrcat(c->p, c->root, "/tmp/", NULL);
    in.latest_seen = -1;
    mine.in = &in;
    rc = ckpt_storage_scratch(c->p, c->root, "spool", &in.spool, err);
    if (rc == CKPT_OK && (rc = ckpt_ingest_tree_begin(c->db, c->p, err)) == CKPT_OK) {
        rc = fn(&mine, res, err);
        if (rc != CKPT_OK) {
            ckpt_ingest_tree_discard(c->db, c->p);
        }
        ckpt_ingest_tree_end(c->db, c->p);
    }
    if (in.spool) {
        apr_file_close(in.spool); /* and removed */
    }
    return rc == CKPT_OK ? CKPT_OK : ckpt_err_context(err, what);
}
