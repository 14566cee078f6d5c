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
#define APR_WANT_IOVEC
#include <apr_want.h>

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

/* The page is a list of pieces joined once at the end by apr_pstrcatv, so
 * rendering stays linear in the size of the page. */
typedef struct {
    apr_array_header_t *vec;
} piece_list;

static void add_n(piece_list *pl, const char *s, apr_size_t n)
{
    struct iovec *v;

    if (n == 0) {
        return;
    }
    v = apr_array_push(pl->vec);
    /* iovec's base is not const, but apr_pstrcatv only reads it. */
    v->iov_base = (void *)(apr_uintptr_t)s;
    v->iov_len = n;
}

static void add(piece_list *pl, const char *s)
{
    add_n(pl, s, strlen(s));
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

static void add_entry(apr_pool_t *p, piece_list *pl, const ckpt_listing_entry *e)
{
    apr_size_t chars = utf8_chars(e->name);
    char *date = apr_palloc(p, CKPT_TS_LISTING_LEN + 1);

    add(pl, "<a href=\"");
    /* As nginx does: "a:b" must not read as a URL with scheme "a". */
    if (strchr(e->name, ':') != NULL) {
        add(pl, "./");
    }
    add(pl, apr_pescape_entity(p, apr_pescape_path_segment(p, e->name), 0));
    add(pl, e->is_dir ? "/\">" : "\">");

    if (chars > NAME_COLUMNS) {
        const char *cut =
            apr_pstrmemdup(p, e->name, utf8_prefix_bytes(e->name, NAME_COLUMNS - 3));
        add(pl, apr_pescape_entity(p, cut, 0));
        add(pl, "..&gt;</a>");
    } else {
        add(pl, apr_pescape_entity(p, e->name, 0));
        /* nginx drops a directory's '/' when the name fills the column. */
        if (e->is_dir && chars < NAME_COLUMNS) {
            add(pl, "/");
            chars++;
        }
        add(pl, "</a>");
        add_n(pl, spaces, NAME_COLUMNS - chars);
    }
    add(pl, " ");

    ckpt_ts_format_listing(e->mtime_sec, date);
    add(pl, date);

    if (e->is_dir) {
        add(pl, dir_size);
    } else {
        add(pl, apr_psprintf(p, "%20" APR_OFF_T_FMT, e->size));
    }
    add(pl, "\n");
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
    piece_list pl;
    int n = entries ? entries->nelts : 0;
    int i;

    /* Head, tail and about twelve pieces per entry. */
    pl.vec = apr_array_make(p, 8 + 12 * n, sizeof(struct iovec));

    sorted = apr_palloc(p, sizeof(*sorted) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        sorted[i] = &APR_ARRAY_IDX(entries, i, ckpt_listing_entry);
    }
    if (n > 1) {
        qsort(sorted, (size_t)n, sizeof(*sorted), cmp_entries);
    }

    add(&pl, head1);
    add(&pl, title);
    add(&pl, head2);
    add(&pl, title);
    add(&pl, head3);
    for (i = 0; i < n; i++) {
        add_entry(p, &pl, sorted[i]);
    }
    if (footer) {
        add(&pl, tail_pre);
        add(&pl, footer);
        add(&pl, tail_post);
    }
    else {
        add(&pl, tail);
    }

    return apr_pstrcatv(p, (const struct iovec *)pl.vec->elts, (apr_size_t)pl.vec->nelts, NULL);
}
