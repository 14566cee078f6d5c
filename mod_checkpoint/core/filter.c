/* List filters (see filter.h). */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "filter.h"
#include "href.h"
#include "content.h"

const ckpt_filter ckpt_filters_common[] = {
    {"limit", CKPT_FT_INT, 0, "Number of results to return per page (at most 1000)."},
    {"offset", CKPT_FT_INT, 0, "The initial index from which to return the results."},
    {"fields", CKPT_FT_TEXTS, 0, "A list of fields to include in the response."},
    {"exclude_fields", CKPT_FT_TEXTS, 0, "A list of fields to exclude from the response."},
    {NULL, 0, 0, NULL}};

int ckpt_filter_common(const char *name)
{
    const ckpt_filter *c;

    for (c = ckpt_filters_common; c->name; c++) {
        if (!strcmp(c->name, name)) {
            return 1;
        }
    }
    return 0;
}

static const ckpt_filter *find(const ckpt_filter_set *s, const char *name)
{
    const ckpt_filter *f;

    for (f = s->filters; f->name; f++) {
        if (!strcmp(f->name, name)) {
            return f;
        }
    }
    return NULL;
}

static ckpt_rc ordering(const ckpt_filter_set *s, const ckpt_filter *f, const char *v,
                        ckpt_err *err)
{
    const char *const *o;
    const char *field = v[0] == '-' ? v + 1 : v;

    for (o = s->orderings; o && *o; o++) {
        if (!strcmp(*o, field)) {
            return CKPT_OK;
        }
    }
    return ckpt_err_invalid(err, f->name,
                            strchr(v, ',') ? "Ordering by more than one field is not supported."
                                           : "Not a field this list can be ordered by.");
}

/* v, one of f's choices if it has them. */
static ckpt_rc choice(apr_pool_t *p, const ckpt_filter *f, const char *v, ckpt_err *err)
{
    const char *const *c;

    for (c = f->choices; c && *c; c++) {
        if (!strcmp(*c, v)) {
            return CKPT_OK;
        }
    }
    return !f->choices ? CKPT_OK
                       : ckpt_err_invalid(err, f->name,
                                          apr_psprintf(p, "Select a valid choice. %s is not one "
                                                          "of the available choices.", v));
}

/* A text, a list of texts (each a choice of f's), an href of this API or
 * a list of hrefs, into params. */
static ckpt_rc bind_texts(apr_pool_t *p, const ckpt_filter *f, const char *root, const char *v,
                          const char **params, ckpt_err *err)
{
    apr_array_header_t *items = apr_array_make(p, 4, sizeof(const char *));
    char *copy = apr_pstrdup(p, v), *item, *last = NULL;
    int list = f->type == CKPT_FT_TEXTS || f->type == CKPT_FT_HREFS;
    int hrefs = f->type == CKPT_FT_HREF || f->type == CKPT_FT_HREFS;

    for (item = list ? apr_strtok(copy, ",", &last) : copy; item;
         item = list ? apr_strtok(NULL, ",", &last) : NULL) {
        const char *one = hrefs ? ckpt_href_below_root(p, root, item) : item;

        if (!one) {
            return ckpt_err_invalid(err, f->name, "Not an href of this API.");
        }
        if (choice(p, f, one, err) != CKPT_OK) {
            return err->rc;
        }
        APR_ARRAY_PUSH(items, const char *) = one;
    }
    /* An empty list filters nothing, as Django's filters take it (pulp-cli
     * sends empty ones). */
    params[f->slot] = !list ? APR_ARRAY_IDX(items, 0, const char *)
                      : items->nelts ? ckpt_db_array(p, items) : NULL;
    return CKPT_OK;
}

/* A boolean as Django's filters take it. */
static const char *boolean(const char *v)
{
    if (!strcasecmp(v, "true") || !strcmp(v, "1")) {
        return "true";
    }
    if (!strcasecmp(v, "false") || !strcmp(v, "0")) {
        return "false";
    }
    return NULL;
}

/* The value v of filter f into params. */
static ckpt_rc bind_one(apr_pool_t *p, const ckpt_filter_set *s, const ckpt_filter *f,
                        const char *root, const char *v, const char **params, ckpt_err *err)
{
    apr_int64_t n;
    int number;
    char *low;

    switch (f->type) {
    case CKPT_FT_TEXT:
    case CKPT_FT_TEXTS:
    case CKPT_FT_HREF:
    case CKPT_FT_HREFS:
        return bind_texts(p, f, root, v, params, err);
    case CKPT_FT_DIGEST:
        low = apr_pstrdup(p, v);
        for (params[f->slot] = low; *low; low++) {
            *low = (char)apr_tolower(*low);
        }
        return ckpt_content_check_digest(params[f->slot], err);
    case CKPT_FT_INT:
        params[f->slot] = v;
        return ckpt_number_parse(v, 0, APR_INT64_C(999999999999999999), &n)
                   ? CKPT_OK
                   : ckpt_err_invalid(err, f->name, "Enter a number.");
    case CKPT_FT_BOOL:
        params[f->slot] = boolean(v);
        return params[f->slot] ? CKPT_OK
                               : ckpt_err_invalid(err, f->name, "Must be a valid boolean.");
    case CKPT_FT_REPO:
        return ckpt_href_parse(p, root, CKPT_HREF_REPOSITORY, v, &params[f->slot], NULL)
                   ? CKPT_OK
                   : ckpt_err_invalid(err, f->name, "Not a repository href.");
    case CKPT_FT_VERSION:
        if (!ckpt_href_parse(p, root, CKPT_HREF_VERSION, v, &params[f->slot], &number)) {
            return ckpt_err_invalid(err, f->name, "Not a repository version href.");
        }
        params[f->slot + 1] = apr_itoa(p, number);
        return CKPT_OK;
    case CKPT_FT_ORDERING:
    default:
        params[f->slot] = v;
        return ordering(s, f, v, err);
    }
}

ckpt_rc ckpt_filter_bind(apr_pool_t *p, const ckpt_filter_set *s, const char *api_root,
                         apr_table_t *q, const char ***params, ckpt_err *err)
{
    const apr_array_header_t *arr = apr_table_elts(q);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    *params = apr_pcalloc(p, sizeof(const char *) * (apr_size_t)(s->nparams + 1));
    for (i = 0; i < arr->nelts; i++) {
        const ckpt_filter *f;
        if (ckpt_filter_common(e[i].key)) {
            continue;
        }
        f = find(s, e[i].key);
        if (!f) {
            return ckpt_err_invalid(err, apr_pstrdup(p, e[i].key), "Unknown query parameter.");
        }
        if (bind_one(p, s, f, api_root, e[i].val, *params, err) != CKPT_OK) {
            return err->rc;
        }
    }
    return CKPT_OK;
}

ckpt_rc ckpt_filter_list(ckpt_db *db, apr_pool_t *p, const ckpt_filter_set *s,
                         const char **params, const ckpt_page *pg, ckpt_list *out,
                         ckpt_err *err)
{
    return ckpt_list_run(db, p, s->stmt, s->nparams, params, pg, s->key, s->read, out, err);
}
