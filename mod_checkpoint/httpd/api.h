/* The management API's glue: routing (api.c), reading requests
 * (api_request.c), writing answers (api_answer.c), the get/list/delete
 * shape every resource shares (api_resource.c), and one file per resource
 * that only maps requests onto the core's transactions and their results
 * onto shape.c's JSON.  Calls go one way: api.c -> api_<resource>.c ->
 * api_resource.c -> api_request.c, api_answer.c -> core. */
#ifndef CKPT_API_H
#define CKPT_API_H

#include <apr_tables.h>

#include "filter.h"
#include "href.h"
#include "json.h"
#include "mod_checkpoint.h"
#include "shape.h"

typedef struct {
    request_rec *r;
    ckpt_server_conf *sconf;
    const char *root;    /* the API's URL path, ending in '/': "/pulp/api/v3/" */
    const char *path;    /* what follows root: "repositories/file/file/" */
    ckpt_db *db;         /* taken by ckpt_api_db, given back with the request */
    ckpt_shape_ctx shape;
    int answered;        /* httpd answered already (an error while reading the body) */
} ckpt_api_req;

/* api_answer.c: each sets the status and body and answers what the handler
 * returns to httpd. */
int ckpt_api_send(ckpt_api_req *a, int status, ckpt_json *body);
/* 201 with Location: href. */
int ckpt_api_created(ckpt_api_req *a, const char *href, ckpt_json *body);
int ckpt_api_detail(ckpt_api_req *a, int status, const char *detail);
/* The one place a ckpt_err becomes an answer (and, for server-side
 * failures, one log line saying what failed and why). */
int ckpt_api_error(ckpt_api_req *a, const ckpt_err *err);
int ckpt_api_not_found(ckpt_api_req *a);
int ckpt_api_method_not_allowed(ckpt_api_req *a, const char *allow);
/* The JSON answer of an error httpd itself found (ckpt_api_read_body makes
 * its error page an internal redirect here); status is REDIRECT_STATUS. */
int ckpt_api_httpd_error(ckpt_api_req *a, int status);
int ckpt_api_no_content(ckpt_api_req *a);
/* {count, next, previous, results} for a page, results shaped with fn
 * and cut to the query q's fields and exclude_fields. */
int ckpt_api_send_list(ckpt_api_req *a, const ckpt_page *pg, const ckpt_list *l,
                       ckpt_shape_fn fn, apr_table_t *q);

/* api_request.c: reading requests. */

/* The request's Content-Type is type (parameters allowed); else
 * CKPT_UNSUPPORTED. */
ckpt_rc ckpt_api_content_type(ckpt_api_req *a, const char *type, ckpt_err *err);
/* Reads the whole body, handing it to sink piece by piece; more than
 * limit bytes (0: no limit) is CKPT_TOOLARGE, announced or not. */
typedef ckpt_rc (*ckpt_body_sink)(void *baton, const char *buf, apr_size_t len, ckpt_err *err);
ckpt_rc ckpt_api_read_body(ckpt_api_req *a, apr_off_t limit, ckpt_body_sink sink, void *baton,
                           ckpt_err *err);
/* api_form.c: a multipart/form-data body of the given boundary, at most
 * CheckpointUploadLimit: the parts named in known (NULL-ended) as text
 * into fields (which may hold the query's already: a field given both
 * ways, or twice, is CKPT_INVALID naming it, as is an unknown one), the
 * part "file" streamed into u; *got_file says whether it came. */
ckpt_rc ckpt_api_read_form(ckpt_api_req *a, const char *boundary, const char *const *known,
                           apr_table_t *fields, ckpt_upload *u, int *got_file, ckpt_err *err);
/* A JSON object body: application/json, at most CheckpointJSONLimit. */
ckpt_rc ckpt_api_read_json(ckpt_api_req *a, ckpt_json **out, ckpt_err *err);
/* The query string, decoded: a parameter that is not in allowed (NULL
 * ended; NULL: any, a list's filters judge them, limit and offset
 * included), or that does not decode, is CKPT_INVALID naming it. */
