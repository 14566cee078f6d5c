/* Helpers shared by the API's resources: hrefs, query strings, pagination,
 * body field checks. */
#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

#include "api.h"
#include "resolve.h"

int ckpt_uuid_valid(const char *s)
{
    int i;

    if (!s) {
        return 0;
    }
    for (i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return 0;
            }
        }
        else if (!apr_isxdigit(c)) {
            return 0;
        }
    }
    return s[36] == '\0';
}

const char *ckpt_api_take_uuid(apr_pool_t *p, const char *rest, const char **id)
{
    const char *slash = strchr(rest, '/');
    char *u;

    if (!slash || slash - rest != 36) {
        return NULL;
    }
    u = apr_pstrmemdup(p, rest, 36);
    if (!ckpt_uuid_valid(u)) {
        return NULL;
    }
    *id = u;
    return slash + 1;
}

static const char *kind_path(ckpt_href_kind k)
{
    switch (k) {
    case CKPT_HREF_REPOSITORY:
    case CKPT_HREF_VERSION:
        return CKPT_REPOS_PATH;
    case CKPT_HREF_CONTENT:
        return CKPT_CONTENT_PATH;
    case CKPT_HREF_PUBLICATION:
        return CKPT_PUBS_PATH;
    case CKPT_HREF_DISTRIBUTION:
    default:
        return CKPT_DISTS_PATH;
    }
}

const char *ckpt_href(ckpt_api_req *a, ckpt_href_kind k, const char *id, const char *number)
{
    if (!id) {
        return NULL;
    }
    if (k == CKPT_HREF_VERSION) {
        return apr_pstrcat(a->r->pool, a->root, kind_path(k), id, "/versions/", number, "/",
                           NULL);
    }
    return apr_pstrcat(a->r->pool, a->root, kind_path(k), id, "/", NULL);
}

int ckpt_href_parse(ckpt_api_req *a, ckpt_href_kind k, const char *href, const char **id,
                    const char **number)
{
    const char *p = href, *prefix = kind_path(k), *rest;
    apr_size_t rl = strlen(a->root), pl = strlen(prefix);

    if (!p) {
        return 0;
    }
    /* An absolute URL: only its path counts. */
    if (!strncasecmp(p, "http://", 7) || !strncasecmp(p, "https://", 8)) {
        p = strchr(strstr(p, "//") + 2, '/');
        if (!p) {
            return 0;
        }
    }
    if (strncmp(p, a->root, rl) || strncmp(p + rl, prefix, pl)) {
        return 0;
    }
    rest = ckpt_api_take_uuid(a->r->pool, p + rl + pl, id);
    if (!rest) {
        return 0;
    }
    if (k != CKPT_HREF_VERSION) {
        return *rest == '\0';
    }
    if (strncmp(rest, "versions/", 9)) {
        return 0;
    }
    rest += 9;
    {
        const char *slash = strchr(rest, '/');
        long long n;
        char *num;
        if (!slash || slash[1] != '\0') {
            return 0;
        }
        num = apr_pstrmemdup(a->r->pool, rest, (apr_size_t)(slash - rest));
        if (!ckpt_parse_int(num, 0, 2147483647LL, &n)) {
            return 0;
        }
        *number = ckpt_lltoa(a->r->pool, n);
    }
    return 1;
}

int ckpt_parse_int(const char *s, long long min, long long max, long long *out)
{
    const char *c;
    long long v = 0;

    if (!s || !*s || strlen(s) > 18) {
        return 0;
    }
    for (c = s; *c; c++) {
        if (*c < '0' || *c > '9') {
            return 0;
        }
        v = v * 10 + (*c - '0');
    }
    if (v < min || v > max) {
        return 0;
    }
    *out = v;
    return 1;
}

apr_table_t *ckpt_api_query(ckpt_api_req *a)
{
    apr_pool_t *p = a->r->pool;
    apr_table_t *t = apr_table_make(p, 8);
    char *args, *pair, *last = NULL;

    if (!a->r->args) {
        return t;
    }
    args = apr_pstrdup(p, a->r->args);
    for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        char *val = eq ? eq + 1 : pair + strlen(pair);
        if (eq) {
            *eq = '\0';
        }
        /* Undecodable pairs are skipped: they match no filter. */
        if (ap_unescape_urlencoded(pair) != OK || ap_unescape_urlencoded(val) != OK) {
            continue;
        }
        apr_table_set(t, pair, val);
    }
    return t;
}

