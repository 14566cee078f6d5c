/* The management API: shared request context and answer helpers.  Each
 * resource has its own api_<resource>.c; api.c routes to them and is the one
 * place that turns a ckpt_rc into an HTTP answer. */
#ifndef CKPT_API_H
#define CKPT_API_H

#include "mod_checkpoint.h"
#include "json.h"

typedef struct {
    request_rec *r;
    ckpt_server_conf *sconf;
    const char *root;   /* the API's URL path, ending in '/': "/pulp/api/v3/" */
    const char *path;   /* what follows root: "repositories/file/file/" */
    ckpt_db *db;        /* taken by ckpt_api_db, given back with the request */
} ckpt_api_req;

/* Answers: each sets the status and body and returns the value the
 * handler returns to httpd (DONE or OK). */
int ckpt_api_send(ckpt_api_req *a, int status, ckpt_json *body);
int ckpt_api_detail(ckpt_api_req *a, int status, const char *detail);
/* {"field": ["reason"]} */
int ckpt_api_field_error(ckpt_api_req *a, const char *field, const char *reason);
/* The answer for a ckpt_rc that is not CKPT_OK (logs server-side errors). */
int ckpt_api_fail(ckpt_api_req *a, ckpt_rc rc, const char *what);
int ckpt_api_method_not_allowed(ckpt_api_req *a, const char *allow);

/* Reads a JSON object body (415 unless application/json, 413 over
 * CheckpointJSONLimit, 400 when malformed or not an object).  On failure
 * the answer is already sent and *status is what to return. */
ckpt_json *ckpt_api_read_object(ckpt_api_req *a, int *status);

/* Takes a database connection; on failure answers 503. */
ckpt_rc ckpt_api_db(ckpt_api_req *a);

/* Routes of the resources. */
int ckpt_api_status(ckpt_api_req *a);

#endif
