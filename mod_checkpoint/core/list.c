/* Lists (see list.h). */
#include <errno.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "list.h"

int ckpt_number_parse(const char *s, apr_int64_t lo, apr_int64_t hi, apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    if (!s || !apr_isdigit(*s)) {
        return 0;
    }
    errno = 0;
    v = apr_strtoi64(s, &end, 10);
    if (*end || errno == ERANGE || v < lo || v > hi) {
        return 0;
    }
    *out = v;
    return 1;
}

ckpt_rc ckpt_list_delete(ckpt_db *db, apr_pool_t *p, const char *stmt, const char *id,
                         ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, stmt, 1, id) != CKPT_OK) {
        return err->rc;
    }
    return res->affected ? CKPT_OK : ckpt_err_set(err, CKPT_NOTFOUND, NULL, NULL);
}

const char *ckpt_i64toa(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

ckpt_rc ckpt_list_run(ckpt_db *db, apr_pool_t *p, const char *stmt, int n,
                      const char *const *params, const ckpt_page *pg, const char *key,
                      ckpt_row_reader read, ckpt_list *out, ckpt_err *err)
{
    const char **all = apr_pcalloc(p, sizeof(char *) * (apr_size_t)(n + 2));
    ckpt_dbres *res;
    int i;

    for (i = 0; i < n; i++) {
        all[i] = params[i];
    }
    all[n] = ckpt_i64toa(p, pg->limit);
    all[n + 1] = ckpt_i64toa(p, pg->offset);
    if (ckpt_db_queryv(db, p, &res, err, stmt, n + 2, all) != CKPT_OK) {
        return err->rc;
    }
    out->count = res->nrows ? ckpt_dbres_int(res, 0, "count", 0) : 0;
    out->items = apr_array_make(p, res->nrows + 1, sizeof(void *));
    for (i = 0; i < res->nrows; i++) {
        if (ckpt_dbres_get(res, i, key)) {
            APR_ARRAY_PUSH(out->items, void *) = read(p, res, i);
        }
    }
    return CKPT_OK;
}

ckpt_rc ckpt_list_one(ckpt_db *db, apr_pool_t *p, const char *stmt, int n,
                      const char *const *params, ckpt_row_reader read, void **out,
                      ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_queryv(db, p, &res, err, stmt, n, params) != CKPT_OK) {
        return err->rc;
    }
    if (res->nrows == 0) {
        return ckpt_err_set(err, CKPT_NOTFOUND, NULL, NULL);
    }
    *out = read(p, res, 0);
    return CKPT_OK;
}
