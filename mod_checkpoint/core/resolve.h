/* The content side's decisions (SPEC section 2): which distribution, which
 * checkpoint or publication, which file, directory listing or redirect a
 * request path names.  The rules ask a ckpt_source for what they need to
 * know, so they run the same against the process catalog and the database
 * (source.h) as against a table in a unit test.  No httpd headers:
 * content.c turns the answer into an httpd response. */
#ifndef CKPT_RESOLVE_H
#define CKPT_RESOLVE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "ckpt_status.h"

typedef struct {
    const char *id;
    const char *repository_id;
    const char *version_number; /* text, as it goes back into statements */
    const char *manifest;       /* "PULP_MANIFEST" */
    const char *manifest_sha256;
    apr_off_t manifest_size;
    apr_int64_t created_sec;    /* pulp_created, epoch seconds (floor) */
} ckpt_publication;

typedef struct {
    const char *base_path;
    int checkpoint;
    const char *repository_id;
    const ckpt_publication *pub; /* plain distributions: what they serve, or NULL */
} ckpt_distribution;

typedef enum {
    CKPT_ANSWER_FILE,     /* an artifact: sha256, size, relpath */
    CKPT_ANSWER_LISTING,  /* entries (ckpt_listing_entry) */
    CKPT_ANSWER_REDIRECT, /* location: a decoded path below the prefix */
    CKPT_ANSWER_PAGE,     /* a body of ours, made from the catalog: page,
                           * content_type (the index as JSON, a TimeMap of
                           * every checkpoint) */
    CKPT_ANSWER_HISTORY   /* a body read from the history when it is sent
                           * (history.h): a path's TimeMap, a diff, a lookup
                           * by digest; never kept by the answer cache */
} ckpt_answer_kind;

/* No such checkpoint (first, prev, next, last of a memento). */
#define CKPT_NO_SEC APR_INT64_MIN

/* The checkpoints around one, by second (CKPT_NO_SEC where there is none). */
typedef struct {
    apr_int64_t first, prev, next, last;
} ckpt_nav;

/* What RFC 7089's headers say of an answer. */
typedef enum {
    CKPT_MEMENTO_NONE = 0,
    CKPT_MEMENTO_OF,      /* an answer from checkpoint sec: Memento-Datetime, Link */
    CKPT_MEMENTO_GATE     /* the TimeGate's 302: Link to the original and TimeMaps */
} ckpt_memento_kind;

typedef struct {
    ckpt_memento_kind kind;
    const char *base_path;
    const char *path;     /* below the checkpoint, as requested ("", "a/b", "a/") */
    apr_int64_t sec;      /* the checkpoint's second */
    ckpt_nav nav;
} ckpt_memento;

typedef enum {
    CKPT_HISTORY_TIMEMAP_LINK, /* path's changes as application/link-format */
    CKPT_HISTORY_TIMEMAP_JSON, /* the same as JSON */
    CKPT_HISTORY_LOOKUP,       /* where digest sha256 was (JSON) */
    CKPT_HISTORY_DIFF          /* from -> to below prefix path (JSON) */
} ckpt_history_kind;

typedef struct {
    ckpt_history_kind kind;
    const char *base_path;
    const char *repository_id;
    const char *path;          /* a file (TimeMaps), a path prefix ("" for all: diff) */
    const char *sha256;        /* LOOKUP */
    const ckpt_publication *from, *to; /* DIFF */
} ckpt_history_req;

/* Vary bits. */
#define CKPT_VARY_ACCEPT 1
#define CKPT_VARY_DATETIME 2

typedef struct {
    ckpt_answer_kind kind;
    const char *sha256;
    apr_off_t size;
    const char *relpath;            /* its path in the publication: names its type */
    apr_array_header_t *entries;
    const char *page;               /* a listing rendered for one request path, or NULL */
    struct ckpt_cache_page *page_ref; /* page's bytes when the answer cache
                                     * (cache.h) gave them: shared, not copied */
    const char *location;           /* "bp/TS2/a/b/", no leading '/', not escaped */
    const char *repository_id;      /* whose publications the answer comes from */
    int immutable;                  /* under an exact checkpoint timestamp */
    int checkpoint_index;           /* the index of a checkpoint distribution */
    int settling;                   /* a redirect for a second so recent that a
                                     * checkpoint may still appear in it */
    int unseen;                     /* an exact second, recent enough that a
                                     * checkpoint made after the source's
                                     * reading may be the one asked for: a
                                     * client the API has just answered may
                                     * ask for it (also with CKPT_NOTFOUND) */
    int status;                     /* a redirect: 0 (301) or 302 (the TimeGate) */
    int vary;                       /* CKPT_VARY_* */
    const char *content_type;       /* PAGE */
    const char *content_location;   /* a file answered in place under an inexact
                                     * time (CheckpointInexact Serve): its
                                     * checkpoint's path below the prefix */
    ckpt_memento memento;
    ckpt_history_req history;       /* HISTORY */
} ckpt_answer;

