/* Reading the management API's requests: the one body reader, the one
 * Content-Type check, the query string and its paging. */
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <util_filter.h>

#include "api.h"
#include "list.h"
#include "path.h"

#define READ_CHUNK (64 * 1024)

ckpt_rc ckpt_api_content_type(ckpt_api_req *a, const char *type, ckpt_err *err)
{
    const char *ct = apr_table_get(a->r->headers_in, "Content-Type");
    apr_size_t n = strlen(type);

    if (ct && !strncasecmp(ct, type, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ')) {
        return CKPT_OK;
    }
    return ckpt_err_set(err, CKPT_UNSUPPORTED, NULL,
                        apr_psprintf(a->r->pool, "Unsupported media type \"%s\" in request.",
                                     ct ? ct : ""));
}

/* A body announced larger than limit, or than httpd's own LimitRequestBody
 * (which would otherwise answer with its HTML page), is refused before a
 * byte of it is read. */
static ckpt_rc check_announced(request_rec *r, apr_off_t limit, ckpt_err *err)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t core = ap_get_limit_req_body(r), n;

    if (!cl || apr_strtoff(&n, cl, NULL, 10) != APR_SUCCESS) {
        return CKPT_OK; /* chunked, or httpd refuses it itself */
    }
    if ((limit && n > limit) || (core && n > core)) {
        return ckpt_err_set(err, CKPT_TOOLARGE, NULL, "Request body too large.");
    }
    return CKPT_OK;
}

/* Hands one brigade's data to sink; *eos when the body ended. */
static ckpt_rc drain(apr_bucket_brigade *bb, apr_off_t limit, apr_off_t *total, int *eos,
                     ckpt_body_sink sink, void *baton, ckpt_err *err)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;

        if (APR_BUCKET_IS_EOS(b)) {
            *eos = 1;
            break;
        }
        if (APR_BUCKET_IS_METADATA(b)) {
            continue;
        }
        if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) != APR_SUCCESS) {
            return ckpt_err_set(err, CKPT_INVALID, NULL, "Could not read the request body.");
        }
        *total += (apr_off_t)len;
        if (limit && *total > limit) {
            return ckpt_err_set(err, CKPT_TOOLARGE, NULL, "Request body too large.");
        }
        if (sink(baton, data, len, err) != CKPT_OK) {
            return err->rc;
        }
    }
    return CKPT_OK;
}

ckpt_rc ckpt_api_read_body(ckpt_api_req *a, apr_off_t limit, ckpt_body_sink sink, void *baton,
                           ckpt_err *err)
{
    request_rec *r = a->r;
    apr_bucket_brigade *bb;
    apr_off_t total = 0;
    int eos = 0;
    ckpt_rc rc = check_announced(r, limit, err);

    /* What httpd itself refuses while the body is read (a body over its
     * LimitRequestBody that no Content-Length announced, a broken chunk)
     * it answers with its error page; made an internal redirect, the
     * answer comes from api.c as JSON. */
    ap_custom_response(r, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_pstrcat(r->pool, a->root, "status/",
                                                                     NULL));
    ap_custom_response(r, HTTP_BAD_REQUEST, apr_pstrcat(r->pool, a->root, "status/", NULL));
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (rc == CKPT_OK && !eos) {
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, READ_CHUNK);
        if (rv == AP_FILTER_ERROR) {
            a->answered = 1;
            rc = ckpt_err_set(err, CKPT_TOOLARGE, NULL, NULL);
            break;
        }
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r,
                          CKPTLOGNO(300) "reading the request body failed after %" APR_OFF_T_FMT
                                         " bytes",
                          total);
            rc = ckpt_err_set(err, rv == APR_ENOSPC ? CKPT_TOOLARGE : CKPT_INVALID, NULL,
                              rv == APR_ENOSPC ? "Request body too large."
                                               : "Could not read the request body.");
            break;
        }
        rc = drain(bb, limit, &total, &eos, sink, baton, err);
        apr_brigade_cleanup(bb);
    }
    apr_brigade_destroy(bb);
    return rc;
}

static ckpt_rc keep_json(void *baton, const char *buf, apr_size_t len, ckpt_err *err)
{
    return apr_brigade_write(baton, NULL, NULL, buf, len) == APR_SUCCESS
               ? CKPT_OK
               : ckpt_err_set(err, CKPT_INVALID, NULL, "Could not read the request body.");
}

