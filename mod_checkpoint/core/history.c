/* A repository's history beyond one checkpoint (see history.h). */
#include <string.h>

#include <apr_strings.h>

#include "history.h"
#include "json.h"
#include "timestamp.h"
#include "timetravel.h"

static int same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static void push_entry(apr_array_header_t *out, apr_int64_t sec, const ckpt_range *r)
{
    ckpt_history_entry *e = apr_array_push(out);

    e->sec = sec;
    e->sha256 = r ? r->sha256 : NULL;
    e->size = r ? r->size : 0;
    e->removed = r == NULL;
}

/* Two stretches the checkpoints cannot tell apart (one ends where the
 * next begins, with the same bytes: a unit removed and added again
 * between two checkpoints) make one entry. */
apr_array_header_t *ckpt_history_entries(apr_pool_t *p, const apr_array_header_t *ranges)
{
    apr_array_header_t *out = apr_array_make(p, ranges->nelts * 2 + 1, sizeof(ckpt_history_entry));
    const ckpt_range *prev = NULL;
    int i;

    for (i = 0; i < ranges->nelts; i++) {
        const ckpt_range *r = &APR_ARRAY_IDX(ranges, i, ckpt_range);
        if (prev && prev->gone != r->first) {
            push_entry(out, prev->gone, NULL);
        }
        if (!prev || prev->gone != r->first || !same(prev->sha256, r->sha256)) {
            push_entry(out, r->first, r);
        }
        prev = r;
    }
    if (prev && prev->gone != CKPT_NO_SEC) {
        push_entry(out, prev->gone, NULL);
    }
    return out;
}

const char *ckpt_history_content_type(const ckpt_history_req *h)
{
    return h->kind == CKPT_HISTORY_TIMEMAP_LINK ? "application/link-format" : "application/json";
}

static ckpt_rc emit_str(ckpt_emit_fn emit, void *baton, const char *s)
{
    return emit(baton, s, strlen(s));
}

/* The link-format TimeMap: mementos as RFC 7089 names them, first and
 * last among them; a disappearance is a link of its own rel, "removed",
 * so that no Memento client takes its 404 for a memento. */
static const char *timemap_link(apr_pool_t *p, const char *url_prefix, const ckpt_memento *m,
                                const apr_array_header_t *entries)
{
    apr_array_header_t *lines = apr_array_make(p, entries->nelts + 1, sizeof(const char *));
    apr_int64_t from = CKPT_NO_SEC, until = CKPT_NO_SEC;
    int i, n = 0, k = 0;

    for (i = 0; i < entries->nelts; i++) {
        const ckpt_history_entry *e = &APR_ARRAY_IDX(entries, i, ckpt_history_entry);
        if (!e->removed) {
            from = from == CKPT_NO_SEC ? e->sec : from;
            until = e->sec;
            n++;
        }
    }
    APR_ARRAY_PUSH(lines, const char *) = ckpt_tt_timemap_link_head(p, url_prefix, m, from, until);
    for (i = 0; i < entries->nelts; i++) {
        const ckpt_history_entry *e = &APR_ARRAY_IDX(entries, i, ckpt_history_entry);
        APR_ARRAY_PUSH(lines, const char *) = ckpt_tt_timemap_link_entry(
            p, url_prefix, m, e->sec, e->removed ? "removed" : ckpt_tt_memento_rel(k++, n),
            e->sha256);
    }
    return apr_pstrcat(p, ckpt_tt_join(p, lines, ",\n"), "\n", NULL);
}

static ckpt_rc send_timemap(const ckpt_history_source *hs, apr_pool_t *p,
                            const ckpt_history_req *h, const char *url_prefix, ckpt_emit_fn emit,
                            void *baton)
{
    apr_array_header_t *ranges, *entries;
    ckpt_memento m;
    ckpt_rc rc = hs->path_ranges(hs->baton, p, h->repository_id, h->path, &ranges);
    int i;

    if (rc != CKPT_OK) {
        return rc;
    }
    if (ranges->nelts == 0) {
        return CKPT_NOTFOUND;
    }
    entries = ckpt_history_entries(p, ranges);
    memset(&m, 0, sizeof(m));
    m.base_path = h->base_path;
    m.path = h->path;
    if (h->kind == CKPT_HISTORY_TIMEMAP_LINK) {
        return emit_str(emit, baton, timemap_link(p, url_prefix, &m, entries));
    }
    {
        ckpt_tt_timemap_json *tm = ckpt_tt_timemap_json_begin(p, url_prefix, &m);
        for (i = 0; i < entries->nelts; i++) {
            const ckpt_history_entry *e = &APR_ARRAY_IDX(entries, i, ckpt_history_entry);
            ckpt_tt_timemap_json_add(tm, e->sec, e->sha256, e->size, e->removed);
        }
        return emit_str(emit, baton, ckpt_tt_timemap_json_end(tm));
    }
}

