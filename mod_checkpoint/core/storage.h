/* Content-addressed storage: <root>/artifact/<sha[0:2]>/<sha[2:]>.
 * Bytes are written to a temporary file under <root>/tmp while hashing,
 * fsynced, then renamed, so a crash never leaves a partial artifact under
 * its final name. */
#ifndef CKPT_STORAGE_H
#define CKPT_STORAGE_H

#include <apr_file_io.h>
#include <apr_pools.h>
#include "ckpt_status.h"

typedef struct ckpt_upload ckpt_upload;

/* The final path of an artifact; sha256 must be 64 lowercase hex digits. */
const char *ckpt_storage_artifact_path(apr_pool_t *p, const char *root, const char *sha256);
int ckpt_storage_valid_sha256(const char *s);

/* Creates <root>/artifact and <root>/tmp when missing. */
apr_status_t ckpt_storage_prepare(apr_pool_t *p, const char *root);
/* Writes, fsyncs and removes a probe file: the storage is writable. */
apr_status_t ckpt_storage_check_writable(apr_pool_t *p, const char *root);

/* A temporary file that is removed by a cleanup on p unless committed. */
apr_status_t ckpt_upload_open(apr_pool_t *p, const char *root, ckpt_upload **out);
apr_status_t ckpt_upload_write(ckpt_upload *u, const char *buf, apr_size_t len);
/* fsyncs and closes; gives the sha256 (hex) and the size. */
apr_status_t ckpt_upload_finish(ckpt_upload *u, const char **sha256, apr_off_t *size);
/* Renames to the final path (keeping an existing artifact of the same
 * digest, which has the same bytes) and fsyncs the directory. */
apr_status_t ckpt_upload_commit(ckpt_upload *u);
/* Removes the temporary file now. */
void ckpt_upload_discard(ckpt_upload *u);

/* Stores a buffer as an artifact in one go (PULP_MANIFEST). */
apr_status_t ckpt_storage_put(apr_pool_t *p, const char *root, const char *buf, apr_size_t len,
                              const char **sha256);

#endif
