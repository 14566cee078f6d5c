/* publications/file/file/ (publication.c does the work). */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "input.h"
#include "publication.h"

static ckpt_rc pub_parse(ckpt_api_req *a, const ckpt_api_key *k, const ckpt_json *body,
                         void **req, ckpt_err *err)
{
    ckpt_pub_req *in = apr_palloc(a->r->pool, sizeof(*in));

    *req = in;
    return ckpt_input_pub(a->r->pool, a->root, body, in, err);
}

static ckpt_rc pub_write(ckpt_api_req *a, const ckpt_api_key *k, void *req, void **obj,
                         const char **id, ckpt_err *err)
{
    ckpt_pub *pub = NULL;
    ckpt_rc rc = ckpt_pub_create(a->db, a->r->pool, a->sconf->storage, req, &pub, err);

    *obj = pub;
    *id = pub ? pub->id : NULL;
    return rc;
}


static const ckpt_api_resource publications = {
    "publication", CKPT_HREF_PUBLICATION, ckpt_shape_pub, &ckpt_filters_publications, NULL, 1, pub_parse,
    pub_write, 1, 0, NULL};

int ckpt_api_publications(ckpt_api_req *a, const char *rest)
{
    return ckpt_api_route(a, &publications, rest);
}
