/* Content-addressed storage (see storage.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* syncfs, sync_file_range */
#endif
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>

#include <apr_escape.h>
#include <apr_portable.h>
#include <apr_strings.h>
#include <openssl/evp.h>

#include "storage.h"

struct ckpt_upload {
    apr_pool_t *pool;
    const char *root;
    apr_file_t *file;
    char *tmppath;
    EVP_MD_CTX *md;
    apr_off_t size;
    const char *sha256;
    int done;
    int nosync; /* CKPT_UPLOAD_NOSYNC: the caller syncs the file system */
};

int ckpt_storage_valid_sha256(const char *s)
{
    int i;
    if (!s) {
        return 0;
    }
    for (i = 0; i < 64; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return s[64] == '\0';
}

const char *ckpt_storage_artifact_path(apr_pool_t *p, const char *root, const char *sha256)
{
    return apr_pstrcat(p, root, "/artifact/", apr_pstrmemdup(p, sha256, 2), "/", sha256 + 2,
                       NULL);
}

apr_status_t ckpt_storage_prepare(apr_pool_t *p, const char *root)
{
    apr_status_t rv = apr_dir_make_recursive(apr_pstrcat(p, root, "/artifact", NULL),
                                             APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return apr_dir_make_recursive(apr_pstrcat(p, root, "/tmp", NULL), APR_FPROT_OS_DEFAULT, p);
}

/* flock(2), not apr_file_lock: APR locks with fcntl, whose locks belong to
 * a process, so another thread of the same httpd child (or of the same
 * command) would never see them, and closing any descriptor of the file
 * would drop them.  flock locks belong to one open file. */
static int lock_file(apr_file_t *f, int how)
{
    apr_os_file_t fd;

    return apr_os_file_get(&fd, f) == APR_SUCCESS && flock(fd, how) == 0;
}

static ckpt_rc open_tmp(apr_pool_t *p, const char *root, const char *stem, apr_int32_t flags,
                        apr_file_t **f, char **path, ckpt_err *err)
{
    apr_status_t rv;

    *path = apr_pstrcat(p, root, "/tmp/", stem, ".XXXXXX", NULL);
    rv = apr_file_mktemp(f, *path, APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE
                                       | APR_FOPEN_EXCL | flags, p);
    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "creating a temporary file in %s/tmp",
                                                    root));
    }
    return CKPT_OK;
}

ckpt_rc ckpt_storage_scratch(apr_pool_t *p, const char *root, const char *stem, apr_file_t **f,
                             ckpt_err *err)
{
    char *path;

    if (open_tmp(p, root, stem, APR_FOPEN_BUFFERED | APR_FOPEN_DELONCLOSE, f, &path, err)
        != CKPT_OK) {
        return err->rc;
    }
    /* Locked as an upload is: orphan cleanup leaves it alone while open. */
    lock_file(*f, LOCK_EX | LOCK_NB);
    return CKPT_OK;
}

ckpt_rc ckpt_storage_check_writable(apr_pool_t *p, const char *root, ckpt_err *err)
{
    apr_file_t *f;
    char *path;
    apr_size_t n = 2;
    apr_status_t rv;

    if (open_tmp(p, root, "probe", 0, &f, &path, err) != CKPT_OK) {
        return err->rc;
    }
    rv = apr_file_write(f, "ok", &n);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    apr_file_close(f);
    apr_file_remove(path, p);
    return rv == APR_SUCCESS ? CKPT_OK
                             : ckpt_err_os(err, p, rv, apr_psprintf(p, "writing %s", path));
}

static apr_status_t upload_cleanup(void *data)
{
    ckpt_upload *u = data;

    if (u->md) {
        EVP_MD_CTX_free(u->md);
        u->md = NULL;
    }
    if (!u->done) {
        /* Removed before it is closed, so the lock covers the removal. */
        apr_file_remove(u->tmppath, u->pool);
        u->done = 1;
    }
    if (u->file) {
        apr_file_close(u->file);
        u->file = NULL;
    }
    return APR_SUCCESS;
}

