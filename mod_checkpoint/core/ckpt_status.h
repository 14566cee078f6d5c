/* Results that travel up, as values, to the one place in each face that
 * turns them into an answer (api_answer.c for the API, content.c for the
 * content side, the command's main for the command line). */
#ifndef CKPT_STATUS_H
#define CKPT_STATUS_H

#include <apr_errno.h>
#include <apr_pools.h>

typedef enum {
    CKPT_OK = 0,
    CKPT_NOTFOUND,   /* 404 */
    CKPT_INVALID,    /* 400 */
    CKPT_CONFLICT,   /* 409, or a unique/foreign key violation */
    CKPT_TOOLARGE,   /* 413 */
    CKPT_DBDOWN,     /* 503 with Retry-After: the database cannot be reached */
    CKPT_DBERROR,    /* 500: a statement failed for another reason */
    CKPT_IOERROR,    /* 500: storage failed */
    CKPT_RETRY,      /* a serialization failure: the caller may run the transaction again */
    CKPT_UNSUPPORTED /* 415: a request body of a type that is not taken there */
} ckpt_rc;

/* What went wrong, for whoever answers.  A validation error names the
 * field and the reason a client reads; any other error says, for the log,
 * what was being done (an operation and its object), what failed in it
 * (a statement, a path) and why (the database's or the system's words). */
typedef struct {
    ckpt_rc rc;
    const char *field;  /* CKPT_INVALID: the request field at fault, or NULL */
    const char *reason; /* for the client (4xx); for the log (5xx): "writing
                         * <path>: No space left on device" */
    const char *what;   /* the operation: "upload of dists/Release" */
    apr_status_t os;    /* a storage failure's apr status (errno), or 0 */
} ckpt_err;

/* err->rc = rc with field and reason (each may be NULL); answers rc. */
ckpt_rc ckpt_err_set(ckpt_err *err, ckpt_rc rc, const char *field, const char *reason);
/* CKPT_INVALID naming field. */
ckpt_rc ckpt_err_invalid(ckpt_err *err, const char *field, const char *reason);
/* CKPT_IOERROR for a storage call that answered rv: the reason is what
 * failed and the system's words ("writing <path>: No space left on
 * device"), kept in p. */
ckpt_rc ckpt_err_os(ckpt_err *err, apr_pool_t *p, apr_status_t rv, const char *what);
/* Names the operation that failed, when nothing named it yet; answers err->rc. */
ckpt_rc ckpt_err_context(ckpt_err *err, const char *what);
/* One line for the log: "operation: reason" ("request" when nothing named
 * the operation). */
const char *ckpt_err_text(apr_pool_t *p, const ckpt_err *err);
/* The same without a default for the operation: "[what: ][field: ]reason",
 * for a reason that will be named again. */
const char *ckpt_err_words(apr_pool_t *p, const ckpt_err *err);
/* err's words copied into p, for an err filled in a pool about to go
 * (a thread's, a scratch pool); err->rc and err->os as they are. */
void ckpt_err_keep(ckpt_err *err, apr_pool_t *p);

#endif
