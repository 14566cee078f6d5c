/* Remotes (Pulp's remotes/file/file/): where a sync reads a PULP_MANIFEST
 * and how to reach it.  Every field is one entry of ckpt_remote_fields,
 * in the order of the table's columns, so that input.c, shape.c, the
 * statements and the sync read the same list; a remote's values are kept
 * as text ("t"/"f" for booleans, decimal for integers, NULL for null). */
#ifndef CKPT_REMOTE_H
#define CKPT_REMOTE_H

#include "db.h"
#include "model.h"

typedef enum { CKPT_RF_STRING, CKPT_RF_BOOL, CKPT_RF_INT } ckpt_remote_type;

typedef struct {
    const char *name;
    ckpt_remote_type type;
    int nullable;
    int hidden;           /* write-only: answered only in hidden_fields */
    const char *dflt;     /* what a create without it stores (NULL: null) */
} ckpt_remote_field;

enum {
    CKPT_RF_NAME, CKPT_RF_URL, CKPT_RF_POLICY, CKPT_RF_TLS_VALIDATION, CKPT_RF_PROXY_URL,
    CKPT_RF_PROXY_USERNAME, CKPT_RF_PROXY_PASSWORD, CKPT_RF_USERNAME, CKPT_RF_PASSWORD,
    CKPT_RF_CA_CERT, CKPT_RF_CLIENT_CERT, CKPT_RF_CLIENT_KEY, CKPT_RF_DOWNLOAD_CONCURRENCY,
    CKPT_RF_MAX_RETRIES, CKPT_REMOTE_NFIELDS
};

/* The fields, CKPT_REMOTE_NFIELDS of them, then a NULL name. */
const ckpt_remote_field *ckpt_remote_fields(void);

typedef struct {
    const char *id;
    const char *v[CKPT_REMOTE_NFIELDS];
    const char *pulp_created, *pulp_last_updated;
} ckpt_remote;

/* A create or a change: the fields given (set[i]) and their values. */
typedef struct {
    int set[CKPT_REMOTE_NFIELDS];
    const char *v[CKPT_REMOTE_NFIELDS];
} ckpt_remote_req;

/* CKPT_INVALID naming the field: a name blank, too long or taken, a url
 * that is not http(s), a policy other than "immediate", a number out of
 * range, a missing name or url on create. */
ckpt_rc ckpt_remote_create(ckpt_db *db, apr_pool_t *p, const ckpt_remote_req *in,
                           ckpt_remote **out, ckpt_err *err);
ckpt_rc ckpt_remote_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_remote **out,
                        ckpt_err *err);
/* PATCH (only what set says) and PUT (full: unset fields take their
 * defaults) alike: full says which. */
ckpt_rc ckpt_remote_update(ckpt_db *db, apr_pool_t *p, const char *id, const ckpt_remote_req *in,
                           int full, ckpt_remote **out, ckpt_err *err);
ckpt_rc ckpt_remote_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err);

#endif
