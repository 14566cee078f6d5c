/* Lists of the management API's objects: one statement answers a page and
 * the count of everything its filters match (statements_api.c's PAGE). */
#ifndef CKPT_LIST_H
#define CKPT_LIST_H

#include "db.h"
#include "model.h"

/* Reads row of res into a new object in p. */
typedef void *(*ckpt_row_reader)(apr_pool_t *p, const ckpt_dbres *res, int row);

/* Runs list statement stmt with the n filter parameters params followed by
 * the page's limit and offset, and reads its rows with read; a row whose
 * column key is NULL is the empty page's placeholder. */
ckpt_rc ckpt_list_run(ckpt_db *db, apr_pool_t *p, const char *stmt, int n,
                      const char *const *params, const ckpt_page *pg, const char *key,
                      ckpt_row_reader read, ckpt_list *out, ckpt_err *err);

/* Runs stmt (with n parameters) for at most one row and reads it with
 * read: CKPT_NOTFOUND when there is none. */
ckpt_rc ckpt_list_one(ckpt_db *db, apr_pool_t *p, const char *stmt, int n,
                      const char *const *params, ckpt_row_reader read, void **out,
                      ckpt_err *err);

/* Runs stmt, a DELETE of one object by id: CKPT_NOTFOUND when there was
 * none to delete. */
ckpt_rc ckpt_list_delete(ckpt_db *db, apr_pool_t *p, const char *stmt, const char *id,
                         ckpt_err *err);

/* Decimal text of v, for parameters. */
const char *ckpt_i64toa(apr_pool_t *p, apr_int64_t v);

/* A number a client gives (a version, a page, minutes): decimal digits
 * only, in [lo, hi].  1 and *out, or 0. */
int ckpt_number_parse(const char *s, apr_int64_t lo, apr_int64_t hi, apr_int64_t *out);

#endif
