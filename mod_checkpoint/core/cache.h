/* A per-process cache of content answers (resolve.h), shared by the threads
 * of one Apache process.
 *
 * What a publication holds never changes, so an answer stays right until a
 * publication or a distribution changes.  Every such change bumps one
 * number in the database (sql/002_content_generation.sql); the cache reads
 * it at most once per refresh interval and empties itself when it moved.
 * So an answer is never older than the refresh interval, and no request
 * uses the cache while its last reading of the number is older than that.
 *
 * Memory is bounded: answers live in two halves, each an apr pool of at
 * most max_bytes / 2; when the young half is full the old one is dropped
 * whole and the young one becomes old (an answer read from the old half
 * moves to the young one, so what is used stays).  Pure C (apr only). */
#ifndef CKPT_CACHE_H
#define CKPT_CACHE_H

#include <apr_pools.h>
#include <apr_time.h>

#include "listing.h"
#include "resolve.h"

typedef struct ckpt_cache ckpt_cache;

/* A cache of at most max_bytes (counted as the bytes the answers and their
 * keys take) that reads the generation every refresh; on its own allocator,
 * below p. */
apr_status_t ckpt_cache_create(ckpt_cache **out, apr_pool_t *p, apr_size_t max_bytes,
                               apr_interval_time_t refresh);

typedef enum {
    CKPT_CACHE_USE,    /* fresh: get and put with *ticket */
    CKPT_CACHE_CHECK,  /* read the generation, then ckpt_cache_checked() or
                        * ckpt_cache_check_failed() */
    CKPT_CACHE_BYPASS  /* another thread is reading it: ask the database */
} ckpt_cache_state;

/* What a request at time now may do with the cache: CHECK for one request
 * once half the refresh interval has passed (the others go on using it),
 * BYPASS only once the whole interval has passed while another request is
 * still reading the generation.  *ticket identifies
 * the cache's contents now: an answer the caller looks up afterwards is put
 * only if nothing was emptied in between. */
ckpt_cache_state ckpt_cache_begin(ckpt_cache *c, apr_time_t now, apr_uint64_t *ticket);

/* After CKPT_CACHE_CHECK: generation is what the database said, asked at
 * time asked (taken before the query was sent).  Empties the cache if it
 * moved; *ticket as for ckpt_cache_begin. */
void ckpt_cache_checked(ckpt_cache *c, apr_int64_t generation, apr_time_t asked,
                        apr_uint64_t *ticket);
/* After CKPT_CACHE_CHECK, when the database could not be asked. */
void ckpt_cache_check_failed(ckpt_cache *c);

/* Copies the answer for key into p: 1 if there was one, else 0. */
int ckpt_cache_get(ckpt_cache *c, const char *key, apr_pool_t *p, ckpt_answer *out);

/* Keeps a copy of answer a for key (a listing with its page keeps only
 * the page), unless the cache was emptied since
 * ticket was given or the answer alone is over half the cache. */
void ckpt_cache_put(ckpt_cache *c, apr_uint64_t ticket, const char *key, const ckpt_answer *a);

typedef struct {
    apr_uint64_t hits, misses, flushes, rotations;
    apr_size_t bytes, entries;
    apr_int64_t generation;
} ckpt_cache_stats;

void ckpt_cache_get_stats(ckpt_cache *c, ckpt_cache_stats *out);

#endif