ckpt_rc ckpt_upload_open(apr_pool_t *p, const char *root, ckpt_upload **out, ckpt_err *err)
{
    return ckpt_upload_open_ex(p, root, 0, out, err);
}

ckpt_rc ckpt_upload_open_ex(apr_pool_t *p, const char *root, int flags, ckpt_upload **out,
                            ckpt_err *err)
{
    ckpt_upload *u = apr_pcalloc(p, sizeof(*u));

    u->pool = p;
    u->root = root;
    u->nosync = (flags & CKPT_UPLOAD_NOSYNC) != 0;
    /* A bulk writer writes large blocks: APR's buffer would only split them. */
    if (open_tmp(p, root, "upload", u->nosync ? 0 : APR_FOPEN_BUFFERED, &u->file, &u->tmppath,
                 err) != CKPT_OK) {
        return err->rc;
    }
    apr_pool_cleanup_register(p, u, upload_cleanup, apr_pool_cleanup_null);
    if (!lock_file(u->file, LOCK_EX | LOCK_NB)) {
        apr_status_t rv = APR_FROM_OS_ERROR(errno);
        ckpt_upload_discard(u);
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "locking %s", u->tmppath));
    }
    u->md = EVP_MD_CTX_new();
    if (!u->md || EVP_DigestInit_ex(u->md, EVP_sha256(), NULL) != 1) {
        ckpt_upload_discard(u);
        return ckpt_err_os(err, p, APR_ENOMEM, "starting a sha256 digest");
    }
    *out = u;
    return CKPT_OK;
}

ckpt_rc ckpt_upload_write(ckpt_upload *u, const char *buf, apr_size_t len, ckpt_err *err)
{
    apr_size_t written;
    apr_status_t rv;

    if (len == 0) {
        return CKPT_OK;
    }
    rv = apr_file_write_full(u->file, buf, len, &written);
    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, u->pool, rv, apr_psprintf(u->pool, "writing %s", u->tmppath));
    }
    if (EVP_DigestUpdate(u->md, buf, len) != 1) {
        return ckpt_err_os(err, u->pool, APR_EGENERAL, "sha256 digest");
    }
    u->size += (apr_off_t)len;
    return CKPT_OK;
}

/* A file whose caller syncs the file system later (CKPT_UPLOAD_NOSYNC):
 * its writing to disk begins now, without waiting, so that the syncfs at
 * the end of a bulk run finds little left to write (the kernel's own
 * writeback would start only after dirty_writeback_centisecs). */
static void start_writeback(apr_file_t *f)
{
#ifdef SYNC_FILE_RANGE_WRITE
    apr_os_file_t fd;

    if (apr_os_file_get(&fd, f) == APR_SUCCESS) {
        sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
#else
    (void)f;
#endif
}

/* The hex sha256 of what md was given. */
static ckpt_rc md_hex(apr_pool_t *p, EVP_MD_CTX *md, const char **hex, ckpt_err *err)
{
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (EVP_DigestFinal_ex(md, bin, &len) != 1 || len != 32) {
        return ckpt_err_os(err, p, APR_EGENERAL, "sha256 digest");
    }
    *hex = apr_pescape_hex(p, bin, len, 0);
    return CKPT_OK;
}

ckpt_rc ckpt_upload_finish(ckpt_upload *u, const char **sha256, apr_off_t *size, ckpt_err *err)
{
    apr_status_t rv;

    rv = apr_file_flush(u->file);
    if (rv == APR_SUCCESS && !u->nosync) {
        rv = apr_file_sync(u->file);
    }
    else if (rv == APR_SUCCESS) {
        start_writeback(u->file);
    }
    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, u->pool, rv, apr_psprintf(u->pool, "syncing %s", u->tmppath));
    }
    if (md_hex(u->pool, u->md, &u->sha256, err) != CKPT_OK) {
        return err->rc;
    }
    *sha256 = u->sha256;
    *size = u->size;
    return CKPT_OK;
}

const char *ckpt_upload_sha256(const ckpt_upload *u)
{
    return u->sha256;
}

apr_off_t ckpt_upload_size(const ckpt_upload *u)
{
    return u->size;
}

