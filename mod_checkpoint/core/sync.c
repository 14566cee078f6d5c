/* Syncing a remote (see sync.h). */
#include <string.h>

#include <apr_strings.h>
#include <curl/curl.h>

#include "ingest.h"
#include "list.h"
#include "path.h"
#include "storage.h"
#include "sync.h"

#define MANIFEST_MAX (1024L * 1024 * 1024)

static ckpt_rc bad_line(apr_pool_t *p, ckpt_err *err, int line, const char *why)
{
    return ckpt_err_set(err, CKPT_INVALID, NULL,
                        line ? apr_psprintf(p, "PULP_MANIFEST line %d: %s", line, why)
                             : apr_psprintf(p, "PULP_MANIFEST %s", why));
}

/* One line: relative_path,sha256,size (the path may hold commas). */
static ckpt_rc parse_line(apr_pool_t *p, char *s, int line, ckpt_ingest_file **out,
                          ckpt_err *err)
{
    char *size = strrchr(s, ','), *sha;
    apr_int64_t n;
    ckpt_ingest_file *f;
    int rc;

    if (!size || size == s) {
        return bad_line(p, err, line, "not relative_path,sha256,size");
    }
    *size++ = '\0';
    sha = strrchr(s, ',');
    if (!sha) {
        return bad_line(p, err, line, "not relative_path,sha256,size");
    }
    *sha++ = '\0';
    if ((rc = ckpt_path_check_relative(s)) != CKPT_PATH_OK) {
        return bad_line(p, err, line, apr_psprintf(p, "relative_path %s", ckpt_path_error(rc)));
    }
    if (!ckpt_storage_valid_sha256(sha)) {
        return bad_line(p, err, line, "sha256 is not 64 lowercase hex digits");
    }
    if (!ckpt_number_parse(size, 0, APR_INT64_MAX, &n)) {
        return bad_line(p, err, line, "size is not a number");
    }
    f = apr_pcalloc(p, sizeof(*f));
    f->relative_path = s;
    f->sha256 = sha;
    f->size = (apr_off_t)n;
    f->mtime = -1;
    *out = f;
    return CKPT_OK;
}

ckpt_rc ckpt_sync_parse_manifest(apr_pool_t *p, const char *text, apr_size_t len,
                                 apr_array_header_t **files, ckpt_err *err)
{
    apr_hash_t *paths = apr_hash_make(p);
    char *s = apr_pstrmemdup(p, text, len), *nl;
    int line = 0;

    *files = apr_array_make(p, 1024, sizeof(ckpt_ingest_file *));
    if (len && text[len - 1] != '\n') {
        return bad_line(p, err, 0, "is truncated (its last line has no newline)");
    }
    if (strlen(s) != len) {
        return bad_line(p, err, 0, "holds a NUL byte");
    }
    for (; *s; s = nl + 1) {
        ckpt_ingest_file *f = NULL;
        nl = strchr(s, '\n');
        *nl = '\0';
        line++;
        if (nl > s && nl[-1] == '\r') {
            nl[-1] = '\0';
        }
        if (!*s) {
            continue;
        }
        if (parse_line(p, s, line, &f, err) != CKPT_OK) {
            return err->rc;
        }
        if (apr_hash_get(paths, f->relative_path, APR_HASH_KEY_STRING)) {
            return bad_line(p, err, line, "a relative_path listed twice");
        }
        apr_hash_set(paths, f->relative_path, APR_HASH_KEY_STRING, f);
        APR_ARRAY_PUSH(*files, ckpt_ingest_file *) = f;
    }
    return CKPT_OK;
}

/* The remote's base (ending in '/') and its manifest's URL. */
static void remote_urls(apr_pool_t *p, const char *url, const char **base, const char **manifest)
{
    apr_size_t n = strlen(url), m = strlen("PULP_MANIFEST");

    if (n >= m && !strcmp(url + n - m, "PULP_MANIFEST")) {
        *base = apr_pstrmemdup(p, url, n - m);
    }
    else {
        *base = n && url[n - 1] == '/' ? url : apr_pstrcat(p, url, "/", NULL);
    }
    *manifest = apr_pstrcat(p, *base, "PULP_MANIFEST", NULL);
}

/* base + relative_path, each segment percent-encoded. */
static const char *file_url(apr_pool_t *p, CURL *h, const char *base, const char *path)
{
    char *copy = apr_pstrdup(p, path), *last = NULL, *seg;
    const char *url = base;
    const char *sep = "";

    for (seg = apr_strtok(copy, "/", &last); seg; seg = apr_strtok(NULL, "/", &last)) {
        char *e = curl_easy_escape(h, seg, 0);
        url = apr_pstrcat(p, url, sep, e ? e : "", NULL);
        curl_free(e);
        sep = "/";
    }
    return url;
}

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
} membuf;

