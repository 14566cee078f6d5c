/* The per-process answer cache: freshness, emptying on a new generation,
 * stale answers refused, the memory bound, and many threads at once. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <check.h>

#include "cache.h"
#include "listing.h"

static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

#define SEC(n) apr_time_from_sec(n)
#define REFRESH apr_time_from_msec(500)

static ckpt_answer file_answer(const char *sha)
{
    ckpt_answer a;
    memset(&a, 0, sizeof(a));
    a.kind = CKPT_ANSWER_FILE;
    a.sha256 = sha;
    a.size = 1024;
    a.relpath = "dists/stable/Release";
    a.immutable = 1;
    return a;
}

/* A cache that has read generation gen at time t. */
static ckpt_cache *fresh_cache(apr_size_t bytes, apr_int64_t gen, apr_time_t t, apr_uint64_t *ticket)
{
    ckpt_cache *c;

    ck_assert_int_eq(ckpt_cache_create(&c, pool, bytes, REFRESH), APR_SUCCESS);
    ck_assert_int_eq(ckpt_cache_begin(c, t, ticket), CKPT_CACHE_CHECK);
    ckpt_cache_checked(c, gen, t, ticket);
    return c;
}

START_TEST(test_first_request_checks)
{
    ckpt_cache *c;
    apr_uint64_t t1, t2;

    ck_assert_int_eq(ckpt_cache_create(&c, pool, 1 << 20, REFRESH), APR_SUCCESS);
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100), &t1), CKPT_CACHE_CHECK);
    /* Meanwhile the others ask the database. */
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100), &t2), CKPT_CACHE_BYPASS);
    ckpt_cache_checked(c, 7, SEC(100), &t1);
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100), &t2), CKPT_CACHE_USE);
    ck_assert(t1 == t2);
}
END_TEST

START_TEST(test_failed_check_lets_the_next_try)
{
    ckpt_cache *c;
    apr_uint64_t t;

    ck_assert_int_eq(ckpt_cache_create(&c, pool, 1 << 20, REFRESH), APR_SUCCESS);
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100), &t), CKPT_CACHE_CHECK);
    ckpt_cache_check_failed(c);
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100), &t), CKPT_CACHE_CHECK);
}
END_TEST

START_TEST(test_hit_is_a_copy)
{
    apr_uint64_t t;
    ckpt_cache *c = fresh_cache(1 << 20, 1, SEC(100), &t);
    ckpt_answer a = file_answer("aa"), got;
    char key[] = "debian/20250130T203000Z/Release";
    ckpt_cache_stats st;

    ck_assert(!ckpt_cache_get(c, key, pool, &got));
    ckpt_cache_put(c, t, key, &a);
    key[0] = 'x'; /* the cache kept its own key */
    ck_assert(!ckpt_cache_get(c, key, pool, &got));
    key[0] = 'd';
    ck_assert(ckpt_cache_get(c, key, pool, &got));
    ck_assert_int_eq(got.kind, CKPT_ANSWER_FILE);
    ck_assert_str_eq(got.sha256, "aa");
    ck_assert_str_eq(got.relpath, "dists/stable/Release");
    ck_assert(got.sha256 != a.sha256);
    ck_assert_int_eq(got.immutable, 1);
    ck_assert_int_eq((int)got.size, 1024);
    ckpt_cache_get_stats(c, &st);
    ck_assert_int_eq((int)st.hits, 1);
    ck_assert_int_eq((int)st.misses, 2);
    ck_assert_int_eq((int)st.entries, 1);
}
END_TEST

START_TEST(test_listing_copied_whole)
{
    apr_uint64_t t;
    ckpt_cache *c = fresh_cache(1 << 20, 1, SEC(100), &t);
    ckpt_answer a, got;
    ckpt_listing_entry *e;
    int i;

    memset(&a, 0, sizeof(a));
    a.kind = CKPT_ANSWER_LISTING;
    a.entries = apr_array_make(pool, 1, sizeof(ckpt_listing_entry));
    for (i = 0; i < 100; i++) {
        e = apr_array_push(a.entries);
        e->name = apr_psprintf(pool, "f%d", i);
        e->is_dir = i % 2;
        e->mtime_sec = 1000 + i;
        e->size = i;
    }
    ckpt_cache_put(c, t, "bp/dir/", &a);
    ck_assert(ckpt_cache_get(c, "bp/dir/", pool, &got));
    ck_assert_int_eq(got.entries->nelts, 100);
    for (i = 0; i < 100; i++) {
        e = &APR_ARRAY_IDX(got.entries, i, ckpt_listing_entry);
        ck_assert_str_eq(e->name, apr_psprintf(pool, "f%d", i));
        ck_assert_int_eq(e->is_dir, i % 2);
        ck_assert_int_eq((int)e->mtime_sec, 1000 + i);
        ck_assert_int_eq((int)e->size, i);
    }
}
END_TEST

