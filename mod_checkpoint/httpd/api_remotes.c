/* remotes/file/file/ (remote.c does the work; its list takes the filters
 * of ckpt_filters_remotes). */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "input.h"
#include "remote.h"

static ckpt_rc remote_parse(ckpt_api_req *a, const ckpt_api_key *k, const ckpt_json *body,
                            void **req, ckpt_err *err)
{
    ckpt_remote_req *in = apr_palloc(a->r->pool, sizeof(*in));

    *req = in;
    return ckpt_input_remote(a->r->pool, body, in, err);
}

static ckpt_rc remote_write(ckpt_api_req *a, const ckpt_api_key *k, void *req, void **obj,
                            const char **id, ckpt_err *err)
{
    ckpt_remote *r = NULL;
    ckpt_rc rc = k ? ckpt_remote_update(a->db, a->r->pool, k->id, req,
                                        a->r->method_number == M_PUT, &r, err)
                   : ckpt_remote_create(a->db, a->r->pool, req, &r, err);

    *obj = r;
    *id = r ? r->id : NULL;
    return rc;
}

static const ckpt_api_resource remotes = {
    "remote", CKPT_HREF_REMOTE, ckpt_shape_remote, &ckpt_filters_remotes, NULL, 1,
    remote_parse, remote_write, 1, 1, NULL, 1};

int ckpt_api_remotes(ckpt_api_req *a, const char *rest)
{
    return ckpt_api_route(a, &remotes, rest);
}
