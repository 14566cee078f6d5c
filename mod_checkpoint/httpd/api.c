/* The checkpoint-api handler: routing and the shared answer helpers. */
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#include "api.h"

int ckpt_api_send(ckpt_api_req *a, int status, ckpt_json *body)
{
    request_rec *r = a->r;
    const char *text = ckpt_json_dump(r->pool, body);

    r->status = status;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        ckpt_unavailable(r);
        apr_table_setn(r->headers_out, "Retry-After",
                       apr_table_get(r->err_headers_out, "Retry-After"));
        apr_table_unset(r->err_headers_out, "Retry-After");
    }
    ap_set_content_length(r, (apr_off_t)strlen(text) + 1);
    if (!r->header_only) {
        ap_rvputs(r, text, "\n", NULL);
    }
    return OK;
}

int ckpt_api_detail(ckpt_api_req *a, int status, const char *detail)
{
    ckpt_json *o = ckpt_json_own(a->r->pool, ckpt_json_object());
    ckpt_json_set_str(o, "detail", detail);
    return ckpt_api_send(a, status, o);
}

int ckpt_api_field_error(ckpt_api_req *a, const char *field, const char *reason)
{
    ckpt_json *o = ckpt_json_own(a->r->pool, ckpt_json_object());
    ckpt_json *arr = ckpt_json_array();
    ckpt_json_append(arr, ckpt_json_string(reason));
    ckpt_json_set(o, field, arr);
    return ckpt_api_send(a, HTTP_BAD_REQUEST, o);
}

int ckpt_api_fail(ckpt_api_req *a, ckpt_rc rc, const char *what)
{
    request_rec *r = a->r;

    switch (rc) {
    case CKPT_OK:
        return ckpt_api_detail(a, HTTP_INTERNAL_SERVER_ERROR, "internal error");
    case CKPT_NOTFOUND:
        return ckpt_api_detail(a, HTTP_NOT_FOUND, what ? what : "Not found.");
    case CKPT_INVALID:
        if (a->db && *ckpt_db_error(a->db)) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, CKPTLOGNO(204) "%s: %s",
                          what ? what : r->uri, ckpt_db_error(a->db));
        }
        return ckpt_api_detail(a, HTTP_BAD_REQUEST, what ? what : "Invalid request.");
    case CKPT_CONFLICT:
        return ckpt_api_detail(a, HTTP_CONFLICT, what ? what : "Conflict.");
    case CKPT_TOOLARGE:
        return ckpt_api_detail(a, HTTP_REQUEST_ENTITY_TOO_LARGE,
                               what ? what : "Request body too large.");
    case CKPT_DBDOWN:
    case CKPT_RETRY:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, CKPTLOGNO(201) "%s: database unavailable%s%s",
                      what ? what : r->uri, a->db ? ": " : "", a->db ? ckpt_db_error(a->db) : "");
        return ckpt_api_detail(a, HTTP_SERVICE_UNAVAILABLE,
                               "The database is unavailable; retry later.");
    case CKPT_DBERROR:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, CKPTLOGNO(202) "%s: database error: %s",
                      what ? what : r->uri, a->db ? ckpt_db_error(a->db) : "(none)");
        return ckpt_api_detail(a, HTTP_INTERNAL_SERVER_ERROR, "Internal database error.");
    case CKPT_IOERROR:
    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, CKPTLOGNO(203) "%s: storage error",
                      what ? what : r->uri);
        return ckpt_api_detail(a, HTTP_INTERNAL_SERVER_ERROR, "Internal storage error.");
    }
}

int ckpt_api_method_not_allowed(ckpt_api_req *a, const char *allow)
{
    apr_table_setn(a->r->headers_out, "Allow", allow);
    return ckpt_api_detail(a, HTTP_METHOD_NOT_ALLOWED,
                           apr_psprintf(a->r->pool, "Method \"%s\" not allowed.", a->r->method));
}

ckpt_rc ckpt_api_db(ckpt_api_req *a)
{
    if (a->db) {
        return CKPT_OK;
    }
    return ckpt_request_db(a->r, &a->db);
}

