/* What one Apache process knows of the content side, shared by its
 * threads: every distribution by base path, the checkpoints of the
 * repositories it serves, and the answers it found (cache.h).  With it,
 * resolving a base path and a second costs no query, and a repeated URL
 * none at all.
 *
 * All of it is only as current as the last reading of the database's
 * content generation (sql/002, sql/010): every transaction that changes a
 * publication or a distribution bumps it and records which repositories
 * it touched.  A process reads it from half of the refresh interval on,
 * and uses nothing it knows once its last reading is older than the whole
 * interval.  On a new generation it forgets what the change touched: the
 * checkpoints and answers of those repositories; the distributions when a
 * distribution changed or one serves a touched repository; everything when
 * it cannot tell.
 *
 * Whatever is not known yet is loaded by one thread; the others ask the
 * database meanwhile (source.h).  A load that raced a change is not kept
 * (the ticket of ckpt_catalog_begin).
 *
 * Memory is bounded: answers by cache_bytes, checkpoint lists and
 * directory blocks together by list_bytes (the least recently used goes
 * first).
 * Pure C (apr only); every call is thread-safe. */
#ifndef CKPT_CATALOG_H
#define CKPT_CATALOG_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "dirblock.h"
#include "resolve.h"

typedef struct ckpt_catalog ckpt_catalog;

/* A store of bytes by key that the processes of a node share (httpd's
 * socache in the module): a directory block that one process loaded is
 * taken from it by the others instead of being read again.  What it holds
 * may be dropped at any time; get and put are thread-safe. */
typedef struct {
    void *baton;
    /* The bytes kept under key, copied into p, at most
     * CKPT_CATALOG_SHARED_MAX; NULL when none are. */
    const unsigned char *(*get)(void *baton, apr_pool_t *p, const char *key, apr_size_t *len);
    void (*put)(void *baton, apr_pool_t *p, const char *key, const unsigned char *data,
                apr_size_t len);
    const char *prefix;  /* names the database in keys: stores may be shared by databases */
} ckpt_catalog_shared;

/* The largest shared block (a directory of about 1,000 ranges). */
#define CKPT_CATALOG_SHARED_MAX (64 * 1024)

typedef struct {
    apr_size_t cache_bytes;       /* answers; 0: none are kept */
    apr_size_t list_bytes;        /* checkpoint lists and directory blocks */
    apr_interval_time_t refresh;  /* the longest a reading is trusted */
    const ckpt_catalog_shared *shared; /* NULL: none */
} ckpt_catalog_conf;

apr_status_t ckpt_catalog_create(ckpt_catalog **out, apr_pool_t *p,
                                 const ckpt_catalog_conf *conf);

typedef enum {
    CKPT_CATALOG_USE,    /* current: use it, with *ticket */
    CKPT_CATALOG_CHECK,  /* read the generation first, then ckpt_catalog_checked()
                          * or ckpt_catalog_check_failed() */
    CKPT_CATALOG_BYPASS  /* stale while another thread reads it: ask the database */
} ckpt_catalog_state;

/* What a request at time now may do: CHECK for one request once half the
 * refresh interval has passed (the others go on using it), BYPASS only
 * once the whole interval has passed while another request is still
 * reading.  *ticket names what the catalog knows now. */
ckpt_catalog_state ckpt_catalog_begin(ckpt_catalog *c, apr_time_t now, apr_uint64_t *ticket);

/* The generation of the last reading; -1 before the first. */
apr_int64_t ckpt_catalog_generation(ckpt_catalog *c);

/* What changed between two readings. */
typedef struct {
    apr_array_header_t *repositories; /* const char *: publications changed */
    int distributions;                /* a distribution changed */
    int unknown;                      /* the record is incomplete: forget everything */
} ckpt_catalog_changes;

/* After CHECK: the database said generation, asked at time asked (taken
 * before the query was sent); changes (NULL when it did not move) says
 * what to forget.  *ticket as for ckpt_catalog_begin. */
void ckpt_catalog_checked(ckpt_catalog *c, apr_int64_t generation,
                          const ckpt_catalog_changes *changes, apr_time_t asked,
                          apr_uint64_t *ticket);
/* The same for a reading from a hot standby, which knows what the
 * primary had committed by asof: by the primary's own reading that the
 * standby has caught up with, or by its replay point when it lags
 * (behind: 1), or when the primary could not be asked. */
void ckpt_catalog_checked_standby(ckpt_catalog *c, apr_int64_t generation,
                                  const ckpt_catalog_changes *changes, apr_time_t asked,
                                  apr_time_t asof, int behind, apr_uint64_t *ticket);
/* After CHECK, when the database could not be asked. */
void ckpt_catalog_check_failed(ckpt_catalog *c);

/* What the catalog knows is as of then: when the last reading was asked,
 * or, from a standby, the point it had reached (ckpt_catalog_checked_standby). */
apr_time_t ckpt_catalog_asof(ckpt_catalog *c);
/* 1 when the last reading came from a standby that lags the primary. */
int ckpt_catalog_behind(ckpt_catalog *c);

/* Answers, by request path. */
int ckpt_catalog_answer_get(ckpt_catalog *c, const char *key, apr_pool_t *p, ckpt_answer *out);
void ckpt_catalog_answer_put(ckpt_catalog *c, apr_uint64_t ticket, const char *key,
                             const ckpt_answer *a);

