/* The objects of the management API (SPEC §1 and §3) as plain values, as
 * the core's transactions answer them and shape.c writes them as JSON.
 * Ids are uuids in text form; times are RFC 3339 text from the database. */
#ifndef CKPT_MODEL_H
#define CKPT_MODEL_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct {
    const char *id;
    const char *name;
    const char *description;  /* NULL: none */
    int retain_repo_versions; /* 0: keep every version */
    int retain_checkpoints;   /* 0: keep every checkpoint */
    int latest_number;
    const char *remote_id;    /* the default remote; NULL: none */
    const char *pulp_created;
} ckpt_repo;

typedef struct {
    const char *repository_id;
    int number;
    int base_version;         /* -1: none */
    apr_int64_t added, removed, present;
    const char *pulp_created;
} ckpt_repo_version;

/* A content unit: a file at a relative path. */
typedef struct {
    const char *id;
    const char *relative_path;
    const char *sha256;
    apr_off_t size;
    const char *pulp_created;
} ckpt_unit;

typedef struct {
    const char *id;
    const char *repository_id;
    int version_number;
    int checkpoint;
    const char *manifest;
    const char *pulp_created;
    apr_array_header_t *distribution_ids; /* const char *: who serves it */
} ckpt_pub;

typedef struct {
    const char *id;
    const char *name;
    const char *base_path;
    const char *publication_id;     /* at most one of these three */
    const char *repository_id;
    const char *version_id;         /* repository_version's own id */
    const char *version_repository_id;
    int version_number;             /* of version_id, when set */
    int checkpoint;
    const char *pulp_created;
} ckpt_dist;

/* A page of a list: limit and offset as a client gives them. */
typedef struct {
    apr_int64_t limit;
    apr_int64_t offset;
} ckpt_page;

#define CKPT_PAGE_DEFAULT 100
#define CKPT_PAGE_MAX 1000

/* A page of results: count is the number of everything the filters
 * match, items the objects on this page (pointers to the structs above). */
typedef struct {
    apr_int64_t count;
    apr_array_header_t *items;
} ckpt_list;

#endif
