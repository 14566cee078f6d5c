/* The answers a process found (resolve.h), by request path.
 *
 * Memory is bounded: answers live in two halves, each an apr pool of at
 * most max_bytes / 2; when the young half is full the old one is dropped
 * whole and the young one becomes old (an answer read from the old half
 * moves to the young one, so what is used stays).
 *
 * Each answer carries a tag, the repository whose publications it comes
 * from, and that tag's epoch when it was stored.  Invalidating a tag
 * (a checkpoint of that repository was made) turns its answers into misses
 * and leaves every other repository's answers alone.
 *
 * Not thread-safe: catalog.h, which decides when answers are current,
 * serializes every call.  Pure C (apr only). */
#ifndef CKPT_CACHE_H
#define CKPT_CACHE_H

#include <apr_pools.h>

#include "resolve.h"

typedef struct ckpt_cache ckpt_cache;

/* A page (a rendered listing, an index) is kept once, outside the halves,
 * and counted by reference: each half that holds it has one, and so does
 * each pool an answer with it was copied into (until that pool is cleared)
 * and whatever else took one with ckpt_cache_page_hold (a bucket sending
 * it).  So a page is sent as it is, with no copy per request, and a dropped
 * half does not free a page that is still being sent.  Thread-safe. */
typedef struct ckpt_cache_page ckpt_cache_page;

void ckpt_cache_page_hold(ckpt_cache_page *pg);
void ckpt_cache_page_release(ckpt_cache_page *pg);
const char *ckpt_cache_page_bytes(const ckpt_cache_page *pg);
apr_size_t ckpt_cache_page_len(const ckpt_cache_page *pg);

/* A store of at most max_bytes (counted as the bytes the answers and their
 * keys take, including those replaced or invalidated until their half is
 * dropped), on its own allocator below p. */
apr_status_t ckpt_cache_create(ckpt_cache **out, apr_pool_t *p, apr_size_t max_bytes);

/* Copies the answer for key into p (its page shared: page_ref, held until
 * p is cleared): 1 if there was a current one, else 0. */
int ckpt_cache_get(ckpt_cache *c, const char *key, apr_pool_t *p, ckpt_answer *out);

/* Keeps a copy of answer a for key, tagged tag (NULL: no repository; only
 * ckpt_cache_flush drops it).  A listing with its page keeps only the
 * page; an answer alone over half the store is not kept. */
void ckpt_cache_put(ckpt_cache *c, const char *key, const char *tag, const ckpt_answer *a);

/* Every answer tagged tag is gone. */
void ckpt_cache_invalidate(ckpt_cache *c, const char *tag);

/* Every answer is gone. */
void ckpt_cache_flush(ckpt_cache *c);

typedef struct {
    apr_uint64_t hits, misses, flushes, invalidations, rotations;
    apr_size_t bytes, entries;
} ckpt_cache_stats;

void ckpt_cache_get_stats(ckpt_cache *c, ckpt_cache_stats *out);

#endif
