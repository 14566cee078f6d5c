/* The answer store: copies, the memory bound, rotation, and answers
 * forgotten by repository. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
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

static ckpt_cache *store(apr_size_t bytes)
{
    ckpt_cache *c;

    ck_assert_int_eq(ckpt_cache_create(&c, pool, bytes), APR_SUCCESS);
    return c;
}

START_TEST(test_hit_is_a_copy)
{
    ckpt_cache *c = store(1 << 20);
    ckpt_answer a = file_answer("aa"), got;
    char key[] = "debian/20250130T203000Z/Release";
    ckpt_cache_stats st;

    ck_assert(!ckpt_cache_get(c, key, pool, &got));
    ckpt_cache_put(c, key, "repo-a", &a);
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
    ckpt_cache *c = store(1 << 20);
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
    ckpt_cache_put(c, "bp/dir/", "repo-a", &a);
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
    ckpt_cache *c = store(1 << 20);
    ckpt_answer a, got;
    ckpt_listing_entry *e;

    memset(&a, 0, sizeof(a));
    a.kind = CKPT_ANSWER_LISTING;
    a.entries = apr_array_make(pool, 1, sizeof(ckpt_listing_entry));
    e = apr_array_push(a.entries);
    e->name = "f";
    a.page = "<html>the page</html>";
    ckpt_cache_put(c, "/pulp/content/bp/dir/", "repo-a", &a);
    ck_assert(ckpt_cache_get(c, "/pulp/content/bp/dir/", pool, &got));
    ck_assert_int_eq(got.kind, CKPT_ANSWER_LISTING);
    ck_assert_str_eq(got.page, "<html>the page</html>");
    ck_assert_ptr_null(got.entries);
}
END_TEST

/* A page is kept once and shared: every hit gets the same bytes (no copy
 * per request), and a page still being sent outlives its half. */
START_TEST(test_page_shared_outlives_half)
{
    ckpt_cache *c = store(1 << 20);
    char page[] = "<html>the index</html>";
    apr_pool_t *p1, *p2;
    ckpt_answer a, got1, got2;
    ckpt_cache_page *sending;

    memset(&a, 0, sizeof(a));
    a.kind = CKPT_ANSWER_PAGE;
    a.content_type = "text/html";
    a.page = page;
    ckpt_cache_put(c, "/pulp/content/bp/", "repo-a", &a);
    page[6] = 'X'; /* the caller's buffer is the caller's */
    apr_pool_create(&p1, pool);
    apr_pool_create(&p2, pool);
    ck_assert(ckpt_cache_get(c, "/pulp/content/bp/", p1, &got1));
    ck_assert(ckpt_cache_get(c, "/pulp/content/bp/", p2, &got2));
    ck_assert_ptr_nonnull(got1.page_ref);
    ck_assert_ptr_eq(got1.page_ref, got2.page_ref);
    ck_assert_ptr_eq(got1.page, got2.page);
    ck_assert_ptr_eq(got1.page, ckpt_cache_page_bytes(got1.page_ref));
    ck_assert_str_eq(got1.page, "<html>the index</html>");
    ck_assert_uint_eq(ckpt_cache_page_len(got1.page_ref), strlen("<html>the index</html>"));
    /* a bucket sending it holds it past its request's pool and the store */
    sending = got1.page_ref;
    ckpt_cache_page_hold(sending);
    ckpt_cache_flush(c);
    apr_pool_destroy(p1);
    ck_assert_str_eq(got2.page, "<html>the index</html>");
    apr_pool_destroy(p2);
    ck_assert_str_eq(ckpt_cache_page_bytes(sending), "<html>the index</html>");
    ckpt_cache_page_release(sending); /* the last: freed (ASan sees any use after) */
    ck_assert(!ckpt_cache_get(c, "/pulp/content/bp/", pool, &got1));
}
END_TEST

