/* Time travel beyond one checkpoint, without a database (see
 * timetravel.h). */
#include <stdlib.h>
#include <string.h>

#include <apr_escape.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "json.h"
#include "timestamp.h"
#include "timetravel.h"

static const char *const month_names[12] = {"January", "February", "March", "April",
                                            "May", "June", "July", "August",
                                            "September", "October", "November", "December"};

/* The q of the first media range of accept that is type (or NULL: absent
 * is -1), as thousandths. */
static int quality(const char *accept, const char *type)
{
    apr_size_t n = strlen(type);
    const char *s = accept;

    while (s && *s) {
        while (*s == ' ' || *s == ',') {
            s++;
        }
        if (!strncasecmp(s, type, n) && (s[n] == ';' || s[n] == ',' || s[n] == ' ' || !s[n])) {
            const char *q = strstr(s + n, "q=");
            const char *comma = strchr(s + n, ',');
            if (q && (!comma || q < comma)) {
                return (int)(atof(q + 2) * 1000);
            }
            return 1000;
        }
        s = strchr(s, ',');
    }
    return -1;
}

/* JSON only when asked for more than HTML: a browser's Accept (text/html
 * first, then * / *) keeps the page; curl -H 'Accept: application/json'
 * gets the data. */
int ckpt_tt_wants_json(const char *accept)
{
    int json;

    if (!accept) {
        return 0;
    }
    json = quality(accept, "application/json");
    return json > 0 && json > quality(accept, "text/html");
}

const char *ckpt_tt_query(apr_pool_t *p, const char *args, const char *name)
{
    apr_size_t n = strlen(name);
    const char *s = args;

    while (s && *s) {
        const char *end = strchr(s, '&');
        apr_size_t len = end ? (apr_size_t)(end - s) : strlen(s);
        if (len > n && !strncmp(s, name, n) && s[n] == '=') {
            char *v = apr_pstrmemdup(p, s + n + 1, len - n - 1);
            const char *out = apr_punescape_url(p, v, NULL, NULL, 1);
            return out ? out : "";
        }
        s = end ? end + 1 : NULL;
    }
    return NULL;
}

int ckpt_tt_parse_bound(const char *s, int until, apr_int64_t *sec)
{
    apr_size_t len = strlen(s);

    if (len == 8 && ckpt_ts_parse_day(s, len, sec) == 0) {
        *sec += until ? 86399 : 0;
        return 0;
    }
    return ckpt_ts_parse(s, len, sec);
}

const char *ckpt_tt_url(apr_pool_t *p, const char *url_prefix, const char *base_path,
                        apr_int64_t sec, const char *path)
{
    char ts[CKPT_TS_LEN + 1];
    const char *s;

    if (sec == CKPT_NO_SEC) {
        s = apr_pstrcat(p, base_path, "/", path, NULL);
    }
    else {
        ckpt_ts_format(sec, ts);
        s = apr_pstrcat(p, base_path, "/", ts, "/", path, NULL);
    }
    return apr_pstrcat(p, url_prefix, "/", apr_pescape_path(p, s, 1), NULL);
}

void ckpt_tt_rfc3339(apr_int64_t sec, char out[21])
{
    char ts[CKPT_TS_LEN + 1];

    ckpt_ts_format(sec, ts);
    apr_snprintf(out, 21, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", ts, ts + 4, ts + 6, ts + 9, ts + 11,
                 ts + 13);
}

/* One link-value: <url>; rel="rel"[; datetime="..."]. */
static const char *link_value(apr_pool_t *p, const char *url, const char *rel, apr_int64_t sec)
{
    char http[CKPT_TS_HTTP_LEN + 1];

    if (sec == CKPT_NO_SEC) {
        return apr_pstrcat(p, "<", url, ">; rel=\"", rel, "\"", NULL);
    }
    ckpt_ts_format_http(sec, http);
    return apr_pstrcat(p, "<", url, ">; rel=\"", rel, "\"; datetime=\"", http, "\"", NULL);
}

/* The TimeMaps of path: link-format and JSON. */
static const char *timemap_links(apr_pool_t *p, const char *url_prefix, const ckpt_memento *m)
{
    const char *lf = apr_pstrcat(p, "timemap/link/", m->path, NULL);
    const char *js = apr_pstrcat(p, "timemap/json/", m->path, NULL);

    return apr_pstrcat(
        p, "<", ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC, lf),
        ">; rel=\"timemap\"; type=\"application/link-format\", <",
        ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC, js),
        ">; rel=\"timemap\"; type=\"application/json\"", NULL);
}