static size_t to_membuf(char *data, size_t size, size_t n, void *baton)
{
    membuf *m = baton;
    apr_size_t add = size * n;

    if (m->len + add > MANIFEST_MAX) {
        return 0;
    }
    if (m->len + add + 1 > m->cap) {
        apr_size_t cap = (m->cap ? m->cap * 2 : 65536) + add;
        char *b = apr_palloc(m->p, cap);
        if (m->len) {
            memcpy(b, m->buf, m->len);
        }
        m->buf = b;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, data, add);
    m->len += add;
    return add;
}

static void set_blob(CURL *h, CURLoption opt, const char *pem)
{
    struct curl_blob b;

    if (pem) {
        b.data = (void *)(apr_uintptr_t)pem;
        b.len = strlen(pem);
        b.flags = CURL_BLOB_COPY;
        curl_easy_setopt(h, opt, &b);
    }
}

/* A remote's connection fields (libcurl copies the strings it keeps). */
static void connection_options(CURL *h, const ckpt_sync_conn *c)
{
    if (!c) {
        return;
    }
    if (!c->tls_validation) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->proxy_url) {
        curl_easy_setopt(h, CURLOPT_PROXY, c->proxy_url);
    }
    if (c->proxy_username) {
        curl_easy_setopt(h, CURLOPT_PROXYUSERNAME, c->proxy_username);
        curl_easy_setopt(h, CURLOPT_PROXYPASSWORD, c->proxy_password ? c->proxy_password : "");
    }
    if (c->username) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    set_blob(h, CURLOPT_CAINFO_BLOB, c->ca_cert);
    set_blob(h, CURLOPT_SSLCERT_BLOB, c->client_cert);
    set_blob(h, CURLOPT_SSLKEY_BLOB, c->client_key);
    if (c->client_cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    }
}

/* Common options of every request: fail on HTTP errors, time out. */
static void request_options(CURL *h, const char *url, const ckpt_sync_conn *conn)
{
    connection_options(h, conn);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "checkpoint-sync");
}

static ckpt_rc fetch_manifest(apr_pool_t *p, const char *url, int attempts,
                              const ckpt_sync_conn *conn, membuf *m, ckpt_err *err)
{
    CURL *h = curl_easy_init();
    CURLcode cc = CURLE_FAILED_INIT;
    char why[CURL_ERROR_SIZE] = "";
    int i;

    for (i = 0; h && i < attempts; i++) {
        m->len = 0;
        curl_easy_reset(h);
        request_options(h, url, conn);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_membuf);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, m);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
        if ((cc = curl_easy_perform(h)) == CURLE_OK || cc == CURLE_HTTP_RETURNED_ERROR) {
            break; /* an answer; a 404 will not change on a retry */
        }
    }
    if (h) {
        curl_easy_cleanup(h);
    }
    if (cc != CURLE_OK) {
        return ckpt_err_set(err, CKPT_IOERROR, NULL,
                            apr_psprintf(p, "reading %s: %s", url,
                                         *why ? why : curl_easy_strerror(cc)));
    }
    return CKPT_OK;
}

/* One download slot: its handle, and the pool of its current attempt
 * (the upload's temporary file goes with it unless released). */
typedef struct {
    ckpt_ingest_file *f;
    CURL *h;
    apr_pool_t *pool;
    ckpt_upload *u;
    ckpt_err werr;
    int attempts, busy;
    char why[CURL_ERROR_SIZE];
} transfer;

typedef struct {
    apr_pool_t *p;
    const char *root, *base;
    CURLM *m;
    const apr_array_header_t *todo;   /* ckpt_ingest_file *, distinct digests */
    int next, done, attempts;
    apr_uint64_t bytes, bytes_total;
    const ckpt_ingest_hooks *hooks;
    const ckpt_sync_conn *conn;
} downloader;

static size_t to_upload(char *data, size_t size, size_t n, void *baton)
{
    transfer *t = baton;
    apr_size_t add = size * n;

    if (ckpt_upload_size(t->u) + (apr_off_t)add > t->f->size) {
        ckpt_err_set(&t->werr, CKPT_INVALID, NULL,
                     apr_psprintf(t->pool, "%s: larger than the %" APR_OFF_T_FMT
                                           " bytes the manifest says", t->f->relative_path,
                                  t->f->size));
        return 0;
    }
    return ckpt_upload_write(t->u, data, add, &t->werr) == CKPT_OK ? add : 0;
}

