/* `checkpoint sync`: a Pulp file remote (any PULP_MANIFEST of
 * `relative_path,sha256,size` lines, such as a publication of this server)
 * as one repository version.  Only digests storage lacks are downloaded,
 * a page of digests at a time over several connections at once (libcurl
 * multi, kept across pages), with retries; each download is checked for
 * its size and sha256 before anything is kept.  A manifest that is malformed, truncated (no final newline), names a path
 * the API would refuse, or lists a path twice, and any file that fails
 * its check or cannot be fetched, abort the run: the repository and the
 * storage stay as they were.  The engine lives in the core so that a task
 * worker can run it as well as the command. */
#ifndef CKPT_SYNC_H
#define CKPT_SYNC_H

#include "ingest.h"

/* How to reach a remote (a remote's connection fields); NULL strings:
 * not used. */
typedef struct {
    int tls_validation;            /* 0: neither the peer nor its name is checked */
    const char *proxy_url, *proxy_username, *proxy_password;
    const char *username, *password; /* HTTP Basic */
    const char *ca_cert, *client_cert, *client_key; /* PEM text */
} ckpt_sync_conn;

typedef struct {
    const char *repository_id;  /* locked by ckpt_ingest_begin */
    const char *url;            /* the remote: a directory, or its PULP_MANIFEST */
    int additive;
    int connections;            /* 0: 4 */
    int attempts;               /* per file; 0: 3 */
    const ckpt_sync_conn *conn; /* NULL: TLS checked, no proxy, no credentials */
} ckpt_sync_req;

ckpt_rc ckpt_sync(ckpt_db *db, apr_pool_t *p, const char *root, const ckpt_sync_req *req,
                  const ckpt_ingest_hooks *hooks, ckpt_ingest_result *res, ckpt_err *err);

/* The files of a manifest's text, in order (distinct, valid paths);
 * CKPT_INVALID naming the line at fault.  A run reads its manifest the
 * same way, from a scratch file in storage, handing it a batch at a time
 * to the run's table (which refuses a path given in an earlier batch):
 * its memory does not grow with the manifest, and all of it is checked
 * before anything is fetched. */
ckpt_rc ckpt_sync_parse_manifest(apr_pool_t *p, const char *text, apr_size_t len,
                                 apr_array_header_t **files, ckpt_err *err);

#endif