const char *ckpt_tt_link_header(apr_pool_t *p, const char *url_prefix, const ckpt_memento *m)
{
    const char *rels[4] = {"first memento", "prev memento", "next memento", "last memento"};
    apr_int64_t secs[4];
    const char *out;
    int i;

    apr_size_t n = strlen(m->path);

    out = link_value(p, ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC, m->path),
                     "original timegate", CKPT_NO_SEC);
    /* A directory below the top has no TimeMap (no digest to follow). */
    if (!n || m->path[n - 1] != '/') {
        out = apr_pstrcat(p, out, ", ", timemap_links(p, url_prefix, m), NULL);
    }
    if (m->kind != CKPT_MEMENTO_OF) {
        return out;
    }
    secs[0] = m->nav.first;
    secs[1] = m->nav.prev;
    secs[2] = m->nav.next;
    secs[3] = m->nav.last;
    for (i = 0; i < 4; i++) {
        if (secs[i] != CKPT_NO_SEC) {
            out = apr_pstrcat(p, out, ", ",
                              link_value(p, ckpt_tt_url(p, url_prefix, m->base_path, secs[i],
                                                        m->path),
                                         rels[i], secs[i]),
                              NULL);
        }
    }
    return out;
}

const char *ckpt_tt_nav_html(apr_pool_t *p, const ckpt_nav *nav)
{
    const char *names[4] = {"first", "previous", "next", "last"};
    const char *rels[4] = {"first", "prev", "next", "last"};
    apr_int64_t secs[4];
    const char *out = "<p>";
    char ts[CKPT_TS_LEN + 1];
    int i;

    secs[0] = nav->first;
    secs[1] = nav->prev;
    secs[2] = nav->next;
    secs[3] = nav->last;
    for (i = 0; i < 4; i++) {
        out = apr_pstrcat(p, out, i ? " | " : "", names[i], NULL);
        if (secs[i] != CKPT_NO_SEC) {
            ckpt_ts_format(secs[i], ts);
            out = apr_pstrcat(p, out, " <a rel=\"", rels[i], "\" href=\"../", ts, "/\">", ts,
                              "</a>", NULL);
        }
    }
    return apr_pstrcat(p, out, "</p>\n", NULL);
}

const char *ckpt_tt_index_json(apr_pool_t *p, const ckpt_request *rq, const char *base_path,
                               const apr_array_header_t *pubs)
{
    ckpt_json *root = ckpt_json_own(p, ckpt_json_object()), *list = ckpt_json_array();
    char ts[CKPT_TS_LEN + 1], dt[21];
    int i;

    ckpt_json_set_str(root, "base_path", base_path);
    ckpt_json_set_int(root, "count", pubs->nelts);
    for (i = 0; i < pubs->nelts; i++) {
        const ckpt_publication *pub = &APR_ARRAY_IDX(pubs, i, ckpt_publication);
        ckpt_json *o = ckpt_json_object();

        ckpt_ts_format(pub->created_sec, ts);
        ckpt_tt_rfc3339(pub->created_sec, dt);
        ckpt_json_set_str(o, "timestamp", ts);
        ckpt_json_set_str(o, "datetime", dt);
        ckpt_json_set_str(o, "url", ckpt_tt_url(p, rq->url_prefix, base_path, pub->created_sec, ""));
        ckpt_json_set_str(o, "publication", apr_pstrcat(p, rq->api_root, "publications/file/file/",
                                                        pub->id, "/", NULL));
        ckpt_json_set_int(o, "repository_version", apr_atoi64(pub->version_number));
        ckpt_json_append(list, o);
    }
    ckpt_json_set(root, "results", list);
    return apr_pstrcat(p, ckpt_json_dump(p, root), "\n", NULL);
}

