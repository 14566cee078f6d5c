/* What a repository's history answers beyond one checkpoint (issue 12):
 * a path's TimeMap (its first appearance, each change of digest, its
 * disappearance), the difference between two checkpoints, and where some
 * bytes were.  Each costs in proportion to the changes it reports, never
 * to the number of checkpoints or files: membership is kept as version
 * ranges (sql/010), and checkpoints follow versions in time (sql/020).
 *
 * The rules ask a ckpt_history_source, so they are tested against arrays
 * as well as run against PostgreSQL (source.h); bodies are written
 * through an emit function as they are made, so a diff of a hundred
 * thousand files never sits in memory whole.  Pure C (apr, json.h). */
#ifndef CKPT_HISTORY_H
#define CKPT_HISTORY_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "resolve.h"

/* A stretch of versions in which path held sha256, as the checkpoints
 * saw it: the first and the last that showed it, and the first after it
 * that no longer did (CKPT_NO_SEC: none yet).  Stretches no checkpoint
 * showed are left out by the source. */
typedef struct {
    const char *path;
    const char *sha256;
    apr_off_t size;
    apr_int64_t first, last, gone;
} ckpt_range;

/* A row of a diff between versions lo < hi: a path and its digest and
 * size at lo and at hi (NULL digest: absent there), with the version
 * that orders it (where the source resumes the next page). */
typedef struct {
    const char *version;
    const char *path;
    const char *lo_sha256;
    apr_off_t lo_size;
    const char *hi_sha256;
    apr_off_t hi_size;
} ckpt_diff_row;

typedef enum {
    CKPT_DIFF_HI_ONLY, /* present at hi only */
    CKPT_DIFF_LO_ONLY, /* present at lo only */
    CKPT_DIFF_BOTH     /* present at both with different digests */
} ckpt_diff_side;

/* How many rows a diff asks for at once. */
#define CKPT_DIFF_PAGE 2000

typedef struct {
    void *baton;
    /* The stretches of one path of a repository, oldest first. */
    ckpt_rc (*path_ranges)(void *baton, apr_pool_t *p, const char *repository_id,
                           const char *path, apr_array_header_t **ranges);
    /* The stretches in which a repository held sha256, by path, then
     * oldest first. */
    ckpt_rc (*digest_ranges)(void *baton, apr_pool_t *p, const char *repository_id,
                             const char *sha256, apr_array_header_t **ranges);
    /* At most limit rows (ckpt_diff_row) of one side of the diff between
     * versions lo and hi below path prefix ("" for all), ordered by
     * (version, path) and after (after_version, after_path). */
    ckpt_rc (*diff_page)(void *baton, apr_pool_t *p, const char *repository_id,
                         ckpt_diff_side side, const char *lo, const char *hi, const char *prefix,
                         const char *after_version, const char *after_path, int limit,
                         apr_array_header_t **rows);
    /* Rows a diff asks for at once; 0: CKPT_DIFF_PAGE. */
    int page;
} ckpt_history_source;

/* Writes n bytes of a body; anything but CKPT_OK stops the writer. */
typedef ckpt_rc (*ckpt_emit_fn)(void *baton, const char *s, apr_size_t n);

/* An entry of a path's TimeMap: the bytes it holds from checkpoint sec
 * on, or removed there. */
typedef struct {
    apr_int64_t sec;
    const char *sha256;
    apr_off_t size;
    int removed;
} ckpt_history_entry;

/* A path's TimeMap from its stretches: an entry where it first appears,
 * where its digest changes from one checkpoint to the next, where it is
 * gone, and where it comes back. */
apr_array_header_t *ckpt_history_entries(apr_pool_t *p, const apr_array_header_t *ranges);

/* The media type of the body of h. */
const char *ckpt_history_content_type(const ckpt_history_req *h);

/* Writes the body of a HISTORY answer (resolve.h).  A path no checkpoint
 * ever showed answers CKPT_NOTFOUND before anything is written; an error
 * of the source after the first write ends the body where it is. */
ckpt_rc ckpt_history_send(const ckpt_history_source *hs, apr_pool_t *p,
                          const ckpt_history_req *h, const char *url_prefix, ckpt_emit_fn emit,
                          void *baton);

#endif