/* {timestamp, datetime, url} of checkpoint sec's path, or null. */
static ckpt_json *json_at(apr_pool_t *p, const char *url_prefix, const char *base_path,
                          apr_int64_t sec, const char *path)
{
    ckpt_json *o;
    char ts[CKPT_TS_LEN + 1], dt[21];

    if (sec == CKPT_NO_SEC) {
        return ckpt_json_null();
    }
    o = ckpt_json_object();
    ckpt_ts_format(sec, ts);
    ckpt_tt_rfc3339(sec, dt);
    ckpt_json_set_str(o, "timestamp", ts);
    ckpt_json_set_str(o, "datetime", dt);
    ckpt_json_set_str(o, "url", ckpt_tt_url(p, url_prefix, base_path, sec, path));
    return o;
}

/* Where some bytes were: per path, each stretch of checkpoints that held
 * them (first, last, and where they were gone, or null). */
static ckpt_rc send_lookup(const ckpt_history_source *hs, apr_pool_t *p,
                           const ckpt_history_req *h, const char *url_prefix, ckpt_emit_fn emit,
                           void *baton)
{
    apr_array_header_t *ranges;
    ckpt_json *root, *list;
    ckpt_rc rc = hs->digest_ranges(hs->baton, p, h->repository_id, h->sha256, &ranges);
    int i;

    if (rc != CKPT_OK) {
        return rc;
    }
    root = ckpt_json_own(p, ckpt_json_object());
    list = ckpt_json_array();
    ckpt_json_set_str(root, "sha256", h->sha256);
    for (i = 0; i < ranges->nelts; i++) {
        const ckpt_range *r = &APR_ARRAY_IDX(ranges, i, ckpt_range);
        const ckpt_range *next = i + 1 < ranges->nelts ? r + 1 : NULL;
        ckpt_json *o = ckpt_json_object();
        apr_int64_t first = r->first;

        /* Stretches of one path that no checkpoint tells apart are one. */
        while (next && !strcmp(next->path, r->path) && r->gone == next->first) {
            r = next;
            next = ++i + 1 < ranges->nelts ? r + 1 : NULL;
        }
        ckpt_json_set_str(o, "path", r->path);
        ckpt_json_set_int(o, "size", (long long)r->size);
        ckpt_json_set(o, "first", json_at(p, url_prefix, h->base_path, first, r->path));
        ckpt_json_set(o, "last", json_at(p, url_prefix, h->base_path, r->last, r->path));
        ckpt_json_set(o, "removed", json_at(p, url_prefix, h->base_path, r->gone, r->path));
        ckpt_json_append(list, o);
    }
    ckpt_json_set(root, "ranges", list);
    return emit_str(emit, baton, apr_pstrcat(p, ckpt_json_dump(p, root), "\n", NULL));
}

/* One array of the diff, written a page at a time: side's rows, each
 * shaped as the part of the answer they are (added: the to side's
 * bytes; removed: the from side's; changed: both).  reversed: from is
 * the higher version. */
