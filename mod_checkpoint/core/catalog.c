/* The process catalog (see catalog.h).  One mutex guards everything; what
 * leaves it is copied into the caller's pool, so nothing a request holds
 * is freed under it. */
#include <string.h>

#include <apr_allocator.h>
#include <apr_hash.h>
#include <apr_ring.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "cache.h"
#include "catalog.h"

/* Freed blocks above this stay with the allocator. */
#define CATALOG_MAX_FREE (1024 * 1024)
/* What a listed checkpoint costs beyond its strings. */
#define PUB_OVERHEAD (sizeof(ckpt_publication) + 64)

/* What the catalog keeps per repository (its checkpoint list) or per
 * directory (its block, dirblock.h), least recently used first on a ring,
 * all within conf.list_bytes. */
typedef struct item item;
struct item {
    APR_RING_ENTRY(item) link;
    apr_hash_t *map;          /* c->lists or c->blocks */
    apr_pool_t *pool;
    const char *key;          /* repository id; "<repository id>:<dir>" */
    apr_size_t bytes;
    ckpt_publication *pubs;   /* a list: oldest first */
    int n;
    ckpt_dirblock *block;     /* a block; NULL: the directory is too big */
    int latest;               /* a block that is too big: as of this version */
};
APR_RING_HEAD(item_ring, item);

struct ckpt_catalog {
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    apr_pool_t *root;         /* own allocator */
    ckpt_catalog_conf conf;
    /* the readings */
    apr_time_t checked;       /* when the last one was asked */
    apr_time_t asof;          /* what it knows is as of then (a standby's: earlier) */
    int behind;               /* read from a standby that lags the primary */
    int checking;
    apr_int64_t generation;   /* -1: none yet */
    apr_int64_t floor;        /* shared blocks loaded before this generation are not
                               * taken: the first reading's, or the last that forgot
                               * everything */
    apr_uint64_t epoch;       /* bumped whenever something is forgotten */
    /* distributions: dist_pool is NULL while they are not loaded */
    apr_pool_t *dist_pool;
    apr_hash_t *dists;        /* base_path -> ckpt_catalog_dist */
    apr_hash_t *dist_deps;    /* repository id -> "" */
    int dist_depth;           /* segments of the deepest base path */
    int dist_loading;
    /* checkpoint lists and directory blocks */
    apr_hash_t *lists;        /* repository id -> item */
    apr_hash_t *blocks;       /* "<repository id>:<dir>" -> item */
    struct item_ring lru;     /* every item, least recently used first */
    apr_hash_t *loading;      /* what is being loaded ("L" or "B" + key) -> its mark */
    apr_size_t list_bytes;
    ckpt_cache *answers;      /* NULL: none are kept */
    apr_uint64_t readings, changes, dist_loads, list_loads, list_evictions, block_loads;
    apr_uint64_t shared_hits;
};

/* A load under way: its pool (gone with the mark) and the generation the
 * catalog had read when it began. */
typedef struct {
    apr_pool_t *pool;
    apr_int64_t generation;
} mark;

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
    c->floor = -1;
#if APR_HAS_THREADS
    if ((rv = apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT, p)) != APR_SUCCESS) {
        return rv;
    }
#endif
    if ((rv = make_root(c, p)) != APR_SUCCESS) {
        return rv;
    }
    c->lists = apr_hash_make(c->root);
    c->blocks = apr_hash_make(c->root);
    APR_RING_INIT(&c->lru, item, link);
    c->loading = apr_hash_make(c->root);
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
    t = c->asof;
    unlock(c);
    return t;
}

int ckpt_catalog_behind(ckpt_catalog *c)
{
    int b;

    lock(c);
    b = c->behind;
    unlock(c);
    return b;
}

static void drop_distributions(ckpt_catalog *c)
{
    if (c->dist_pool) {
        apr_pool_destroy(c->dist_pool);
        c->dist_pool = NULL;
        c->dists = c->dist_deps = NULL;
    }
}

static void drop_item(ckpt_catalog *c, item *it)
{
    apr_hash_set(it->map, it->key, APR_HASH_KEY_STRING, NULL);
    APR_RING_REMOVE(it, link);
    c->list_bytes -= it->bytes;
    apr_pool_destroy(it->pool);
}

static void drop_list(ckpt_catalog *c, const char *id)
{
    item *it = apr_hash_get(c->lists, id, APR_HASH_KEY_STRING);

    if (it) {
        drop_item(c, it);
    }
}

static void drop_all_items(ckpt_catalog *c)
{
    while (!APR_RING_EMPTY(&c->lru, item, link)) {
        drop_item(c, APR_RING_FIRST(&c->lru));
    }
}