START_TEST(test_rendered_listing_kept_alone)
{
    apr_uint64_t t;
    ckpt_cache *c = fresh_cache(1 << 20, 1, SEC(100), &t);
    ckpt_answer a, got;
    ckpt_listing_entry *e;

    memset(&a, 0, sizeof(a));
    a.kind = CKPT_ANSWER_LISTING;
    a.entries = apr_array_make(pool, 1, sizeof(ckpt_listing_entry));
    e = apr_array_push(a.entries);
    e->name = "f";
    a.page = "<html>the page</html>";
    ckpt_cache_put(c, t, "/pulp/content/bp/dir/", &a);
    ck_assert(ckpt_cache_get(c, "/pulp/content/bp/dir/", pool, &got));
    ck_assert_int_eq(got.kind, CKPT_ANSWER_LISTING);
    ck_assert_str_eq(got.page, "<html>the page</html>");
    ck_assert_ptr_null(got.entries);
}
END_TEST

START_TEST(test_refresh_interval)
{
    apr_uint64_t t;
    ckpt_cache *c = fresh_cache(1 << 20, 1, SEC(100), &t);

    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100) + REFRESH / 2, &t), CKPT_CACHE_USE);
    /* From half the interval on one request reads again, the others use
     * the cache meanwhile. */
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100) + REFRESH / 2 + 1, &t), CKPT_CACHE_CHECK);
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100) + REFRESH, &t), CKPT_CACHE_USE);
    /* Past the whole interval nobody uses it until the reading is back. */
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100) + REFRESH + 1, &t), CKPT_CACHE_BYPASS);
    ckpt_cache_checked(c, 1, SEC(100) + REFRESH + 1, &t);
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(100) + REFRESH + 2, &t), CKPT_CACHE_USE);
    /* Nobody reading and the interval gone: the next request reads. */
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(102), &t), CKPT_CACHE_CHECK);
    ckpt_cache_checked(c, 1, SEC(102), &t);
    /* A clock that went back is not trusted either. */
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(99), &t), CKPT_CACHE_CHECK);
}
END_TEST

START_TEST(test_new_generation_empties)
{
    apr_uint64_t t;
    ckpt_cache *c = fresh_cache(1 << 20, 1, SEC(100), &t);
    ckpt_answer a = file_answer("aa"), got;

    ckpt_cache_put(c, t, "k", &a);
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(101), &t), CKPT_CACHE_CHECK);
    ckpt_cache_checked(c, 1, SEC(101), &t); /* the same: kept */
    ck_assert(ckpt_cache_get(c, "k", pool, &got));
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(102), &t), CKPT_CACHE_CHECK);
    ckpt_cache_checked(c, 2, SEC(102), &t); /* moved: emptied */
    ck_assert(!ckpt_cache_get(c, "k", pool, &got));
}
END_TEST

START_TEST(test_stale_put_refused)
{
    apr_uint64_t before, t;
    ckpt_cache *c = fresh_cache(1 << 20, 1, SEC(100), &before);
    ckpt_answer a = file_answer("old"), got;

    /* A lookup began, the cache was emptied while it asked the database:
     * what it found may predate the change, so it is not kept. */
    ck_assert_int_eq(ckpt_cache_begin(c, SEC(101), &t), CKPT_CACHE_CHECK);
    ckpt_cache_checked(c, 2, SEC(101), &t);
    ckpt_cache_put(c, before, "k", &a);
    ck_assert(!ckpt_cache_get(c, "k", pool, &got));
    ckpt_cache_put(c, t, "k", &a);
    ck_assert(ckpt_cache_get(c, "k", pool, &got));
}
END_TEST

