/* publications/file/file/ (publication.c does the work). */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "input.h"
#include "publication.h"

static ckpt_rc pub_list(ckpt_api_req *a, apr_table_t *q, const ckpt_page *pg, ckpt_list *out,
                        ckpt_err *err)
{
    const char *repo = apr_table_get(q, "repository"), *cp = apr_table_get(q, "checkpoint");
    const char *repo_id = NULL;
    int checkpoint = -1;

    if (repo && !ckpt_href_parse(a->r->pool, a->root, CKPT_HREF_REPOSITORY, repo, &repo_id,
                                 NULL)) {
        return ckpt_err_invalid(err, "repository", "Not a repository href.");
    }
    if (cp) {
        if (!strcasecmp(cp, "true") || !strcmp(cp, "1")) {
            checkpoint = 1;
        }
        else if (!strcasecmp(cp, "false") || !strcmp(cp, "0")) {
            checkpoint = 0;
        }
        else {
            return ckpt_err_invalid(err, "checkpoint", "Must be a valid boolean.");
        }
    }
    return ckpt_pub_list(a->db, a->r->pool, repo_id, checkpoint, pg, out, err);
}

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
    "publication", CKPT_HREF_PUBLICATION, ckpt_shape_pub, "publications_file_file_list", pub_list, 1, pub_parse,
    pub_write, 1, 0, NULL};

int ckpt_api_publications(ckpt_api_req *a, const char *rest)
{
    return ckpt_api_route(a, &publications, rest);
}
