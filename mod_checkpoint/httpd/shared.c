/* The node's shared catalog (CheckpointSharedCatalogSize): the store of
 * catalog.h's ckpt_catalog_shared on httpd's socache, shmcb provider
 * (mod_socache_shmcb), made in post_config, so every process of the node
 * sees the same shared memory; one global mutex (Mutex
 * checkpoint-shared) around each store and retrieve, as shmcb needs.
 *
 * What a process loads, the others take from here (a memcpy, no query);
 * shmcb drops the oldest entries when it is full, so it stays within its
 * size.  A graceful restart makes a new one. */
#include <apr_sha1.h>
#include <apr_strings.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <http_core.h>
#include <util_mutex.h>

#include "mod_checkpoint.h"

#define MUTEX_TYPE "checkpoint-shared"

/* How long an entry is kept at most: blocks never go stale (catalog.h),
 * shmcb's own cycling bounds them first. */
#define SHARED_EXPIRY apr_time_from_sec(24 * 3600)

struct ckpt_shared_store {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;
    server_rec *s;
    apr_size_t bytes;
};

int ckpt_shared_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS
               ? OK
               : HTTP_INTERNAL_SERVER_ERROR;
}

static apr_status_t destroy_store(void *data)
{
    ckpt_shared_store *st = data;

    st->provider->destroy(st->instance, st->s);
    return APR_SUCCESS;
}

/* The shmcb instance of bytes, named under the runtime directory (used
 * only where anonymous shared memory is not). */
static apr_status_t make_instance(ckpt_shared_store *st, apr_pool_t *pconf, apr_pool_t *ptemp)
{
    /* A block of 100 files is about 7.5 KB packed; half of it as the
     * average gives each subcache index entries enough that its data,
     * not its index, is what fills. */
    struct ap_socache_hints hints = {80, 4 * 1024, apr_time_from_sec(600)};
    const char *arg = apr_psprintf(ptemp, "%s(%" APR_SIZE_T_FMT ")",
                                   ap_runtime_dir_relative(ptemp, "checkpoint-catalog"),
                                   st->bytes);
    const char *err = st->provider->create(&st->instance, arg, ptemp, pconf);
    apr_status_t rv;

    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, st->s,
                     CKPTLOGNO(114) "CheckpointSharedCatalogSize: %s", err);
        return APR_EINVAL;
    }
    rv = st->provider->init(st->instance, "ckpt-catalog", &hints, st->s, pconf);
    if (rv == APR_SUCCESS) {
        apr_pool_cleanup_register(pconf, st, destroy_store, apr_pool_cleanup_null);
    }
    return rv;
}

ckpt_shared_store *ckpt_shared_create(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                      apr_size_t bytes, int required)
{
    ckpt_shared_store *st = apr_pcalloc(pconf, sizeof(*st));
    apr_status_t rv;

    st->s = s;
    st->bytes = bytes;
    st->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!st->provider) {
        ap_log_error(APLOG_MARK, required ? APLOG_CRIT : APLOG_NOTICE, 0, s,
                     CKPTLOGNO(115) "CheckpointSharedCatalogSize needs mod_socache_shmcb "
                                    "(LoadModule socache_shmcb_module); %s",
                     required ? "not starting" : "each process loads directories alone");
        return NULL;
    }
    rv = ap_global_mutex_create(&st->mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv == APR_SUCCESS) {
        rv = make_instance(st, pconf, ptemp);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     CKPTLOGNO(116) "cannot make the shared catalog of %" APR_SIZE_T_FMT
                                    " bytes",
                     bytes);
        return NULL;
    }
    return st;
}

void ckpt_shared_child_init(ckpt_shared_store *st, apr_pool_t *p)
{
    apr_status_t rv = apr_global_mutex_child_init(&st->mutex,
                                                  apr_global_mutex_lockfile(st->mutex), p);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, st->s,
                     CKPTLOGNO(117) "shared catalog: cannot attach its mutex; "
                                    "this process loads directories alone");
        st->mutex = NULL;
    }
}

/* shmcb picks an entry's subcache by the first byte of its id alone, and
 * keys share their first bytes (the database's prefix): an id is the key
 * after one byte of its hash, or every entry would go to one subcache. */
static const unsigned char *id_of(apr_pool_t *p, const char *key, unsigned int *idlen)
{
    apr_ssize_t klen = APR_HASH_KEY_STRING;
    unsigned int h = apr_hashfunc_default(key, &klen);
    unsigned char *id = apr_palloc(p, (apr_size_t)klen + 1);

    id[0] = (unsigned char)(h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24));
    memcpy(id + 1, key, (apr_size_t)klen);
    *idlen = (unsigned int)klen + 1;
    return id;
}

static const unsigned char *shared_get(void *baton, apr_pool_t *p, const char *key,
                                       apr_size_t *len)
{
    ckpt_shared_store *st = baton;
    unsigned int n = CKPT_CATALOG_SHARED_MAX, idlen;
    const unsigned char *id = id_of(p, key, &idlen);
    unsigned char *buf;
    apr_status_t rv;

    if (!st->mutex || apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        return NULL;
    }
    buf = apr_palloc(p, n);
    rv = st->provider->retrieve(st->instance, st->s, id, idlen, buf, &n, p);
    apr_global_mutex_unlock(st->mutex);
    *len = n;
    return rv == APR_SUCCESS ? buf : NULL;
}

static void shared_put(void *baton, apr_pool_t *p, const char *key, const unsigned char *data,
                       apr_size_t len)
{
    ckpt_shared_store *st = baton;
    unsigned int idlen;
    const unsigned char *id = id_of(p, key, &idlen);

    if (!st->mutex || len > CKPT_CATALOG_SHARED_MAX
        || apr_global_mutex_lock(st->mutex) != APR_SUCCESS) {
        return;
    }
    /* shmcb takes the bytes as not const, but only copies them */
    st->provider->store(st->instance, st->s, id, idlen, apr_time_now() + SHARED_EXPIRY,
                        (unsigned char *)data, (unsigned int)len, p);
    apr_global_mutex_unlock(st->mutex);
}

const ckpt_catalog_shared *ckpt_shared_for(apr_pool_t *p, ckpt_shared_store *st,
                                           const char *conninfo)
{
    ckpt_catalog_shared *sh;
    apr_sha1_ctx_t sha;
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    char *hex;
    int i;

    if (!st) {
        return NULL;
    }
    sh = apr_pcalloc(p, sizeof(*sh));
    sh->baton = st;
    sh->get = shared_get;
    sh->put = shared_put;
    /* the whole conninfo's digest: two databases must never share keys */
    apr_sha1_init(&sha);
    apr_sha1_update(&sha, conninfo, (unsigned int)strlen(conninfo));
    apr_sha1_final(digest, &sha);
    hex = apr_palloc(p, 2 * APR_SHA1_DIGESTSIZE + 1);
    for (i = 0; i < APR_SHA1_DIGESTSIZE; i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    sh->prefix = hex;
    return sh;
}

apr_size_t ckpt_shared_bytes(const ckpt_shared_store *st)
{
    return st ? st->bytes : 0;
}
