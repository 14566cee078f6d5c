/* The answer store (see cache.h). */
#include <stdlib.h>
#include <string.h>

#include <apr_allocator.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "cache.h"
#include "listing.h"

/* Freed blocks up to this stay with the allocator, at least: a dropped
 * half's blocks are what the young half fills next.  Given back to the
 * system instead, every answer stored was a fresh mmap and page faults,
 * and every rotation hundreds of munmaps, all under the catalog's mutex:
 * a fifth of a process's time in cold listings (mmap, munmap and page
 * faults in perf), where every answer is new. */
#define CACHE_MIN_FREE (1024 * 1024)

/* What an answer costs beyond its own bytes: the hash entry, alignment. */
#define ENTRY_OVERHEAD 64

typedef struct {
    apr_pool_t *pool;
    apr_hash_t *map;    /* key -> cached */
    apr_size_t bytes;   /* what was stored in pool since it was cleared:
                         * a forgotten answer's memory is freed only then */
} half;

typedef struct {
    ckpt_answer answer;
    apr_size_t bytes;
    const char *tag;
    apr_uint64_t epoch; /* the tag's epoch when stored */
} cached;

struct ckpt_cache {
    apr_pool_t *root;   /* own allocator */
    half young, old;
    apr_pool_t *tags_pool;
    apr_hash_t *tags;   /* tag -> apr_uint64_t epoch; absent: 0 */
    apr_size_t max_bytes;
    apr_uint64_t hits, misses, flushes, invalidations, rotations;
};

static apr_status_t half_init(ckpt_cache *c, half *h)
{
    apr_status_t rv = apr_pool_create(&h->pool, c->root);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_pool_tag(h->pool, "checkpoint-cache");
    h->map = apr_hash_make(h->pool);
    h->bytes = 0;
    return APR_SUCCESS;
}

