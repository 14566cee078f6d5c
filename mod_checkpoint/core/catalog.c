/* The process catalog (see catalog.h).  One mutex guards everything; what
 * leaves it is copied into the caller's pool, so nothing a request holds
 * is freed under it. */
#include <string.h>

#include <apr_allocator.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "cache.h"
#include "catalog.h"

/* Freed blocks above this stay with the allocator. */
#define CATALOG_MAX_FREE (1024 * 1024)
/* What a listed checkpoint costs beyond its strings. */
#define PUB_OVERHEAD (sizeof(ckpt_publication) + 64)

typedef struct {
    apr_pool_t *pool;
    const char *id;
    ckpt_publication *pubs;   /* oldest first */
    int n;
    apr_size_t bytes;
    apr_uint64_t used;        /* c->clock at the last use */
} repo_list;

struct ckpt_catalog {
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    apr_pool_t *root;         /* own allocator */
    ckpt_catalog_conf conf;
    /* the readings */
    apr_time_t checked;       /* when the last one was asked */
    int checking;
    apr_int64_t generation;   /* -1: none yet */
    apr_uint64_t epoch;       /* bumped whenever something is forgotten */
    /* distributions: dist_pool is NULL while they are not loaded */
    apr_pool_t *dist_pool;
    apr_hash_t *dists;        /* base_path -> ckpt_catalog_dist */
    apr_hash_t *dist_deps;    /* repository id -> "" */
    int dist_depth;           /* segments of the deepest base path */
    int dist_loading;
    /* checkpoint lists */
    apr_hash_t *lists;        /* repository id -> repo_list */
    apr_pool_t *loading_pool; /* cleared whenever loading is empty */
    apr_hash_t *loading;      /* repository id -> "" */
    apr_size_t list_bytes;
    apr_uint64_t clock;
    ckpt_cache *answers;      /* NULL: none are kept */
    apr_uint64_t readings, changes, dist_loads, list_loads, list_evictions;
};

static void lock(ckpt_catalog *c)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(c->mutex);
#endif
}

static void unlock(ckpt_catalog *c)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(c->mutex);
#endif
}

static apr_status_t make_root(ckpt_catalog *c, apr_pool_t *p)
{
    apr_allocator_t *alloc;
    apr_status_t rv = apr_allocator_create(&alloc);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_allocator_max_free_set(alloc, CATALOG_MAX_FREE);
    rv = apr_pool_create_ex(&c->root, p, NULL, alloc);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    apr_allocator_owner_set(alloc, c->root);
    apr_pool_tag(c->root, "checkpoint-catalog");
    return APR_SUCCESS;
}

apr_status_t ckpt_catalog_create(ckpt_catalog **out, apr_pool_t *p,
                                 const ckpt_catalog_conf *conf)
{
    ckpt_catalog *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    c->conf = *conf;
    c->generation = -1;
#if APR_HAS_THREADS
    if ((rv = apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT, p)) != APR_SUCCESS) {
        return rv;
    }
#endif
    if ((rv = make_root(c, p)) != APR_SUCCESS
        || (rv = apr_pool_create(&c->loading_pool, c->root)) != APR_SUCCESS) {
        return rv;
    }
    c->lists = apr_hash_make(c->root);
    c->loading = apr_hash_make(c->loading_pool);
    if (conf->cache_bytes > 0
        && (rv = ckpt_cache_create(&c->answers, c->root, conf->cache_bytes)) != APR_SUCCESS) {
        return rv;
    }
    *out = c;
    return APR_SUCCESS;
}

/* ---- readings ---- */

ckpt_catalog_state ckpt_catalog_begin(ckpt_catalog *c, apr_time_t now, apr_uint64_t *ticket)
{
    ckpt_catalog_state st;
    int fresh, due;

    lock(c);
    *ticket = c->epoch;
    fresh = c->generation >= 0 && now >= c->checked && now - c->checked <= c->conf.refresh;
    /* Read again from half the interval on, so that under load one request
     * refreshes while the others still use what is known, and none has to
     * go to the database because the reading is late. */
    due = !fresh || now - c->checked > c->conf.refresh / 2;
    if (due && !c->checking) {
        c->checking = 1;
        st = CKPT_CATALOG_CHECK;
    }
    else {
        st = fresh ? CKPT_CATALOG_USE : CKPT_CATALOG_BYPASS;
    }
    unlock(c);
    return st;
}

