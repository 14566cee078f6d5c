/* Shared declarations of the httpd glue: configuration and hooks. */
#ifndef MOD_CHECKPOINT_H
#define MOD_CHECKPOINT_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "catalog.h"
#include "db.h"

/* Our own log tags: AH numbers belong to httpd. */
#define CKPTLOGNO(n) "CKPT" #n ": "

/* AP_DECLARE_MODULE does this in mod_checkpoint.c itself. */
#ifndef CKPT_MODULE_MAIN
APLOG_USE_MODULE(checkpoint);
#endif
extern module AP_MODULE_DECLARE_DATA checkpoint_module;

#define CKPT_UNSET (-1)

/* One per distinct CheckpointDatabase: virtual hosts that do not set their
 * own share their parent's, so each process opens one pool per database. */
typedef struct {
    ckpt_dbpool_conf conf;
    ckpt_dbpool *pool;  /* made in child_init */
    apr_size_t cache_bytes;            /* CheckpointCacheSize; 0: no answer cache */
    apr_size_t catalog_bytes;          /* CheckpointCatalogSize */
    apr_interval_time_t cache_refresh; /* CheckpointCacheRefresh */
    ckpt_catalog *catalog; /* made in child_init: what this process knows of
                            * this database's distributions, checkpoints and
                            * answers */
} ckpt_dbholder;

typedef struct {
    ckpt_dbholder *db;
    int db_set;
    const char *storage;
    apr_off_t upload_limit;     /* bytes; 0 = no limit */
    int upload_limit_set;
    apr_size_t json_limit;      /* bytes */
    int json_limit_set;
    int retry_after;            /* seconds, on 503 */
    const char *content_prefix; /* the first <Location> with CheckpointContent On */
    const char *api_root;       /* CheckpointAPIRoot: where publication hrefs point */
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
/* Defaults that depend on nothing else, filled in after the config is read. */
int ckpt_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);
void ckpt_child_init(apr_pool_t *p, server_rec *s);

#define CKPT_SCONF(s) ((ckpt_server_conf *)ap_get_module_config((s)->module_config, &checkpoint_module))
#define CKPT_DCONF(r) ((ckpt_dir_conf *)ap_get_module_config((r)->per_dir_config, &checkpoint_module))

/* Takes a pooled connection for the life of r; on failure logs why and
 * answers CKPT_DBDOWN. */
ckpt_rc ckpt_request_db(request_rec *r, ckpt_db **db);
/* The same for the life of p (a sub-pool of r->pool): the content side
 * gives its connection back before the download starts. */
ckpt_rc ckpt_request_db_pool(request_rec *r, apr_pool_t *p, ckpt_db **db);
/* Sets Retry-After and answers 503. */
int ckpt_unavailable(request_rec *r);

/* api.c */
int ckpt_api_handler(request_rec *r);

/* content.c */
void ckpt_content_register_hooks(apr_pool_t *p);

#endif
