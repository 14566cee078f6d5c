/* The API's OpenAPI 3 document (docs/api.json), built from one table of
 * operations: a path, a method, Pulp's operationId, the query parameters
 * a list takes, the bodies it reads and the statuses it answers.  The
 * router reads its lists' query parameters from the same table
 * (ckpt_openapi_query), so the document cannot name a filter the server
 * ignores; t/api_openapi.t walks the document against the router for
 * the methods and statuses. */
#ifndef CKPT_OPENAPI_H
#define CKPT_OPENAPI_H

#include <apr_pools.h>

#include "ckpt_status.h"
#include "filter.h"
#include "json.h"
#include "shape.h"

/* The Pulp components whose behaviour the API implements, as named in
 * info.x-pulp-app-versions and in status/'s versions: clients such as
 * pulp-glue decide what to send by them. */
#define CKPT_PULP_CORE_VERSION "3.74.0"
#define CKPT_PULP_FILE_VERSION "3.74.0"

/* Bodies an operation reads. */
#define CKPT_OA_JSON 1u
#define CKPT_OA_MULTIPART 2u
#define CKPT_OA_OCTET 4u

typedef struct {
    /* What follows the API root ("status/"), or a path parameter holding
     * an href and what follows it ("{file_file_repository_href}modify/"). */
    const char *path;
    const char *method; /* "get", "post", ... as OpenAPI writes them */
    const char *op_id;
    const char *tag;
    const char *const *query; /* query parameters (NULL-ended), or NULL */
    const char *request;      /* component of the body, or NULL */
    unsigned bodies;          /* CKPT_OA_* the request may come as */
    const char *response;     /* component of the 2xx body, or NULL */
    int list;                 /* the answer is a page of response */
    const char *statuses;     /* every status it answers, "200 400 404" */
    int open;                 /* readable without credentials */
    const ckpt_filter_set *filters; /* a list's query parameters (filter.h) */
    const char *header;       /* a header parameter it requires, or NULL */
} ckpt_openapi_op;

/* The table, ended by an entry whose op_id is NULL. */
const ckpt_openapi_op *ckpt_openapi_ops(void);

/* The query parameters of an operation that is no list (the fields an
 * upload may give in the query), NULL-ended; NULL for an unknown
 * operation.  A list's are its filters'. */
const char *const *ckpt_openapi_query(const char *op_id);

/* The whole document for an API mounted at api_root ("/pulp/api/v3/"),
 * unowned (ckpt_json_own ties it to a pool).  Its info.x-pulp-app-versions
 * holds the n components of versions, the very list status/ answers:
 * pulp-cli's `pulp status` takes any difference between the two for a
 * stale cached document, and fetches it again on every call. */
ckpt_rc ckpt_openapi_document(apr_pool_t *p, const char *api_root,
                              const ckpt_component *versions, int n, ckpt_json **out,
                              ckpt_err *err);

#endif
