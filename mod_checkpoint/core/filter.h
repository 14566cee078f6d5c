/* List filters, one mechanism for every list of the API: a resource's
 * ckpt_filter_set says which query parameters its list takes, what each
 * one is (so that its value is checked and converted the same way
 * everywhere) and which parameter of the list's one prepared statement it
 * fills.  A statement tests each of its filter parameters with "$n IS
 * NULL OR ..." (statements_api.c's TEXT_FILTERS and ORDERING), so a
 * filter that is not given costs nothing and no SQL is assembled from
 * text.  Unknown parameters are refused, naming them; limit, offset,
 * fields and exclude_fields are every list's (the page and the answer's
 * fields, applied by the API).  openapi.c documents each list's query
 * parameters from the same table. */
#ifndef CKPT_FILTER_H
#define CKPT_FILTER_H

#include <apr_tables.h>

#include "db.h"
#include "list.h"

typedef enum {
    CKPT_FT_TEXT,     /* the text as given */
    CKPT_FT_TEXTS,    /* a comma-separated list: a text[] literal */
    CKPT_FT_DIGEST,   /* a sha256, lower-cased and checked */
    CKPT_FT_INT,      /* a non-negative integer */
    CKPT_FT_BOOL,     /* true/false (also True/False, 1/0) */
    CKPT_FT_REPO,     /* a repository href: its id */
    CKPT_FT_VERSION,  /* a repository version href: its repository's id in
                         slot, its number in slot + 1 */
    CKPT_FT_HREF,     /* an href of this API: what follows its root */
    CKPT_FT_HREFS,    /* a comma-separated list of them: a text[] literal */
    CKPT_FT_ORDERING  /* one of the set's orderings, '-' before it for
                         descending order */
} ckpt_filter_type;

typedef struct {
    const char *name; /* the query parameter: "name__startswith" */
    ckpt_filter_type type;
    int slot;         /* the statement's parameter it fills, from 0 */
    const char *description;
    /* CKPT_FT_TEXT and CKPT_FT_TEXTS: the values taken (NULL-ended), or
     * NULL for any */
    const char *const *choices;
} ckpt_filter;

typedef struct {
    const char *stmt;             /* the list statement: its nparams filter
                                     parameters, then limit and offset */
    int nparams;
    const ckpt_filter *filters;   /* ended by a NULL name */
    const char *const *orderings; /* NULL-ended; NULL: no ordering */
    const char *key;              /* ckpt_list_run's */
    ckpt_row_reader read;
} ckpt_filter_set;

/* The five filters of a text field f, in slots n to n + 4. */
#define CKPT_TEXT_FILTERS(f, n)                                                                   \
    {f, CKPT_FT_TEXT, (n), "Filter results where " f " matches value"},                           \
    {f "__startswith", CKPT_FT_TEXT, (n) + 1, "Filter results where " f " starts with value"},    \
    {f "__contains", CKPT_FT_TEXT, (n) + 2, "Filter results where " f " contains value"},         \
    {f "__icontains", CKPT_FT_TEXT, (n) + 3,                                                      \
     "Filter results where " f " contains value, ignoring case"},                                 \
    {f "__in", CKPT_FT_TEXTS, (n) + 4, "Filter results where " f " is in a comma-separated list"}
#define CKPT_ORDERING_FILTER(n) {"ordering", CKPT_FT_ORDERING, (n),                              \
    "Which field to use when ordering the results ('-' before it: descending)."}

/* The sets of the lists; the API's versions list fills its slot 0 (the
 * repository of the URL) itself. */
extern const ckpt_filter_set ckpt_filters_repositories;
extern const ckpt_filter_set ckpt_filters_versions;
extern const ckpt_filter_set ckpt_filters_content;
extern const ckpt_filter_set ckpt_filters_publications;
extern const ckpt_filter_set ckpt_filters_distributions;
extern const ckpt_filter_set ckpt_filters_uploads;
extern const ckpt_filter_set ckpt_filters_remotes;
extern const ckpt_filter_set ckpt_filters_tasks;

/* The parameters every list takes besides its filters (the page: limit,
 * offset; the answer's members: fields, exclude_fields, which a read of
 * one object takes too), and 1 for their names. */
extern const ckpt_filter ckpt_filters_common[];
int ckpt_filter_common(const char *name);

/* The statement's filter parameters from the query q (decoded): NULL for
 * what is not given.  An unknown parameter, or a value that is not what
 * its filter takes, is CKPT_INVALID naming it.  api_root: where hrefs
 * live ("/pulp/api/v3/"). */
ckpt_rc ckpt_filter_bind(apr_pool_t *p, const ckpt_filter_set *s, const char *api_root,
                         apr_table_t *q, const char ***params, ckpt_err *err);

/* A page of the set's list with params (from ckpt_filter_bind). */
ckpt_rc ckpt_filter_list(ckpt_db *db, apr_pool_t *p, const ckpt_filter_set *s,
                         const char **params, const ckpt_page *pg, ckpt_list *out,
                         ckpt_err *err);

#endif