apr_int64_t ckpt_catalog_generation(ckpt_catalog *c)
{
    apr_int64_t g;

    lock(c);
    g = c->generation;
    unlock(c);
    return g;
}

apr_time_t ckpt_catalog_asof(ckpt_catalog *c)
{
    apr_time_t t;

    lock(c);
    t = c->checked;
    unlock(c);
    return t;
}

static void drop_distributions(ckpt_catalog *c)
{
    if (c->dist_pool) {
        apr_pool_destroy(c->dist_pool);
        c->dist_pool = NULL;
        c->dists = c->dist_deps = NULL;
    }
}

static void drop_list(ckpt_catalog *c, const char *id)
{
    repo_list *l = apr_hash_get(c->lists, id, APR_HASH_KEY_STRING);

    if (l) {
        apr_hash_set(c->lists, l->id, APR_HASH_KEY_STRING, NULL);
        c->list_bytes -= l->bytes;
        apr_pool_destroy(l->pool);
    }
}

static void drop_all_lists(ckpt_catalog *c)
{
    apr_hash_index_t *hi = apr_hash_first(NULL, c->lists);

    while (hi) {
        const void *key;
        apr_hash_this(hi, &key, NULL, NULL);
        hi = apr_hash_next(hi); /* before the entry goes */
        drop_list(c, key);
    }
}

/* Forgets what changes touched: under the mutex. */
static void forget(ckpt_catalog *c, const ckpt_catalog_changes *ch)
{
    int i, n = ch->repositories ? ch->repositories->nelts : 0;

    if (ch->unknown) {
        drop_distributions(c);
        drop_all_lists(c);
        if (c->answers) {
            ckpt_cache_flush(c->answers);
        }
    }
    if (ch->distributions) {
        /* URLs may now lead elsewhere: every answer goes. */
        drop_distributions(c);
        if (c->answers) {
            ckpt_cache_flush(c->answers);
        }
    }
    for (i = 0; i < n; i++) {
        const char *id = APR_ARRAY_IDX(ch->repositories, i, const char *);
        drop_list(c, id);
        if (c->dist_deps && apr_hash_get(c->dist_deps, id, APR_HASH_KEY_STRING)) {
            drop_distributions(c);
        }
        if (c->answers) {
            ckpt_cache_invalidate(c->answers, id);
        }
    }
    c->epoch++;
    c->changes++;
}

void ckpt_catalog_checked(ckpt_catalog *c, apr_int64_t generation,
                          const ckpt_catalog_changes *changes, apr_time_t asked,
                          apr_uint64_t *ticket)
{
    lock(c);
    if (changes && generation != c->generation) {
        forget(c, changes);
    }
    c->generation = generation;
    c->checked = asked;
    c->checking = 0;
    c->readings++;
    *ticket = c->epoch;
    unlock(c);
}

void ckpt_catalog_check_failed(ckpt_catalog *c)
{
    lock(c);
    c->checking = 0;
    unlock(c);
}

/* ---- answers ---- */

int ckpt_catalog_answer_get(ckpt_catalog *c, const char *key, apr_pool_t *p, ckpt_answer *out)
{
    int hit = 0;

    if (c->answers) {
        lock(c);
        hit = ckpt_cache_get(c->answers, key, p, out);
        unlock(c);
    }
    return hit;
}

void ckpt_catalog_answer_put(ckpt_catalog *c, apr_uint64_t ticket, const char *key,
                             const ckpt_answer *a)
{
    if (c->answers) {
        lock(c);
        if (ticket == c->epoch) {
            ckpt_cache_put(c->answers, key, a->repository_id, a);
        }
        unlock(c);
    }
}

/* ---- copies ---- */