static ckpt_rc start(downloader *d, transfer *t, ckpt_err *err)
{
    apr_pool_clear(t->pool);
    memset(&t->werr, 0, sizeof(t->werr));
    t->why[0] = '\0';
    t->attempts++;
    t->busy = 1;
    if (ckpt_upload_open_ex(t->pool, d->root, CKPT_UPLOAD_NOSYNC, &t->u, err) != CKPT_OK) {
        return err->rc;
    }
    curl_easy_reset(t->h);
    request_options(t->h, file_url(t->pool, t->h, d->base, t->f->relative_path), d->conn);
    curl_easy_setopt(t->h, CURLOPT_WRITEFUNCTION, to_upload);
    curl_easy_setopt(t->h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->h, CURLOPT_PRIVATE, t);
    curl_easy_setopt(t->h, CURLOPT_ERRORBUFFER, t->why);
    curl_multi_add_handle(d->m, t->h);
    return CKPT_OK;
}

/* A finished download: checked and staged, tried again, or the run's end. */
static ckpt_rc finish(downloader *d, transfer *t, CURLcode cc, ckpt_err *err)
{
    const char *sha, *tmp;
    apr_off_t size;
    long status = 0;

    curl_multi_remove_handle(d->m, t->h);
    t->busy = 0;
    if (t->werr.rc != CKPT_OK) {
        *err = t->werr;
        return err->rc;
    }
    curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        if ((cc != CURLE_HTTP_RETURNED_ERROR || status >= 500) && t->attempts < d->attempts) {
            return start(d, t, err);
        }
        return ckpt_err_set(err, CKPT_IOERROR, NULL,
                            apr_psprintf(d->p, "fetching %s: %s", t->f->relative_path,
                                         *t->why ? t->why : curl_easy_strerror(cc)));
    }
    if (ckpt_upload_finish(t->u, &sha, &size, err) != CKPT_OK) {
        return err->rc;
    }
    if (size != t->f->size || strcmp(sha, t->f->sha256)) {
        return ckpt_err_set(err, CKPT_INVALID, NULL,
                            apr_psprintf(d->p, "%s: got %" APR_OFF_T_FMT " bytes with sha256 %s, "
                                               "the manifest says %" APR_OFF_T_FMT " and %s",
                                         t->f->relative_path, size, sha, t->f->size,
                                         t->f->sha256));
    }
    ckpt_upload_release(t->u, &tmp);
    t->f->staged = apr_pstrdup(d->p, tmp);
    d->done++;
    d->bytes += (apr_uint64_t)size;
    return CKPT_OK;
}

/* Gives every free slot the next file. */
static ckpt_rc fill(downloader *d, transfer *slots, int n, ckpt_err *err)
{
    int i;

    for (i = 0; i < n && d->next < d->todo->nelts; i++) {
        if (!slots[i].busy) {
            slots[i].f = APR_ARRAY_IDX(d->todo, d->next++, ckpt_ingest_file *);
            slots[i].attempts = 0;
            if (start(d, &slots[i], err) != CKPT_OK) {
                return err->rc;
            }
        }
    }
    return CKPT_OK;
}

/* Moves the transfers on, reads what finished and refills the slots, so
 * that the wait that follows has something to wait for: with nothing in
 * flight curl_multi_poll sleeps its whole timeout (small files on a fast
 * link often all finish in one perform). */
static ckpt_rc step(downloader *d, transfer *slots, int n, ckpt_err *err)
{
    CURLMsg *msg;
    int running, left;

    if (fill(d, slots, n, err) != CKPT_OK) {
        return err->rc;
    }
    curl_multi_perform(d->m, &running);
    while ((msg = curl_multi_info_read(d->m, &left))) {
        transfer *t = NULL;
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (finish(d, t, msg->data.result, err) != CKPT_OK) {
            return err->rc;
        }
    }
    return fill(d, slots, n, err);
}