ckpt_rc ckpt_api_read_json(ckpt_api_req *a, ckpt_json **out, ckpt_err *err)
{
    request_rec *r = a->r;
    apr_bucket_brigade *body = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    const char *why = NULL;
    char *buf;
    apr_size_t len;

    if (ckpt_api_content_type(a, "application/json", err) != CKPT_OK
        || ckpt_api_read_body(a, (apr_off_t)a->sconf->json_limit, keep_json, body, err)
               != CKPT_OK) {
        return err->rc;
    }
    if (apr_brigade_pflatten(body, &buf, &len, r->pool) != APR_SUCCESS) {
        return ckpt_err_set(err, CKPT_INVALID, NULL, "Could not read the request body.");
    }
    *out = ckpt_json_parse(r->pool, buf, len, &why);
    if (!*out) {
        return ckpt_err_set(err, CKPT_INVALID, NULL, why);
    }
    if (ckpt_json_typeof(*out) != CKPT_JSON_OBJECT) {
        return ckpt_err_set(err, CKPT_INVALID, NULL,
                            apr_psprintf(r->pool, "Expected a JSON object but got %s.",
                                         ckpt_json_type_name(*out)));
    }
    return CKPT_OK;
}

static int allowed_name(const char *const *allowed, const char *key)
{
    if (!allowed) {
        return 1;
    }
    for (; *allowed; allowed++) {
        if (!strcmp(*allowed, key)) {
            return 1;
        }
    }
    return 0;
}

/* One "key=value" of the query: decoded, known, valid text. */
static ckpt_rc query_pair(apr_pool_t *p, char *pair, const char *const *allowed,
                          apr_table_t *t, ckpt_err *err)
{
    char *eq = strchr(pair, '=');
    char *val = eq ? eq + 1 : pair + strlen(pair);
    const char *raw = apr_pstrmemdup(p, pair, eq ? (apr_size_t)(eq - pair) : strlen(pair));

    if (eq) {
        *eq = '\0';
    }
    if (ap_unescape_urlencoded(pair) != OK || ckpt_path_check_request(pair) != CKPT_PATH_OK) {
        return ckpt_err_invalid(err, raw, "This query parameter's name cannot be decoded.");
    }
    if (!allowed_name(allowed, pair)) {
        return ckpt_err_invalid(err, pair, "Unknown query parameter.");
    }
    /* A filter on "a%00b" would otherwise be dropped, and match everything. */
    if (ap_unescape_urlencoded(val) != OK || ckpt_path_check_request(val) != CKPT_PATH_OK) {
        return ckpt_err_invalid(err, pair, "This value cannot be decoded as UTF-8 text.");
    }
    apr_table_set(t, pair, val);
    return CKPT_OK;
}

ckpt_rc ckpt_api_query(ckpt_api_req *a, const char *const *allowed, apr_table_t **out,
                       ckpt_err *err)
{
    apr_pool_t *p = a->r->pool;
    char *args, *pair, *last = NULL;

    *out = apr_table_make(p, 8);
    if (!a->r->args) {
        return CKPT_OK;
    }
    args = apr_pstrdup(p, a->r->args);
    for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        if (query_pair(p, pair, allowed, *out, err) != CKPT_OK) {
            return err->rc;
        }
    }
    return CKPT_OK;
}

ckpt_rc ckpt_api_page(apr_table_t *q, ckpt_page *pg, ckpt_err *err)
{
    const char *l = apr_table_get(q, "limit"), *o = apr_table_get(q, "offset");

    pg->limit = CKPT_PAGE_DEFAULT;
    pg->offset = 0;
    if (l && !ckpt_number_parse(l, 1, CKPT_PAGE_MAX, &pg->limit)) {
        return ckpt_err_invalid(err, "limit", "A valid integer between 1 and 1000 is required.");
    }
    if (o && !ckpt_number_parse(o, 0, APR_INT64_C(1000000000000), &pg->offset)) {
        return ckpt_err_invalid(err, "offset", "A valid non-negative integer is required.");
    }
    return CKPT_OK;
}

ckpt_rc ckpt_api_version_filter(ckpt_api_req *a, apr_table_t *q, const char *key,
                                const char **repo, int *number, ckpt_err *err)
{
    const char *v = apr_table_get(q, key);

    *repo = NULL;
    *number = 0;
    if (v && !ckpt_href_parse(a->r->pool, a->root, CKPT_HREF_VERSION, v, repo, number)) {
        return ckpt_err_invalid(err, key, "Not a repository version href.");
    }
    return CKPT_OK;
}

ckpt_rc ckpt_api_db(ckpt_api_req *a, ckpt_err *err)
{
    if (a->db) {
        return CKPT_OK;
    }
    if (ckpt_request_db(a->r, &a->db) != CKPT_OK) {
        return ckpt_err_set(err, CKPT_DBDOWN, NULL, "no database connection");
    }
    return CKPT_OK;
}
