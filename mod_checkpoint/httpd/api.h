/* The management API: shared request context and answer helpers.  Each
 * resource has its own api_<resource>.c; api.c routes to them and is the one
 * place that turns a ckpt_rc into an HTTP answer. */
#ifndef CKPT_API_H
#define CKPT_API_H

#include "mod_checkpoint.h"
#include "json.h"

#include <apr_tables.h>

typedef struct {
    request_rec *r;
    ckpt_server_conf *sconf;
    const char *root;   /* the API's URL path, ending in '/': "/pulp/api/v3/" */
    const char *path;   /* what follows root: "repositories/file/file/" */
    ckpt_db *db;        /* taken by ckpt_api_db, given back with the request */
} ckpt_api_req;

/* Answers: each sets the status and body and returns the value the
 * handler returns to httpd (DONE or OK). */
int ckpt_api_send(ckpt_api_req *a, int status, ckpt_json *body);
int ckpt_api_detail(ckpt_api_req *a, int status, const char *detail);
/* {"field": ["reason"]} */
int ckpt_api_field_error(ckpt_api_req *a, const char *field, const char *reason);
/* The answer for a ckpt_rc that is not CKPT_OK (logs server-side errors). */
int ckpt_api_fail(ckpt_api_req *a, ckpt_rc rc, const char *what);
int ckpt_api_method_not_allowed(ckpt_api_req *a, const char *allow);

/* Reads a JSON object body (415 unless application/json, 413 over
 * CheckpointJSONLimit, 400 when malformed or not an object).  On failure
 * the answer is already sent and *status is what to return. */
ckpt_json *ckpt_api_read_object(ckpt_api_req *a, int *status);

/* Takes a database connection; on failure answers 503. */
ckpt_rc ckpt_api_db(ckpt_api_req *a);

/* Routes of the resources; rest is what follows the collection's path
 * ("" for the collection itself, "<uuid>/..." below it). */
int ckpt_api_status(ckpt_api_req *a);
int ckpt_api_repositories(ckpt_api_req *a, const char *rest);
int ckpt_api_content(ckpt_api_req *a, const char *rest);
int ckpt_api_publications(ckpt_api_req *a, const char *rest);
int ckpt_api_distributions(ckpt_api_req *a, const char *rest);

/* api_util.c: shared helpers. */

/* Collections, relative to the API root. */
#define CKPT_REPOS_PATH "repositories/file/file/"
#define CKPT_CONTENT_PATH "content/file/files/"
#define CKPT_PUBS_PATH "publications/file/file/"
#define CKPT_DISTS_PATH "distributions/file/file/"

typedef enum {
    CKPT_HREF_REPOSITORY,
    CKPT_HREF_VERSION,
    CKPT_HREF_CONTENT,
    CKPT_HREF_PUBLICATION,
    CKPT_HREF_DISTRIBUTION
} ckpt_href_kind;

int ckpt_uuid_valid(const char *s);
/* "<uuid>/rest": answers rest and sets *id, or NULL when malformed. */
const char *ckpt_api_take_uuid(apr_pool_t *p, const char *rest, const char **id);
/* The href of an object (number only for versions); NULL id gives NULL. */
const char *ckpt_href(ckpt_api_req *a, ckpt_href_kind k, const char *id, const char *number);
/* Parses an href given in a request (a path, or an absolute URL) of kind k;
 * answers 1 with *id (and *number for versions) set, 0 when it is not one. */
int ckpt_href_parse(ckpt_api_req *a, ckpt_href_kind k, const char *href, const char **id,
                    const char **number);

/* The query string as a table (values decoded), never NULL. */
apr_table_t *ckpt_api_query(ckpt_api_req *a);

typedef struct {
    long long limit;
    long long offset;
} ckpt_page;

/* limit (default 100, at most 1000) and offset from the query; on a bad
 * value answers 400 and returns 0 with *status set. */
int ckpt_api_page(ckpt_api_req *a, apr_table_t *q, ckpt_page *pg, int *status);
/* {count, next, previous, results}; takes ownership of results (unowned). */
int ckpt_api_send_list(ckpt_api_req *a, const ckpt_page *pg, long long count,
                       ckpt_json *results);
/* Decimal text of v (apr's formats know no %lld). */
const char *ckpt_lltoa(apr_pool_t *p, long long v);
/* A lower-case copy (hex digests may come in either case). */
const char *ckpt_lower(apr_pool_t *p, const char *s);
/* Parses a decimal integer in [min, max]. */
int ckpt_parse_int(const char *s, long long min, long long max, long long *out);

/* Body field checks. */
typedef enum {
    CKPT_F_STRING,
    CKPT_F_INTEGER,
    CKPT_F_BOOL,
    CKPT_F_STRINGS /* array of strings */
} ckpt_field_type;

typedef struct {
    const char *name;
    ckpt_field_type type;
    int nullable;
} ckpt_field;

/* Every member of body must be one of fields (ended by a NULL name) and
 * of its type; otherwise answers 400 naming the field, returns 0. */
int ckpt_api_check_fields(ckpt_api_req *a, ckpt_json *body, const ckpt_field *fields,
                          int *status);
/* Whether the member is present (possibly null), and its string value. */
int ckpt_api_has(ckpt_json *body, const char *key);
const char *ckpt_api_str(ckpt_json *body, const char *key);

/* A relative path of a file in a repository: no leading '/', no '..',
 * '.', or empty segments, no NUL or backslash; NULL or why not. */
const char *ckpt_api_check_relative_path(const char *p);
/* A distribution's base_path, the same rules. */
const char *ckpt_api_check_base_path(const char *p);

/* Splits "a,b,c" into a JSON array of hrefs of kind k. */
ckpt_json *ckpt_api_href_list(ckpt_api_req *a, ckpt_href_kind k, const char *ids);

/* 204, no body. */
int ckpt_api_no_content(ckpt_api_req *a);
/* A PostgreSQL array literal of uuids, "{a,b}" (the uuids are checked). */
const char *ckpt_uuid_array(apr_pool_t *p, const apr_array_header_t *ids);

/* Repository versions (api_repositories.c), for uploads and publications. */
ckpt_json *ckpt_api_version_json(ckpt_api_req *a, const ckpt_dbres *res, int row, int col);
/* Inside an open transaction: locks the repository and makes its next
 * version from base (NULL: the latest) minus remove plus add (uuid array
 * literals), then applies retain_repo_versions.  *version is the new
 * version's row (VER_COLS); on CKPT_INVALID *field and *reason say why. */
ckpt_rc ckpt_api_modify_txn(ckpt_api_req *a, const char *repo_id, const char *base,
                            const char *add, const char *remove, ckpt_dbres **version,
                            const char **field, const char **reason);

#endif
