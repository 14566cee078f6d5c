/* The checkpoint-api handler: finds the API's root and routes to the
 * resources. */
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#include "api.h"

/* Every API URL ends in '/', as in Pulp; reads without it are sent there.
 * The Location is built from the decoded path escaped again, so that an
 * encoded '?', CR or LF stays part of the path. */
static int add_slash(ckpt_api_req *a)
{
    request_rec *r = a->r;
    const char *path = ap_os_escape_path(r->pool, r->uri, 1);

    if (r->method_number != M_GET) {
        return ckpt_api_not_found(a);
    }
    path = apr_pstrcat(r->pool, path, "/", r->args ? "?" : "", r->args ? r->args : "", NULL);
    apr_table_setn(r->headers_out, "Location", ap_construct_url(r->pool, path, r));
    return HTTP_MOVED_PERMANENTLY;
}

static const struct {
    const char *prefix;
    int (*route)(ckpt_api_req *a, const char *rest);
} collections[] = {{CKPT_REPOS_PATH, ckpt_api_repositories},
                   {CKPT_CONTENT_PATH, ckpt_api_content},
                   {CKPT_PUBS_PATH, ckpt_api_publications},
                   {CKPT_DISTS_PATH, ckpt_api_distributions},
                   {CKPT_UPLOADS_PATH, ckpt_api_uploads},
                   {CKPT_REMOTES_PATH, ckpt_api_remotes},
                   {CKPT_TASKS_PATH, ckpt_api_tasks},
                   {NULL, NULL}};

static int route(ckpt_api_req *a)
{
    const char *p = a->path;
    apr_size_t n = strlen(p);
    int i;

    if (n && p[n - 1] != '/' && strcmp(p, "docs/api.json")) {
        return add_slash(a);
    }
    if (!strcmp(p, "status/")) {
        return ckpt_api_status(a);
    }
    if (!strcmp(p, "docs/api.json")) {
        return ckpt_api_docs(a);
    }
    if (!strcmp(p, "orphans/cleanup/")) {
        return ckpt_api_orphans(a);
    }
    for (i = 0; collections[i].prefix; i++) {
        apr_size_t pl = strlen(collections[i].prefix);
        if (!strncmp(p, collections[i].prefix, pl)) {
            return collections[i].route(a, p + pl);
        }
    }
    return ckpt_api_not_found(a);
}

/* The API's root is where the handler is mounted; nested <Location>s (the
 * shipped config opens status/ to everyone) make the per-directory config's
 * path unreliable, so the root is found from the URL: the path before the
 * first segment that names a top-level resource. */
static const char *const resources[] = {"status", "repositories", "content", "publications",
                                        "distributions", "orphans", "docs", "uploads",
                                        "remotes", "tasks", NULL};

static const char *find_root(request_rec *r, const char **rest)
{
    const char *u = r->uri, *p;

    for (p = strchr(u, '/'); p; p = strchr(p + 1, '/')) {
        int i;
        for (i = 0; resources[i]; i++) {
            apr_size_t n = strlen(resources[i]);
            if (!strncmp(p + 1, resources[i], n) && (p[1 + n] == '/' || p[1 + n] == '\0')) {
                *rest = p + 1;
                return apr_pstrmemdup(r->pool, u, (apr_size_t)(p + 1 - u));
            }
        }
    }
    return NULL;
}

/* The content prefix as an absolute URL, for base_url. */
static const char *content_url(request_rec *r, const ckpt_server_conf *sc)
{
    const char *prefix = sc->content_prefix ? sc->content_prefix : "/pulp/content";
    return ap_construct_url(r->pool, ap_os_escape_path(r->pool, prefix, 1), r);
}

int ckpt_api_handler(request_rec *r)
{
    ckpt_api_req a;
    const char *redirected;

    if (!r->handler || strcmp(r->handler, "checkpoint-api") != 0) {
        return DECLINED;
    }
    memset(&a, 0, sizeof(a));
    a.r = r;
    a.sconf = CKPT_SCONF(r->server);
    a.root = find_root(r, &a.path);
    if (!a.root) {
        a.root = "/";
        return ckpt_api_not_found(&a);
    }
    a.shape.p = r->pool;
    a.shape.api_root = a.root;
    a.shape.content_url = content_url(r, a.sconf);
    redirected = r->prev ? apr_table_get(r->subprocess_env, "REDIRECT_STATUS") : NULL;
    if (redirected && ap_is_HTTP_ERROR(atoi(redirected))) {
        return ckpt_api_httpd_error(&a, atoi(redirected));
    }
    return route(&a);
}