/* "YYYYMMDD" of the last day of the month of ts. */
static void month_end(apr_pool_t *p, const char *ts, char out[9])
{
    int y = atoi(apr_pstrndup(p, ts, 4)), m = atoi(apr_pstrndup(p, ts + 4, 2));
    char next[9], t[CKPT_TS_LEN + 1];
    apr_int64_t start;

    if (y == 9999 && m == 12) {
        apr_cpystrn(out, "99991231", 9);
        return;
    }
    apr_snprintf(next, sizeof(next), "%04d%02d01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    ckpt_ts_parse_day(next, 8, &start);
    ckpt_ts_format(start - 1, t);
    memcpy(out, t, 8);
    out[8] = '\0';
}

/* The index of j past the checkpoints of the same month as i's. */
static int month_run(const apr_array_header_t *secs, int i, const char *ts)
{
    char t2[CKPT_TS_LEN + 1];
    int j = i;

    while (j < secs->nelts) {
        ckpt_ts_format(APR_ARRAY_IDX(secs, j, apr_int64_t), t2);
        if (strncmp(t2, ts, 6) != 0) {
            break;
        }
        j++;
    }
    return j;
}

/* As snapshot.debian.org lists its archive: a heading per year, a line
 * per month with how many checkpoints it has. */
const char *ckpt_tt_index_grouped(apr_pool_t *p, const char *request_path,
                                  const apr_array_header_t *secs)
{
    const char *title = apr_pescape_entity(p, request_path, 0), *out;
    char ts[CKPT_TS_LEN + 1], year[5] = "", end[9];
    int i = 0, j;

    out = apr_pstrcat(p, "<html><head><title>Index of ", title,
                      "</title></head><body bgcolor=\"white\">\n<h1>Index of ", title,
                      "</h1><hr>\n", NULL);
    while (i < secs->nelts) {
        ckpt_ts_format(APR_ARRAY_IDX(secs, i, apr_int64_t), ts);
        j = month_run(secs, i, ts);
        if (strncmp(year, ts, 4) != 0) {
            apr_cpystrn(year, ts, sizeof(year));
            out = apr_pstrcat(p, out, "<h2>", year, "</h2>\n", NULL);
        }
        month_end(p, ts, end);
        out = apr_psprintf(p, "%s<a href=\"?from=%.6s01&amp;until=%s\">%s %s</a> (%d)<br>\n", out,
                           ts, end, month_names[atoi(apr_pstrndup(p, ts + 4, 2)) - 1], year,
                           j - i);
        i = j;
    }
    return apr_pstrcat(p, out, "<hr></body></html>\n", NULL);
}

const char *ckpt_tt_timemap_link_head(apr_pool_t *p, const char *url_prefix,
                                      const ckpt_memento *m, apr_int64_t from, apr_int64_t until)
{
    char f[CKPT_TS_HTTP_LEN + 1], u[CKPT_TS_HTTP_LEN + 1];
    const char *self = ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC,
                                   apr_pstrcat(p, "timemap/link/", m->path, NULL));
    const char *orig = ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC, m->path);
    const char *range = "";

    if (from != CKPT_NO_SEC) {
        ckpt_ts_format_http(from, f);
        ckpt_ts_format_http(until, u);
        range = apr_pstrcat(p, "; from=\"", f, "\"; until=\"", u, "\"", NULL);
    }
    return apr_pstrcat(p, "<", orig, ">; rel=\"original\",\n<", self,
                       ">; rel=\"self\"; type=\"application/link-format\"", range, ",\n<", orig,
                       ">; rel=\"timegate\"", NULL);
}

const char *ckpt_tt_timemap_link_entry(apr_pool_t *p, const char *url_prefix,
                                       const ckpt_memento *m, apr_int64_t sec, const char *rel,
                                       const char *sha256)
{
    const char *v = link_value(p, ckpt_tt_url(p, url_prefix, m->base_path, sec, m->path), rel, sec);

    return sha256 ? apr_pstrcat(p, v, "; sha256=\"", sha256, "\"", NULL) : v;
}

const char *ckpt_tt_memento_rel(int i, int n)
{
    if (n == 1) {
        return "first last memento";
    }
    return i == 0 ? "first memento" : i == n - 1 ? "last memento" : "memento";
}

struct ckpt_tt_timemap_json {
    apr_pool_t *p;
    const char *url_prefix;
    const ckpt_memento *m;
    ckpt_json *root, *list;
    apr_int64_t first, last; /* of the mementos listed (CKPT_NO_SEC: none yet) */
};

static ckpt_json *json_memento(ckpt_tt_timemap_json *tm, apr_int64_t sec)
{
    ckpt_json *o = ckpt_json_object();
    char ts[CKPT_TS_LEN + 1], dt[21];

    ckpt_ts_format(sec, ts);
    ckpt_tt_rfc3339(sec, dt);
    ckpt_json_set_str(o, "datetime", dt);
    ckpt_json_set_str(o, "timestamp", ts);
    ckpt_json_set_str(o, "uri", ckpt_tt_url(tm->p, tm->url_prefix, tm->m->base_path, sec,
                                            tm->m->path));
    return o;
}

