/* SPEC §2, listing format: nginx autoindex's layout, byte for byte against
 * tests/golden/listing.html.  The golden file's directory comes from argv[1],
 * else $CKPT_TEST_DATA, else "tests/golden". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_escape.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "listing.h"

static const char *data_dir = "tests/golden";
static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

/* Unsorted on purpose: the renderer sorts. */
static const ckpt_listing_entry golden_entries[] = {
    {"with space#hash%pct?q.txt", 0, 0, 0},
    {"subdir", 1, APR_INT64_C(1738269000), 0},
    {"a&b<c>.txt", 0, APR_INT64_C(1709164800), 1234},
    {"this-is-a-very-long-file-name-that-goes-past-fifty-characters.tar.gz", 0,
     APR_INT64_C(1738269059), APR_INT64_C(9876543210)},
    {"caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac.txt", 0, APR_INT64_C(1735689599), 42},
    /* 50 characters: nginx shows a directory that fills the column without '/' */
    {"zz-directory-name-exactly-fifty-characters-long-xx", 1, APR_INT64_C(-86400), 0},
    /* a ':' gets "./" in the href so it cannot read as a scheme */
    {"x:y.txt", 0, APR_INT64_C(253402300799), 7},
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static apr_array_header_t *make_entries(const ckpt_listing_entry *e, int n)
{
    apr_array_header_t *arr = apr_array_make(pool, n, sizeof(ckpt_listing_entry));
    int i;

    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(arr, ckpt_listing_entry) = e[i];
    }
    return arr;
}

static char *read_golden(const char *name, apr_size_t *len)
{
    const char *fn = apr_pstrcat(pool, data_dir, "/", name, NULL);
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    apr_status_t rv;

    rv = apr_file_open(&f, fn, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_FPROT_OS_DEFAULT, pool);
    ck_assert_msg(rv == APR_SUCCESS, "cannot open %s (give the golden directory as argv[1] "
                                     "or CKPT_TEST_DATA)", fn);
    ck_assert_int_eq(apr_file_info_get(&fi, APR_FINFO_SIZE, f), APR_SUCCESS);
    buf = apr_palloc(pool, (apr_size_t)fi.size + 1);
    ck_assert_int_eq(apr_file_read_full(f, buf, (apr_size_t)fi.size, len), APR_SUCCESS);
    buf[*len] = '\0';
    apr_file_close(f);
    return buf;
}

/* On a mismatch, name the first differing line of each. */
static void assert_same(const char *want, apr_size_t want_len, const char *got)
{
    apr_size_t got_len = strlen(got), i = 0, line = 1, bol = 0;

    while (i < want_len && i < got_len && want[i] == got[i]) {
        if (want[i] == '\n') {
            line++;
            bol = i + 1;
        }
        i++;
    }
    if (i == want_len && i == got_len) {
        return;
    }
    ck_abort_msg("differs from the golden file at line %lu, column %lu:\n"
                 "want: %.*s\ngot:  %.*s",
                 (unsigned long)line, (unsigned long)(i - bol + 1),
                 (int)strcspn(want + bol, "\n"), want + bol,
                 (int)strcspn(got + bol, "\n"), got + bol);
}

START_TEST(test_golden)
{
    apr_array_header_t *entries = make_entries(golden_entries, N(golden_entries));
    apr_size_t len;
    const char *want = read_golden("listing.html", &len);
    const char *got = ckpt_listing_render(pool, "/pulp/content/r&d/20250130T203000Z/", entries);
    int i;

    assert_same(want, len, got);
    /* The caller's array keeps its order. */
    for (i = 0; i < N(golden_entries); i++) {
        ck_assert_str_eq(APR_ARRAY_IDX(entries, i, ckpt_listing_entry).name,
                         golden_entries[i].name);
    }
}
END_TEST

START_TEST(test_empty)
{
    static const char want[] =
        "<html><head><title>Index of /pulp/content/repo/</title></head><body bgcolor=\"white\">\n"
        "<h1>Index of /pulp/content/repo/</h1><hr><pre><a href=\"../\">../</a>\n"
        "</pre><hr></body></html>\n";
    ck_assert_str_eq(ckpt_listing_render(pool, "/pulp/content/repo/", make_entries(NULL, 0)),
                     want);
    ck_assert_str_eq(ckpt_listing_render(pool, "/pulp/content/repo/", NULL), want);
}
END_TEST

/* The checkpoint index of SPEC §2: one "TS/" directory per checkpoint, in
 * order of name, which for timestamps is oldest first. */
START_TEST(test_checkpoint_index)
{
    static const ckpt_listing_entry cps[] = {
        {"20250130T203000Z", 1, APR_INT64_C(1738269000), 0},
        {"20240229T000000Z", 1, APR_INT64_C(1709164800), 0},
    };
    const char *got = ckpt_listing_render(pool, "/pulp/content/cp/", make_entries(cps, N(cps)));

    /* "TS/" is 17 characters: 33 spaces fill the name column, then one. */
    ck_assert_ptr_nonnull(strstr(got,
                                 "<a href=\"20240229T000000Z/\">20240229T000000Z/</a>"
                                 "                                 "
                                 " 29-Feb-2024 00:00                   -\n"
                                 "<a href=\"20250130T203000Z/\">20250130T203000Z/</a>"
                                 "                                 "
                                 " 30-Jan-2025 20:30                   -\n"));
}
END_TEST

