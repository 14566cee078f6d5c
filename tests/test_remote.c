/* Remotes as the API reads and answers them (issue 11): the JSON of a
 * create or change into remote.h's fields, refused fields named, and the
 * answer, where write-only fields appear only in hidden_fields. */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "input.h"
#include "shape.h"
#include "testmain.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

static ckpt_json *parse(const char *text)
{
    const char *why = NULL;
    ckpt_json *j = ckpt_json_parse(pool, text, strlen(text), &why);

    ck_assert_msg(j != NULL, "%s: %s", text, why ? why : "");
    return j;
}

typedef struct {
    const char *body;
    const char *bad_field; /* NULL: taken */
    int field;             /* a field that must be set, and to what */
    const char *value;     /* NULL: set to null */
} input_case;

static const input_case input_cases[] = {
    {"{\"name\": \"a\", \"url\": \"http://x/\"}", NULL, CKPT_RF_URL, "http://x/"},
    {"{\"tls_validation\": false}", NULL, CKPT_RF_TLS_VALIDATION, "f"},
    {"{\"tls_validation\": true}", NULL, CKPT_RF_TLS_VALIDATION, "t"},
    {"{\"download_concurrency\": 12}", NULL, CKPT_RF_DOWNLOAD_CONCURRENCY, "12"},
    {"{\"max_retries\": 0}", NULL, CKPT_RF_MAX_RETRIES, "0"},
    {"{\"password\": null}", NULL, CKPT_RF_PASSWORD, NULL},
    {"{\"proxy_url\": null}", NULL, CKPT_RF_PROXY_URL, NULL},
    {"{\"client_key\": \"-----BEGIN\"}", NULL, CKPT_RF_CLIENT_KEY, "-----BEGIN"},
    {"{\"name\": null}", "name", 0, NULL},
    {"{\"url\": 5}", "url", 0, NULL},
    {"{\"tls_validation\": \"no\"}", "tls_validation", 0, NULL},
    {"{\"download_concurrency\": \"4\"}", "download_concurrency", 0, NULL},
    {"{\"download_concurrency\": 1.5}", "download_concurrency", 0, NULL},
    {"{\"policy\": null}", "policy", 0, NULL},
    {"{\"headers\": []}", "headers", 0, NULL},
    {"{\"total_timeout\": 3}", "total_timeout", 0, NULL},
};

START_TEST(test_input_table)
{
    const input_case *c = &input_cases[_i];
    ckpt_remote_req in;
    ckpt_err err = {0};
    ckpt_rc rc = ckpt_input_remote(pool, parse(c->body), &in, &err);

    if (c->bad_field) {
        ck_assert_int_eq(rc, CKPT_INVALID);
        ck_assert_str_eq(err.field, c->bad_field);
        return;
    }
    ck_assert_msg(rc == CKPT_OK, "%s: %s", c->body, ckpt_err_text(pool, &err));
    ck_assert(in.set[c->field]);
    if (c->value) {
        ck_assert_str_eq(in.v[c->field], c->value);
    }
    else {
        ck_assert_ptr_null(in.v[c->field]);
    }
}
END_TEST

START_TEST(test_shape_hides_secrets)
{
    ckpt_shape_ctx ctx = {pool, "/pulp/api/v3/", "http://h/pulp/content"};
    ckpt_remote r;
    const ckpt_remote_field *f = ckpt_remote_fields();
    const char *text;
    int i;

    memset(&r, 0, sizeof(r));
    r.id = "0b4c0a8e-6d2f-4e33-9a55-3c1f6e2d9a10";
    r.v[CKPT_RF_NAME] = "n";
    r.v[CKPT_RF_URL] = "http://x/";
    r.v[CKPT_RF_POLICY] = "immediate";
    r.v[CKPT_RF_TLS_VALIDATION] = "f";
    r.v[CKPT_RF_DOWNLOAD_CONCURRENCY] = "7";
    r.v[CKPT_RF_USERNAME] = "user-secret";
    r.v[CKPT_RF_PASSWORD] = "pass-secret";
    r.v[CKPT_RF_CLIENT_KEY] = "key-secret";
    text = ckpt_json_dump(pool, ckpt_json_own(pool, ckpt_shape_remote(&ctx, &r)));
    ck_assert_msg(!strstr(text, "-secret"), "a secret answered: %s", text);
    ck_assert_msg(strstr(text, "\"tls_validation\":false") && strstr(text, "\"download_concurrency\":7")
                      && strstr(text, "\"proxy_url\":null"),
                  "typed fields: %s", text);
    ck_assert_msg(strstr(text, "{\"name\":\"password\",\"is_set\":true}")
                      && strstr(text, "{\"name\":\"proxy_password\",\"is_set\":false}"),
                  "hidden_fields: %s", text);
    for (i = 0; f[i].name; i++) {
        const char *key = apr_psprintf(pool, "\"%s\":", f[i].name);
        ck_assert_msg((strstr(text, key) == NULL) == f[i].hidden, "%s answered %s", f[i].name,
                      f[i].hidden ? "though write-only" : "not at all");
    }
}
END_TEST

static Suite *remote_suite(void)
{
    Suite *s = suite_create("remote");
    TCase *tc = tcase_create("remotes");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_input_table, 0, N(input_cases));
    tcase_add_test(tc, test_shape_hides_secrets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(remote_suite, NULL);
}
