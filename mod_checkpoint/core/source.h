/* The source the content side resolves against (resolve.h): the process
 * catalog (catalog.h) for distributions and checkpoints, loading what it
 * does not know yet, and the database (statements_content.c) for files
 * and directories -- or the database for everything, without a catalog.
 * A connection is taken only when a query is due, so an answer found in
 * the catalog costs none. */
#ifndef CKPT_SOURCE_H
#define CKPT_SOURCE_H

#include "catalog.h"
#include "db.h"
#include "history.h"
#include "resolve.h"

/* Gives a connection for the request (the same one every time). */
typedef ckpt_rc (*ckpt_source_db_fn)(void *baton, ckpt_db **db);

typedef struct {
    ckpt_catalog *catalog;     /* NULL: the database for everything */
    apr_uint64_t ticket;       /* from ckpt_catalog_begin or _checked */
    ckpt_source_db_fn get_db;
    void *db_baton;
    ckpt_db *db;               /* the connection, once taken (for errors) */
} ckpt_source_ctx;

/* A source over ctx (which must outlive it); asof_sec as in resolve.h. */
void ckpt_source_init(ckpt_source *src, ckpt_source_ctx *ctx, apr_int64_t asof_sec);

/* A history source over ctx's database (history.h): what it answers is
 * read from the database every time, never kept. */
void ckpt_source_history_init(ckpt_history_source *hs, ckpt_source_ctx *ctx);

/* The primary's content generation, read just before a standby's
 * (ckpt_source_refresh): generation -1 when it could not be read. */
typedef struct {
    apr_int64_t generation;
    apr_time_t asked;
} ckpt_source_primary;

/* The content generation alone (the primary's, for the above). */
ckpt_rc ckpt_source_generation(ckpt_db *db, apr_pool_t *p, apr_int64_t *gen);

/* Reads the content generation and, when it moved, what changed, and
 * tells the catalog (ckpt_catalog_checked_standby; ckpt_catalog_check_failed
 * on an error).  asked: the time before the query was sent.  When db is a
 * hot standby, the catalog is as current as primary's reading if the
 * standby has reached that generation, and otherwise behind, as of the
 * standby's replay point (primary NULL: not known). */
ckpt_rc ckpt_source_refresh(ckpt_catalog *cat, ckpt_db *db, apr_pool_t *p, apr_time_t asked,
                            const ckpt_source_primary *primary, apr_uint64_t *ticket);

/* What a new process learns before its first request: the generation and
 * every distribution (not the checkpoint lists, which load per repository
 * on first use). */
ckpt_rc ckpt_source_warm(ckpt_catalog *cat, ckpt_db *db, apr_pool_t *p);

#endif
