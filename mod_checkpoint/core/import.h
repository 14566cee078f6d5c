/* `checkpoint import`: a directory tree as one repository version (see
 * ingest.h for the order of work).  Every regular file under DIR is a
 * unit at its relative path (validated as the API validates one); a
 * symlink is followed when it stays inside DIR and names a regular file;
 * anything else (devices, fifos, sockets, symlinks that leave DIR or name
 * a directory) is refused before anything changes.  Hashing and copying
 * run on several threads. */
#ifndef CKPT_IMPORT_H
#define CKPT_IMPORT_H

#include "ingest.h"

typedef struct {
    const char *repository_id;  /* locked by ckpt_ingest_begin */
    const char *dir;
    int additive;
    int link;     /* hard-link new bytes into storage instead of copying */
    int verify;   /* hash every file, trusting no import state */
    int threads;  /* hashing threads; 0: 2 */
    /* A second connection (or NULL): each batch's leases run on it, on a
     * thread, while the run's connection records the batch. */
    ckpt_db *lease_db;
} ckpt_import_req;

/* CKPT_INVALID (reason naming the file) for what cannot be imported;
 * CKPT_CONFLICT "interrupted" when hooks->cancel was set. */
ckpt_rc ckpt_import(ckpt_db *db, apr_pool_t *p, const char *root, const ckpt_import_req *req,
                    const ckpt_ingest_hooks *hooks, ckpt_ingest_result *res, ckpt_err *err);

#endif