/* What a directory of a publication holds in its version. */
typedef struct {
    const char *index_sha256;       /* its index.html, when it has one */
    apr_off_t index_size;
    apr_array_header_t *files;      /* ckpt_listing_entry: name (base name), size */
    apr_array_header_t *dirs;       /* const char *: base names of subdirectories */
} ckpt_dir_content;

/* Where the rules learn what exists.  Every function answers CKPT_OK,
 * CKPT_NOTFOUND, or an error of the source (CKPT_DBDOWN, CKPT_DBERROR);
 * results are allocated from p. */
typedef struct {
    void *baton;
    /* The distribution whose base_path is the longest path-segment prefix
     * of path (no leading or trailing '/'). */
    ckpt_rc (*distribution)(void *baton, apr_pool_t *p, const char *path,
                            const ckpt_distribution **out);
    /* The latest checkpoint of a repository created before the end of
     * second sec; CKPT_NOTFOUND when there is none then. */
    ckpt_rc (*checkpoint_at)(void *baton, apr_pool_t *p, const char *repository_id,
                             apr_int64_t sec, const ckpt_publication **out);
    /* The seconds of every checkpoint of a repository, oldest first
     * (apr_int64_t). */
    ckpt_rc (*checkpoint_times)(void *baton, apr_pool_t *p, const char *repository_id,
                                apr_array_header_t **secs);
    /* The checkpoints of a repository created in seconds [from, until]
     * (ckpt_publication), oldest first. */
    ckpt_rc (*checkpoint_list)(void *baton, apr_pool_t *p, const char *repository_id,
                               apr_int64_t from, apr_int64_t until, apr_array_header_t **pubs);
    /* The first, previous, next and last checkpoints around the one of
     * second sec. */
    ckpt_rc (*checkpoint_nav)(void *baton, apr_pool_t *p, const char *repository_id,
                              apr_int64_t sec, ckpt_nav *out);
    /* A unit at relative path path of pub's version: its file, or, when
     * path is a directory there, *is_dir. */
    ckpt_rc (*path)(void *baton, apr_pool_t *p, const ckpt_publication *pub, const char *path,
                    const char **sha256, apr_off_t *size, int *is_dir);
    /* Directory dir ("" for the top) of pub's version: its index.html
     * (index_path) or, without one, its entries; CKPT_NOTFOUND when it
     * holds nothing. */
    ckpt_rc (*dir)(void *baton, apr_pool_t *p, const ckpt_publication *pub, const char *dir,
                   const char *index_path, ckpt_dir_content *out);
    /* What the source knows is as of this second (now, for the database;
     * the last reading, for the process catalog). */
    apr_int64_t asof_sec;
} ckpt_source;

/* Answers a content request.  rest is the decoded request path after the
 * prefix and its '/' ("bp/20250130T203000Z/dists/", "bp"), now_sec the
 * request time.  CKPT_OK and *out; CKPT_NOTFOUND for everything SPEC §2
 * answers with 404 (including paths that are refused); the source's
 * errors otherwise. */
ckpt_rc ckpt_resolve_request(const ckpt_source *src, apr_pool_t *p, const char *rest,
                             apr_int64_t now_sec, ckpt_answer *out);

/* What a request asks beyond its path (SPEC §2's extensions). */
typedef struct {
    apr_int64_t now_sec;        /* the request time */
    int inexact_serve;          /* CheckpointInexact Serve: files under an inexact
                                 * time are answered in place */
    const char *accept_datetime; /* the header, or NULL */
    int want_json;              /* Accept prefers application/json */
    const char *args;           /* the query string, or NULL */
    const char *url_prefix;     /* the content prefix as URLs in bodies start
                                 * ("/pulp/content"; "" at the root) */
    const char *api_root;       /* the API's path, for publication hrefs */
} ckpt_request;

/* ckpt_resolve_request with the whole request: CKPT_INVALID (400) for a
 * malformed Accept-Datetime at a TimeGate or a malformed from, until or
 * sha256 where they are read. */
ckpt_rc ckpt_resolve(const ckpt_source *src, apr_pool_t *p, const char *rest,
                     const ckpt_request *rq, ckpt_answer *out);

/* How long after a second a checkpoint may still become visible in it:
 * its pulp_created is taken before its transaction commits. */
#define CKPT_SETTLE_SECONDS 2

/* A base path is looked for among the first this many segments of a
 * request: the candidates are sent as one array, and without a bound a
 * path of 2,000 one-letter segments would send megabytes of them. */
#define CKPT_BASE_PATH_MAX_SEGMENTS 64

/* The Postgres array literal {"a","a/b",...} of the path-segment prefixes
 * of path, shortest first, at most CKPT_BASE_PATH_MAX_SEGMENTS of them. */
const char *ckpt_resolve_prefixes(apr_pool_t *p, const char *path);

#endif