START_TEST(test_memory_bounded)
{
    apr_size_t max = 64 * 1024;
    ckpt_cache *c = store(max);
    ckpt_answer a = file_answer("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    ckpt_answer got;
    ckpt_cache_stats st;
    int i;

    for (i = 0; i < 10000; i++) {
        ckpt_cache_put(c, apr_psprintf(pool, "bp/20250130T203000Z/pool/f%d", i), "repo-a", &a);
        ckpt_cache_get_stats(c, &st);
        ck_assert_uint_le(st.bytes, max);
    }
    ck_assert_uint_gt(st.rotations, 0);
    /* The newest are there, the oldest gone. */
    ck_assert(ckpt_cache_get(c, "bp/20250130T203000Z/pool/f9999", pool, &got));
    ck_assert(!ckpt_cache_get(c, "bp/20250130T203000Z/pool/f0", pool, &got));
}
END_TEST

/* The soak of issue 13: a checkpoint every 5 s invalidated a repository's
 * answers, which were then stored again; the memory of the forgotten ones
 * stayed in the young half's pool, whose count they had left, so the half
 * never filled, never rotated, and the process grew without bound.  What
 * is forgotten counts until its half is dropped. */
START_TEST(test_churn_bounded)
{
    apr_size_t max = 64 * 1024;
    ckpt_cache *c = store(max);
    ckpt_answer a = file_answer("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    ckpt_answer got;
    ckpt_cache_stats st;
    int i;

    for (i = 0; i < 10000; i++) {
        ckpt_cache_invalidate(c, "repo-a");
        ck_assert(!ckpt_cache_get(c, "bp/pool/f", pool, &got));
        ckpt_cache_put(c, "bp/pool/f", "repo-a", &a);
        ckpt_cache_put(c, "bp/pool/g", "repo-b", &a); /* replaced in place */
        ckpt_cache_get_stats(c, &st);
        ck_assert_uint_le(st.bytes, max);
    }
    ck_assert_uint_gt(st.rotations, 10);
    ck_assert(ckpt_cache_get(c, "bp/pool/f", pool, &got));
}
END_TEST

START_TEST(test_used_answers_survive_rotation)
{
    ckpt_cache *c = store(64 * 1024);
    ckpt_answer a = file_answer("aa"), got;
    int i;

    ckpt_cache_put(c, "hot", "repo-a", &a);
    for (i = 0; i < 10000; i++) {
        ckpt_cache_put(c, apr_psprintf(pool, "cold/%d", i), "repo-a", &a);
        ck_assert_msg(ckpt_cache_get(c, "hot", pool, &got), "lost after %d puts", i);
    }
}
END_TEST

START_TEST(test_too_big_not_kept)
{
    ckpt_cache *c = store(4096);
    ckpt_answer a, got;
    int i;

    memset(&a, 0, sizeof(a));
    a.kind = CKPT_ANSWER_LISTING;
    a.entries = apr_array_make(pool, 1, sizeof(ckpt_listing_entry));
    for (i = 0; i < 1000; i++) {
        ckpt_listing_entry *e = apr_array_push(a.entries);
        e->name = "name";
    }
    ckpt_cache_put(c, "big/", "repo-a", &a);
    ck_assert(!ckpt_cache_get(c, "big/", pool, &got));
}
END_TEST

/* A checkpoint of repository A forgets A's answers and only those. */
START_TEST(test_invalidate_one_repository)
{
    ckpt_cache *c = store(1 << 20);
    ckpt_answer a = file_answer("aa"), b = file_answer("bb"), n = file_answer("nn"), got;

    ckpt_cache_put(c, "a/1", "repo-a", &a);
    ckpt_cache_put(c, "b/1", "repo-b", &b);
    ckpt_cache_put(c, "n/1", NULL, &n);
    ckpt_cache_invalidate(c, "repo-a");
    ck_assert(!ckpt_cache_get(c, "a/1", pool, &got));
    ck_assert(ckpt_cache_get(c, "b/1", pool, &got));
    ck_assert_str_eq(got.sha256, "bb");
    ck_assert(ckpt_cache_get(c, "n/1", pool, &got));
    /* What is stored after the change is current. */
    ckpt_cache_put(c, "a/1", "repo-a", &a);
    ck_assert(ckpt_cache_get(c, "a/1", pool, &got));
    /* An answer moved from the old half keeps its repository's epoch. */
    ckpt_cache_invalidate(c, "repo-b");
    ck_assert(!ckpt_cache_get(c, "b/1", pool, &got));
}
END_TEST

START_TEST(test_invalidate_survives_rotation)
{
    ckpt_cache *c = store(16 * 1024);
    ckpt_answer a = file_answer("aa"), got;
    int i;

    ckpt_cache_put(c, "a/old", "repo-a", &a);
    for (i = 0; i < 40; i++) { /* a/old ends in the old half */
        ckpt_cache_put(c, apr_psprintf(pool, "b/%d", i), "repo-b", &a);
    }
    ckpt_cache_invalidate(c, "repo-a");
    ck_assert(!ckpt_cache_get(c, "a/old", pool, &got));
}
END_TEST

START_TEST(test_flush)
{
    ckpt_cache *c = store(1 << 20);
    ckpt_answer a = file_answer("aa"), got;
    ckpt_cache_stats st;

    ckpt_cache_put(c, "a/1", "repo-a", &a);
    ckpt_cache_put(c, "n/1", NULL, &a);
    ckpt_cache_invalidate(c, "repo-a");
    ckpt_cache_flush(c);
    ck_assert(!ckpt_cache_get(c, "n/1", pool, &got));
    ckpt_cache_get_stats(c, &st);
    ck_assert_int_eq((int)st.entries, 0);
    ck_assert_int_eq((int)st.bytes, 0);
    /* Epochs start again, and new answers are current. */
    ckpt_cache_put(c, "a/1", "repo-a", &a);
    ck_assert(ckpt_cache_get(c, "a/1", pool, &got));
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("cache");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_hit_is_a_copy);
    tcase_add_test(tc, test_listing_copied_whole);
    tcase_add_test(tc, test_rendered_listing_kept_alone);
    tcase_add_test(tc, test_page_shared_outlives_half);
    tcase_add_test(tc, test_memory_bounded);
    tcase_add_test(tc, test_churn_bounded);
    tcase_add_test(tc, test_used_answers_survive_rotation);
    tcase_add_test(tc, test_too_big_not_kept);
    tcase_add_test(tc, test_invalidate_one_repository);
    tcase_add_test(tc, test_invalidate_survives_rotation);
    tcase_add_test(tc, test_flush);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(cache_suite, NULL);
}