static ckpt_rc send_part(const ckpt_history_source *hs, apr_pool_t *p, const ckpt_history_req *h,
                         ckpt_diff_side side, const char *part, int reversed, ckpt_emit_fn emit,
                         void *baton)
{
    const char *lo = reversed ? h->to->version_number : h->from->version_number;
    const char *hi = reversed ? h->from->version_number : h->to->version_number;
    const char *after_v = lo, *after_path = "";
    apr_array_header_t *rows;
    apr_pool_t *page;
    int i, first = 1, limit = hs->page > 0 ? hs->page : CKPT_DIFF_PAGE;
    ckpt_rc rc = emit_str(emit, baton, apr_pstrcat(p, ",\"", part, "\":[", NULL));

    apr_pool_create(&page, p);
    do {
        apr_pool_clear(page);
        if (rc != CKPT_OK
            || (rc = hs->diff_page(hs->baton, page, h->repository_id, side, lo, hi, h->path,
                                   after_v, after_path, limit, &rows)) != CKPT_OK) {
            break;
        }
        for (i = 0; i < rows->nelts && rc == CKPT_OK; i++) {
            const ckpt_diff_row *r = &APR_ARRAY_IDX(rows, i, ckpt_diff_row);
            const char *from_sha = reversed ? r->hi_sha256 : r->lo_sha256;
            const char *to_sha = reversed ? r->lo_sha256 : r->hi_sha256;
            apr_off_t from_size = reversed ? r->hi_size : r->lo_size;
            apr_off_t to_size = reversed ? r->lo_size : r->hi_size;
            ckpt_json *o = ckpt_json_own(page, ckpt_json_object());

            ckpt_json_set_str(o, "path", r->path);
            if (side == CKPT_DIFF_BOTH) {
                ckpt_json_set_str(o, "old_sha256", from_sha);
                ckpt_json_set_str(o, "new_sha256", to_sha);
                ckpt_json_set_int(o, "old_size", (long long)from_size);
                ckpt_json_set_int(o, "size", (long long)to_size);
            }
            else {
                ckpt_json_set_str(o, "sha256", to_sha ? to_sha : from_sha);
                ckpt_json_set_int(o, "size", (long long)(to_sha ? to_size : from_size));
            }
            rc = emit_str(emit, baton, apr_pstrcat(page, first ? "" : ",\n",
                                                   ckpt_json_dump(page, o), NULL));
            first = 0;
        }
        if (rows->nelts) {
            const ckpt_diff_row *last = &APR_ARRAY_IDX(rows, rows->nelts - 1, ckpt_diff_row);
            after_v = apr_pstrdup(p, last->version);
            after_path = apr_pstrdup(p, last->path);
        }
    } while (rc == CKPT_OK && rows->nelts == limit);
    apr_pool_destroy(page);
    return rc == CKPT_OK ? emit_str(emit, baton, "]") : rc;
}

static ckpt_rc send_diff(const ckpt_history_source *hs, apr_pool_t *p, const ckpt_history_req *h,
                         ckpt_emit_fn emit, void *baton)
{
    char f[CKPT_TS_LEN + 1], t[CKPT_TS_LEN + 1];
    int reversed = apr_atoi64(h->from->version_number) > apr_atoi64(h->to->version_number);
    ckpt_json *prefix = ckpt_json_own(p, ckpt_json_string(h->path));
    ckpt_rc rc;

    ckpt_ts_format(h->from->created_sec, f);
    ckpt_ts_format(h->to->created_sec, t);
    rc = emit_str(emit, baton, apr_pstrcat(p, "{\"from\":\"", f, "\",\"to\":\"", t,
                                           "\",\"prefix\":", ckpt_json_dump(p, prefix), NULL));
    if (rc == CKPT_OK) {
        rc = send_part(hs, p, h, reversed ? CKPT_DIFF_LO_ONLY : CKPT_DIFF_HI_ONLY, "added",
                       reversed, emit, baton);
    }
    if (rc == CKPT_OK) {
        rc = send_part(hs, p, h, reversed ? CKPT_DIFF_HI_ONLY : CKPT_DIFF_LO_ONLY, "removed",
                       reversed, emit, baton);
    }
    if (rc == CKPT_OK) {
        rc = send_part(hs, p, h, CKPT_DIFF_BOTH, "changed", reversed, emit, baton);
    }
    return rc == CKPT_OK ? emit_str(emit, baton, "}\n") : rc;
}

ckpt_rc ckpt_history_send(const ckpt_history_source *hs, apr_pool_t *p,
                          const ckpt_history_req *h, const char *url_prefix, ckpt_emit_fn emit,
                          void *baton)
{
    switch (h->kind) {
    case CKPT_HISTORY_TIMEMAP_LINK:
    case CKPT_HISTORY_TIMEMAP_JSON:
        return send_timemap(hs, p, h, url_prefix, emit, baton);
    case CKPT_HISTORY_LOOKUP:
        return send_lookup(hs, p, h, url_prefix, emit, baton);
    default:
        return send_diff(hs, p, h, emit, baton);
    }
}
