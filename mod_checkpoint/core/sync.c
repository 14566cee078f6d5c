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

/* One line: relative_path,sha256,size (the path may hold commas); the
 * file from fp (a batch's pool), what a failure says from p. */
static ckpt_rc parse_line(apr_pool_t *p, apr_pool_t *fp, char *s, int line,
                          ckpt_ingest_file **out, ckpt_err *err)
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
    f = apr_pcalloc(fp, sizeof(*f));
    f->relative_path = s;
    f->sha256 = sha;
    f->size = (apr_off_t)n;
    f->mtime = -1;
    *out = f;
    return CKPT_OK;
}

/* A manifest read a chunk at a time (it may be larger than memory should
 * hold): complete lines are checked and their files handed on a batch
 * at a time; a path given twice within a batch is refused here, across
 * batches by whoever takes them (the run's table). */
typedef ckpt_rc (*batch_fn)(void *baton, apr_array_header_t *files, int first, int last,
                            ckpt_err *err);

typedef struct {
    apr_pool_t *p;           /* errors */
    apr_pool_t *batch;       /* the files of the batch in hand */
    apr_array_header_t *files;
    apr_hash_t *paths;
    int line, first;         /* lines read; the batch's first */
    char *part;              /* a line not yet ended, up to MANIFEST_LINE_MAX bytes */
    apr_size_t plen;
    batch_fn fn;
    void *baton;
} manifest_reader;

/* The longest line: a path, a digest, a size and their commas. */
#define MANIFEST_LINE_MAX (CKPT_PATH_MAX + 64 + 24)

static void reader_init(manifest_reader *m, apr_pool_t *p, batch_fn fn, void *baton)
{
    memset(m, 0, sizeof(*m));
    m->p = p;
    m->fn = fn;
    m->baton = baton;
    m->part = apr_palloc(p, MANIFEST_LINE_MAX + 1);
    apr_pool_create(&m->batch, p);
    m->files = apr_array_make(m->batch, CKPT_INGEST_BATCH, sizeof(ckpt_ingest_file *));
    m->paths = apr_hash_make(m->batch);
}

/* The batch in hand to fn, and a new one begun. */
static ckpt_rc hand_on(manifest_reader *m, ckpt_err *err)
{
    if (m->files->nelts && m->fn(m->baton, m->files, m->first, m->line, err) != CKPT_OK) {
        return err->rc;
    }
    apr_pool_clear(m->batch);
    m->files = apr_array_make(m->batch, CKPT_INGEST_BATCH, sizeof(ckpt_ingest_file *));
    m->paths = apr_hash_make(m->batch);
    return CKPT_OK;
}

/* One line (without its newline), s of the batch's pool. */
static ckpt_rc one_line(manifest_reader *m, char *s, ckpt_err *err)
{
    ckpt_ingest_file *f = NULL;
    apr_size_t n = strlen(s);

    m->line++;
    if (n && s[n - 1] == '\r') {
        s[n - 1] = '\0';
    }
    if (!*s) {
        return CKPT_OK;
    }
    if (parse_line(m->p, m->batch, s, m->line, &f, err) != CKPT_OK) {
        return err->rc;
    }
    if (apr_hash_get(m->paths, f->relative_path, APR_HASH_KEY_STRING)) {
        return bad_line(m->p, err, m->line, "a relative_path listed twice");
    }
    if (!m->files->nelts) {
        m->first = m->line;
    }
    apr_hash_set(m->paths, f->relative_path, APR_HASH_KEY_STRING, f);
    APR_ARRAY_PUSH(m->files, ckpt_ingest_file *) = f;
    return m->files->nelts == CKPT_INGEST_BATCH ? hand_on(m, err) : CKPT_OK;
}

/* The next len bytes of the manifest. */
static ckpt_rc reader_feed(manifest_reader *m, const char *data, apr_size_t len, ckpt_err *err)
{
    const char *end = data + len, *nl;

    if (memchr(data, '\0', len)) {
        return bad_line(m->p, err, 0, "holds a NUL byte");
    }
    while (data < end) {
        apr_size_t take;
        nl = memchr(data, '\n', (apr_size_t)(end - data));
        take = (apr_size_t)((nl ? nl : end) - data);
        if (m->plen + take > MANIFEST_LINE_MAX) {
            return bad_line(m->p, err, m->line + 1, "is too long");
        }
        memcpy(m->part + m->plen, data, take);
        m->plen += take;
        data += take;
        if (nl) {
            data++;
            if (one_line(m, apr_pstrmemdup(m->batch, m->part, m->plen), err) != CKPT_OK) {
                return err->rc;
            }
            m->plen = 0;
        }
    }
    return CKPT_OK;
}

