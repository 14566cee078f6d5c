/* docs/api.json: the OpenAPI 3 document of this API (openapi.c builds
 * it from the operations table), readable without credentials as Pulp's
 * is: pulp-glue fetches it before its first call.  It names the versions
 * status/ lists, so that `pulp status` keeps its cached copy. */
#include <http_protocol.h>

#include "api.h"
#include "openapi.h"

int ckpt_api_docs(ckpt_api_req *a)
{
    ckpt_component versions[CKPT_API_NVERSIONS];
    ckpt_err err = {0};
    ckpt_json *doc;

    if (a->r->method_number != M_GET) {
        return ckpt_api_method_not_allowed(a, "GET, HEAD");
    }
    ckpt_api_versions(a->r, versions);
    if (ckpt_openapi_document(a->r->pool, a->root, versions, CKPT_API_NVERSIONS, &doc, &err)
        != CKPT_OK) {
        ckpt_err_context(&err, "the OpenAPI document");
        return ckpt_api_error(a, &err);
    }
    return ckpt_api_send(a, HTTP_OK, doc);
}
