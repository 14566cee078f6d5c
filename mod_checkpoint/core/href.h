/* Pulp's object addresses: <api root><collection><uuid>/ and, for a
 * repository version, <api root>repositories/file/file/<uuid>/versions/<n>/.
 * Pure C (apr only): the API writes and reads them, and a command-line
 * tool can print them the same way. */
#ifndef CKPT_HREF_H
#define CKPT_HREF_H

#include <apr_pools.h>

/* Collections, relative to the API root. */
#define CKPT_REPOS_PATH "repositories/file/file/"
#define CKPT_CONTENT_PATH "content/file/files/"
#define CKPT_PUBS_PATH "publications/file/file/"
#define CKPT_DISTS_PATH "distributions/file/file/"
#define CKPT_UPLOADS_PATH "uploads/"
#define CKPT_REMOTES_PATH "remotes/file/file/"
#define CKPT_TASKS_PATH "tasks/"

typedef enum {
    CKPT_HREF_REPOSITORY,
    CKPT_HREF_VERSION,
    CKPT_HREF_CONTENT,
    CKPT_HREF_PUBLICATION,
    CKPT_HREF_DISTRIBUTION,
    CKPT_HREF_UPLOAD,
    CKPT_HREF_REMOTE,
    CKPT_HREF_TASK
} ckpt_href_kind;

/* Largest repository version number (a PostgreSQL integer). */
#define CKPT_VERSION_MAX 2147483647

/* 1 when s is a uuid in its text form (either case). */
int ckpt_uuid_valid(const char *s);

/* "<uuid>/rest": answers rest and sets *id (lower case), or NULL. */
const char *ckpt_href_take_uuid(apr_pool_t *p, const char *rest, const char **id);

/* A version number as it appears in a URL ("0", "12"): 1 and *n, or 0. */
int ckpt_href_number(const char *s, int *n);

/* The href of object id of kind k under root ("/pulp/api/v3/"); number is
 * a version's number (ignored for other kinds).  NULL id gives NULL. */
const char *ckpt_href(apr_pool_t *p, const char *root, ckpt_href_kind k, const char *id,
                      int number);

/* Parses an href of kind k given by a client, a path or an absolute URL
 * (only its path counts).  1 with *id (and *number for versions) set, or 0
 * when it is not one. */
int ckpt_href_parse(apr_pool_t *p, const char *root, ckpt_href_kind k, const char *href,
                    const char **id, int *number);

/* What follows root in an href given by a client (a path or an absolute
 * URL), or NULL when it is not below root. */
const char *ckpt_href_below_root(apr_pool_t *p, const char *root, const char *href);

#endif
