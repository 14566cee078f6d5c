/* distributions/file/file/ (distribution.c does the work). */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "distribution.h"
#include "input.h"

static ckpt_rc dist_parse(ckpt_api_req *a, const ckpt_api_key *k, const ckpt_json *body,
                          void **req, ckpt_err *err)
{
    ckpt_dist_fields *in = apr_palloc(a->r->pool, sizeof(*in));

    *req = in;
    return ckpt_input_dist(a->r->pool, a->root, body, in, err);
}

static ckpt_rc dist_write(ckpt_api_req *a, const ckpt_api_key *k, void *req, void **obj,
                          const char **id, ckpt_err *err)
{
    ckpt_dist *d = NULL;
    ckpt_rc rc = k ? ckpt_dist_update(a->db, a->r->pool, k->id, req, &d, err)
                   : ckpt_dist_create(a->db, a->r->pool, req, &d, err);

    *obj = d;
    *id = d ? d->id : NULL;
    return rc;
}


static const ckpt_api_resource distributions = {
    "distribution", CKPT_HREF_DISTRIBUTION, ckpt_shape_dist, &ckpt_filters_distributions, NULL, 1,
    dist_parse, dist_write, 1, 1, NULL};

int ckpt_api_distributions(ckpt_api_req *a, const char *rest)
{
    return ckpt_api_route(a, &distributions, rest);
}
