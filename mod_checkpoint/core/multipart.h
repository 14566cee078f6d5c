/* A streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1):
 * bytes go in as they arrive, in pieces of any size (a boundary may be
 * split anywhere between two pieces), and each part comes out as a start
 * (its form field name and file name), its data in pieces, and an end.
 * Nothing of a part's data is kept, so a file part is streamed to disk by
 * whoever takes it.  Part headers are bounded (CKPT_MULTIPART_HEADER_MAX);
 * anything malformed is CKPT_INVALID with a reason.  Debian has no
 * libapreq2, and httpd has no such parser of its own. */
#ifndef CKPT_MULTIPART_H
#define CKPT_MULTIPART_H

#include <apr_pools.h>

#include "ckpt_status.h"

#define CKPT_MULTIPART_HEADER_MAX 8192 /* bytes of one part's headers */
#define CKPT_MULTIPART_BOUNDARY_MAX 70  /* RFC 2046 */

typedef struct {
    /* A part begins: the name of its Content-Disposition, and its
     * filename (NULL when it has none). */
    ckpt_rc (*start)(void *baton, const char *name, const char *filename, ckpt_err *err);
    ckpt_rc (*data)(void *baton, const char *buf, apr_size_t len, ckpt_err *err);
    ckpt_rc (*end)(void *baton, ckpt_err *err);
} ckpt_multipart_cb;

typedef struct ckpt_multipart ckpt_multipart;

/* The boundary parameter of a multipart/form-data Content-Type; else
 * CKPT_UNSUPPORTED (another type) or CKPT_INVALID (no usable boundary). */
ckpt_rc ckpt_multipart_boundary(apr_pool_t *p, const char *content_type, const char **boundary,
                                ckpt_err *err);

ckpt_multipart *ckpt_multipart_create(apr_pool_t *p, const char *boundary,
                                      const ckpt_multipart_cb *cb, void *baton);
/* The next piece of the body. */
ckpt_rc ckpt_multipart_feed(ckpt_multipart *m, const char *buf, apr_size_t len, ckpt_err *err);
/* The body ended: CKPT_INVALID unless its closing boundary was seen. */
ckpt_rc ckpt_multipart_finish(ckpt_multipart *m, ckpt_err *err);

#endif