START_TEST(test_memory_bounded)
{
    apr_uint64_t t;
    apr_size_t max = 64 * 1024;
    ckpt_cache *c = fresh_cache(max, 1, SEC(100), &t);
    ckpt_answer a = file_answer("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    ckpt_answer got;
    ckpt_cache_stats st;
    int i;

    for (i = 0; i < 10000; i++) {
        ckpt_cache_put(c, t, apr_psprintf(pool, "bp/20250130T203000Z/pool/f%d", i), &a);
        ckpt_cache_get_stats(c, &st);
        ck_assert_uint_le(st.bytes, max);
    }
    ck_assert_uint_gt(st.rotations, 0);
    /* The newest are there, the oldest gone. */
    ck_assert(ckpt_cache_get(c, "bp/20250130T203000Z/pool/f9999", pool, &got));
    ck_assert(!ckpt_cache_get(c, "bp/20250130T203000Z/pool/f0", pool, &got));
}
END_TEST

START_TEST(test_used_answers_survive_rotation)
{
    apr_uint64_t t;
    ckpt_cache *c = fresh_cache(64 * 1024, 1, SEC(100), &t);
    ckpt_answer a = file_answer("aa"), got;
    int i;

    ckpt_cache_put(c, t, "hot", &a);
    for (i = 0; i < 10000; i++) {
        ckpt_cache_put(c, t, apr_psprintf(pool, "cold/%d", i), &a);
        ck_assert_msg(ckpt_cache_get(c, "hot", pool, &got), "lost after %d puts", i);
    }
}
END_TEST

START_TEST(test_too_big_not_kept)
{
    apr_uint64_t t;
    ckpt_cache *c = fresh_cache(4096, 1, SEC(100), &t);
    ckpt_answer a, got;
    int i;

    memset(&a, 0, sizeof(a));
    a.kind = CKPT_ANSWER_LISTING;
    a.entries = apr_array_make(pool, 1, sizeof(ckpt_listing_entry));
    for (i = 0; i < 1000; i++) {
        ckpt_listing_entry *e = apr_array_push(a.entries);
        e->name = "name";
    }
    ckpt_cache_put(c, t, "big/", &a);
    ck_assert(!ckpt_cache_get(c, "big/", pool, &got));
}
END_TEST

/* Threads that read, write, check and empty at once: run under ASan and
 * TSan-free by construction (every access is under the cache's mutex). */
#if APR_HAS_THREADS
typedef struct {
    ckpt_cache *c;
    int id;
    int bad;
} worker_arg;

static void *APR_THREAD_FUNC worker(apr_thread_t *th, void *data)
{
    worker_arg *w = data;
    apr_pool_t *p;
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 20000; i++) {
        apr_uint64_t t;
        ckpt_answer got;
        const char *key = apr_psprintf(p, "k%d", i % 500);
        ckpt_cache_state st = ckpt_cache_begin(w->c, SEC(100) + i, &t);

        if (st == CKPT_CACHE_CHECK) {
            ckpt_cache_checked(w->c, i / 1000, SEC(100) + i, &t);
        }
        else if (st == CKPT_CACHE_USE) {
            if (ckpt_cache_get(w->c, key, p, &got)) {
                if (strcmp(got.sha256, key) != 0) {
                    w->bad++;
                }
            }
            else {
                ckpt_answer a = file_answer(key);
                ckpt_cache_put(w->c, t, key, &a);
            }
        }
        if (i % 1000 == 0) {
            apr_pool_clear(p);
        }
    }
    apr_pool_destroy(p);
    /* A plain return, not apr_thread_exit(): pthread_exit() unwinds without
     * unpoisoning this frame's out-of-scope locals, and ASan then reports
     * its own thread teardown, which reuses that stack, as a
     * stack-use-after-scope. */
    (void)th;
    return NULL;
}

START_TEST(test_threads)
{
    ckpt_cache *c;
    apr_thread_t *th[4];
    worker_arg w[4];
    apr_status_t rv;
    int i;

    ck_assert_int_eq(ckpt_cache_create(&c, pool, 32 * 1024, apr_time_from_sec(100000)),
                     APR_SUCCESS);
    for (i = 0; i < 4; i++) {
        w[i].c = c;
        w[i].id = i;
        w[i].bad = 0;
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, worker, &w[i], pool), APR_SUCCESS);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&rv, th[i]);
        ck_assert_int_eq(w[i].bad, 0);
    }
}
END_TEST
#endif

static Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("cache");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_first_request_checks);
    tcase_add_test(tc, test_failed_check_lets_the_next_try);
    tcase_add_test(tc, test_hit_is_a_copy);
    tcase_add_test(tc, test_listing_copied_whole);
    tcase_add_test(tc, test_rendered_listing_kept_alone);
    tcase_add_test(tc, test_refresh_interval);
    tcase_add_test(tc, test_new_generation_empties);
    tcase_add_test(tc, test_stale_put_refused);
    tcase_add_test(tc, test_memory_bounded);
    tcase_add_test(tc, test_used_answers_survive_rotation);
    tcase_add_test(tc, test_too_big_not_kept);
#if APR_HAS_THREADS
    tcase_add_test(tc, test_threads);
#endif
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    apr_initialize();
    sr = srunner_create(cache_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