static const char *pdup(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

static void copy_pub(apr_pool_t *p, ckpt_publication *dst, const ckpt_publication *src)
{
    *dst = *src;
    dst->id = pdup(p, src->id);
    dst->repository_id = pdup(p, src->repository_id);
    dst->version_number = pdup(p, src->version_number);
    dst->manifest = pdup(p, src->manifest);
    dst->manifest_sha256 = pdup(p, src->manifest_sha256);
}

static apr_size_t pub_bytes(const ckpt_publication *pub)
{
    const char *s[] = {pub->id, pub->repository_id, pub->version_number, pub->manifest,
                       pub->manifest_sha256};
    apr_size_t n = PUB_OVERHEAD, i;

    for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        n += s[i] ? strlen(s[i]) + 1 : 0;
    }
    return n;
}

static const ckpt_distribution *copy_dist(apr_pool_t *p, const ckpt_distribution *src)
{
    ckpt_distribution *d = apr_pmemdup(p, src, sizeof(*d));

    d->base_path = pdup(p, src->base_path);
    d->repository_id = pdup(p, src->repository_id);
    if (src->pub) {
        ckpt_publication *pub = apr_palloc(p, sizeof(*pub));
        copy_pub(p, pub, src->pub);
        d->pub = pub;
    }
    return d;
}

/* ---- distributions ---- */

static int segments(const char *s)
{
    int n = 1;

    for (; *s; s++) {
        n += *s == '/';
    }
    return n;
}

/* Longest prefix first: path itself, then up to each '/', at most
 * dist_depth segments deep. */
static const ckpt_catalog_dist *longest_prefix(ckpt_catalog *c, const char *path)
{
    apr_size_t ends[CKPT_BASE_PATH_MAX_SEGMENTS], len = strlen(path), i;
    int n = 0;

    for (i = 1; i <= len && n < c->dist_depth && n < CKPT_BASE_PATH_MAX_SEGMENTS; i++) {
        if (i == len || path[i] == '/') {
            ends[n++] = i;
        }
    }
    while (n-- > 0) {
        const ckpt_catalog_dist *d = apr_hash_get(c->dists, path, (apr_ssize_t)ends[n]);
        if (d) {
            return d;
        }
    }
    return NULL;
}

ckpt_catalog_find ckpt_catalog_distribution(ckpt_catalog *c, apr_pool_t *p, const char *path,
                                            const ckpt_distribution **out)
{
    ckpt_catalog_find f = CKPT_CATALOG_UNKNOWN;

    lock(c);
    if (c->dists) {
        const ckpt_catalog_dist *d = longest_prefix(c, path);
        f = d ? CKPT_CATALOG_FOUND : CKPT_CATALOG_ABSENT;
        if (d) {
            *out = copy_dist(p, &d->d);
        }
    }
    unlock(c);
    return f;
}

int ckpt_catalog_load_distributions(ckpt_catalog *c)
{
    int mine;

    lock(c);
    mine = !c->dists && !c->dist_loading;
    if (mine) {
        c->dist_loading = 1;
    }
    unlock(c);
    return mine;
}

static void keep_distributions(ckpt_catalog *c, const apr_array_header_t *dists)
{
    int i;

    if (apr_pool_create(&c->dist_pool, c->root) != APR_SUCCESS) {
        c->dist_pool = NULL;
        return;
    }
    c->dists = apr_hash_make(c->dist_pool);
    c->dist_deps = apr_hash_make(c->dist_pool);
    c->dist_depth = 0;
    for (i = 0; i < dists->nelts; i++) {
        const ckpt_catalog_dist *src = &APR_ARRAY_IDX(dists, i, ckpt_catalog_dist);
        ckpt_catalog_dist *d = apr_palloc(c->dist_pool, sizeof(*d));

        d->d = *copy_dist(c->dist_pool, &src->d);
        d->depends_on = pdup(c->dist_pool, src->depends_on);
        apr_hash_set(c->dists, d->d.base_path, APR_HASH_KEY_STRING, d);
        if (d->depends_on) {
            apr_hash_set(c->dist_deps, d->depends_on, APR_HASH_KEY_STRING, "");
        }
        if (segments(d->d.base_path) > c->dist_depth) {
            c->dist_depth = segments(d->d.base_path);
        }
    }
    c->dist_loads++;
}

