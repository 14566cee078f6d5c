/* The multipart/form-data parser: each body of the table, fed whole, in
 * two pieces split at every offset, and one byte at a time, gives the
 * same parts or the same refusal. */
#include <check.h>
#include <stdlib.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "testmain.h"
#include "multipart.h"

static apr_pool_t *pool;

/* What the callbacks saw: "name|filename|data;" per part. */
typedef struct {
    char *out;
} seen;

static ckpt_rc on_start(void *b, const char *name, const char *filename, ckpt_err *err)
{
    seen *s = b;
    s->out = apr_pstrcat(pool, s->out, name, "|", filename ? filename : "-", "|", NULL);
    return CKPT_OK;
}

static ckpt_rc on_data(void *b, const char *buf, apr_size_t len, ckpt_err *err)
{
    seen *s = b;
    s->out = apr_pstrcat(pool, s->out, apr_pstrmemdup(pool, buf, len), NULL);
    return CKPT_OK;
}

static ckpt_rc on_end(void *b, ckpt_err *err)
{
    seen *s = b;
    s->out = apr_pstrcat(pool, s->out, ";", NULL);
    return CKPT_OK;
}

static const ckpt_multipart_cb cb = {on_start, on_data, on_end};

/* Feeds body in pieces of at most step bytes after a first piece of
 * split; answers the parts, or "ERR: reason". */
static const char *parse(const char *body, apr_size_t split, apr_size_t step)
{
    seen s = {""};
    ckpt_err err = {0};
    ckpt_multipart *m = ckpt_multipart_create(pool, "XyZ", &cb, &s);
    apr_size_t len = strlen(body), i = split < len ? split : len;

    if (ckpt_multipart_feed(m, body, i, &err) != CKPT_OK) {
        return apr_pstrcat(pool, "ERR: ", err.reason, NULL);
    }
    for (; i < len; i += step) {
        if (ckpt_multipart_feed(m, body + i, len - i < step ? len - i : step, &err) != CKPT_OK) {
            return apr_pstrcat(pool, "ERR: ", err.reason, NULL);
        }
    }
    if (ckpt_multipart_finish(m, &err) != CKPT_OK) {
        return apr_pstrcat(pool, "ERR: ", err.reason, NULL);
    }
    return s.out;
}

#define CD "Content-Disposition: form-data; "
static const struct {
    const char *body, *want;
} cases[] = {
    {"--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n", "a|-|1;"},
    {"preamble\r\n--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ--", "a|-|1;"},
    {"--XyZ\r\n" CD "name=\"f\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream"
     "\r\n\r\nab\r\n--Xy\r\n-XyZ\r\r\n--XyZ\r\n" CD "name=r\r\n\r\n\r\n--XyZ--epilogue",
     "f|x.bin|ab\r\n--Xy\r\n-XyZ\r;r|-|;"},
    {"--XyZ\r\n" CD "name=\"q\\\"uo;ted\"; filename=\"a\\\\b\"\r\n\r\n\r\n\r\n--XyZ--",
     "q\"uo;ted|a\\b|\r\n;"},
    {"--XyZ\r\n" CD "filename=\"n\"; name=\"name\"\r\n\r\n--XyZ--", "ERR: The multipart body ends "
     "before its closing boundary."},
    {"--XyZ\r\n" CD "filename=\"n\"; name=\"name\"\r\n\r\n\r\n--XyZ--", "name|n|;"},
    {"", "ERR: The multipart body ends before its closing boundary."},
    {"--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ", "ERR: The multipart body ends before its "
     "closing boundary."},
    {"--XyZ\r\n\r\n\r\n--XyZ--", "ERR: A part has no Content-Disposition."},
    {"--XyZ\r\n" CD "filename=\"a\"\r\n\r\n\r\n--XyZ--", "ERR: A part has no form field name."},
    {"--XyZ\r\n" CD "name=\"\"\r\n\r\n\r\n--XyZ--", "ERR: A part has no form field name."},
    {"--XyZ\r\n" CD "name=\"a\r\n\r\n\r\n--XyZ--", "ERR: A part's Content-Disposition has an "
     "unterminated quoted string."},
    {"--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\n\r\n--XyZ--",
     "ERR: A part's Content-Disposition is not form-data."},
    {"--XyZ\r\n" CD "name=a\r\n" CD "name=b\r\n\r\n\r\n--XyZ--",
     "ERR: A part has two Content-Dispositions."},
    {"--XyZ\r\nno colon\r\n\r\n\r\n--XyZ--", "ERR: A part has a malformed header line."},
    {"--XyZ\r\n" CD "name=a\r\n folded\r\n\r\n\r\n--XyZ--",
     "ERR: A part has a malformed header line."},
    {"--XyZ\r\n" CD "name=a\nX: y\r\n\r\n\r\n--XyZ--", "ERR: A part has a malformed header line."},
    {"--XyZxx\r\n", "ERR: A multipart boundary line is malformed."},
};

START_TEST(test_table)
{
    const char *body = cases[_i].body;
    apr_size_t len = strlen(body), split;

    ck_assert_str_eq(parse(body, len, 1), cases[_i].want);
    ck_assert_str_eq(parse(body, 0, 1), cases[_i].want);
    for (split = 0; split <= len; split++) {
        ck_assert_str_eq(parse(body, split, len ? len : 1), cases[_i].want);
    }
}
END_TEST

START_TEST(test_header_limit)
{
    char *body = "--XyZ\r\nX-Long: ";
    char *pad = apr_palloc(pool, CKPT_MULTIPART_HEADER_MAX + 1);

    memset(pad, 'a', CKPT_MULTIPART_HEADER_MAX);
    pad[CKPT_MULTIPART_HEADER_MAX] = '\0';
    body = apr_pstrcat(pool, body, pad, "\r\n\r\n--XyZ--", NULL);
    ck_assert_str_eq(parse(body, strlen(body), 4096), "ERR: A part's headers are too long.");
}
END_TEST

static const struct {
    const char *type, *boundary; /* NULL: refused */
} types[] = {
    {"multipart/form-data; boundary=abc", "abc"},
    {"Multipart/Form-Data;boundary=\"a b;c\"", "a b;c"},
    {"multipart/form-data; charset=utf-8; boundary=x; y=z", "x"},
    {"multipart/form-data", NULL},
    {"multipart/form-data; boundary=", NULL},
    {"multipart/form-data; boundary=\"abc", NULL},
    {"multipart/form-data; boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     NULL},
    {"multipart/form-datax; boundary=a", NULL},
    {"application/octet-stream", NULL},
};

START_TEST(test_boundary)
{
    ckpt_err err = {0};
    const char *b = NULL;
    ckpt_rc rc = ckpt_multipart_boundary(pool, types[_i].type, &b, &err);

    if (types[_i].boundary) {
        ck_assert_int_eq(rc, CKPT_OK);
        ck_assert_str_eq(b, types[_i].boundary);
    }
    else {
        ck_assert_int_ne(rc, CKPT_OK);
    }
}
END_TEST

static Suite *multipart_suite(void)
{
    Suite *s = suite_create("multipart");
    TCase *tc = tcase_create("parse");

    apr_pool_create(&pool, NULL);
    tcase_add_loop_test(tc, test_table, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, test_header_limit);
    tcase_add_loop_test(tc, test_boundary, 0, sizeof(types) / sizeof(types[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(multipart_suite, NULL);
}
