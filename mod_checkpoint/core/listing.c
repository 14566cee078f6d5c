/* Directory listings (see listing.h).
 *
 * The layout follows nginx's autoindex with autoindex_exact_size on and UTC
 * dates: a name column 50 characters wide (longer names cut to 47
 * characters and "..>"), a space, the date, then the size right-aligned in
 * 20 columns.  Widths count characters of the raw name, not bytes and not
 * HTML entities, so columns line up for UTF-8 and escaped names alike. */
#include <stdlib.h>
#include <string.h>

#include <apr_escape.h>
#include <apr_strings.h>

#include "listing.h"
#include "timestamp.h"

#define NAME_COLUMNS 50
#define SIZE_COLUMNS 20

static const char head1[] = "<html><head><title>Index of ";
static const char head2[] = "</title></head><body bgcolor=\"white\">\n<h1>Index of ";
static const char head3[] = "</h1><hr><pre><a href=\"../\">../</a>\n";
static const char tail[] = "</pre><hr></body></html>\n";
static const char tail_pre[] = "</pre><hr>";
static const char tail_post[] = "</body></html>\n";
static const char spaces[] = "                                                  "; /* 50 */
static const char dir_size[] = "                   -";                               /* 20 */

/* The page grows in one buffer of the pool, doubled when full: a
 * listing of 100 files is about 11 KB, written once, with no piece that
 * needs a strlen or an allocation of its own (a cold listing renders its
 * page every time, and rendering was the largest part of its cost). */
typedef struct {
    apr_pool_t *p;
    char *b;
    apr_size_t len, cap;
    apr_int64_t date_sec;  /* the last date written, in date */
    char date[CKPT_TS_LISTING_LEN + 1];
} page;

static void add_n(page *pg, const char *s, apr_size_t n)
{
    if (pg->len + n + 1 > pg->cap) {
        apr_size_t cap = pg->cap * 2;
        char *b;

        while (cap < pg->len + n + 1) {
            cap *= 2;
        }
        b = apr_palloc(pg->p, cap);
        memcpy(b, pg->b, pg->len);
        pg->b = b;
        pg->cap = cap;
    }
    memcpy(pg->b + pg->len, s, n);
    pg->len += n;
}

static void add(page *pg, const char *s)
{
    add_n(pg, s, strlen(s));
}

#define ADD_LITERAL(pg, s) add_n(pg, s, sizeof(s) - 1)

/* Whether n bytes of s are the same escaped as a path segment and as
 * HTML: most names are. */
static int plain(const char *s, apr_size_t n)
{
    apr_size_t len;

    return apr_escape_path_segment(NULL, s, (apr_ssize_t)n, &len) == APR_NOTFOUND
           && apr_escape_entity(NULL, s, (apr_ssize_t)n, 0, &len) == APR_NOTFOUND;
}