int ckpt_api_page(ckpt_api_req *a, apr_table_t *q, ckpt_page *pg, int *status)
{
    const char *l = apr_table_get(q, "limit"), *o = apr_table_get(q, "offset");

    pg->limit = 100;
    pg->offset = 0;
    if (l && !ckpt_parse_int(l, 1, 1000, &pg->limit)) {
        *status = ckpt_api_field_error(a, "limit",
                                       "A valid integer between 1 and 1000 is required.");
        return 0;
    }
    if (o && !ckpt_parse_int(o, 0, 1000000000000LL, &pg->offset)) {
        *status = ckpt_api_field_error(a, "offset", "A valid non-negative integer is required.");
        return 0;
    }
    return 1;
}

/* The request's URL with limit and offset replaced (offset left out at 0,
 * as Django REST framework does). */
static const char *page_url(ckpt_api_req *a, long long limit, long long offset)
{
    apr_pool_t *p = a->r->pool;
    char *q = apr_pstrcat(p, "limit=", ckpt_lltoa(p, limit), NULL);

    if (a->r->args) {
        char *args = apr_pstrdup(p, a->r->args), *pair, *last = NULL;
        for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
            if (!strncmp(pair, "limit=", 6) || !strcmp(pair, "limit")
                || !strncmp(pair, "offset=", 7) || !strcmp(pair, "offset")) {
                continue;
            }
            q = apr_pstrcat(p, q, "&", pair, NULL);
        }
    }
    if (offset > 0) {
        q = apr_pstrcat(p, q, "&offset=", ckpt_lltoa(p, offset), NULL);
    }
    return ap_construct_url(p, apr_pstrcat(p, a->r->uri, "?", q, NULL), a->r);
}

int ckpt_api_send_list(ckpt_api_req *a, const ckpt_page *pg, long long count,
                       ckpt_json *results)
{
    ckpt_json *o = ckpt_json_own(a->r->pool, ckpt_json_object());
    long long prev = pg->offset - pg->limit;

    ckpt_json_set_int(o, "count", count);
    ckpt_json_set_str(o, "next", pg->offset + pg->limit < count
                                     ? page_url(a, pg->limit, pg->offset + pg->limit)
                                     : NULL);
    ckpt_json_set_str(o, "previous",
                      pg->offset > 0 ? page_url(a, pg->limit, prev < 0 ? 0 : prev) : NULL);
    ckpt_json_set(o, "results", results);
    return ckpt_api_send(a, HTTP_OK, o);
}

typedef struct {
    ckpt_api_req *a;
    const ckpt_field *fields;
    const char *bad;
    const char *why;
} check_baton;

static int check_one(void *baton, const char *key, ckpt_json *v)
{
    check_baton *b = baton;
    const ckpt_field *f;
    ckpt_json_type t = ckpt_json_typeof(v);

    for (f = b->fields; f->name; f++) {
        if (!strcmp(f->name, key)) {
            break;
        }
    }
    b->bad = key;
    if (!f->name) {
        b->why = "Unexpected field.";
        return 1;
    }
    if (t == CKPT_JSON_NULL) {
        b->why = "This field may not be null.";
        return !f->nullable;
    }
    switch (f->type) {
    case CKPT_F_STRING:
        b->why = "Not a valid string.";
        return t != CKPT_JSON_STRING;
    case CKPT_F_INTEGER:
        b->why = "A valid integer is required.";
        return t != CKPT_JSON_INTEGER;
    case CKPT_F_BOOL:
        b->why = "Must be a valid boolean.";
        return t != CKPT_JSON_TRUE && t != CKPT_JSON_FALSE;
    case CKPT_F_STRINGS:
    default: {
        apr_size_t i, n;
        if (t != CKPT_JSON_ARRAY) {
            b->why = apr_psprintf(b->a->r->pool, "Expected a list of items but got type \"%s\".",
                                  ckpt_json_type_name(v));
            return 1;
        }
        n = ckpt_json_array_size(v);
        for (i = 0; i < n; i++) {
            if (ckpt_json_typeof(ckpt_json_array_get(v, i)) != CKPT_JSON_STRING) {
                b->why = "Expected a list of strings (hrefs).";
                return 1;
            }
        }
        return 0;
    }
    }
}