static ckpt_rc download(downloader *d, int n, ckpt_err *err)
{
    transfer *slots = apr_pcalloc(d->p, sizeof(transfer) * (apr_size_t)n);
    ckpt_rc rc = CKPT_OK;
    int i;

    d->m = curl_multi_init();
    for (i = 0; i < n; i++) {
        slots[i].h = curl_easy_init();
        apr_pool_create(&slots[i].pool, d->p);
    }
    while (rc == CKPT_OK && d->done < d->todo->nelts) {
        if ((rc = step(d, slots, n, err)) == CKPT_OK
            && (rc = ckpt_ingest_cancelled(d->hooks, err)) == CKPT_OK) {
            ckpt_ingest_report(d->hooks, "downloading", (apr_uint64_t)d->done,
                               (apr_uint64_t)d->todo->nelts, d->bytes, d->bytes_total);
            curl_multi_poll(d->m, NULL, 0, 100, NULL);
        }
    }
    for (i = 0; i < n; i++) {
        if (slots[i].busy) {
            curl_multi_remove_handle(d->m, slots[i].h);
        }
        curl_easy_cleanup(slots[i].h);
        apr_pool_destroy(slots[i].pool); /* an unfinished download's file goes */
    }
    curl_multi_cleanup(d->m);
    return rc;
}

/* The changed files whose digest storage lacks, each digest once. */
static apr_array_header_t *missing(apr_pool_t *p, const char *root,
                                   const apr_array_header_t *changed, apr_uint64_t *bytes)
{
    apr_array_header_t *todo = apr_array_make(p, changed->nelts + 1, sizeof(ckpt_ingest_file *));
    apr_hash_t *seen = apr_hash_make(p);
    apr_finfo_t fi;
    int i;

    *bytes = 0;
    for (i = 0; i < changed->nelts; i++) {
        ckpt_ingest_file *f = APR_ARRAY_IDX(changed, i, ckpt_ingest_file *);
        if (apr_hash_get(seen, f->sha256, APR_HASH_KEY_STRING)
            || (apr_stat(&fi, ckpt_storage_artifact_path(p, root, f->sha256), APR_FINFO_SIZE, p)
                    == APR_SUCCESS
                && fi.size == f->size)) {
            continue;
        }
        apr_hash_set(seen, f->sha256, APR_HASH_KEY_STRING, f);
        APR_ARRAY_PUSH(todo, ckpt_ingest_file *) = f;
        *bytes += (apr_uint64_t)f->size;
    }
    return todo;
}

static ckpt_rc run(const ckpt_ingest_ctx *c, ckpt_ingest_req *in, ckpt_ingest_result *res,
                   ckpt_err *err)
{
    apr_pool_t *p = c->p;
    const ckpt_sync_req *req = c->req;
    downloader d = {p, c->root, NULL, NULL, NULL, 0, 0, req->attempts > 0 ? req->attempts : 3,
                    0, 0, c->hooks, req->conn};
    const char *manifest;
    membuf m = {p, NULL, 0, 0};
    apr_array_header_t *changed;
    apr_time_t start = apr_time_now();
    int i;

    remote_urls(p, req->url, &d.base, &manifest);
    if (fetch_manifest(p, manifest, d.attempts, req->conn, &m, err) != CKPT_OK
        || ckpt_sync_parse_manifest(p, m.buf ? m.buf : "", m.len, &in->files, err) != CKPT_OK
        || ckpt_ingest_changed(c->db, p, in, &changed, err) != CKPT_OK) {
        return err->rc;
    }
    res->t_read = apr_time_now() - start;
    res->files = in->files->nelts;
    for (i = 0; i < in->files->nelts; i++) {
        res->bytes += APR_ARRAY_IDX(in->files, i, ckpt_ingest_file *)->size;
    }
    d.todo = missing(p, c->root, changed, &d.bytes_total);
    res->hashed = d.todo->nelts;
    if (download(&d, req->connections > 0 ? req->connections : 4, err) != CKPT_OK) {
        return err->rc;
    }
    res->t_fetch = apr_time_now() - start - res->t_read;
    if (ckpt_ingest_store(c->db, p, c->root, changed, res, err) != CKPT_OK
        || ckpt_ingest_cancelled(c->hooks, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_ingest_commit(c->db, p, in, res, err);
}

ckpt_rc ckpt_sync(ckpt_db *db, apr_pool_t *p, const char *root, const ckpt_sync_req *req,
                  const ckpt_ingest_hooks *hooks, ckpt_ingest_result *res, ckpt_err *err)
{
    ckpt_ingest_ctx c = {db, p, root, req, hooks};
    ckpt_rc rc;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return ckpt_err_set(err, CKPT_IOERROR, NULL, "cannot initialise libcurl");
    }
    rc = ckpt_ingest_run(&c, req->repository_id, req->additive, "sync", run, res, err);
    curl_global_cleanup();
    return rc;
}
