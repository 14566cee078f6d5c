/* multipart/form-data bodies as pulp-glue sends them: the fields as parts
 * and the bytes as the part named "file", streamed to a temporary file as
 * they come (content uploads, and the chunks of chunked uploads).  A
 * field may also come in the query, but not both ways. */
#include <apr_strings.h>
#include <httpd.h>

#include "api.h"
#include "multipart.h"
#include "path.h"

#define FIELD_MAX 4096

typedef struct {
    ckpt_api_req *a;
    ckpt_multipart *mp;
    ckpt_upload *u;
    const char *const *known;
    apr_table_t *fields;    /* the query's, then the form's */
    const char *name;       /* the current part's */
    apr_size_t vlen;
    char value[FIELD_MAX];
    int in_file, got_file;
} upload_form;

static ckpt_rc form_start(void *baton, const char *name, const char *filename, ckpt_err *err)
{
    upload_form *f = baton;
    const char *const *known = f->known;

    f->name = apr_pstrdup(f->a->r->pool, name);
    f->vlen = 0;
    f->in_file = !strcmp(name, "file");
    for (; *known && strcmp(*known, name); known++) {
    }
    if (!f->in_file && !*known) {
        return ckpt_err_invalid(err, f->name, "Unexpected field.");
    }
    if ((f->in_file && f->got_file++) || apr_table_get(f->fields, name)) {
        return ckpt_err_invalid(err, f->name, "This field is given twice.");
    }
    return CKPT_OK;
}

static ckpt_rc form_data(void *baton, const char *buf, apr_size_t len, ckpt_err *err)
{
    upload_form *f = baton;

    if (f->in_file) {
        return ckpt_upload_write(f->u, buf, len, err);
    }
    if (len > FIELD_MAX - f->vlen) {
        return ckpt_err_invalid(err, f->name, "Ensure this field has no more than 4096 bytes.");
    }
    memcpy(f->value + f->vlen, buf, len);
    f->vlen += len;
    return CKPT_OK;
}

static ckpt_rc form_end(void *baton, ckpt_err *err)
{
    upload_form *f = baton;
    const char *v = apr_pstrmemdup(f->a->r->pool, f->value, f->vlen);

    if (f->in_file) {
        return CKPT_OK;
    }
    if (strlen(v) != f->vlen || ckpt_path_check_request(v) != CKPT_PATH_OK) {
        return ckpt_err_invalid(err, f->name, "This value cannot be decoded as UTF-8 text.");
    }
    apr_table_setn(f->fields, f->name, v);
    return CKPT_OK;
}

static const ckpt_multipart_cb form_cb = {form_start, form_data, form_end};

static ckpt_rc form_sink(void *baton, const char *buf, apr_size_t len, ckpt_err *err)
{
    return ckpt_multipart_feed(((upload_form *)baton)->mp, buf, len, err);
}

ckpt_rc ckpt_api_read_form(ckpt_api_req *a, const char *boundary, const char *const *known,
                           apr_table_t *fields, ckpt_upload *u, int *got_file, ckpt_err *err)
{
    upload_form *f = apr_pcalloc(a->r->pool, sizeof(*f));

    f->a = a;
    f->u = u;
    f->known = known;
    f->fields = fields;
    f->mp = ckpt_multipart_create(a->r->pool, boundary, &form_cb, f);
    if (ckpt_api_read_body(a, a->sconf->upload_limit, form_sink, f, err) != CKPT_OK
        || ckpt_multipart_finish(f->mp, err) != CKPT_OK) {
        return err->rc;
    }
    *got_file = f->got_file;
    return CKPT_OK;
}