ckpt_json *ckpt_api_read_object(ckpt_api_req *a, int *status)
{
    request_rec *r = a->r;
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    apr_size_t limit = a->sconf->json_limit;
    apr_size_t len = 0, cap = 8192;
    char *buf;
    const char *err = NULL;
    ckpt_json *j;
    int rv;

    if (!ct || strncasecmp(ct, "application/json", 16) != 0
        || (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
        *status = ckpt_api_detail(a, HTTP_UNSUPPORTED_MEDIA_TYPE,
                                  apr_psprintf(r->pool, "Unsupported media type \"%s\" in request.",
                                               ct ? ct : ""));
        return NULL;
    }
    if ((rv = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
        *status = rv;
        return NULL;
    }
    if (r->remaining > (apr_off_t)limit) {
        *status = ckpt_api_detail(a, HTTP_REQUEST_ENTITY_TOO_LARGE, "Request body too large.");
        r->connection->keepalive = AP_CONN_CLOSE;
        return NULL;
    }
    buf = apr_palloc(r->pool, cap);
    if (ap_should_client_block(r)) {
        for (;;) {
            long n;
            if (len == cap) {
                char *nb;
                if (cap > limit) {
                    break;
                }
                nb = apr_palloc(r->pool, cap * 2);
                memcpy(nb, buf, len);
                buf = nb;
                cap *= 2;
            }
            n = ap_get_client_block(r, buf + len, cap - len);
            if (n < 0) {
                *status = ckpt_api_detail(a, HTTP_BAD_REQUEST, "Could not read the request body.");
                r->connection->keepalive = AP_CONN_CLOSE;
                return NULL;
            }
            if (n == 0) {
                break;
            }
            len += (apr_size_t)n;
            if (len > limit) {
                *status = ckpt_api_detail(a, HTTP_REQUEST_ENTITY_TOO_LARGE,
                                          "Request body too large.");
                r->connection->keepalive = AP_CONN_CLOSE;
                return NULL;
            }
        }
    }
    j = ckpt_json_parse(r->pool, buf, len, &err);
    if (!j) {
        *status = ckpt_api_detail(a, HTTP_BAD_REQUEST, err);
        return NULL;
    }
    if (ckpt_json_typeof(j) != CKPT_JSON_OBJECT) {
        *status = ckpt_api_detail(a, HTTP_BAD_REQUEST,
                                  apr_psprintf(r->pool, "Expected a JSON object but got %s.",
                                               ckpt_json_type_name(j)));
        return NULL;
    }
    return j;
}

static int route(ckpt_api_req *a)
{
    const char *p = a->path;
    apr_size_t n = strlen(p);

    /* Every API URL ends in '/', as in Pulp; reads without it are sent there. */
    if (n && p[n - 1] != '/') {
        if (a->r->method_number == M_GET) {
            apr_table_setn(a->r->headers_out, "Location",
                           ap_construct_url(a->r->pool,
                                            apr_pstrcat(a->r->pool, a->r->uri, "/", NULL), a->r));
            return HTTP_MOVED_PERMANENTLY;
        }
        return ckpt_api_detail(a, HTTP_NOT_FOUND, "Not found.");
    }

    if (!strcmp(p, "status/")) {
        return ckpt_api_status(a);
    }
    if (!strncmp(p, CKPT_REPOS_PATH, strlen(CKPT_REPOS_PATH))) {
        return ckpt_api_repositories(a, p + strlen(CKPT_REPOS_PATH));
    }
    if (!strncmp(p, CKPT_CONTENT_PATH, strlen(CKPT_CONTENT_PATH))) {
        return ckpt_api_content(a, p + strlen(CKPT_CONTENT_PATH));
    }
    if (!strncmp(p, CKPT_PUBS_PATH, strlen(CKPT_PUBS_PATH))) {
        return ckpt_api_publications(a, p + strlen(CKPT_PUBS_PATH));
    }
    if (!strncmp(p, CKPT_DISTS_PATH, strlen(CKPT_DISTS_PATH))) {
        return ckpt_api_distributions(a, p + strlen(CKPT_DISTS_PATH));
    }
    return ckpt_api_detail(a, HTTP_NOT_FOUND, "Not found.");
}

/* The API's root is where the handler is mounted; nested <Location>s (the
 * shipped config opens status/ to everyone) make the per-directory config's
 * path unreliable, so the root is found from the URL: the path before the
 * first segment that names a top-level resource. */
static const char *const resources[] = {"status/", "repositories/", "content/", "publications/",
                                        "distributions/", NULL};

static const char *find_root(request_rec *r, const char **rest)
{
    const char *u = r->uri;
    const char *p;

    for (p = strchr(u, '/'); p; p = strchr(p + 1, '/')) {
        int i;
        for (i = 0; resources[i]; i++) {
            if (!strncmp(p + 1, resources[i], strlen(resources[i]))
                || !strcmp(p + 1, apr_pstrmemdup(r->pool, resources[i],
                                                 strlen(resources[i]) - 1))) {
                *rest = p + 1;
                return apr_pstrmemdup(r->pool, u, (apr_size_t)(p + 1 - u));
            }
        }
    }
    return NULL;
}

int ckpt_api_handler(request_rec *r)
{
    ckpt_api_req a;

    if (!r->handler || strcmp(r->handler, "checkpoint-api") != 0) {
        return DECLINED;
    }
    memset(&a, 0, sizeof(a));
    a.r = r;
    a.sconf = CKPT_SCONF(r->server);
    a.root = find_root(r, &a.path);
    if (!a.root) {
        a.root = "/";
        return ckpt_api_detail(&a, HTTP_NOT_FOUND, "Not found.");
    }
    return route(&a);
}
