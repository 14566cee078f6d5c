/* The management API's answers: JSON bodies, and the one place where a
 * ckpt_err becomes an HTTP status (and a log line when the server is at
 * fault). */
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

#include "api.h"

int ckpt_api_send(ckpt_api_req *a, int status, ckpt_json *body)
{
    request_rec *r = a->r;
    const char *text = ckpt_json_dump(r->pool, ckpt_json_own(r->pool, body));

    r->status = status;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        apr_table_setn(r->headers_out, "Retry-After", apr_itoa(r->pool, a->sconf->retry_after));
    }
    ap_set_content_length(r, (apr_off_t)strlen(text) + 1);
    if (!r->header_only) {
        ap_rvputs(r, text, "\n", NULL);
    }
    return OK;
}

int ckpt_api_created(ckpt_api_req *a, const char *href, ckpt_json *body)
{
    apr_table_setn(a->r->headers_out, "Location", href);
    return ckpt_api_send(a, HTTP_CREATED, body);
}

int ckpt_api_detail(ckpt_api_req *a, int status, const char *detail)
{
    ckpt_json *o = ckpt_json_object();
    ckpt_json_set_str(o, "detail", detail);
    return ckpt_api_send(a, status, o);
}

int ckpt_api_not_found(ckpt_api_req *a)
{
    return ckpt_api_detail(a, HTTP_NOT_FOUND, "Not found.");
}

int ckpt_api_method_not_allowed(ckpt_api_req *a, const char *allow)
{
    apr_table_setn(a->r->headers_out, "Allow", allow);
    return ckpt_api_detail(a, HTTP_METHOD_NOT_ALLOWED,
                           apr_psprintf(a->r->pool, "Method \"%s\" not allowed.", a->r->method));
}

int ckpt_api_no_content(ckpt_api_req *a)
{
    a->r->status = HTTP_NO_CONTENT;
    apr_table_setn(a->r->headers_out, "Cache-Control", "no-store");
    return OK;
}

/* The status of an error, and whether the server is at fault. */
static int status_of(ckpt_rc rc, int *server_fault)
{
    *server_fault = 0;
    switch (rc) {
    case CKPT_NOTFOUND: return HTTP_NOT_FOUND;
    case CKPT_INVALID: return HTTP_BAD_REQUEST;
    case CKPT_CONFLICT: return HTTP_CONFLICT;
    case CKPT_TOOLARGE: return HTTP_REQUEST_ENTITY_TOO_LARGE;
    case CKPT_UNSUPPORTED: return HTTP_UNSUPPORTED_MEDIA_TYPE;
    case CKPT_DBDOWN:
    case CKPT_RETRY: return HTTP_SERVICE_UNAVAILABLE;
    default:
        *server_fault = 1;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* What a client reads when the error carries no words of its own. */
static const char *fallback(ckpt_rc rc)
{
    switch (rc) {
    case CKPT_NOTFOUND: return "Not found.";
    case CKPT_CONFLICT: return "Conflict.";
    case CKPT_TOOLARGE: return "Request body too large.";
    case CKPT_UNSUPPORTED: return "Unsupported media type in request.";
    case CKPT_DBDOWN:
    case CKPT_RETRY: return "The database is unavailable; retry later.";
    case CKPT_IOERROR: return "Internal storage error.";
    case CKPT_DBERROR: return "Internal database error.";
    default: return "Invalid request.";
    }
}

int ckpt_api_httpd_error(ckpt_api_req *a, int status)
{
    const char *line = ap_get_status_line(status);

    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return ckpt_api_detail(a, status, "Request body too large.");
    }
    /* "400 Bad Request" -> "Bad Request." */
    return ckpt_api_detail(a, status, apr_pstrcat(a->r->pool, line + 4, ".", NULL));
}

int ckpt_api_error(ckpt_api_req *a, const ckpt_err *err)
{
    request_rec *r = a->r;
    int fault, status = status_of(err->rc, &fault);
    ckpt_err shown = *err;

    if (a->answered) {
        return AP_FILTER_ERROR; /* the answer is out already */
    }
    if (fault) {
        /* Server-side words stay in the log; the client reads what failed. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, err->os, r, CKPTLOGNO(202) "%s",
                      ckpt_err_text(r->pool, err));
        shown.field = NULL;
        shown.reason = NULL;
    }
    else if (err->rc == CKPT_DBDOWN || err->rc == CKPT_RETRY) {
        /* An outage is logged once by the pool, not once per request. */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, CKPTLOGNO(201) "%s",
                      ckpt_err_text(r->pool, err));
        shown.reason = NULL;
    }
    if (err->rc == CKPT_TOOLARGE || err->rc == CKPT_UNSUPPORTED) {
        /* The rest of a refused body is not worth reading. */
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    return ckpt_api_send(a, status, ckpt_shape_error(&shown, fallback(err->rc)));
}

/* The request's URL with limit and offset replaced (offset left out at 0,
 * as Django REST framework does). */
static const char *page_url(ckpt_api_req *a, apr_int64_t limit, apr_int64_t offset)
{
    apr_pool_t *p = a->r->pool;
    char *q = apr_psprintf(p, "limit=%" APR_INT64_T_FMT, limit);

    if (a->r->args) {
        char *args = apr_pstrdup(p, a->r->args), *pair, *last = NULL;
        for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
            if (!strncmp(pair, "limit=", 6) || !strcmp(pair, "limit")
                || !strncmp(pair, "offset=", 7) || !strcmp(pair, "offset")) {
                continue;
            }
            q = apr_pstrcat(p, q, "&", pair, NULL);
        }
    }
    if (offset > 0) {
        q = apr_psprintf(p, "%s&offset=%" APR_INT64_T_FMT, q, offset);
    }
    return ap_construct_url(p, apr_pstrcat(p, a->r->parsed_uri.path, "?", q, NULL), a->r);
}

int ckpt_api_send_list(ckpt_api_req *a, const ckpt_page *pg, const ckpt_list *l,
                       ckpt_shape_fn fn, apr_table_t *q)
{
    const char *fields = apr_table_get(q, "fields"), *exclude = apr_table_get(q, "exclude_fields");
    ckpt_json *items = ckpt_json_array();
    int i;
    apr_int64_t prev = pg->offset - pg->limit;
    const char *next = pg->offset + pg->limit < l->count
                           ? page_url(a, pg->limit, pg->offset + pg->limit)
                           : NULL;
    const char *previous = pg->offset > 0 ? page_url(a, pg->limit, prev < 0 ? 0 : prev) : NULL;

    for (i = 0; i < l->items->nelts; i++) {
        ckpt_json_append(items, ckpt_shape_fields(a->r->pool,
                                                  fn(&a->shape,
                                                     APR_ARRAY_IDX(l->items, i, const void *)),
                                                  fields, exclude));
    }
    return ckpt_api_send(a, HTTP_OK, ckpt_shape_page(l->count, next, previous, items));
}
