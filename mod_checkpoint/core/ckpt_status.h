/* Result codes that travel up to the one place that turns them into an
 * HTTP answer (api.c for the API, content.c for the content side). */
#ifndef CKPT_STATUS_H
#define CKPT_STATUS_H

typedef enum {
    CKPT_OK = 0,
    CKPT_NOTFOUND,   /* 404 */
    CKPT_INVALID,    /* 400 */
    CKPT_CONFLICT,   /* 409, or a unique/foreign key violation */
    CKPT_TOOLARGE,   /* 413 */
    CKPT_DBDOWN,     /* 503 with Retry-After: the database cannot be reached */
    CKPT_DBERROR,    /* 500: a statement failed for another reason */
    CKPT_IOERROR,    /* 500: storage failed */
    CKPT_RETRY       /* a serialization failure: the caller may run the transaction again */
} ckpt_rc;

#endif