/* The manifest's end: its last line must have ended. */
static ckpt_rc reader_end(manifest_reader *m, ckpt_err *err)
{
    if (m->plen) {
        return bad_line(m->p, err, 0, "is truncated (its last line has no newline)");
    }
    return hand_on(m, err);
}

/* A path given again in a later batch (first to last are its lines). */
static ckpt_rc twice(apr_pool_t *p, int first, int last, ckpt_err *err)
{
    return ckpt_err_set(err, CKPT_INVALID, NULL,
                        apr_psprintf(p, "PULP_MANIFEST lines %d to %d: a relative_path listed "
                                        "twice (there and on an earlier line)", first, last));
}

/* Every file in order, for ckpt_sync_parse_manifest (in all's pool). */
typedef struct {
    apr_array_header_t *all;
    apr_hash_t *seen;
} collected;

static ckpt_rc collect(void *baton, apr_array_header_t *files, int first, int last,
                       ckpt_err *err)
{
    collected *c = baton;
    apr_pool_t *p = c->all->pool;
    int i;

    for (i = 0; i < files->nelts; i++) {
        ckpt_ingest_file *f = apr_pmemdup(p, APR_ARRAY_IDX(files, i, ckpt_ingest_file *),
                                          sizeof(ckpt_ingest_file));
        f->relative_path = apr_pstrdup(p, f->relative_path);
        f->sha256 = apr_pstrdup(p, f->sha256);
        if (apr_hash_get(c->seen, f->relative_path, APR_HASH_KEY_STRING)) {
            return twice(p, first, last, err);
        }
        apr_hash_set(c->seen, f->relative_path, APR_HASH_KEY_STRING, f);
        APR_ARRAY_PUSH(c->all, ckpt_ingest_file *) = f;
    }
    return CKPT_OK;
}