static void sync_dir(apr_pool_t *p, const char *dir)
{
    apr_file_t *d;
    if (apr_file_open(&d, dir, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p) == APR_SUCCESS) {
        apr_file_sync(d);
        apr_file_close(d);
    }
}

int ckpt_storage_has(apr_pool_t *p, const char *root, const char *sha256, apr_off_t size)
{
    apr_finfo_t fi;

    return apr_stat(&fi, ckpt_storage_artifact_path(p, root, sha256),
                    APR_FINFO_TYPE | APR_FINFO_SIZE, p) == APR_SUCCESS
           && fi.filetype == APR_REG && fi.size == size;
}

/* Renames tmppath to the artifact sha256 of size (keeping an artifact of
 * the same digest and size that is there: the same bytes, and tmppath is
 * removed); *kept says which.  Syncs the directory when sync. */
static ckpt_rc place(apr_pool_t *p, const char *root, const char *tmppath, const char *sha256,
                     apr_off_t size, int sync, int *kept, ckpt_err *err)
{
    const char *final = ckpt_storage_artifact_path(p, root, sha256);
    const char *dir = apr_pstrcat(p, root, "/artifact/", apr_pstrmemdup(p, sha256, 2), NULL);
    apr_status_t rv;

    *kept = 0;
    rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "creating %s", dir));
    }
    if (ckpt_storage_has(p, root, sha256, size)) {
        *kept = 1;
        return CKPT_OK;
    }
    /* Readable by the server's children whoever wrote it. */
    apr_file_perms_set(tmppath, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD
                                    | APR_FPROT_WREAD);
    rv = apr_file_rename(tmppath, final, p);
    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "renaming %s to %s", tmppath, final));
    }
    if (sync) {
        sync_dir(p, dir);
    }
    return CKPT_OK;
}

ckpt_rc ckpt_upload_commit(ckpt_upload *u, ckpt_err *err)
{
    int kept;

    if (place(u->pool, u->root, u->tmppath, u->sha256, u->size, 1, &kept, err) != CKPT_OK) {
        return err->rc;
    }
    u->done = !kept; /* kept: the cleanup removes the temporary file */
    apr_pool_cleanup_run(u->pool, u, upload_cleanup);
    return CKPT_OK;
}

ckpt_rc ckpt_upload_release(ckpt_upload *u, const char **tmppath)
{
    *tmppath = u->tmppath;
    u->done = 1; /* closed, not removed */
    apr_pool_cleanup_run(u->pool, u, upload_cleanup);
    return CKPT_OK;
}

ckpt_rc ckpt_storage_place(apr_pool_t *p, const char *root, const char *tmppath,
                           const char *sha256, apr_off_t size, ckpt_err *err)
{
    int kept;
    ckpt_rc rc = place(p, root, tmppath, sha256, size, 0, &kept, err);

    if (rc == CKPT_OK && kept) {
        apr_file_remove(tmppath, p);
    }
    return rc;
}

ckpt_rc ckpt_storage_sync(apr_pool_t *p, const char *root, ckpt_err *err)
{
    apr_file_t *d;
    apr_os_file_t fd;
    apr_status_t rv = apr_file_open(&d, root, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);

    if (rv == APR_SUCCESS) {
        apr_os_file_get(&fd, d);
        rv = syncfs(fd) == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
        apr_file_close(d);
    }
    return rv == APR_SUCCESS ? CKPT_OK
                             : ckpt_err_os(err, p, rv, apr_psprintf(p, "syncing %s", root));
}

void ckpt_upload_discard(ckpt_upload *u)
{
    apr_pool_cleanup_run(u->pool, u, upload_cleanup);
}

ckpt_rc ckpt_storage_stage(apr_pool_t *p, const char *root, const char *buf, apr_size_t len,
                           ckpt_upload **out, ckpt_err *err)
{
    const char *sha256;
    apr_off_t size;

    if (ckpt_upload_open(p, root, out, err) != CKPT_OK
        || ckpt_upload_write(*out, buf, len, err) != CKPT_OK
        || ckpt_upload_finish(*out, &sha256, &size, err) != CKPT_OK) {
        return err->rc;
    }
    return CKPT_OK;
}