ckpt_rc ckpt_api_query(ckpt_api_req *a, const char *const *allowed, apr_table_t **out,
                       ckpt_err *err);
/* limit (default 100, at most 1000) and offset of a list. */
ckpt_rc ckpt_api_page(apr_table_t *q, ckpt_page *pg, ckpt_err *err);
/* A repository version href given as a filter: its repository and number. */
ckpt_rc ckpt_api_version_filter(ckpt_api_req *a, apr_table_t *q, const char *key,
                                const char **repo, int *number, ckpt_err *err);
/* Takes a pooled database connection for the life of the request. */
ckpt_rc ckpt_api_db(ckpt_api_req *a, ckpt_err *err);

/* api_resource.c: the shape every resource shares. */
typedef struct {
    const char *id;
    int number; /* a version's number; 0 for other objects */
} ckpt_api_key;

typedef struct {
    const char *name;                /* "repository", for log lines */
    ckpt_href_kind kind;             /* what object.c reads and deletes */
    ckpt_shape_fn shape;
    const ckpt_filter_set *filters;  /* what its list takes (filter.h) */
    /* A list that is more than ckpt_filter_list with the bound filters;
     * NULL: none. */
    ckpt_rc (*list)(ckpt_api_req *a, const char **params, const ckpt_page *pg, ckpt_list *out,
                    ckpt_err *err);
    int deletes;                     /* DELETE of an object */
    /* POST (k NULL) and PATCH of a JSON body: parse reads it into the
     * core's request (no database needed), write runs the transaction and
     * answers the object and its id.  NULL: none. */
    ckpt_rc (*parse)(ckpt_api_req *a, const ckpt_api_key *k, const ckpt_json *body, void **req,
                     ckpt_err *err);
    ckpt_rc (*write)(ckpt_api_req *a, const ckpt_api_key *k, void *req, void **obj,
                     const char **id, ckpt_err *err);
    int creates, updates;            /* which of POST and PATCH write takes */
    int (*post)(ckpt_api_req *a);    /* a POST that is no JSON write (an upload) */
    int replaces;                    /* PUT through write too (a full update) */
} ckpt_api_resource;

int ckpt_api_get(ckpt_api_req *a, const ckpt_api_resource *res, const ckpt_api_key *k);
int ckpt_api_list(ckpt_api_req *a, const ckpt_api_resource *res);
int ckpt_api_delete(ckpt_api_req *a, const ckpt_api_resource *res, const ckpt_api_key *k);
/* POST (k NULL: 201 with Location) or PATCH (200) through res->write. */
int ckpt_api_write(ckpt_api_req *a, const ckpt_api_resource *res, const ckpt_api_key *k);
/* The collection ("") or one object ("<uuid>/") of a resource, by method. */
int ckpt_api_route(ckpt_api_req *a, const ckpt_api_resource *res, const char *rest);
/* An object by method, once its key is known. */
int ckpt_api_route_object(ckpt_api_req *a, const ckpt_api_resource *res, const ckpt_api_key *k);

/* The components and versions status/ lists and docs/api.json names in
 * info.x-pulp-app-versions, one list for both (api_status.c). */
#define CKPT_API_NVERSIONS 6
void ckpt_api_versions(request_rec *r, ckpt_component *versions);

/* The resources (rest: what follows the collection's path). */
int ckpt_api_status(ckpt_api_req *a);
int ckpt_api_docs(ckpt_api_req *a);
int ckpt_api_orphans(ckpt_api_req *a);
int ckpt_api_repositories(ckpt_api_req *a, const char *rest);
int ckpt_api_content(ckpt_api_req *a, const char *rest);
int ckpt_api_publications(ckpt_api_req *a, const char *rest);
int ckpt_api_distributions(ckpt_api_req *a, const char *rest);
int ckpt_api_uploads(ckpt_api_req *a, const char *rest);
int ckpt_api_remotes(ckpt_api_req *a, const char *rest);
int ckpt_api_tasks(ckpt_api_req *a, const char *rest);

#endif