ckpt_tt_timemap_json *ckpt_tt_timemap_json_begin(apr_pool_t *p, const char *url_prefix,
                                                 const ckpt_memento *m)
{
    ckpt_tt_timemap_json *tm = apr_pcalloc(p, sizeof(*tm));
    ckpt_json *maps = ckpt_json_object();

    tm->p = p;
    tm->url_prefix = url_prefix;
    tm->m = m;
    tm->root = ckpt_json_own(p, ckpt_json_object());
    tm->list = ckpt_json_array();
    tm->first = tm->last = CKPT_NO_SEC;
    ckpt_json_set_str(tm->root, "original_uri",
                      ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC, m->path));
    ckpt_json_set_str(tm->root, "timegate_uri",
                      ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC, m->path));
    ckpt_json_set_str(maps, "link_format",
                      ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC,
                                  apr_pstrcat(p, "timemap/link/", m->path, NULL)));
    ckpt_json_set_str(maps, "json_format",
                      ckpt_tt_url(p, url_prefix, m->base_path, CKPT_NO_SEC,
                                  apr_pstrcat(p, "timemap/json/", m->path, NULL)));
    ckpt_json_set(tm->root, "timemap_uri", maps);
    return tm;
}

void ckpt_tt_timemap_json_add(ckpt_tt_timemap_json *tm, apr_int64_t sec, const char *sha256,
                              apr_off_t size, int removed)
{
    ckpt_json *o = json_memento(tm, sec);

    if (removed) {
        ckpt_json_set_bool(o, "removed", 1);
    }
    else {
        tm->first = tm->first == CKPT_NO_SEC ? sec : tm->first;
        tm->last = sec;
        if (sha256) {
            ckpt_json_set_str(o, "sha256", sha256);
            ckpt_json_set_int(o, "size", (long long)size);
        }
    }
    ckpt_json_append(tm->list, o);
}

const char *ckpt_tt_timemap_json_end(ckpt_tt_timemap_json *tm)
{
    ckpt_json *mementos = ckpt_json_object();

    if (tm->first != CKPT_NO_SEC) {
        ckpt_json_set(mementos, "first", json_memento(tm, tm->first));
        ckpt_json_set(mementos, "last", json_memento(tm, tm->last));
    }
    ckpt_json_set(mementos, "list", tm->list);
    ckpt_json_set(tm->root, "mementos", mementos);
    return apr_pstrcat(tm->p, ckpt_json_dump(tm->p, tm->root), "\n", NULL);
}

/* Every checkpoint as a memento of the distribution's top: RFC 7089's
 * link-format TimeMap, or the JSON of mementoweb.org's TimeMap guide. */
const char *ckpt_tt_timemap_all(apr_pool_t *p, const ckpt_request *rq, const char *base_path,
                                const apr_array_header_t *secs, int json)
{
    apr_array_header_t *lines;
    ckpt_memento m;
    int i, n = secs->nelts;

    memset(&m, 0, sizeof(m));
    m.base_path = base_path;
    m.path = "";
    if (json) {
        ckpt_tt_timemap_json *tm = ckpt_tt_timemap_json_begin(p, rq->url_prefix, &m);
        for (i = 0; i < n; i++) {
            ckpt_tt_timemap_json_add(tm, APR_ARRAY_IDX(secs, i, apr_int64_t), NULL, 0, 0);
        }
        return ckpt_tt_timemap_json_end(tm);
    }
    lines = apr_array_make(p, n + 1, sizeof(const char *));
    APR_ARRAY_PUSH(lines, const char *) = ckpt_tt_timemap_link_head(
        p, rq->url_prefix, &m, n ? APR_ARRAY_IDX(secs, 0, apr_int64_t) : CKPT_NO_SEC,
        n ? APR_ARRAY_IDX(secs, n - 1, apr_int64_t) : CKPT_NO_SEC);
    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(lines, const char *) = ckpt_tt_timemap_link_entry(
            p, rq->url_prefix, &m, APR_ARRAY_IDX(secs, i, apr_int64_t), ckpt_tt_memento_rel(i, n),
            NULL);
    }
    return apr_pstrcat(p, ckpt_tt_join(p, lines, ",\n"), "\n", NULL);
}

/* Joins strs with sep, in one allocation. */
const char *ckpt_tt_join(apr_pool_t *p, const apr_array_header_t *strs, const char *sep)
{
    apr_size_t n = 0, sl = strlen(sep);
    char *out, *o;
    int i;

    for (i = 0; i < strs->nelts; i++) {
        n += strlen(APR_ARRAY_IDX(strs, i, const char *)) + sl;
    }
    o = out = apr_palloc(p, n + 1);
    for (i = 0; i < strs->nelts; i++) {
        const char *s = APR_ARRAY_IDX(strs, i, const char *);
        apr_size_t k = strlen(s);
        if (i) {
            memcpy(o, sep, sl);
            o += sl;
        }
        memcpy(o, s, k);
        o += k;
    }
    *o = '\0';
    return out;
}