void ckpt_catalog_set_distributions(ckpt_catalog *c, apr_uint64_t ticket,
                                    const apr_array_header_t *dists)
{
    lock(c);
    c->dist_loading = 0;
    if (dists && ticket == c->epoch && !c->dists) {
        keep_distributions(c, dists);
    }
    unlock(c);
}

/* ---- checkpoint lists ---- */

static repo_list *use_list(ckpt_catalog *c, const char *id)
{
    repo_list *l = apr_hash_get(c->lists, id, APR_HASH_KEY_STRING);

    if (l) {
        l->used = ++c->clock;
    }
    return l;
}

/* The index of the last checkpoint created by the end of sec, or -1. */
static int at_or_before(const repo_list *l, apr_int64_t sec)
{
    int lo = 0, hi = l->n; /* the answer is below hi */

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (l->pubs[mid].created_sec <= sec) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo - 1;
}

ckpt_catalog_find ckpt_catalog_checkpoint_at(ckpt_catalog *c, apr_pool_t *p,
                                             const char *repository_id, apr_int64_t sec,
                                             const ckpt_publication **out)
{
    ckpt_catalog_find f = CKPT_CATALOG_UNKNOWN;
    repo_list *l;

    lock(c);
    if ((l = use_list(c, repository_id)) != NULL) {
        int i = at_or_before(l, sec);
        f = i < 0 ? CKPT_CATALOG_ABSENT : CKPT_CATALOG_FOUND;
        if (i >= 0) {
            ckpt_publication *pub = apr_palloc(p, sizeof(*pub));
            copy_pub(p, pub, &l->pubs[i]);
            *out = pub;
        }
    }
    unlock(c);
    return f;
}

ckpt_catalog_find ckpt_catalog_checkpoint_times(ckpt_catalog *c, apr_pool_t *p,
                                                const char *repository_id,
                                                apr_array_header_t **secs)
{
    ckpt_catalog_find f = CKPT_CATALOG_UNKNOWN;
    repo_list *l;
    int i;

    lock(c);
    if ((l = use_list(c, repository_id)) != NULL) {
        *secs = apr_array_make(p, l->n ? l->n : 1, sizeof(apr_int64_t));
        for (i = 0; i < l->n; i++) {
            APR_ARRAY_PUSH(*secs, apr_int64_t) = l->pubs[i].created_sec;
        }
        f = CKPT_CATALOG_FOUND;
    }
    unlock(c);
    return f;
}

ckpt_catalog_find ckpt_catalog_checkpoint_list(ckpt_catalog *c, apr_pool_t *p,
                                               const char *repository_id, apr_int64_t from,
                                               apr_int64_t until, apr_array_header_t **pubs)
{
    ckpt_catalog_find f = CKPT_CATALOG_UNKNOWN;
    repo_list *l;
    int i, hi;

    lock(c);
    if ((l = use_list(c, repository_id)) != NULL) {
        i = at_or_before(l, from - 1) + 1;
        hi = at_or_before(l, until);
        *pubs = apr_array_make(p, hi >= i ? hi - i + 1 : 1, sizeof(ckpt_publication));
        for (; i <= hi; i++) {
            copy_pub(p, apr_array_push(*pubs), &l->pubs[i]);
        }
        f = CKPT_CATALOG_FOUND;
    }
    unlock(c);
    return f;
}

ckpt_catalog_find ckpt_catalog_checkpoint_nav(ckpt_catalog *c, const char *repository_id,
                                              apr_int64_t sec, ckpt_nav *out)
{
    ckpt_catalog_find f = CKPT_CATALOG_UNKNOWN;
    repo_list *l;
    int i;

    lock(c);
    if ((l = use_list(c, repository_id)) != NULL) {
        i = at_or_before(l, sec);
        out->first = l->n ? l->pubs[0].created_sec : CKPT_NO_SEC;
        out->last = l->n ? l->pubs[l->n - 1].created_sec : CKPT_NO_SEC;
        /* i is sec's own checkpoint, or the one before sec */
        out->prev = i >= 0 && l->pubs[i].created_sec == sec ? (i > 0 ? l->pubs[i - 1].created_sec
                                                                      : CKPT_NO_SEC)
                                                             : (i >= 0 ? l->pubs[i].created_sec
                                                                       : CKPT_NO_SEC);
        out->next = i + 1 < l->n ? l->pubs[i + 1].created_sec : CKPT_NO_SEC;
        f = CKPT_CATALOG_FOUND;
    }
    unlock(c);
    return f;
}