/* A temporary file that its writer no longer holds: 1 when it could be
 * locked now (the lock is dropped with the descriptor). */
static int abandoned(apr_pool_t *p, const char *path)
{
    apr_file_t *f;
    int free_;

    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p) != APR_SUCCESS) {
        return 0;
    }
    free_ = lock_file(f, LOCK_EX | LOCK_NB);
    apr_file_close(f);
    return free_;
}

/* Calls fn for each entry of dir of the given type last written before
 * cutoff, its entry read in scratch; errors are kept in p. */
typedef ckpt_rc (*file_fn)(void *baton, apr_pool_t *scratch, const char *dir,
                           const apr_finfo_t *fi, ckpt_err *err);

static ckpt_rc each_entry(apr_pool_t *p, apr_pool_t *scratch, const char *dir,
                          apr_filetype_e type, apr_time_t cutoff, file_fn fn, void *baton,
                          ckpt_err *err)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv = apr_dir_open(&d, dir, scratch);
    ckpt_rc rc = CKPT_OK;

    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "opening %s", dir));
    }
    while (rc == CKPT_OK
           && apr_dir_read(&fi, APR_FINFO_TYPE | APR_FINFO_NAME | APR_FINFO_MTIME
                                    | APR_FINFO_SIZE, d) == APR_SUCCESS) {
        if (fi.filetype == type && fi.mtime < cutoff && fi.name[0] != '.') {
            rc = fn(baton, scratch, dir, &fi, err);
        }
    }
    apr_dir_close(d);
    return rc;
}

typedef struct {
    apr_int64_t *files;
    apr_off_t *bytes;
} sweep_baton;

static ckpt_rc sweep_one(void *baton, apr_pool_t *scratch, const char *dir,
                         const apr_finfo_t *fi, ckpt_err *err)
{
    sweep_baton *b = baton;
    const char *path = apr_pstrcat(scratch, dir, "/", fi->name, NULL);

    if (abandoned(scratch, path) && apr_file_remove(path, scratch) == APR_SUCCESS) {
        (*b->files)++;
        *b->bytes += fi->size;
    }
    return CKPT_OK;
}

ckpt_rc ckpt_storage_sweep_tmp(apr_pool_t *p, const char *root, apr_time_t cutoff,
                               apr_int64_t *files, apr_off_t *bytes, ckpt_err *err)
{
    sweep_baton b = {files, bytes};

    return each_entry(p, p, apr_pstrcat(p, root, "/tmp", NULL), APR_REG, cutoff, sweep_one, &b,
                      err);
}

typedef struct {
    apr_pool_t *p;
    apr_time_t cutoff;
    const char *xx; /* the directory's two digits */
    ckpt_artifact_fn fn;
    void *baton;
} walk_baton;

static ckpt_rc walk_one(void *baton, apr_pool_t *scratch, const char *dir,
                        const apr_finfo_t *fi, ckpt_err *err)
{
    walk_baton *w = baton;
    const char *sha = apr_pstrcat(scratch, w->xx, fi->name, NULL);

    return ckpt_storage_valid_sha256(sha) ? w->fn(w->baton, sha, fi->size) : CKPT_OK;
}

/* One directory <root>/artifact/<xx>, in a pool of its own. */
static ckpt_rc walk_dir(void *baton, apr_pool_t *scratch, const char *top,
                        const apr_finfo_t *fi, ckpt_err *err)
{
    walk_baton *w = baton;
    apr_pool_t *sub;
    ckpt_rc rc = CKPT_OK;

    if (strlen(fi->name) == 2) {
        apr_pool_create(&sub, scratch);
        w->xx = apr_pstrdup(sub, fi->name);
        rc = each_entry(w->p, sub, apr_pstrcat(sub, top, "/", fi->name, NULL), APR_REG,
                        w->cutoff, walk_one, w, err);
        apr_pool_destroy(sub);
    }
    return rc;
}