typedef enum {
    CKPT_CATALOG_FOUND,   /* *out set, copied into p */
    CKPT_CATALOG_ABSENT,  /* known not to exist */
    CKPT_CATALOG_UNKNOWN  /* not loaded: load it, or ask the database */
} ckpt_catalog_find;

/* A distribution as loaded, with the repository whose publications decide
 * what a plain one serves (NULL for none). */
typedef struct {
    ckpt_distribution d;
    const char *depends_on;
} ckpt_catalog_dist;

/* The distribution whose base_path is the longest path-segment prefix of
 * path. */
ckpt_catalog_find ckpt_catalog_distribution(ckpt_catalog *c, apr_pool_t *p, const char *path,
                                            const ckpt_distribution **out);
/* 1 when the caller is to load the distributions (no other thread is),
 * and then must call ckpt_catalog_set_distributions. */
int ckpt_catalog_load_distributions(ckpt_catalog *c);
/* Every distribution (ckpt_catalog_dist), or NULL when loading failed;
 * kept unless something changed since ticket. */
void ckpt_catalog_set_distributions(ckpt_catalog *c, apr_uint64_t ticket,
                                    const apr_array_header_t *dists);

/* The latest checkpoint of repository_id created before the end of second
 * sec (ABSENT: none then). */
ckpt_catalog_find ckpt_catalog_checkpoint_at(ckpt_catalog *c, apr_pool_t *p,
                                             const char *repository_id, apr_int64_t sec,
                                             const ckpt_publication **out);
/* The seconds of every checkpoint, oldest first (apr_int64_t). */
ckpt_catalog_find ckpt_catalog_checkpoint_times(ckpt_catalog *c, apr_pool_t *p,
                                                const char *repository_id,
                                                apr_array_header_t **secs);
/* The checkpoints created in seconds [from, until] (ckpt_publication),
 * oldest first. */
ckpt_catalog_find ckpt_catalog_checkpoint_list(ckpt_catalog *c, apr_pool_t *p,
                                               const char *repository_id, apr_int64_t from,
                                               apr_int64_t until, apr_array_header_t **pubs);
/* The first, previous, next and last checkpoints around second sec. */
ckpt_catalog_find ckpt_catalog_checkpoint_nav(ckpt_catalog *c, const char *repository_id,
                                              apr_int64_t sec, ckpt_nav *out);
/* As for the distributions, per repository; pubs are its checkpoints
 * (ckpt_publication), oldest first. */
int ckpt_catalog_load_checkpoints(ckpt_catalog *c, apr_pool_t *p, const char *repository_id);
void ckpt_catalog_set_checkpoints(ckpt_catalog *c, apr_pool_t *p, apr_uint64_t ticket,
                                  const char *repository_id, const apr_array_header_t *pubs);

/* Directory blocks (dirblock.h) of directory dir of a repository, for
 * version: FOUND and the answer, ABSENT when the directory is too big to
 * keep (ask per path), UNKNOWN when no block covers version (load one).
 * A block needs no forgetting when a checkpoint is made: it stays right
 * for every version it covers. */
ckpt_catalog_find ckpt_catalog_block_find(ckpt_catalog *c, apr_pool_t *p,
                                          const char *repository_id, const char *dir,
                                          int version, const char *name,
                                          ckpt_dirblock_kind *kind, const char **sha256,
                                          apr_off_t *size);
/* *holds: whether the directory holds anything then (out filled). */
ckpt_catalog_find ckpt_catalog_block_list(ckpt_catalog *c, apr_pool_t *p,
                                          const char *repository_id, const char *dir,
                                          int version, int *holds, ckpt_dir_content *out);
/* 1 when the caller is to load the block (none covers version, the
 * directory is not known to be too big, no other thread loads it). */
int ckpt_catalog_load_block(ckpt_catalog *c, apr_pool_t *p, const char *repository_id,
                            const char *dir, int version);
/* The block read when the repository's latest version was latest, from
 * rows (NULL: more than CKPT_DIRBLOCK_MAX_ROWS, too big); latest < 0: the
 * load failed.  A block kept is put in the shared store too (when it is
 * at most CKPT_CATALOG_SHARED_MAX packed), with the generation the
 * catalog had read when the load began. */
void ckpt_catalog_set_block(ckpt_catalog *c, apr_pool_t *p, apr_uint64_t ticket,
                            const char *repository_id, const char *dir, int latest,
                            const ckpt_dirblock_row *rows, int n);
/* After ckpt_catalog_load_block: 1 when the shared store held the block
 * for version, now kept (the load is over: no query), 0 when the caller
 * is to read it (then ckpt_catalog_set_block).  A shared block is taken
 * only when it was loaded at or after this process's first reading and
 * its last reading that forgot everything: blocks need no forgetting,
 * but a process vouches for nothing it has not seen. */
int ckpt_catalog_block_from_shared(ckpt_catalog *c, apr_pool_t *p, apr_uint64_t ticket,
                                   const char *repository_id, const char *dir, int version);

typedef struct {
    apr_uint64_t readings, changes, dist_loads, list_loads, list_evictions, block_loads;
    apr_uint64_t shared_hits;     /* blocks taken from the shared store */
    apr_size_t list_bytes, lists, blocks;
    apr_int64_t generation;
    apr_uint64_t hits, misses;
    apr_size_t cache_bytes, cache_entries;
} ckpt_catalog_stats;

void ckpt_catalog_get_stats(ckpt_catalog *c, ckpt_catalog_stats *out);

#endif