int ckpt_api_check_fields(ckpt_api_req *a, ckpt_json *body, const ckpt_field *fields,
                          int *status)
{
    check_baton b;

    b.a = a;
    b.fields = fields;
    b.bad = b.why = NULL;
    if (ckpt_json_each(body, check_one, &b)) {
        *status = ckpt_api_field_error(a, b.bad, b.why);
        return 0;
    }
    return 1;
}

int ckpt_api_has(ckpt_json *body, const char *key)
{
    return ckpt_json_get(body, key) != NULL;
}

const char *ckpt_api_str(ckpt_json *body, const char *key)
{
    ckpt_json *v = ckpt_json_get(body, key);
    return v ? ckpt_json_string_value(v) : NULL;
}

static const char *check_path(const char *p)
{
    const char *s;

    if (!p || !*p) {
        return "This field may not be blank.";
    }
    if (*p == '/') {
        return "Must not start with '/'.";
    }
    if (strlen(p) > 4096) {
        return "Too long.";
    }
    for (s = p; *s; s++) {
        if (*s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f) {
            return "Must not contain backslashes or control characters.";
        }
    }
    for (s = p;;) {
        const char *e = strchr(s, '/');
        apr_size_t n = e ? (apr_size_t)(e - s) : strlen(s);
        if (n == 0) {
            /* a trailing '/' is an empty last segment too */
            return "Must not contain '//' or end with '/'.";
        }
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
            return n == 2 ? "Must not contain '..'." : "Must not contain '.' segments.";
        }
        if (!e) {
            break;
        }
        s = e + 1;
    }
    return NULL;
}

const char *ckpt_api_check_relative_path(const char *p)
{
    return check_path(p);
}

const char *ckpt_api_check_base_path(const char *p)
{
    const char *why = check_path(p);
    int segments = 1;

    if (why) {
        return why;
    }
    /* The content side looks for a base path among the first
     * CKPT_BASE_PATH_MAX_SEGMENTS segments of a request only. */
    for (; *p; p++) {
        segments += *p == '/';
    }
    if (segments > CKPT_BASE_PATH_MAX_SEGMENTS) {
        return "A base_path may have at most " APR_STRINGIFY(CKPT_BASE_PATH_MAX_SEGMENTS)
               " segments.";
    }
    return NULL;
}

ckpt_json *ckpt_api_href_list(ckpt_api_req *a, ckpt_href_kind k, const char *ids)
{
    ckpt_json *arr = ckpt_json_array();
    char *s, *tok, *last = NULL;

    if (!ids) {
        return arr;
    }
    s = apr_pstrdup(a->r->pool, ids);
    for (tok = apr_strtok(s, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
        ckpt_json_append(arr, ckpt_json_string(ckpt_href(a, k, tok, NULL)));
    }
    return arr;
}

const char *ckpt_uuid_array(apr_pool_t *p, const apr_array_header_t *ids)
{
    apr_array_header_t *ok = apr_array_make(p, ids->nelts ? ids->nelts : 1, sizeof(const char *));
    int i;

    for (i = 0; i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        if (ckpt_uuid_valid(id)) {
            APR_ARRAY_PUSH(ok, const char *) = id;
        }
    }
    return apr_pstrcat(p, "{", apr_array_pstrcat(p, ok, ','), "}", NULL);
}

int ckpt_api_no_content(ckpt_api_req *a)
{
    a->r->status = HTTP_NO_CONTENT;
    apr_table_setn(a->r->headers_out, "Cache-Control", "no-store");
    return OK;
}

const char *ckpt_lltoa(apr_pool_t *p, long long v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)v);
}

const char *ckpt_lower(apr_pool_t *p, const char *s)
{
    char *o, *c;

    if (!s) {
        return NULL;
    }
    o = apr_pstrdup(p, s);
    for (c = o; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return o;
}