/* Forgets what changes touched: under the mutex. */
static void forget(ckpt_catalog *c, const ckpt_catalog_changes *ch)
{
    int i, n = ch->repositories ? ch->repositories->nelts : 0;

    if (ch->unknown) {
        drop_distributions(c);
        drop_all_items(c);
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
    ckpt_catalog_checked_standby(c, generation, changes, asked, asked, 0, ticket);
}

void ckpt_catalog_checked_standby(ckpt_catalog *c, apr_int64_t generation,
                                  const ckpt_catalog_changes *changes, apr_time_t asked,
                                  apr_time_t asof, int behind, apr_uint64_t *ticket)
{
    lock(c);
    if (changes && generation != c->generation) {
        forget(c, changes);
    }
    if (c->generation < 0 || (changes && changes->unknown)) {
        c->floor = generation;
    }
    c->generation = generation;
    c->checked = asked;
    c->asof = asof < asked ? asof : asked;
    c->behind = behind;
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

/* ---- checkpoint lists and directory blocks ---- */

/* The item of key in map, now the most recently used one. */
static item *use_item(ckpt_catalog *c, apr_hash_t *map, const char *key)
{
    item *it = apr_hash_get(map, key, APR_HASH_KEY_STRING);

    if (it) {
        APR_RING_REMOVE(it, link);
        APR_RING_INSERT_TAIL(&c->lru, it, item, link);
    }
    return it;
}

/* A new item of key in map, of bytes, after making room for it by
 * dropping the least recently used ones; NULL when out of memory. */
static item *new_item(ckpt_catalog *c, apr_hash_t *map, const char *key, apr_size_t bytes)
{
    apr_pool_t *ip;
    item *it;

    while (c->list_bytes + bytes > c->conf.list_bytes && !APR_RING_EMPTY(&c->lru, item, link)) {
        drop_item(c, APR_RING_FIRST(&c->lru));
        c->list_evictions++;
    }
    if (apr_pool_create(&ip, c->root) != APR_SUCCESS) {
        return NULL;
    }
    it = apr_pcalloc(ip, sizeof(*it));
    it->pool = ip;
    it->map = map;
    it->key = apr_pstrdup(ip, key);
    it->bytes = bytes;
    APR_RING_INSERT_TAIL(&c->lru, it, item, link);
    apr_hash_set(map, it->key, APR_HASH_KEY_STRING, it);
    c->list_bytes += bytes;
    return it;
}

/* Marks key as being loaded by the caller: 1 unless another thread is.
 * Each mark has a pool of its own, gone with the mark. */
static int start_loading(ckpt_catalog *c, const char *key)
{
    apr_pool_t *kp;
    mark *m;

    if (apr_hash_get(c->loading, key, APR_HASH_KEY_STRING)
        || apr_pool_create(&kp, c->root) != APR_SUCCESS) {
        return 0;
    }
    m = apr_palloc(kp, sizeof(*m));
    m->pool = kp;
    m->generation = c->generation;
    apr_hash_set(c->loading, apr_pstrdup(kp, key), APR_HASH_KEY_STRING, m);
    return 1;
}

/* Ends the mark of key; the generation when it began (-1: no mark). */
static apr_int64_t done_loading(ckpt_catalog *c, const char *key)
{
    mark *m = apr_hash_get(c->loading, key, APR_HASH_KEY_STRING);
    apr_int64_t g = -1;

    if (m) {
        g = m->generation;
        apr_hash_set(c->loading, key, APR_HASH_KEY_STRING, NULL);
        apr_pool_destroy(m->pool);
    }
    return g;
}

/* The index of the last checkpoint created by the end of sec, or -1. */
static int at_or_before(const item *l, apr_int64_t sec)
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
    item *l;

    lock(c);
    if ((l = use_item(c, c->lists, repository_id)) != NULL) {
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
    item *l;
    int i;

    lock(c);
    if ((l = use_item(c, c->lists, repository_id)) != NULL) {
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
    item *l;
    int i, hi;

    lock(c);
    if ((l = use_item(c, c->lists, repository_id)) != NULL) {
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
    item *l;
    int i;

    lock(c);
    if ((l = use_item(c, c->lists, repository_id)) != NULL) {
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

int ckpt_catalog_load_checkpoints(ckpt_catalog *c, apr_pool_t *p, const char *repository_id)
{
    int mine;

    lock(c);
    mine = !apr_hash_get(c->lists, repository_id, APR_HASH_KEY_STRING)
           && start_loading(c, apr_pstrcat(p, "L", repository_id, NULL));
    unlock(c);
    return mine;
}

static void keep_list(ckpt_catalog *c, const char *id, const apr_array_header_t *pubs)
{
    apr_size_t bytes = sizeof(item) + strlen(id) + 1;
    item *l;
    int i;

    for (i = 0; i < pubs->nelts; i++) {
        bytes += pub_bytes(&APR_ARRAY_IDX(pubs, i, ckpt_publication));
    }
    if ((l = new_item(c, c->lists, id, bytes)) == NULL) {
        return;
    }
    l->n = pubs->nelts;
    l->pubs = apr_palloc(l->pool, sizeof(ckpt_publication) * (apr_size_t)(l->n ? l->n : 1));
    for (i = 0; i < l->n; i++) {
        copy_pub(l->pool, &l->pubs[i], &APR_ARRAY_IDX(pubs, i, ckpt_publication));
    }
    c->list_loads++;
}

void ckpt_catalog_set_checkpoints(ckpt_catalog *c, apr_pool_t *p, apr_uint64_t ticket,
                                  const char *repository_id, const apr_array_header_t *pubs)
{
    lock(c);
    done_loading(c, apr_pstrcat(p, "L", repository_id, NULL));
    if (pubs && ticket == c->epoch && !apr_hash_get(c->lists, repository_id, APR_HASH_KEY_STRING)) {
        keep_list(c, repository_id, pubs);
    }
    unlock(c);
}

static const char *block_key(apr_pool_t *p, const char *repository_id, const char *dir)
{
    return apr_pstrcat(p, repository_id, ":", dir, NULL);
}

/* The block of dir for version, under the mutex: FOUND with *b, ABSENT
 * when the directory is known to be too big (ask per path), UNKNOWN when
 * there is none that covers version. */
static ckpt_catalog_find block_for(ckpt_catalog *c, apr_pool_t *p, const char *repository_id,
                                   const char *dir, int version, const ckpt_dirblock **b)
{
    item *it = use_item(c, c->blocks, block_key(p, repository_id, dir));

    if (!it) {
        return CKPT_CATALOG_UNKNOWN;
    }
    if (!it->block) {
        return CKPT_CATALOG_ABSENT; /* ranges are only added: too big for good */
    }
    *b = it->block;
    return ckpt_dirblock_covers(it->block, version) ? CKPT_CATALOG_FOUND : CKPT_CATALOG_UNKNOWN;
}

ckpt_catalog_find ckpt_catalog_block_find(ckpt_catalog *c, apr_pool_t *p,
                                          const char *repository_id, const char *dir,
                                          int version, const char *name,
                                          ckpt_dirblock_kind *kind, const char **sha256,
                                          apr_off_t *size)
{
    const ckpt_dirblock *b = NULL;
    ckpt_catalog_find f;

    lock(c);
    f = block_for(c, p, repository_id, dir, version, &b);
    if (f == CKPT_CATALOG_FOUND) {
        *kind = ckpt_dirblock_find(b, p, version, name, sha256, size);
    }
    unlock(c);
    return f;
}

ckpt_catalog_find ckpt_catalog_block_list(ckpt_catalog *c, apr_pool_t *p,
                                          const char *repository_id, const char *dir,
                                          int version, int *holds, ckpt_dir_content *out)
{
    const ckpt_dirblock *b = NULL;
    ckpt_catalog_find f;

    lock(c);
    f = block_for(c, p, repository_id, dir, version, &b);
    if (f == CKPT_CATALOG_FOUND) {
        *holds = ckpt_dirblock_list(b, p, version, 1, out);
    }
    unlock(c);
    return f;
}

int ckpt_catalog_load_block(ckpt_catalog *c, apr_pool_t *p, const char *repository_id,
                            const char *dir, int version)
{
    const ckpt_dirblock *b;
    int mine;

    lock(c);
    mine = block_for(c, p, repository_id, dir, version, &b) == CKPT_CATALOG_UNKNOWN
           && start_loading(c, apr_pstrcat(p, "B", block_key(p, repository_id, dir), NULL));
    unlock(c);
    return mine;
}

/* What a block row takes, about, before the block is made. */
#define BLOCK_ROW_BYTES 96

/* A new item for the block of key, in place of an older one, with room
 * for estimate bytes; NULL when out of memory. */
static item *block_item(ckpt_catalog *c, const char *key, apr_size_t estimate)
{
    item *it = apr_hash_get(c->blocks, key, APR_HASH_KEY_STRING);

    if (it) {
        drop_item(c, it); /* an older one */
    }
    return new_item(c, c->blocks, key, sizeof(item) + strlen(key) + 1 + estimate);
}

/* Counts what the item's block takes, room having been made for an
 * estimate; drops the item when it has no block (it was malformed). */
static ckpt_dirblock *block_made(ckpt_catalog *c, item *it)
{
    if (!it->block) {
        drop_item(c, it);
        return NULL;
    }
    c->list_bytes -= it->bytes;
    it->bytes = sizeof(item) + strlen(it->key) + 1 + ckpt_dirblock_bytes(it->block);
    c->list_bytes += it->bytes;
    return it->block;
}

/* Keeps the block of key made of rows (NULL: too big), under the mutex;
 * the block, or NULL. */
static ckpt_dirblock *keep_block(ckpt_catalog *c, const char *key, int latest,
                                 const ckpt_dirblock_row *rows, int n)
{
    item *it = block_item(c, key, rows ? BLOCK_ROW_BYTES * (apr_size_t)n : 0);

    if (!it) {
        return NULL;
    }
    it->latest = latest;
    if (rows) {
        /* a malformed digest drops it: ask per path */
        it->block = ckpt_dirblock_make(it->pool, latest, rows, n);
        if (!block_made(c, it)) {
            return NULL;
        }
    }
    c->block_loads++;
    return it->block;
}

/* A shared value: the generation, then the packed block. */
#define SHARED_HEAD sizeof(apr_int64_t)

static const char *shared_key(ckpt_catalog *c, apr_pool_t *p, const char *key)
{
    return apr_pstrcat(p, c->conf.shared->prefix, ":", key, NULL);
}

/* The shared value of block b loaded from generation g, into p (NULL:
 * too big to share); under the mutex, b being the catalog's. */
static const unsigned char *shared_value(const ckpt_dirblock *b, apr_pool_t *p, apr_int64_t g,
                                         apr_size_t *len)
{
    apr_size_t n;
    unsigned char *packed, *v;

    /* sized first: a block too big to share is not copied for nothing
     * under the mutex */
    if (ckpt_dirblock_packed_size(b) + SHARED_HEAD > CKPT_CATALOG_SHARED_MAX) {
        return NULL;
    }
    packed = ckpt_dirblock_pack(b, p, &n);
    v = apr_palloc(p, SHARED_HEAD + n);
    memcpy(v, &g, SHARED_HEAD);
    memcpy(v + SHARED_HEAD, packed, n);
    *len = SHARED_HEAD + n;
    return v;
}

void ckpt_catalog_set_block(ckpt_catalog *c, apr_pool_t *p, apr_uint64_t ticket,
                            const char *repository_id, const char *dir, int latest,
                            const ckpt_dirblock_row *rows, int n)
{
    const char *key = block_key(p, repository_id, dir);
    const unsigned char *v = NULL;
    const ckpt_dirblock *b = NULL;
    apr_size_t len = 0;
    apr_int64_t g;

    lock(c);
    if (latest >= 0 && ticket == c->epoch) {
        b = keep_block(c, key, latest, rows, n);
    }
    g = done_loading(c, apr_pstrcat(p, "B", key, NULL));
    if (b && c->conf.shared && g >= 0) {
        v = shared_value(b, p, g, &len);
    }
    unlock(c);
    if (v) {
        c->conf.shared->put(c->conf.shared->baton, p, shared_key(c, p, key), v, len);
    }
}

/* Keeps the shared value v of key when it may be taken and covers
 * version, under the mutex: 1 when it did. */
static int keep_shared(ckpt_catalog *c, const char *key, const unsigned char *v,
                       apr_size_t len, int version)
{
    apr_int64_t g;
    item *it;

    memcpy(&g, v, SHARED_HEAD);
    if (g < c->floor || (it = block_item(c, key, len)) == NULL) {
        return 0;
    }
    it->block = ckpt_dirblock_unpack(it->pool, v + SHARED_HEAD, len - SHARED_HEAD);
    if (!block_made(c, it)) {
        return 0;
    }
    if (!ckpt_dirblock_covers(it->block, version)) {
        drop_item(c, it); /* older than version: read it */
        return 0;
    }
    c->shared_hits++;
    return 1;
}

int ckpt_catalog_block_from_shared(ckpt_catalog *c, apr_pool_t *p, apr_uint64_t ticket,
                                   const char *repository_id, const char *dir, int version)
{
    const char *key = block_key(p, repository_id, dir);
    const unsigned char *v;
    apr_size_t len = 0;
    int kept = 0;

    if (!c->conf.shared
        || (v = c->conf.shared->get(c->conf.shared->baton, p, shared_key(c, p, key), &len))
               == NULL
        || len <= SHARED_HEAD) {
        return 0;
    }
    lock(c);
    if (ticket == c->epoch && (kept = keep_shared(c, key, v, len, version)) != 0) {
        done_loading(c, apr_pstrcat(p, "B", key, NULL));
    }
    unlock(c);
    return kept;
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
    out->blocks = apr_hash_count(c->blocks);
    out->block_loads = c->block_loads;
    out->shared_hits = c->shared_hits;
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