apr_status_t ckpt_cache_create(ckpt_cache **out, apr_pool_t *p, apr_size_t max_bytes)
{
    apr_allocator_t *alloc;
    ckpt_cache *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    c->max_bytes = max_bytes;
    rv = apr_allocator_create(&alloc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* a half's worth: the memory stays within about max_bytes all the same
     * (what one half frees, the other fills) */
    apr_allocator_max_free_set(alloc, max_bytes / 2 > CACHE_MIN_FREE ? max_bytes / 2
                                                                     : CACHE_MIN_FREE);
    rv = apr_pool_create_ex(&c->root, p, NULL, alloc);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    apr_allocator_owner_set(alloc, c->root);
    if ((rv = half_init(c, &c->young)) != APR_SUCCESS
        || (rv = half_init(c, &c->old)) != APR_SUCCESS
        || (rv = apr_pool_create(&c->tags_pool, c->root)) != APR_SUCCESS) {
        return rv;
    }
    c->tags = apr_hash_make(c->tags_pool);
    *out = c;
    return APR_SUCCESS;
}

void ckpt_cache_flush(ckpt_cache *c)
{
    apr_pool_clear(c->young.pool);
    apr_pool_clear(c->old.pool);
    apr_pool_clear(c->tags_pool);
    c->young.map = apr_hash_make(c->young.pool);
    c->old.map = apr_hash_make(c->old.pool);
    c->tags = apr_hash_make(c->tags_pool);
    c->young.bytes = c->old.bytes = 0;
    c->flushes++;
}

static apr_uint64_t tag_epoch(const ckpt_cache *c, const char *tag)
{
    const apr_uint64_t *e = tag ? apr_hash_get(c->tags, tag, APR_HASH_KEY_STRING) : NULL;
    return e ? *e : 0;
}

void ckpt_cache_invalidate(ckpt_cache *c, const char *tag)
{
    apr_uint64_t *e = apr_hash_get(c->tags, tag, APR_HASH_KEY_STRING);

    if (!e) {
        e = apr_pcalloc(c->tags_pool, sizeof(*e));
        apr_hash_set(c->tags, apr_pstrdup(c->tags_pool, tag), APR_HASH_KEY_STRING, e);
    }
    (*e)++;
    c->invalidations++;
}

/* The young half becomes the old one, the old one is dropped. */
static void rotate(ckpt_cache *c)
{
    half dropped = c->old;

    c->old = c->young;
    apr_pool_clear(dropped.pool);
    c->young.pool = dropped.pool;
    c->young.map = apr_hash_make(c->young.pool);
    c->young.bytes = 0;
    c->rotations++;
}

/* A page's bytes, malloc'd: a page outlives the pool of whoever made it
 * (a half, dropped while a request still sends the page) and is released
 * by threads that do not hold the catalog's mutex, so it cannot live in a
 * pool of the store or of a request.  A copy per request, as pages were
 * sent before, was kept afterwards by each connection's allocator as free
 * memory (up to MaxMemFree), in blocks too small for the next, larger
 * page: a checkpoint index grows with every checkpoint, and a process's
 * memory grew with its connections times the index's sizes. */
struct ckpt_cache_page {
    apr_uint32_t refs;
    apr_size_t len;
    char bytes[];
};

void ckpt_cache_page_hold(ckpt_cache_page *pg)
{
    apr_atomic_inc32(&pg->refs);
}

void ckpt_cache_page_release(ckpt_cache_page *pg)
{
    if (!apr_atomic_dec32(&pg->refs)) {
        free(pg);
    }
}

const char *ckpt_cache_page_bytes(const ckpt_cache_page *pg)
{
    return pg->bytes;
}

apr_size_t ckpt_cache_page_len(const ckpt_cache_page *pg)
{
    return pg->len;
}

static apr_status_t page_cleanup(void *data)
{
    ckpt_cache_page_release(data);
    return APR_SUCCESS;
}

/* The page of src, held until p is cleared: src's own when it has one,
 * else a new one with a copy of its bytes (NULL when malloc fails). */
static ckpt_cache_page *share_page(apr_pool_t *p, const ckpt_answer *src)
{
    ckpt_cache_page *pg = src->page_ref;

    if (pg) {
        ckpt_cache_page_hold(pg);
    }
    else {
        apr_size_t n = strlen(src->page);

        if (!(pg = malloc(sizeof(*pg) + n + 1))) {
            return NULL;
        }
        pg->refs = 1;
        pg->len = n;
        memcpy(pg->bytes, src->page, n + 1);
    }
    apr_pool_cleanup_register(p, pg, page_cleanup, apr_pool_cleanup_null);
    return pg;
}

/* Deep copies of answers.  size_of says how many bytes copy_into takes. */
static apr_size_t str_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static apr_size_t answer_size(const ckpt_answer *a)
{
    apr_size_t n = str_size(a->sha256) + str_size(a->relpath) + str_size(a->location)
                   + str_size(a->content_location) + str_size(a->memento.base_path)
                   + str_size(a->memento.path);
    int i;

    if (a->page) {
        return n + str_size(a->page); /* the entries are not kept */
    }
    if (a->entries) {
        n += sizeof(apr_array_header_t) + (apr_size_t)a->entries->nelts * sizeof(ckpt_listing_entry);
        for (i = 0; i < a->entries->nelts; i++) {
            n += str_size(APR_ARRAY_IDX(a->entries, i, ckpt_listing_entry).name);
        }
    }
    return n;
}

static const char *copy_str(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

static void copy_into(apr_pool_t *p, ckpt_answer *dst, const ckpt_answer *src)
{
    int i;

    *dst = *src;
    dst->sha256 = copy_str(p, src->sha256);
    dst->relpath = copy_str(p, src->relpath);
    dst->location = copy_str(p, src->location);
    dst->page_ref = src->page ? share_page(p, src) : NULL;
    dst->page = dst->page_ref ? dst->page_ref->bytes : copy_str(p, src->page);
    /* content_type is always a literal; history answers are never kept. */
    dst->content_location = copy_str(p, src->content_location);
    dst->memento.base_path = copy_str(p, src->memento.base_path);
    dst->memento.path = copy_str(p, src->memento.path);
    if (src->page) {
        /* A rendered listing is all its requests need. */
        dst->entries = NULL;
    }
    else if (src->entries) {
        int n = src->entries->nelts;

        dst->entries = apr_array_make(p, n > 0 ? n : 1, sizeof(ckpt_listing_entry));
        if (n > 0) {
            memcpy(dst->entries->elts, src->entries->elts, (apr_size_t)n * sizeof(ckpt_listing_entry));
        }
        dst->entries->nelts = n;
        for (i = 0; i < dst->entries->nelts; i++) {
            ckpt_listing_entry *e = &APR_ARRAY_IDX(dst->entries, i, ckpt_listing_entry);
            e->name = copy_str(p, e->name);
        }
    }
}

/* Stores a copy in the young half, making room first. */
static void store(ckpt_cache *c, const char *key, const char *tag, apr_uint64_t epoch,
                  const ckpt_answer *a, apr_size_t bytes)
{
    cached *e;

    if (c->young.bytes + bytes > c->max_bytes / 2) {
        rotate(c);
    }
    e = apr_palloc(c->young.pool, sizeof(*e));
    copy_into(c->young.pool, &e->answer, a);
    e->bytes = bytes;
    e->tag = copy_str(c->young.pool, tag);
    e->epoch = epoch;
    apr_hash_set(c->young.map, apr_pstrdup(c->young.pool, key), APR_HASH_KEY_STRING, e);
    c->young.bytes += bytes;
}

/* Out of the map; its bytes stay counted until the half is dropped, as
 * its pool keeps them: otherwise answers replaced after every checkpoint
 * would grow the pool without ever filling the half. */
static void forget(half *h, const char *key)
{
    apr_hash_set(h->map, key, APR_HASH_KEY_STRING, NULL);
}

int ckpt_cache_get(ckpt_cache *c, const char *key, apr_pool_t *p, ckpt_answer *out)
{
    half *h = &c->young;
    cached *e = apr_hash_get(h->map, key, APR_HASH_KEY_STRING);

    if (!e) {
        h = &c->old;
        e = apr_hash_get(h->map, key, APR_HASH_KEY_STRING);
    }
    if (e && e->epoch != tag_epoch(c, e->tag)) {
        forget(h, key); /* its repository changed since */
        e = NULL;
    }
    if (!e) {
        c->misses++;
        return 0;
    }
    c->hits++;
    copy_into(p, out, &e->answer);
    if (h == &c->old) {
        /* Used again: into the young half, before the old one goes.  The
         * copy was made first, as storing may drop the old half. */
        const char *tag = apr_pstrdup(p, e->tag ? e->tag : "");
        apr_uint64_t epoch = e->epoch;
        apr_size_t bytes = e->bytes;

        forget(h, key);
        store(c, key, *tag ? tag : NULL, epoch, out, bytes);
    }
    return 1;
}

void ckpt_cache_put(ckpt_cache *c, const char *key, const char *tag, const ckpt_answer *a)
{
    apr_size_t bytes = sizeof(cached) + ENTRY_OVERHEAD + strlen(key) + 1 + str_size(tag)
                       + answer_size(a);
    cached *old, *young;

    if (bytes > c->max_bytes / 2 || a->kind == CKPT_ANSWER_HISTORY) {
        return;
    }
    old = apr_hash_get(c->old.map, key, APR_HASH_KEY_STRING);
    young = apr_hash_get(c->young.map, key, APR_HASH_KEY_STRING);
    if (old) {
        forget(&c->old, key);
    }
    if (young) {
        forget(&c->young, key);
    }
    store(c, key, tag, tag_epoch(c, tag), a, bytes);
}

void ckpt_cache_get_stats(ckpt_cache *c, ckpt_cache_stats *out)
{
    out->hits = c->hits;
    out->misses = c->misses;
    out->flushes = c->flushes;
    out->invalidations = c->invalidations;
    out->rotations = c->rotations;
    out->bytes = c->young.bytes + c->old.bytes;
    out->entries = apr_hash_count(c->young.map) + apr_hash_count(c->old.map);
}