ckpt_rc ckpt_storage_walk_artifacts(apr_pool_t *p, const char *root, apr_time_t cutoff,
                                    ckpt_artifact_fn fn, void *baton, ckpt_err *err)
{
    walk_baton w = {p, cutoff, NULL, fn, baton};

    return each_entry(p, p, apr_pstrcat(p, root, "/artifact", NULL), APR_DIR,
                      APR_INT64_MAX, walk_dir, &w, err);
}

ckpt_rc ckpt_storage_remove_artifact(apr_pool_t *p, const char *root, const char *sha256,
                                     apr_off_t *size, ckpt_err *err)
{
    const char *path = ckpt_storage_artifact_path(p, root, sha256);
    apr_finfo_t fi;
    apr_status_t rv;

    *size = 0;
    if (apr_stat(&fi, path, APR_FINFO_SIZE, p) != APR_SUCCESS) {
        return CKPT_OK;
    }
    rv = apr_file_remove(path, p);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_ENOENT(rv)) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "removing %s", path));
    }
    *size = fi.size;
    return CKPT_OK;
}

#define STAGE_BUF (256 * 1024)

/* Feeds the file f to writer (an upload) or to md alone. */
static ckpt_rc read_through(apr_pool_t *p, apr_file_t *f, const char *src, ckpt_upload *u,
                            EVP_MD_CTX *md, apr_off_t *size, ckpt_err *err)
{
    char *buf = apr_palloc(p, STAGE_BUF);
    apr_status_t rv;

    *size = 0;
    for (;;) {
        apr_size_t n = STAGE_BUF;
        rv = apr_file_read(f, buf, &n);
        if (rv == APR_EOF || (rv == APR_SUCCESS && n == 0)) {
            return CKPT_OK;
        }
        if (rv != APR_SUCCESS) {
            return ckpt_err_os(err, p, rv, apr_psprintf(p, "reading %s", src));
        }
        *size += (apr_off_t)n;
        if (u ? ckpt_upload_write(u, buf, n, err) != CKPT_OK
              : EVP_DigestUpdate(md, buf, n) != 1) {
            return u ? err->rc : ckpt_err_os(err, p, APR_EGENERAL, "sha256 digest");
        }
    }
}

/* A hard link to src in <root>/tmp, hashed by reading it. */
static ckpt_rc stage_link(apr_pool_t *p, const char *root, const char *src, apr_file_t *in,
                          const char **tmppath, const char **sha256, apr_off_t *size,
                          ckpt_err *err)
{
    apr_file_t *f;
    char *path;
    EVP_MD_CTX *md;
    ckpt_rc rc;
    apr_status_t rv;

    if (open_tmp(p, root, "link", 0, &f, &path, err) != CKPT_OK) {
        return err->rc;
    }
    apr_file_close(f);
    apr_file_remove(path, p);
    rv = apr_file_link(src, path);
    if (APR_STATUS_IS_EXDEV(rv) || rv == APR_FROM_OS_ERROR(EPERM)
        || rv == APR_FROM_OS_ERROR(EMLINK)) {
        return CKPT_UNSUPPORTED; /* another file system, or not ours to link: copy */
    }
    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "linking %s to %s", src, path));
    }
    md = EVP_MD_CTX_new();
    rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
             ? read_through(p, in, src, NULL, md, size, err)
             : ckpt_err_os(err, p, APR_ENOMEM, "starting a sha256 digest");
    if (rc == CKPT_OK) {
        rc = md_hex(p, md, sha256, err);
    }
    EVP_MD_CTX_free(md);
    if (rc != CKPT_OK) {
        apr_file_remove(path, p);
        return rc;
    }
    *tmppath = path;
    return CKPT_OK;
}

ckpt_rc ckpt_storage_stage_file(apr_pool_t *p, const char *root, const char *src, int link,
                                const char **tmppath, const char **sha256, apr_off_t *size,
                                ckpt_err *err)
{
    apr_file_t *in;
    ckpt_upload *u;
    ckpt_rc rc;
    apr_status_t rv = apr_file_open(&in, src, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);

    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "opening %s", src));
    }
    rc = link ? stage_link(p, root, src, in, tmppath, sha256, size, err) : CKPT_UNSUPPORTED;
    if (rc == CKPT_UNSUPPORTED
        && (rc = ckpt_upload_open_ex(p, root, CKPT_UPLOAD_NOSYNC, &u, err)) == CKPT_OK
             && (rc = read_through(p, in, src, u, NULL, size, err)) == CKPT_OK
             && (rc = ckpt_upload_finish(u, sha256, size, err)) == CKPT_OK) {
        rc = ckpt_upload_release(u, tmppath);
    }
    apr_file_close(in);
    return rc;
}