/* Every line lines up: the date starts 51 characters after the name starts,
 * whatever the name (for names without entities or multibyte characters). */
START_TEST(test_columns)
{
    static const ckpt_listing_entry cols[] = {
        {"a", 0, 0, 1},
        {"b", 1, 0, 0},
        {"0123456789012345678901234567890123456789012345678", 0, 0, 1},  /* 49 */
        {"01234567890123456789012345678901234567890123456789", 0, 0, 1}, /* 50 */
        {"012345678901234567890123456789012345678901234567890", 0, 0, 1}, /* 51 */
        {"0123456789012345678901234567890123456789012345678", 1, 0, 0},  /* 49, dir */
    };
    const char *got = ckpt_listing_render(pool, "/", make_entries(cols, N(cols)));
    const char *line = strstr(got, "</a>\n") + 5;
    int lines = 0;

    while (strncmp(line, "</pre>", 6) != 0) {
        const char *nl = strchr(line, '\n');
        const char *name = strchr(line, '>') + 1;
        const char *close = strstr(name, "</a>");
        /* visible name width = characters before </a>, "&gt;" counting one */
        int width = (int)(close - name) - (strstr(name, "..&gt;") == close - 6 ? 3 : 0);
        const char *after = close + 4;

        ck_assert_int_eq(width + (int)(strspn(after, " ")), 51);
        ck_assert_int_eq((int)(nl - after) - (int)strspn(after, " "), 17 + 20);
        line = nl + 1;
        lines++;
    }
    ck_assert_int_eq(lines, N(cols));
}
END_TEST

/* The line of a file of one character, as nginx lays it out. */
static const char *line(const char *name, const char *date, const char *size)
{
    return apr_psprintf(pool, "\">%s</a>%49s %s%20s\n", name, "", date, size);
}

/* The same page whatever the order the entries come in (in order, as a
 * directory block lists them, they are not sorted again), with neighbours
 * sharing a date, sizes up to 20 digits, and names that escape to far
 * more bytes than a line is given at first (the page grows). */
START_TEST(test_order_dates_and_growth)
{
    static const ckpt_listing_entry in_order[] = {
        {"d", 1, 60, 0},
        {"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"", 0, 60, 1},
        {"&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&", 0, 60, 0},
        {"a", 0, 60, APR_INT64_C(99999999999999999)},
        {"b", 0, 61, 10},
        {"c", 0, 120, 0},
    };
    ckpt_listing_entry shuffled[N(in_order)];
    const char *got;
    int i;

    for (i = 0; i < N(in_order); i++) {
        shuffled[i] = in_order[(i + 4) % N(in_order)];
    }
    got = ckpt_listing_render(pool, "/", make_entries(in_order, N(in_order)));
    ck_assert_str_eq(got, ckpt_listing_render(pool, "/", make_entries(shuffled, N(shuffled))));
    /* 60 s and 61 s are the same minute; 120 s the next */
    ck_assert_ptr_nonnull(strstr(got, line("a", "01-Jan-1970 00:01", "99999999999999999")));
    ck_assert_ptr_nonnull(strstr(got, line("b", "01-Jan-1970 00:01", "10")));
    ck_assert_ptr_nonnull(strstr(got, line("c", "01-Jan-1970 00:02", "0")));
    ck_assert_ptr_nonnull(strstr(got, "<a href=\"d/\">d/</a>"));
    /* 72 '&' in the href, each "%26" and then not an entity; 47 shown,
     * each "&amp;" */
    ck_assert_ptr_nonnull(strstr(got, apr_pstrcat(pool, "<a href=\"",
                                                  apr_pescape_entity(pool,
                                                      apr_pescape_path_segment(pool,
                                                          in_order[2].name), 0),
                                                  "\">", NULL)));
    ck_assert_ptr_nonnull(strstr(got, "&amp;&amp;..&gt;</a>"));
    ck_assert_ptr_nonnull(strstr(got, "&quot;&quot;</a>"));
    ck_assert_str_eq(got + strlen(got) - 25, "</pre><hr></body></html>\n");
}
END_TEST

/* A large directory renders quickly: the page is joined once, not
 * concatenated entry by entry. */
START_TEST(test_large)
{
    apr_array_header_t *arr = apr_array_make(pool, 100000, sizeof(ckpt_listing_entry));
    const char *got;
    int i;

    for (i = 0; i < 100000; i++) {
        ckpt_listing_entry *e = apr_array_push(arr);
        e->name = apr_psprintf(pool, "file-%06d.deb", 99999 - i);
        e->is_dir = (i % 10) == 0;
        e->mtime_sec = i;
        e->size = i;
    }
    got = ckpt_listing_render(pool, "/big/", arr);
    ck_assert_ptr_nonnull(got);
    ck_assert_ptr_nonnull(strstr(got, "<a href=\"file-000009.deb/\">"));
}
END_TEST

static Suite *listing_suite(void)
{
    Suite *s = suite_create("listing");
    TCase *tc = tcase_create("listing format");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_golden);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_checkpoint_index);
    tcase_add_test(tc, test_columns);
    tcase_add_test(tc, test_order_dates_and_growth);
    tcase_add_test(tc, test_large);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    const char *env = getenv("CKPT_TEST_DATA");

    if (argc > 1) {
        data_dir = argv[1];
    } else if (env != NULL && *env != '\0') {
        data_dir = env;
    }
    return ckpt_test_main(listing_suite, NULL);
}