int ckpt_catalog_load_checkpoints(ckpt_catalog *c, const char *repository_id)
{
    int mine;

    lock(c);
    mine = !apr_hash_get(c->lists, repository_id, APR_HASH_KEY_STRING)
           && !apr_hash_get(c->loading, repository_id, APR_HASH_KEY_STRING);
    if (mine) {
        apr_hash_set(c->loading, apr_pstrdup(c->loading_pool, repository_id),
                     APR_HASH_KEY_STRING, "");
    }
    unlock(c);
    return mine;
}

/* Makes room for bytes more by dropping the least recently used lists. */
static void evict_lists(ckpt_catalog *c, apr_size_t bytes)
{
    while (c->list_bytes + bytes > c->conf.list_bytes && apr_hash_count(c->lists) > 0) {
        apr_hash_index_t *hi;
        repo_list *oldest = NULL;

        for (hi = apr_hash_first(NULL, c->lists); hi; hi = apr_hash_next(hi)) {
            repo_list *l = apr_hash_this_val(hi);
            if (!oldest || l->used < oldest->used) {
                oldest = l;
            }
        }
        drop_list(c, oldest->id);
        c->list_evictions++;
    }
}

static void keep_list(ckpt_catalog *c, const char *id, const apr_array_header_t *pubs)
{
    repo_list *l;
    apr_pool_t *lp;
    apr_size_t bytes = sizeof(*l) + strlen(id) + 1;
    int i;

    for (i = 0; i < pubs->nelts; i++) {
        bytes += pub_bytes(&APR_ARRAY_IDX(pubs, i, ckpt_publication));
    }
    evict_lists(c, bytes);
    if (apr_pool_create(&lp, c->root) != APR_SUCCESS) {
        return;
    }
    l = apr_pcalloc(lp, sizeof(*l));
    l->pool = lp;
    l->id = apr_pstrdup(lp, id);
    l->n = pubs->nelts;
    l->pubs = apr_palloc(lp, sizeof(ckpt_publication) * (apr_size_t)(l->n ? l->n : 1));
    for (i = 0; i < l->n; i++) {
        copy_pub(lp, &l->pubs[i], &APR_ARRAY_IDX(pubs, i, ckpt_publication));
    }
    l->bytes = bytes;
    l->used = ++c->clock;
    apr_hash_set(c->lists, l->id, APR_HASH_KEY_STRING, l);
    c->list_bytes += bytes;
    c->list_loads++;
}

void ckpt_catalog_set_checkpoints(ckpt_catalog *c, apr_uint64_t ticket,
                                  const char *repository_id, const apr_array_header_t *pubs)
{
    lock(c);
    apr_hash_set(c->loading, repository_id, APR_HASH_KEY_STRING, NULL);
    if (apr_hash_count(c->loading) == 0) {
        apr_pool_clear(c->loading_pool);
        c->loading = apr_hash_make(c->loading_pool);
    }
    if (pubs && ticket == c->epoch && !apr_hash_get(c->lists, repository_id, APR_HASH_KEY_STRING)) {
        keep_list(c, repository_id, pubs);
    }
    unlock(c);
}

void ckpt_catalog_get_stats(ckpt_catalog *c, ckpt_catalog_stats *out)
{
    memset(out, 0, sizeof(*out));
    lock(c);
    out->readings = c->readings;
    out->changes = c->changes;
    out->dist_loads = c->dist_loads;
    out->list_loads = c->list_loads;
    out->list_evictions = c->list_evictions;
    out->list_bytes = c->list_bytes;
    out->lists = apr_hash_count(c->lists);
    out->generation = c->generation;
    if (c->answers) {
        ckpt_cache_stats cs;
        ckpt_cache_get_stats(c->answers, &cs);
        out->hits = cs.hits;
        out->misses = cs.misses;
        out->cache_bytes = cs.bytes;
        out->cache_entries = cs.entries;
    }
    unlock(c);
}