ckpt_rc ckpt_sync_parse_manifest(apr_pool_t *p, const char *text, apr_size_t len,
                                 apr_array_header_t **files, ckpt_err *err)
{
    collected c;
    manifest_reader m;

    c.all = *files = apr_array_make(p, 16, sizeof(ckpt_ingest_file *));
    c.seen = apr_hash_make(p);
    reader_init(&m, p, collect, &c);
    if (reader_feed(&m, text, len, err) != CKPT_OK || reader_end(&m, err) != CKPT_OK) {
        return err->rc;
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

/* The manifest as it arrives: a scratch file in storage, so that a
 * manifest of a million files costs no memory. */
typedef struct {
    apr_file_t *f;
    apr_off_t len;
} spool;

static size_t to_spool(char *data, size_t size, size_t n, void *baton)
{
    spool *m = baton;
    apr_size_t add = size * n;

    if (m->len + (apr_off_t)add > MANIFEST_MAX
        || apr_file_write_full(m->f, data, add, NULL) != APR_SUCCESS) {
        return 0;
    }
    m->len += (apr_off_t)add;
    return add;
}

/* Empties the spool for another attempt, or rewinds it to be read. */
static apr_status_t rewind_spool(spool *m, int empty)
{
    apr_off_t at = 0;
    apr_status_t rv = apr_file_seek(m->f, APR_SET, &at);

    if (rv == APR_SUCCESS && empty) {
        rv = apr_file_trunc(m->f, 0);
        m->len = 0;
    }
    return rv;
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
                              const ckpt_sync_conn *conn, spool *m, ckpt_err *err)
{
    CURL *h = curl_easy_init();
    CURLcode cc = CURLE_FAILED_INIT;
    char why[CURL_ERROR_SIZE] = "";
    int i;

    for (i = 0; h && i < attempts; i++) {
        if (rewind_spool(m, 1) != APR_SUCCESS) {
            break;
        }
        curl_easy_reset(h);
        request_options(h, url, conn);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_spool);
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

/* The run's manifest files into its table, a batch at a time, counted. */
typedef struct {
    ckpt_db *db;
    apr_pool_t *p;
    ckpt_ingest_result *res;
    const ckpt_ingest_hooks *hooks;
} loader;

static ckpt_rc load_batch(void *baton, apr_array_header_t *files, int first, int last,
                          ckpt_err *err)
{
    loader *l = baton;
    int i;

    if (ckpt_ingest_tree_add(l->db, l->p, files, NULL, err) != CKPT_OK) {
        return err->rc == CKPT_INVALID ? twice(l->p, first, last, err) : err->rc;
    }
    l->res->files += files->nelts;
    for (i = 0; i < files->nelts; i++) {
        l->res->bytes += APR_ARRAY_IDX(files, i, ckpt_ingest_file *)->size;
    }
    ckpt_ingest_report(l->hooks, "reading", (apr_uint64_t)l->res->files, 0,
                       (apr_uint64_t)l->res->bytes, 0);
    return ckpt_ingest_cancelled(l->hooks, err);
}

/* The remote's manifest, read through a scratch file into the run's
 * table: all of it checked before anything is fetched. */
static ckpt_rc read_manifest(const ckpt_ingest_ctx *c, const char *url, int attempts,
                             ckpt_ingest_result *res, ckpt_err *err)
{
    const ckpt_sync_req *req = c->req;
    loader l = {c->db, c->p, res, c->hooks};
    manifest_reader m;
    spool sp = {NULL, 0};
    apr_pool_t *p;
    char *buf;
    apr_status_t rv = APR_SUCCESS;
    ckpt_rc rc;

    apr_pool_create(&p, c->p);
    buf = apr_palloc(p, 65536);
    reader_init(&m, p, load_batch, &l);
    m.p = c->p;
    rc = ckpt_storage_scratch(p, c->root, "manifest", &sp.f, err);
    if (rc == CKPT_OK && (rc = fetch_manifest(c->p, url, attempts, req->conn, &sp, err)) == CKPT_OK
        && (rv = rewind_spool(&sp, 0)) == APR_SUCCESS) {
        apr_size_t n = 65536;
        while (rc == CKPT_OK && (rv = apr_file_read(sp.f, buf, &n)) == APR_SUCCESS) {
            rc = reader_feed(&m, buf, n, err);
            n = 65536;
        }
        if (rc == CKPT_OK && rv == APR_EOF) {
            rc = reader_end(&m, err);
        }
    }
    if (rc == CKPT_OK && rv != APR_EOF) {
        rc = ckpt_err_os(err, c->p, rv, "reading the manifest back from storage");
    }
    apr_pool_destroy(p); /* the scratch file goes */
    return rc;
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
    apr_pool_t *p;                    /* the run's: what a failure says */
    apr_pool_t *page;                 /* the page's: its staged files' names */
    ckpt_db *db;
    const char *root, *base;
    CURLM *m;
    apr_array_header_t *todo;         /* the page's digests storage lacks */
    int next, done, attempts;
    apr_int64_t fetched;              /* downloads, in all */
    apr_uint64_t files_done, files_total, bytes_done, bytes_total;
    const ckpt_ingest_hooks *hooks;
    ckpt_ingest_req *in;              /* the run's: its spool */
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
    t->f->staged = apr_pstrdup(d->page, tmp);
    d->done++;
    d->fetched++;
    d->files_done++;
    d->bytes_done += (apr_uint64_t)size;
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

static void report_downloads(const downloader *d)
{
    ckpt_ingest_report(d->hooks, "downloading", d->files_done, d->files_total, d->bytes_done,
                       d->bytes_total);
}

/* The page's downloads, until every one is staged or one fails. */
static ckpt_rc drain(downloader *d, transfer *slots, int n, ckpt_err *err)
{
    ckpt_rc rc = CKPT_OK;

    while (rc == CKPT_OK && d->done < d->todo->nelts) {
        if ((rc = step(d, slots, n, err)) == CKPT_OK
            && (rc = ckpt_ingest_cancelled(d->hooks, err)) == CKPT_OK) {
            report_downloads(d);
            curl_multi_poll(d->m, NULL, 0, 100, NULL);
        }
    }
    return rc;
}

/* A page of the digests to have (each once): leased, so that orphan
 * cleanup spares them from now on; then those storage lacks are
 * downloaded and staged, and the run's table takes their staged files. */
static ckpt_rc fetch_page(downloader *d, transfer *slots, int n, apr_array_header_t *page,
                          ckpt_err *err)
{
    ckpt_rc rc;
    int i;

    if (ckpt_ingest_lease(d->db, d->page, page, 0, err) != CKPT_OK) {
        return err->rc;
    }
    d->todo = apr_array_make(d->page, page->nelts + 1, sizeof(ckpt_ingest_file *));
    d->next = d->done = 0;
    for (i = 0; i < page->nelts; i++) {
        ckpt_ingest_file *f = APR_ARRAY_IDX(page, i, ckpt_ingest_file *);
        if (ckpt_storage_has(d->page, d->root, f->sha256, f->size)) {
            d->files_done++;
            d->bytes_done += (apr_uint64_t)f->size;
            continue;
        }
        APR_ARRAY_PUSH(d->todo, ckpt_ingest_file *) = f;
    }
    rc = drain(d, slots, n, err);
    if (rc == CKPT_OK) {
        rc = ckpt_ingest_tree_hashed(d->db, d->page, d->in, d->todo, NULL, err);
    }
    if (rc != CKPT_OK) {
        ckpt_ingest_discard(d->page, d->todo); /* staged, not yet the table's */
    }
    return rc;
}

/* Every digest of the run's second table, a page at a time, over n
 * connections kept across pages. */
static ckpt_rc fetch_all(downloader *d, int n, ckpt_err *err)
{
    transfer *slots = apr_pcalloc(d->p, sizeof(transfer) * (apr_size_t)n);
    apr_array_header_t *page;
    const char *after = "";
    ckpt_rc rc = CKPT_OK;
    int i;

    d->m = curl_multi_init();
    apr_pool_create(&d->page, d->p);
    for (i = 0; i < n; i++) {
        slots[i].h = curl_easy_init();
        apr_pool_create(&slots[i].pool, d->p);
    }
    while (rc == CKPT_OK) {
        apr_pool_clear(d->page);
        if ((rc = ckpt_ingest_digest_page(d->db, d->page, after, CKPT_INGEST_BATCH, &page, err))
                != CKPT_OK
            || !page->nelts) {
            break;
        }
        if ((rc = fetch_page(d, slots, n, page, err)) == CKPT_OK
            && (rc = ckpt_ingest_cancelled(d->hooks, err)) == CKPT_OK) {
            report_downloads(d);
        }
        after = apr_pstrdup(d->p, APR_ARRAY_IDX(page, page->nelts - 1, ckpt_ingest_file *)->sha256);
    }
    for (i = 0; i < n; i++) {
        if (slots[i].busy) {
            curl_multi_remove_handle(d->m, slots[i].h);
        }
        curl_easy_cleanup(slots[i].h);
        apr_pool_destroy(slots[i].pool); /* an unfinished download's file goes */
    }
    curl_multi_cleanup(d->m);
    apr_pool_destroy(d->page);
    return rc;
}

static ckpt_rc run(const ckpt_ingest_ctx *c, ckpt_ingest_result *res, ckpt_err *err)
{
    const ckpt_sync_req *req = c->req;
    downloader d;
    const char *manifest;
    apr_time_t start = apr_time_now();

    memset(&d, 0, sizeof(d));
    d.p = c->p;
    d.db = c->db;
    d.root = c->root;
    d.attempts = req->attempts > 0 ? req->attempts : 3;
    d.hooks = c->hooks;
    d.conn = req->conn;
    d.in = c->in;
    remote_urls(c->p, req->url, &d.base, &manifest);
    if (read_manifest(c, manifest, d.attempts, res, err) != CKPT_OK
        || ckpt_ingest_tree_digests(c->db, c->p, c->in->repository_id, &d.files_total,
                                    &d.bytes_total, err) != CKPT_OK) {
        return err->rc;
    }
    res->t_read = apr_time_now() - start;
    if (fetch_all(&d, req->connections > 0 ? req->connections : 4, err) != CKPT_OK) {
        return err->rc;
    }
    res->hashed = d.fetched;
    res->t_fetch = apr_time_now() - start - res->t_read;
    if (ckpt_ingest_cancelled(c->hooks, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_ingest_finish(c->db, c->p, c->root, c->hooks, c->in, res, err);
}

ckpt_rc ckpt_sync(ckpt_db *db, apr_pool_t *p, const char *root, const ckpt_sync_req *req,
                  const ckpt_ingest_hooks *hooks, ckpt_ingest_result *res, ckpt_err *err)
{
    ckpt_ingest_ctx c = {db, p, root, req, hooks, NULL};
    ckpt_rc rc;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return ckpt_err_set(err, CKPT_IOERROR, NULL, "cannot initialise libcurl");
    }
    rc = ckpt_ingest_run(&c, req->repository_id, req->additive, "sync", run, res, err);
    curl_global_cleanup();
    return rc;
}
