/* The per-process answer cache (see cache.h). */
#include <string.h>

#include <apr_allocator.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "cache.h"

/* Freed blocks above this stay with the allocator; the rest go back to the
 * system when a half is dropped. */
#define CACHE_MAX_FREE (1024 * 1024)

/* What an answer costs beyond its own bytes: the hash entry, alignment. */
#define ENTRY_OVERHEAD 64

typedef struct {
    apr_pool_t *pool;
    apr_hash_t *map;    /* key -> cached */
    apr_size_t bytes;
} half;

typedef struct {
    ckpt_answer answer;
    apr_size_t bytes;
} cached;

struct ckpt_cache {
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    apr_pool_t *root;     /* own allocator; only touched under the mutex */
    half young, old;
    apr_size_t max_bytes;
    apr_interval_time_t refresh;
    apr_time_t checked;   /* when the last reading of the generation was asked */
    int checking;
    apr_int64_t generation; /* -1: not read yet */
    apr_uint64_t epoch;     /* emptied this many times */
    apr_uint64_t hits, misses, flushes, rotations;
};

static void lock(ckpt_cache *c)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(c->mutex);
#endif
}

static void unlock(ckpt_cache *c)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(c->mutex);
#endif
}

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

apr_status_t ckpt_cache_create(ckpt_cache **out, apr_pool_t *p, apr_size_t max_bytes,
                               apr_interval_time_t refresh)
{
    apr_allocator_t *alloc;
    ckpt_cache *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    c->max_bytes = max_bytes;
    c->refresh = refresh;
    c->generation = -1;
#if APR_HAS_THREADS
    rv = apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
#endif
    rv = apr_allocator_create(&alloc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_allocator_max_free_set(alloc, CACHE_MAX_FREE);
    rv = apr_pool_create_ex(&c->root, p, NULL, alloc);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    apr_allocator_owner_set(alloc, c->root);
    if ((rv = half_init(c, &c->young)) != APR_SUCCESS
        || (rv = half_init(c, &c->old)) != APR_SUCCESS) {
        return rv;
    }
    *out = c;
    return APR_SUCCESS;
}

/* Both halves dropped: under the mutex. */
static void empty(ckpt_cache *c)
{
    apr_pool_clear(c->young.pool);
    apr_pool_clear(c->old.pool);
    c->young.map = apr_hash_make(c->young.pool);
    c->old.map = apr_hash_make(c->old.pool);
    c->young.bytes = c->old.bytes = 0;
    c->epoch++;
    c->flushes++;
}

/* The young half becomes the old one, the old one is dropped: under the
 * mutex. */
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

ckpt_cache_state ckpt_cache_begin(ckpt_cache *c, apr_time_t now, apr_uint64_t *ticket)
{
    ckpt_cache_state st;
    int fresh, due;

    lock(c);
    *ticket = c->epoch;
    fresh = c->generation >= 0 && now >= c->checked && now - c->checked <= c->refresh;
    /* Read again from half the interval on, so that under load one request
     * refreshes while the others still use the cache, and none has to go
     * to the database because the reading is late. */
    due = !fresh || now - c->checked > c->refresh / 2;
    if (due && !c->checking) {
        c->checking = 1;
        st = CKPT_CACHE_CHECK;
    }
    else if (fresh) {
        st = CKPT_CACHE_USE;
    }
    else {
        st = CKPT_CACHE_BYPASS;
    }
    unlock(c);
    return st;
}

void ckpt_cache_checked(ckpt_cache *c, apr_int64_t generation, apr_time_t asked,
                        apr_uint64_t *ticket)
{
    lock(c);
    if (generation != c->generation) {
        empty(c);
        c->generation = generation;
    }
    c->checked = asked;
    c->checking = 0;
    *ticket = c->epoch;
    unlock(c);
}

void ckpt_cache_check_failed(ckpt_cache *c)
{
    lock(c);
    c->checking = 0;
    unlock(c);
}

/* Deep copies of answers.  size_of says how many bytes copy_into takes. */
static apr_size_t str_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static apr_size_t answer_size(const ckpt_answer *a)
{
    apr_size_t n = str_size(a->sha256) + str_size(a->relpath) + str_size(a->location);
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
    dst->page = copy_str(p, src->page);
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

/* Stores a copy in the young half, making room first: under the mutex. */
static void store(ckpt_cache *c, const char *key, const ckpt_answer *a, apr_size_t bytes)
{
    cached *e;

    if (c->young.bytes + bytes > c->max_bytes / 2) {
        rotate(c);
    }
    e = apr_palloc(c->young.pool, sizeof(*e));
    copy_into(c->young.pool, &e->answer, a);
    e->bytes = bytes;
    apr_hash_set(c->young.map, apr_pstrdup(c->young.pool, key), APR_HASH_KEY_STRING, e);
    c->young.bytes += bytes;
}

int ckpt_cache_get(ckpt_cache *c, const char *key, apr_pool_t *p, ckpt_answer *out)
{
    cached *e;

    lock(c);
    e = apr_hash_get(c->young.map, key, APR_HASH_KEY_STRING);
    if (!e) {
        e = apr_hash_get(c->old.map, key, APR_HASH_KEY_STRING);
        if (e) {
            /* Used again: into the young half, before the old one goes.
             * The copy is made first, as storing may drop the old half. */
            ckpt_answer a;
            apr_size_t bytes = e->bytes;

            copy_into(p, &a, &e->answer);
            apr_hash_set(c->old.map, key, APR_HASH_KEY_STRING, NULL);
            c->old.bytes -= bytes;
            store(c, key, &a, bytes);
            *out = a;
            c->hits++;
            unlock(c);
            return 1;
        }
    }
    if (e) {
        copy_into(p, out, &e->answer);
        c->hits++;
    }
    else {
        c->misses++;
    }
    unlock(c);
    return e != NULL;
}

void ckpt_cache_put(ckpt_cache *c, apr_uint64_t ticket, const char *key, const ckpt_answer *a)
{
    apr_size_t bytes = sizeof(cached) + ENTRY_OVERHEAD + strlen(key) + 1 + answer_size(a);

    if (bytes > c->max_bytes / 2) {
        return;
    }
    lock(c);
    if (ticket == c->epoch) {
        cached *old = apr_hash_get(c->old.map, key, APR_HASH_KEY_STRING);
        cached *young = apr_hash_get(c->young.map, key, APR_HASH_KEY_STRING);

        if (old) {
            apr_hash_set(c->old.map, key, APR_HASH_KEY_STRING, NULL);
            c->old.bytes -= old->bytes;
        }
        if (young) {
            /* Two threads missed at once: the first copy stays. */
            unlock(c);
            return;
        }
        store(c, key, a, bytes);
    }
    unlock(c);
}

void ckpt_cache_get_stats(ckpt_cache *c, ckpt_cache_stats *out)
{
    lock(c);
    out->hits = c->hits;
    out->misses = c->misses;
    out->flushes = c->flushes;
    out->rotations = c->rotations;
    out->bytes = c->young.bytes + c->old.bytes;
    out->entries = apr_hash_count(c->young.map) + apr_hash_count(c->old.map);
    out->generation = c->generation;
    unlock(c);
}