/* Characters in a UTF-8 string: bytes that do not continue a sequence. */
static apr_size_t utf8_chars(const char *s)
{
    apr_size_t n = 0;

    for (; *s; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

/* Bytes taken by the first n characters of s (never splits a sequence). */
static apr_size_t utf8_prefix_bytes(const char *s, apr_size_t n)
{
    apr_size_t i = 0;

    while (s[i] != '\0') {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (n == 0) {
                break;
            }
            n--;
        }
        i++;
    }
    return i;
}

static int cmp_entries(const void *x, const void *y)
{
    const ckpt_listing_entry *a = *(const ckpt_listing_entry *const *)x;
    const ckpt_listing_entry *b = *(const ckpt_listing_entry *const *)y;

    if (!a->is_dir != !b->is_dir) {
        return a->is_dir ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

/* A size right-aligned in SIZE_COLUMNS, as "%20" APR_OFF_T_FMT prints it. */
static void add_size(page *pg, apr_off_t size)
{
    char num[SIZE_COLUMNS];
    int k = SIZE_COLUMNS;
    apr_uint64_t v = (apr_uint64_t)size;

    if (size < 0) {
        add(pg, apr_psprintf(pg->p, "%20" APR_OFF_T_FMT, size));
        return;
    }
    do {
        num[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v && k > 0);
    memset(num, ' ', (size_t)k);
    add_n(pg, num, SIZE_COLUMNS);
}

/* The first n bytes of name as the link's text: as they are when the name
 * is plain. */
static void add_shown(page *pg, const char *name, apr_size_t n, int is_plain)
{
    if (is_plain) {
        add_n(pg, name, n);
    }
    else {
        add(pg, apr_pescape_entity(pg->p, apr_pstrmemdup(pg->p, name, n), 0));
    }
}

static void add_entry(page *pg, const ckpt_listing_entry *e)
{
    apr_size_t bytes = strlen(e->name), chars = utf8_chars(e->name);
    int is_plain = plain(e->name, bytes);

    ADD_LITERAL(pg, "<a href=\"");
    /* As nginx does: "a:b" must not read as a URL with scheme "a". */
    if (memchr(e->name, ':', bytes) != NULL) {
        ADD_LITERAL(pg, "./");
    }
    if (is_plain) {
        add_n(pg, e->name, bytes);
    }
    else {
        add(pg, apr_pescape_entity(pg->p, apr_pescape_path_segment(pg->p, e->name), 0));
    }
    if (e->is_dir) {
        ADD_LITERAL(pg, "/\">");
    }
    else {
        ADD_LITERAL(pg, "\">");
    }

    if (chars > NAME_COLUMNS) {
        apr_size_t cut = utf8_prefix_bytes(e->name, NAME_COLUMNS - 3);

        add_shown(pg, e->name, cut, is_plain);
        ADD_LITERAL(pg, "..&gt;</a>");
    } else {
        add_shown(pg, e->name, bytes, is_plain);
        /* nginx drops a directory's '/' when the name fills the column. */
        if (e->is_dir && chars < NAME_COLUMNS) {
            ADD_LITERAL(pg, "/");
            chars++;
        }
        ADD_LITERAL(pg, "</a>");
        add_n(pg, spaces, NAME_COLUMNS - chars);
    }
    ADD_LITERAL(pg, " ");

    /* a directory's files often share their date */
    if (e->mtime_sec != pg->date_sec || !pg->date[0]) {
        ckpt_ts_format_listing(e->mtime_sec, pg->date);
        pg->date_sec = e->mtime_sec;
    }
    add_n(pg, pg->date, CKPT_TS_LISTING_LEN);

    if (e->is_dir) {
        add_n(pg, dir_size, SIZE_COLUMNS);
    } else {
        add_size(pg, e->size);
    }
    ADD_LITERAL(pg, "\n");
}

const char *ckpt_listing_render(apr_pool_t *p, const char *request_path,
                                const apr_array_header_t *entries)
{
    return ckpt_listing_render_footer(p, request_path, entries, NULL);
}

const char *ckpt_listing_render_footer(apr_pool_t *p, const char *request_path,
                                       const apr_array_header_t *entries, const char *footer)
{
    const ckpt_listing_entry **sorted;
    const char *title = apr_pescape_entity(p, request_path ? request_path : "", 0);
    apr_size_t title_len = strlen(title);
    int n = entries ? entries->nelts : 0;
    int i, in_order = 1;
    page pg;

    sorted = apr_palloc(p, sizeof(*sorted) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        sorted[i] = &APR_ARRAY_IDX(entries, i, ckpt_listing_entry);
        in_order &= i == 0 || cmp_entries(&sorted[i - 1], &sorted[i]) <= 0;
    }
    if (!in_order) {
        qsort(sorted, (size_t)n, sizeof(*sorted), cmp_entries);
    }

    /* a line is about 110 bytes for a name of 20 */
    pg.p = p;
    pg.cap = sizeof(head1) + sizeof(head2) + sizeof(head3) + sizeof(tail) + 2 * title_len
             + (footer ? strlen(footer) : 0) + 128 * (apr_size_t)n;
    pg.b = apr_palloc(p, pg.cap);
    pg.len = 0;
    pg.date_sec = 0;
    pg.date[0] = '\0';

    ADD_LITERAL(&pg, head1);
    add_n(&pg, title, title_len);
    ADD_LITERAL(&pg, head2);
    add_n(&pg, title, title_len);
    ADD_LITERAL(&pg, head3);
    for (i = 0; i < n; i++) {
        add_entry(&pg, sorted[i]);
    }
    if (footer) {
        ADD_LITERAL(&pg, tail_pre);
        add(&pg, footer);
        ADD_LITERAL(&pg, tail_post);
    }
    else {
        ADD_LITERAL(&pg, tail);
    }
    pg.b[pg.len] = '\0';
    return pg.b;
}
