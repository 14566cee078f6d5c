/* Shared declarations of the httpd glue: configuration and hooks. */
#ifndef MOD_CHECKPOINT_H
#define MOD_CHECKPOINT_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "catalog.h"
#include "db.h"

/* shared.c: the node's shared catalog. */
typedef struct ckpt_shared_store ckpt_shared_store;

/* Our own log tags: AH numbers belong to httpd. */
#define CKPTLOGNO(n) "CKPT" #n ": "

/* AP_DECLARE_MODULE does this in mod_checkpoint.c itself. */
#ifndef CKPT_MODULE_MAIN
APLOG_USE_MODULE(checkpoint);
#endif
extern module AP_MODULE_DECLARE_DATA checkpoint_module;

/* The "not set here" marker of numeric directives: a merge takes the
 * virtual host's value where it is set, its parent's otherwise. */
#define CKPT_UNSET (-1)

/* A database, its per-process pool and its content cache.  Virtual hosts
 * that set no database, pool or cache directive share their parent's, so
 * each process opens one pool per holder.  Made in post_config from the
 * merged directives; the pool and the cache in child_init. */
typedef struct {
    ckpt_dbpool_conf conf;
    ckpt_dbpool *pool;
    /* CheckpointReadDatabase: the content side's own pool (standbys
     * first); NULL pool when unset, and content reads from pool. */
    ckpt_dbpool_conf read_conf;
    ckpt_dbpool *read_pool;
    int split;                         /* CheckpointReadDatabase is set */
    apr_size_t cache_bytes;            /* CheckpointCacheSize; 0: no answer cache */
    apr_size_t catalog_bytes;          /* CheckpointCatalogSize */
    apr_interval_time_t cache_refresh; /* CheckpointCacheRefresh */
    ckpt_catalog *catalog; /* made in child_init: what this process knows of
                            * this database's distributions, checkpoints and
                            * answers */
    const ckpt_catalog_shared *shared; /* the node's shared catalog for this
                                        * database; NULL: none */
    apr_allocator_t *answer_alloc;     /* made in child_init, thread-safe: what
                                        * a request that missed the answer
                                        * cache finds its answer in (content.c) */
    server_rec *s;                     /* whose log hears of outages */
} ckpt_dbholder;

typedef struct {
    const char *conninfo;       /* CheckpointDatabase; NULL: unset */
    const char *read_conninfo;  /* CheckpointReadDatabase; NULL: unset (content reads conninfo) */
    const char *storage;        /* CheckpointStorage; NULL: unset */
    int pool_min;               /* CheckpointPoolSize, the three together */
    int pool_smax;
    int pool_hmax;
    int pool_ttl;               /* CheckpointPoolTTL, seconds */
    int pool_timeout;           /* CheckpointPoolTimeout, seconds */
    int connect_timeout;        /* CheckpointConnectTimeout, seconds */
    int standby_retry;          /* CheckpointStandbyRetry, seconds */
    int retry_after;            /* CheckpointRetryAfter, seconds */
    apr_off_t upload_limit;     /* CheckpointUploadLimit, bytes; 0: none */
    apr_off_t json_limit;       /* CheckpointJSONLimit, bytes */
    apr_off_t cache_bytes;      /* CheckpointCacheSize */
    apr_off_t catalog_bytes;    /* CheckpointCatalogSize */
    int cache_refresh_ms;       /* CheckpointCacheRefresh */
    apr_off_t shared_bytes;     /* CheckpointSharedCatalogSize (main server only) */
    ckpt_shared_store *shared;  /* post_config, main server: the node's shared catalog */
    const char *content_prefix; /* the first <Location> with CheckpointContent On */
    const char *api_root;       /* CheckpointAPIRoot: where publication hrefs point */
    int own_db;                 /* sets a database, pool, cache or catalog directive itself */
    ckpt_dbholder *db;          /* post_config: its own, or its parent's */
} ckpt_server_conf;

typedef struct {
    int content;                /* CheckpointContent: CKPT_UNSET, 0, 1 */
    const char *content_prefix; /* the <Location> where it was switched on */
    int inexact_serve;          /* CheckpointInexact: CKPT_UNSET, 0 (Redirect), 1 (Serve) */
} ckpt_dir_conf;

/* config.c */
extern const command_rec ckpt_cmds[];
void *ckpt_create_server_conf(apr_pool_t *p, server_rec *s);
void *ckpt_merge_server_conf(apr_pool_t *p, void *basev, void *addv);
void *ckpt_create_dir_conf(apr_pool_t *p, char *dir);
void *ckpt_merge_dir_conf(apr_pool_t *p, void *basev, void *addv);
/* Checks the required directives, fills in defaults and makes the
 * database holders, once the whole config is read. */
int ckpt_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);
void ckpt_child_init(apr_pool_t *p, server_rec *s);

#define CKPT_SCONF(s) ((ckpt_server_conf *)ap_get_module_config((s)->module_config, &checkpoint_module))
#define CKPT_DCONF(r) ((ckpt_dir_conf *)ap_get_module_config((r)->per_dir_config, &checkpoint_module))

/* Takes a pooled connection for the API for the life of r, from the
 * API's share of the pool (db.h); CKPT_DBDOWN when none can be had (the
 * pool logs an outage once, not every request). */
ckpt_rc ckpt_request_db(request_rec *r, ckpt_db **db);
/* A connection from the whole pool for the life of p (a sub-pool of
 * r->pool): the content side, which gives it back before the download
 * starts, and status/, which must answer under load. */
ckpt_rc ckpt_request_db_pool(request_rec *r, apr_pool_t *p, ckpt_db **db);
/* The same from the content side's pool: CheckpointReadDatabase's when
 * it is set, else the one pool. */
ckpt_rc ckpt_request_read_db(request_rec *r, apr_pool_t *p, ckpt_db **db);
/* Sets Retry-After and answers 503. */
int ckpt_unavailable(request_rec *r);

/* shared.c: the store behind ckpt_catalog_shared (httpd's socache, shmcb),
 * one per node.  pre_config registers its Mutex; create makes it in
 * post_config (NULL when it cannot, logged; required: a site asked for it
 * by name); child_init attaches each process. */
int ckpt_shared_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp);
ckpt_shared_store *ckpt_shared_create(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                      apr_size_t bytes, int required);
void ckpt_shared_child_init(ckpt_shared_store *st, apr_pool_t *p);
/* The store as a catalog uses it, for the database of conninfo (NULL
 * when st is). */
const ckpt_catalog_shared *ckpt_shared_for(apr_pool_t *p, ckpt_shared_store *st,
                                           const char *conninfo);
apr_size_t ckpt_shared_bytes(const ckpt_shared_store *st);

/* api.c */
int ckpt_api_handler(request_rec *r);

/* content.c */
void ckpt_content_register_hooks(apr_pool_t *p);

#endif
