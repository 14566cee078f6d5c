/* Content-addressed storage (see storage.h). */
#include <string.h>

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

apr_status_t ckpt_storage_check_writable(apr_pool_t *p, const char *root)
{
    char *path = apr_pstrcat(p, root, "/tmp/probe.XXXXXX", NULL);
    apr_file_t *f;
    apr_size_t n = 2;
    apr_status_t rv;

    rv = apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE
                                       | APR_FOPEN_EXCL, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write(f, "ok", &n);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    apr_file_close(f);
    apr_file_remove(path, p);
    return rv;
}

static apr_status_t upload_cleanup(void *data)
{
    ckpt_upload *u = data;

    if (u->md) {
        EVP_MD_CTX_free(u->md);
        u->md = NULL;
    }
    if (!u->done) {
        if (u->file) {
            apr_file_close(u->file);
            u->file = NULL;
        }
        apr_file_remove(u->tmppath, u->pool);
        u->done = 1;
    }
    return APR_SUCCESS;
}

apr_status_t ckpt_upload_open(apr_pool_t *p, const char *root, ckpt_upload **out)
{
    ckpt_upload *u = apr_pcalloc(p, sizeof(*u));
    apr_status_t rv;

    u->pool = p;
    u->root = root;
    u->tmppath = apr_pstrcat(p, root, "/tmp/upload.XXXXXX", NULL);
    rv = apr_file_mktemp(&u->file, u->tmppath,
                         APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                             | APR_FOPEN_BUFFERED,
                         p);
    if (rv != APR_SUCCESS) {
        u->done = 1;
        return rv;
    }
    u->md = EVP_MD_CTX_new();
    if (!u->md || EVP_DigestInit_ex(u->md, EVP_sha256(), NULL) != 1) {
        upload_cleanup(u);
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, u, upload_cleanup, apr_pool_cleanup_null);
    *out = u;
    return APR_SUCCESS;
}

apr_status_t ckpt_upload_write(ckpt_upload *u, const char *buf, apr_size_t len)
{
    apr_size_t written;
    apr_status_t rv;

    if (len == 0) {
        return APR_SUCCESS;
    }
    rv = apr_file_write_full(u->file, buf, len, &written);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (EVP_DigestUpdate(u->md, buf, len) != 1) {
        return APR_EGENERAL;
    }
    u->size += (apr_off_t)len;
    return APR_SUCCESS;
}

apr_status_t ckpt_upload_finish(ckpt_upload *u, const char **sha256, apr_off_t *size)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    char *s;
    apr_status_t rv;

    rv = apr_file_flush(u->file);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(u->file);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_close(u->file);
    u->file = NULL;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (EVP_DigestFinal_ex(u->md, md, &mdlen) != 1 || mdlen != 32) {
        return APR_EGENERAL;
    }
    s = apr_palloc(u->pool, 65);
    for (i = 0; i < mdlen; i++) {
        s[2 * i] = hex[md[i] >> 4];
        s[2 * i + 1] = hex[md[i] & 0x0f];
    }
    s[64] = '\0';
    u->sha256 = s;
    *sha256 = s;
    *size = u->size;
    return APR_SUCCESS;
}

static void sync_dir(apr_pool_t *p, const char *dir)
{
    apr_file_t *d;
    if (apr_file_open(&d, dir, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p) == APR_SUCCESS) {
        apr_file_sync(d);
        apr_file_close(d);
    }
}

apr_status_t ckpt_upload_commit(ckpt_upload *u)
{
    const char *final = ckpt_storage_artifact_path(u->pool, u->root, u->sha256);
    const char *dir = apr_pstrcat(u->pool, u->root, "/artifact/",
                                  apr_pstrmemdup(u->pool, u->sha256, 2), NULL);
    apr_finfo_t fi;
    apr_status_t rv;

    rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, u->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (apr_stat(&fi, final, APR_FINFO_SIZE, u->pool) == APR_SUCCESS && fi.size == u->size) {
        /* Same digest, same bytes: keep the one that is there. */
        apr_file_remove(u->tmppath, u->pool);
        u->done = 1;
        return APR_SUCCESS;
    }
    /* Readable by the server's children whoever wrote it. */
    apr_file_perms_set(u->tmppath, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD
                                       | APR_FPROT_WREAD);
    rv = apr_file_rename(u->tmppath, final, u->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    u->done = 1;
    sync_dir(u->pool, dir);
    return APR_SUCCESS;
}

void ckpt_upload_discard(ckpt_upload *u)
{
    apr_pool_cleanup_run(u->pool, u, upload_cleanup);
}

apr_status_t ckpt_storage_put(apr_pool_t *p, const char *root, const char *buf, apr_size_t len,
                              const char **sha256)
{
    ckpt_upload *u;
    apr_off_t size;
    apr_status_t rv = ckpt_upload_open(p, root, &u);

    if (rv == APR_SUCCESS) {
        rv = ckpt_upload_write(u, buf, len);
    }
    if (rv == APR_SUCCESS) {
        rv = ckpt_upload_finish(u, sha256, &size);
    }
    if (rv == APR_SUCCESS) {
        rv = ckpt_upload_commit(u);
    }
    return rv;
}
