/* The JSON of every object the management API answers, in Pulp's field
 * names (SPEC §3), from the plain values of model.h.  Hrefs are made under
 * the API root the caller gives; nothing here knows of a request.  Each
 * function answers an unowned tree (json.h): the caller owns it. */
#ifndef CKPT_SHAPE_H
#define CKPT_SHAPE_H

#include "chunked.h"
#include "content.h"
#include "ingest.h"
#include "json.h"
#include "catalog.h"
#include "model.h"
#include "orphan.h"
#include "remote.h"
#include "task.h"

typedef struct {
    apr_pool_t *p;
    const char *api_root;    /* "/pulp/api/v3/" */
    const char *content_url; /* the content prefix as an absolute URL, no
                              * trailing '/': "http://host/pulp/content" */
} ckpt_shape_ctx;

typedef ckpt_json *(*ckpt_shape_fn)(const ckpt_shape_ctx *c, const void *obj);

ckpt_json *ckpt_shape_repo(const ckpt_shape_ctx *c, const void *repo);
ckpt_json *ckpt_shape_version(const ckpt_shape_ctx *c, const void *version);
ckpt_json *ckpt_shape_unit(const ckpt_shape_ctx *c, const void *unit);
ckpt_json *ckpt_shape_pub(const ckpt_shape_ctx *c, const void *pub);
ckpt_json *ckpt_shape_dist(const ckpt_shape_ctx *c, const void *dist);
/* A chunked upload (chunked.h); its chunks when it has them (a read). */
ckpt_json *ckpt_shape_upload(const ckpt_shape_ctx *c, const void *upload);
/* A remote: its fields but the write-only ones, which hidden_fields
 * lists with whether they are set, as Pulp does. */
ckpt_json *ckpt_shape_remote(const ckpt_shape_ctx *c, const void *remote);
ckpt_json *ckpt_shape_task(const ckpt_shape_ctx *c, const void *task);
/* 202's {"task": href}. */
ckpt_json *ckpt_shape_task_ref(const ckpt_shape_ctx *c, const ckpt_task *t);
/* An upload's answer: the unit, and the version it made, if any. */
ckpt_json *ckpt_shape_content_result(const ckpt_shape_ctx *c, const ckpt_content_result *r);
/* obj (unowned, given up) with only the members that the comma-separated
 * fields names (NULL: all) and none that exclude names (NULL: none), as
 * Pulp's fields= and exclude_fields=; names of no member are no error. */
ckpt_json *ckpt_shape_fields(apr_pool_t *p, ckpt_json *obj, const char *fields,
                             const char *exclude);
/* {count, next, previous, results}; next and previous may be NULL. */
ckpt_json *ckpt_shape_page(apr_int64_t count, const char *next, const char *previous,
                           ckpt_json *results);

/* orphans/cleanup/'s answer. */
ckpt_json *ckpt_shape_orphans(apr_int64_t minutes, const ckpt_orphan_summary *s);
/* The summary of an import or a sync of repository (checkpoint: its
 * timestamp, or NULL). */
ckpt_json *ckpt_shape_ingest(const char *repository, const ckpt_ingest_result *r,
                             const char *checkpoint, double seconds);

/* An error as Pulp answers one: {"field": ["reason"]} when a field is at
 * fault, else {"detail": "reason"}. */
ckpt_json *ckpt_shape_error(const ckpt_err *err, const char *fallback);

/* status/ */
typedef struct {
    const char *component;
    const char *version;
} ckpt_component;

typedef struct {
    const ckpt_component *versions;
    int nversions;
    int db_connected;
    const char *db_server_version;
    const char *db_schema_version;
    int pool_min, pool_soft_max, pool_hard_max;
    /* CheckpointReadDatabase, when set (read_configured): the content
     * side's database. */
    int read_configured;
    int read_connected;
    int read_standby;                   /* a hot standby (not the primary) */
    int read_paused;                    /* its replay is paused */
    apr_int64_t read_replayed_ms;       /* ms since its last replayed commit; -1: none */
    int storage_writable;
    apr_int64_t cache_bytes;            /* CheckpointCacheSize */
    apr_int64_t catalog_bytes;          /* CheckpointCatalogSize */
    apr_int64_t shared_catalog_bytes;   /* CheckpointSharedCatalogSize; 0: none */
    apr_int64_t pid;                    /* the process that answers */
    const ckpt_catalog_stats *catalog;  /* its catalog; NULL: none */
} ckpt_status_report;

/* "online" is true exactly when the database answers and the storage
 * takes writes: what a health check reads. */
ckpt_json *ckpt_shape_status(const ckpt_status_report *s);

#endif