const char *ckpt_storage_chunk_path(apr_pool_t *p, const char *root, const char *id,
                                    apr_off_t offset)
{
    return apr_psprintf(p, "%s/upload/%s/%" APR_OFF_T_FMT, root, id, offset);
}

ckpt_rc ckpt_upload_commit_chunk(ckpt_upload *u, const char *id, apr_off_t offset,
                                 ckpt_err *err)
{
    apr_pool_t *p = u->pool;
    const char *top = apr_pstrcat(p, u->root, "/upload", NULL);
    const char *dir = apr_pstrcat(p, top, "/", id, NULL);
    const char *final = ckpt_storage_chunk_path(p, u->root, id, offset);
    apr_status_t rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p);

    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(u->tmppath, final, p);
    }
    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "renaming %s to %s", u->tmppath, final));
    }
    sync_dir(p, dir);
    sync_dir(p, top);
    u->done = 1; /* renamed: nothing to remove */
    apr_pool_cleanup_run(p, u, upload_cleanup);
    return CKPT_OK;
}

ckpt_rc ckpt_upload_append_file(ckpt_upload *u, const char *path, apr_off_t size,
                                ckpt_err *err)
{
    apr_pool_t *p = u->pool;
    apr_file_t *f;
    apr_off_t n = 0;
    ckpt_rc rc;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);

    if (rv != APR_SUCCESS) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "opening %s", path));
    }
    rc = read_through(p, f, path, u, NULL, &n, err);
    apr_file_close(f);
    if (rc == CKPT_OK && n != size) {
        return ckpt_err_set(err, CKPT_IOERROR, NULL,
                            apr_psprintf(p, "%s holds %" APR_OFF_T_FMT " bytes, not %"
                                            APR_OFF_T_FMT, path, n, size));
    }
    return rc;
}

ckpt_rc ckpt_storage_remove_chunks(apr_pool_t *p, const char *root, const char *id,
                                   apr_int64_t *files, apr_off_t *bytes, ckpt_err *err)
{
    const char *dir = apr_pstrcat(p, root, "/upload/", id, NULL);
    sweep_baton b = {files, bytes};
    apr_finfo_t fi;
    apr_status_t rv;

    if (apr_stat(&fi, dir, APR_FINFO_TYPE, p) != APR_SUCCESS) {
        return CKPT_OK;
    }
    /* Chunks are never locked: the sweep of tmp/ removes each of them. */
    if (each_entry(p, p, dir, APR_REG, APR_INT64_MAX, sweep_one, &b, err) != CKPT_OK) {
        return err->rc;
    }
    rv = apr_dir_remove(dir, p);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_ENOENT(rv)) {
        return ckpt_err_os(err, p, rv, apr_psprintf(p, "removing %s", dir));
    }
    return CKPT_OK;
}

typedef struct {
    ckpt_name_fn fn;
    void *baton;
} names_baton;

static ckpt_rc each_name(void *baton, apr_pool_t *scratch, const char *dir,
                         const apr_finfo_t *fi, ckpt_err *err)
{
    names_baton *b = baton;

    return b->fn(b->baton, apr_pstrdup(scratch, fi->name));
}

ckpt_rc ckpt_storage_walk_uploads(apr_pool_t *p, const char *root, apr_time_t cutoff,
                                  ckpt_name_fn fn, void *baton, ckpt_err *err)
{
    const char *dir = apr_pstrcat(p, root, "/upload", NULL);
    names_baton b = {fn, baton};
    apr_finfo_t fi;

    if (apr_stat(&fi, dir, APR_FINFO_TYPE, p) != APR_SUCCESS) {
        return CKPT_OK;
    }
    return each_entry(p, p, dir, APR_DIR, cutoff, each_name, &b, err);
}
