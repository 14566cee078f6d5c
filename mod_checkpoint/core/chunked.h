/* Chunked uploads, as Pulp's uploads/ (pulpcore's Upload and UploadChunk):
 * an upload of a known size takes chunks in any order, each at the offset
 * its Content-Range gives; a chunk sent again at the same offset replaces
 * the old one.  Chunks are streamed by whoever reads them into a
 * ckpt_upload (storage.h) with no database connection held, then placed
 * at <storage>/upload/<id>/<offset> and recorded in one transaction.  The
 * upload is used up by a commit (the assembled file becomes an artifact)
 * or by a content create naming it (content.h), and deleted then. */
#ifndef CKPT_CHUNKED_H
#define CKPT_CHUNKED_H

#include "db.h"
#include "model.h"
#include "storage.h"

typedef struct {
    apr_off_t offset;
    apr_off_t size;
} ckpt_chunk;

typedef struct {
    const char *id;
    apr_off_t size;
    const char *pulp_created;
    const char *pulp_last_updated;
    apr_array_header_t *chunks; /* ckpt_chunk, by offset; NULL in lists */
} ckpt_chunked;

/* "bytes <start>-<end>/<total>" (total may be "*": -1), start <= end,
 * end < total: 1, or 0. */
int ckpt_content_range_parse(const char *s, apr_off_t *start, apr_off_t *end, apr_off_t *total);

/* Whether chunks (by offset) cover [0, size) exactly once: 1, or 0 with
 * the first byte range [*from, *to] that is missing or covered twice
 * (*to < *from: covered twice from *from). */
int ckpt_chunked_complete(const apr_array_header_t *chunks, apr_off_t size, apr_off_t *from,
                          apr_off_t *to);

ckpt_rc ckpt_chunked_create(ckpt_db *db, apr_pool_t *p, apr_off_t size, ckpt_chunked **out,
                            ckpt_err *err);
/* With its chunks. */
ckpt_rc ckpt_chunked_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_chunked **out,
                         ckpt_err *err);
/* The row and the chunks' files under root. */
ckpt_rc ckpt_chunked_delete(ckpt_db *db, apr_pool_t *p, const char *root, const char *id,
                            ckpt_err *err);

/* The finished upload u as the chunk [start, end] of upload id (total:
 * the Content-Range's, -1 for "*"): checked against the expected digest
 * sha256 (NULL: none) and the upload's size, then placed and recorded.
 * CKPT_NOTFOUND when there is no such upload; CKPT_INVALID naming the
 * field at fault.  *out: the upload, without its chunks. */
ckpt_rc ckpt_chunked_put(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_upload *u,
                         apr_off_t start, apr_off_t end, apr_off_t total, const char *sha256,
                         ckpt_chunked **out, ckpt_err *err);

/* The chunks of upload id, complete, written in order to a new finished
 * upload *out (in p) under root; CKPT_INVALID when some are missing. */
ckpt_rc ckpt_chunked_assemble(ckpt_db *db, apr_pool_t *p, const char *root, const char *id,
                              ckpt_upload **out, ckpt_err *err);

/* Pulp's commit: assembles upload id, checks the whole digest against
 * sha256 (CKPT_INVALID naming sha256), keeps it as an artifact and
 * deletes the upload. */
ckpt_rc ckpt_chunked_commit(ckpt_db *db, apr_pool_t *p, const char *root, const char *id,
                            const char *sha256, ckpt_err *err);

#endif
