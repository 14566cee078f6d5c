/* The process catalog: when what it knows may be used, what a change makes
 * it forget (and what it keeps), loads that raced a change, distributions
 * by longest prefix, checkpoints by second, the memory bound of the
 * checkpoint lists, and many threads at once. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <check.h>

#include "testmain.h"
#include "catalog.h"

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
#define REPO_A "aaaaaaaa-0000-0000-0000-000000000000"
#define REPO_B "bbbbbbbb-0000-0000-0000-000000000000"

/* A catalog on store sh (NULL: none). */
static ckpt_catalog *make_on(apr_size_t list_bytes, const ckpt_catalog_shared *sh)
{
    ckpt_catalog *c;
    ckpt_catalog_conf conf = {0};

    conf.cache_bytes = 1 << 20;
    conf.list_bytes = list_bytes;
    conf.refresh = REFRESH;
    conf.shared = sh;
    ck_assert_int_eq(ckpt_catalog_create(&c, pool, &conf), APR_SUCCESS);
    return c;
}

static ckpt_catalog *make(apr_size_t list_bytes)
{
    return make_on(list_bytes, NULL);
}

/* A catalog that has read generation gen at time t. */
static ckpt_catalog *fresh(apr_int64_t gen, apr_time_t t, apr_uint64_t *ticket)
{
    ckpt_catalog *c = make(1 << 20);

    ck_assert_int_eq(ckpt_catalog_begin(c, t, ticket), CKPT_CATALOG_CHECK);
    ckpt_catalog_checked(c, gen, NULL, t, ticket);
    return c;
}

static ckpt_answer answer(const char *sha, const char *repo)
{
    ckpt_answer a;
    memset(&a, 0, sizeof(a));
    a.kind = CKPT_ANSWER_FILE;
    a.sha256 = sha;
    a.relpath = "f";
    a.repository_id = repo;
    return a;
}

static ckpt_publication pub(const char *id, const char *repo, apr_int64_t sec)
{
    ckpt_publication p;
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.repository_id = repo;
    p.version_number = "1";
    p.manifest = "PULP_MANIFEST";
    p.manifest_sha256 = "ab";
    p.created_sec = sec;
    return p;
}

/* The checkpoints of repo at the given seconds. */
static void set_list(ckpt_catalog *c, apr_uint64_t t, const char *repo, const apr_int64_t *secs,
                     int n)
{
    apr_array_header_t *a = apr_array_make(pool, n ? n : 1, sizeof(ckpt_publication));
    int i;

    ck_assert(ckpt_catalog_load_checkpoints(c, pool, repo));
    for (i = 0; i < n; i++) {
        *(ckpt_publication *)apr_array_push(a) =
            pub(apr_psprintf(pool, "p%d", i), repo, secs[i]);
    }
    ckpt_catalog_set_checkpoints(c, pool, t, repo, a);
}

static ckpt_catalog_changes changes(const char *repo, int dists, int unknown)
{
    ckpt_catalog_changes ch;

    ch.repositories = apr_array_make(pool, 1, sizeof(const char *));
    if (repo) {
        APR_ARRAY_PUSH(ch.repositories, const char *) = repo;
    }
    ch.distributions = dists;
    ch.unknown = unknown;
    return ch;
}

/* Reads generation gen at time t, with changes ch. */
static void read_gen(ckpt_catalog *c, apr_int64_t gen, apr_time_t t,
                     const ckpt_catalog_changes *ch, apr_uint64_t *ticket)
{
    ck_assert_int_eq(ckpt_catalog_begin(c, t, ticket), CKPT_CATALOG_CHECK);
    ckpt_catalog_checked(c, gen, ch, t, ticket);
}

START_TEST(test_first_request_checks)
{
    ckpt_catalog *c = make(1 << 20);
    apr_uint64_t t1, t2;

    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100), &t1), CKPT_CATALOG_CHECK);
    /* Meanwhile the others ask the database. */
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100), &t2), CKPT_CATALOG_BYPASS);
    ckpt_catalog_checked(c, 7, NULL, SEC(100), &t1);
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100), &t2), CKPT_CATALOG_USE);
    ck_assert(t1 == t2);
    ck_assert_int_eq((int)ckpt_catalog_generation(c), 7);
    ck_assert(ckpt_catalog_asof(c) == SEC(100));
}
END_TEST

/* A reading from a hot standby: as of its replay point while it lags
 * (behind), as of the primary's reading once it has caught up; never
 * later than the reading itself.  Either way the catalog is used. */
START_TEST(test_standby_reading)
{
    ckpt_catalog *c = make(1 << 20);
    apr_uint64_t t;

    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100), &t), CKPT_CATALOG_CHECK);
    ckpt_catalog_checked_standby(c, 7, NULL, SEC(100), SEC(90), 1, &t);
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100), &t), CKPT_CATALOG_USE);
    ck_assert(ckpt_catalog_asof(c) == SEC(90));
    ck_assert_int_eq(ckpt_catalog_behind(c), 1);
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(101), &t), CKPT_CATALOG_CHECK);
    ckpt_catalog_checked_standby(c, 7, NULL, SEC(101), SEC(101) - 5000, 0, &t);
    ck_assert(ckpt_catalog_asof(c) == SEC(101) - 5000);
    ck_assert_int_eq(ckpt_catalog_behind(c), 0);
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(102), &t), CKPT_CATALOG_CHECK);
    ckpt_catalog_checked_standby(c, 7, NULL, SEC(102), SEC(103), 0, &t);
    ck_assert(ckpt_catalog_asof(c) == SEC(102));
    /* A reading of the primary itself is as of when it was asked. */
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(103), &t), CKPT_CATALOG_CHECK);
    ckpt_catalog_checked(c, 8, NULL, SEC(103), &t);
    ck_assert(ckpt_catalog_asof(c) == SEC(103));
    ck_assert_int_eq(ckpt_catalog_behind(c), 0);
}
END_TEST

START_TEST(test_failed_check_lets_the_next_try)
{
    ckpt_catalog *c = make(1 << 20);
    apr_uint64_t t;

    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100), &t), CKPT_CATALOG_CHECK);
    ckpt_catalog_check_failed(c);
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100), &t), CKPT_CATALOG_CHECK);
}
END_TEST

START_TEST(test_refresh_interval)
{
    apr_uint64_t t;
    ckpt_catalog *c = fresh(1, SEC(100), &t);

    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100) + REFRESH / 2, &t), CKPT_CATALOG_USE);
    /* From half the interval on one request reads again, the others use
     * the catalog meanwhile. */
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100) + REFRESH / 2 + 1, &t), CKPT_CATALOG_CHECK);
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100) + REFRESH, &t), CKPT_CATALOG_USE);
    /* Past the whole interval nobody uses it until the reading is back. */
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100) + REFRESH + 1, &t), CKPT_CATALOG_BYPASS);
    ckpt_catalog_checked(c, 1, NULL, SEC(100) + REFRESH + 1, &t);
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100) + REFRESH + 2, &t), CKPT_CATALOG_USE);
    /* Nobody reading and the interval gone: the next request reads. */
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(102), &t), CKPT_CATALOG_CHECK);
    ckpt_catalog_checked(c, 1, NULL, SEC(102), &t);
    /* A clock that went back is not trusted either. */
    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(99), &t), CKPT_CATALOG_CHECK);
}
END_TEST

/* A checkpoint of repository A: A's answers and checkpoints are gone,
 * B's stay. */
START_TEST(test_change_forgets_only_its_repository)
{
    apr_uint64_t t;
    ckpt_catalog *c = fresh(1, SEC(100), &t);
    ckpt_answer a = answer("aa", REPO_A), b = answer("bb", REPO_B), got;
    ckpt_catalog_changes ch = changes(REPO_A, 0, 0);
    apr_int64_t secs[] = {10, 20};
    const ckpt_publication *p;

    ckpt_catalog_answer_put(c, t, "a", &a);
    ckpt_catalog_answer_put(c, t, "b", &b);
    set_list(c, t, REPO_A, secs, 2);
    set_list(c, t, REPO_B, secs, 2);
    read_gen(c, 2, SEC(101), &ch, &t);
    ck_assert(!ckpt_catalog_answer_get(c, "a", pool, &got));
    ck_assert(ckpt_catalog_answer_get(c, "b", pool, &got));
    ck_assert_int_eq(ckpt_catalog_checkpoint_at(c, pool, REPO_A, 15, &p), CKPT_CATALOG_UNKNOWN);
    ck_assert_int_eq(ckpt_catalog_checkpoint_at(c, pool, REPO_B, 15, &p), CKPT_CATALOG_FOUND);
    /* The same generation again forgets nothing. */
    read_gen(c, 2, SEC(102), &ch, &t);
    ck_assert(ckpt_catalog_answer_get(c, "b", pool, &got));
}
END_TEST

static void set_dists(ckpt_catalog *c, apr_uint64_t t)
{
    apr_array_header_t *a = apr_array_make(pool, 3, sizeof(ckpt_catalog_dist));
    ckpt_catalog_dist *d;
    static ckpt_publication served;

    served = pub("pp", REPO_B, 5);
    d = apr_array_push(a);
    memset(d, 0, sizeof(*d));
    d->d.base_path = "debian";
    d->d.checkpoint = 1;
    d->d.repository_id = REPO_A;
    d = apr_array_push(a);
    memset(d, 0, sizeof(*d));
    d->d.base_path = "debian/security";
    d->d.pub = &served;
    d->depends_on = REPO_B;
    d = apr_array_push(a);
    memset(d, 0, sizeof(*d));
    d->d.base_path = "a/b/c";
    ck_assert(ckpt_catalog_load_distributions(c));
    ck_assert(!ckpt_catalog_load_distributions(c)); /* one loader at a time */
    ckpt_catalog_set_distributions(c, t, a);
}

START_TEST(test_distributions_by_longest_prefix)
{
    apr_uint64_t t;
    ckpt_catalog *c = fresh(1, SEC(100), &t);
    const ckpt_distribution *d;

    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian/x", &d), CKPT_CATALOG_UNKNOWN);
    set_dists(c, t);
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian", &d), CKPT_CATALOG_FOUND);
    ck_assert_str_eq(d->base_path, "debian");
    ck_assert_int_eq(d->checkpoint, 1);
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian/20250101T000000Z/x", &d),
                     CKPT_CATALOG_FOUND);
    ck_assert_str_eq(d->base_path, "debian");
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian/security/dists/x", &d),
                     CKPT_CATALOG_FOUND);
    ck_assert_str_eq(d->base_path, "debian/security");
    ck_assert_str_eq(d->pub->id, "pp");
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "a/b/c/d/e/f", &d), CKPT_CATALOG_FOUND);
    ck_assert_str_eq(d->base_path, "a/b/c");
    /* Segments, not characters. */
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debianx/y", &d), CKPT_CATALOG_ABSENT);
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "a/b", &d), CKPT_CATALOG_ABSENT);
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "a/b/cd", &d), CKPT_CATALOG_ABSENT);
}
END_TEST

/* The distributions are reloaded when one changed, or when a repository
 * a plain one serves from changed; not for any other repository. */
START_TEST(test_distributions_forgotten)
{
    apr_uint64_t t;
    ckpt_catalog *c = fresh(1, SEC(100), &t);
    const ckpt_distribution *d;
    ckpt_catalog_changes a = changes(REPO_A, 0, 0), b = changes(REPO_B, 0, 0),
                         dist = changes(NULL, 1, 0);
    ckpt_answer x = answer("xx", REPO_A), got;

    set_dists(c, t);
    read_gen(c, 2, SEC(101), &a, &t); /* only a checkpoint distribution uses A */
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian", &d), CKPT_CATALOG_FOUND);
    read_gen(c, 3, SEC(102), &b, &t); /* debian/security serves B's newest */
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian", &d), CKPT_CATALOG_UNKNOWN);
    set_dists(c, t);
    ckpt_catalog_answer_put(c, t, "x", &x);
    read_gen(c, 4, SEC(103), &dist, &t); /* a distribution changed: URLs may mean else */
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian", &d), CKPT_CATALOG_UNKNOWN);
    ck_assert(!ckpt_catalog_answer_get(c, "x", pool, &got));
}
END_TEST

START_TEST(test_unknown_change_forgets_everything)
{
    apr_uint64_t t;
    ckpt_catalog *c = fresh(1, SEC(100), &t);
    ckpt_catalog_changes ch = changes(NULL, 0, 1);
    ckpt_answer x = answer("xx", NULL), got;
    const ckpt_distribution *d;
    const ckpt_publication *p;
    apr_int64_t secs[] = {10};

    set_dists(c, t);
    set_list(c, t, REPO_A, secs, 1);
    ckpt_catalog_answer_put(c, t, "x", &x);
    read_gen(c, 9, SEC(101), &ch, &t);
    ck_assert(!ckpt_catalog_answer_get(c, "x", pool, &got));
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian", &d), CKPT_CATALOG_UNKNOWN);
    ck_assert_int_eq(ckpt_catalog_checkpoint_at(c, pool, REPO_A, 10, &p), CKPT_CATALOG_UNKNOWN);
}
END_TEST

/* What was looked up while a change was applied may predate it: neither
 * an answer nor a load is kept. */
START_TEST(test_stale_results_refused)
{
    apr_uint64_t before, t;
    ckpt_catalog *c = fresh(1, SEC(100), &before);
    ckpt_catalog_changes ch = changes(REPO_B, 0, 0);
    ckpt_answer a = answer("old", REPO_A), got;
    const ckpt_distribution *d;
    const ckpt_publication *p;
    apr_int64_t secs[] = {10};

    read_gen(c, 2, SEC(101), &ch, &t);
    ckpt_catalog_answer_put(c, before, "k", &a);
    ck_assert(!ckpt_catalog_answer_get(c, "k", pool, &got));
    set_dists(c, before);
    ck_assert_int_eq(ckpt_catalog_distribution(c, pool, "debian", &d), CKPT_CATALOG_UNKNOWN);
    set_list(c, before, REPO_A, secs, 1);
    ck_assert_int_eq(ckpt_catalog_checkpoint_at(c, pool, REPO_A, 10, &p), CKPT_CATALOG_UNKNOWN);
    /* The loader's mark is gone: the next request loads. */
    ck_assert(ckpt_catalog_load_checkpoints(c, pool, REPO_A));
    ckpt_catalog_set_checkpoints(c, pool, t, REPO_A, NULL); /* a failed load */
    ckpt_catalog_answer_put(c, t, "k", &a);
    ck_assert(ckpt_catalog_answer_get(c, "k", pool, &got));
}
END_TEST

/* SPEC §2: the latest checkpoint created by the end of the second. */
START_TEST(test_checkpoint_by_second)
{
    apr_uint64_t t;
    ckpt_catalog *c = fresh(1, SEC(100), &t);
    apr_int64_t secs[] = {100, 160, 220, 280};
    static const struct {
        apr_int64_t at;
        int found;
        apr_int64_t want;
    } rows[] = {{99, 0, 0},    {100, 1, 100}, {159, 1, 100}, {160, 1, 160}, {161, 1, 160},
                {219, 1, 160}, {220, 1, 220}, {280, 1, 280}, {99999, 1, 280}};
    const ckpt_publication *p;
    apr_array_header_t *times;
    size_t i;

    set_list(c, t, REPO_A, secs, 4);
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ckpt_catalog_find f = ckpt_catalog_checkpoint_at(c, pool, REPO_A, rows[i].at, &p);
        ck_assert_int_eq(f, rows[i].found ? CKPT_CATALOG_FOUND : CKPT_CATALOG_ABSENT);
        if (rows[i].found) {
            ck_assert_int_eq((int)p->created_sec, (int)rows[i].want);
            ck_assert_str_eq(p->manifest, "PULP_MANIFEST");
        }
    }
    ck_assert_int_eq(ckpt_catalog_checkpoint_times(c, pool, REPO_A, &times), CKPT_CATALOG_FOUND);
    ck_assert_int_eq(times->nelts, 4);
    ck_assert_int_eq((int)APR_ARRAY_IDX(times, 3, apr_int64_t), 280);
    /* No checkpoint yet: known, and empty. */
    set_list(c, t, REPO_B, secs, 0);
    ck_assert_int_eq(ckpt_catalog_checkpoint_at(c, pool, REPO_B, 500, &p), CKPT_CATALOG_ABSENT);
}
END_TEST

/* The checkpoint lists stay within their bytes: the least recently used
 * repository's list goes first. */
START_TEST(test_lists_bounded)
{
    apr_uint64_t t;
    ckpt_catalog *c = make(64 * 1024);
    apr_int64_t secs[200];
    const ckpt_publication *p;
    ckpt_catalog_stats st;
    int i;

    read_gen(c, 1, SEC(100), NULL, &t);
    for (i = 0; i < 200; i++) {
        secs[i] = 1000 + i;
    }
    set_list(c, t, "hot", secs, 200);
    for (i = 0; i < 50; i++) {
        set_list(c, t, apr_psprintf(pool, "r%d", i), secs, 200);
        ck_assert_int_eq(ckpt_catalog_checkpoint_at(c, pool, "hot", 1100, &p), CKPT_CATALOG_FOUND);
        ckpt_catalog_get_stats(c, &st);
        ck_assert_uint_le(st.list_bytes, 64 * 1024);
    }
    ck_assert_uint_gt(st.list_evictions, 0);
    ck_assert_int_eq(ckpt_catalog_checkpoint_at(c, pool, "r0", 1100, &p), CKPT_CATALOG_UNKNOWN);
    ck_assert_int_eq(ckpt_catalog_checkpoint_at(c, pool, "r49", 1100, &p), CKPT_CATALOG_FOUND);
}
END_TEST


/* ---- directory blocks ---- */

#define SHA(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
               c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

/* dists/: Release replaced at 3, old removed at 5 and back at 7 as a new
 * file, subdirectory main/ from 2 to 6, index.html from 4. */
static const ckpt_dirblock_row rows[] = {
    {"dists/Release", SHA("a"), 10, 1, 3, 0},
    {"dists/Release", SHA("b"), 20, 3, -1, 0},
    {"dists/old", SHA("c"), 30, 1, 5, 0},
    {"dists/old", SHA("d"), 40, 7, -1, 0},
    {"dists/main", NULL, 0, 2, 6, 1},
    {"dists/index.html", SHA("e"), 50, 4, -1, 0},
};

/* What the block of rows (read at version 8) answers, at each version:
 * the same from the block as made and as unpacked from shared memory. */
static void check_fixture_block(const ckpt_dirblock *b)
{
    const char *sha = NULL;
    apr_off_t size = 0;
    ckpt_dir_content dc;

    ck_assert_ptr_nonnull(b);
    ck_assert(ckpt_dirblock_covers(b, 8) && !ckpt_dirblock_covers(b, 9));
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 2, "Release", &sha, &size), CKPT_DIRBLOCK_FILE);
    ck_assert_str_eq(sha, SHA("a"));
    ck_assert_int_eq((int)size, 10);
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 3, "Release", &sha, &size), CKPT_DIRBLOCK_FILE);
    ck_assert_str_eq(sha, SHA("b"));
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 5, "old", &sha, &size), CKPT_DIRBLOCK_ABSENT);
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 7, "old", &sha, &size), CKPT_DIRBLOCK_FILE);
    ck_assert_str_eq(sha, SHA("d"));
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 1, "main", &sha, &size), CKPT_DIRBLOCK_ABSENT);
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 5, "main", &sha, &size), CKPT_DIRBLOCK_DIR);
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 6, "main", &sha, &size), CKPT_DIRBLOCK_ABSENT);
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 8, "nothing", &sha, &size), CKPT_DIRBLOCK_ABSENT);
    /* Version 2: two files and main/, no index.html yet. */
    memset(&dc, 0, sizeof(dc));
    ck_assert(ckpt_dirblock_list(b, pool, 2, 1, &dc));
    ck_assert_ptr_null(dc.index_sha256);
    ck_assert_int_eq(dc.files->nelts, 2);
    ck_assert_int_eq(dc.dirs->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(dc.dirs, 0, const char *), "main");
    /* Version 4: its index.html. */
    memset(&dc, 0, sizeof(dc));
    ck_assert(ckpt_dirblock_list(b, pool, 4, 1, &dc));
    ck_assert_str_eq(dc.index_sha256, SHA("e"));
    /* Version 0: nothing. */
    memset(&dc, 0, sizeof(dc));
    ck_assert(!ckpt_dirblock_list(b, pool, 0, 1, &dc));
}

START_TEST(test_block_by_version)
{
    check_fixture_block(ckpt_dirblock_make(pool, 8, rows, 6));
}
END_TEST

/* An index file replaced in every one of 10,000 versions, next to a file
 * that never changed: every version finds its own bytes (by binary
 * search within the name, dirblock.c), and listings hold both. */
START_TEST(test_block_long_history)
{
    enum { V = 10000 };
    ckpt_dirblock_row *r = apr_pcalloc(pool, sizeof(*r) * (V + 1));
    const char *sha = NULL;
    apr_off_t size = 0;
    ckpt_dir_content dc;
    ckpt_dirblock *b;
    int v;

    for (v = 1; v <= V; v++) {
        r[v - 1].path = "dists/stable/InRelease";
        r[v - 1].sha256 = apr_psprintf(pool, "%064x", v);
        r[v - 1].size = v;
        r[v - 1].added = v;
        r[v - 1].removed = v < V ? v + 1 : -1;
    }
    r[V].path = "dists/stable/frozen";
    r[V].sha256 = SHA("f");
    r[V].size = 1;
    r[V].added = 1;
    r[V].removed = -1;
    b = ckpt_dirblock_make(pool, V, r, V + 1);
    ck_assert_ptr_nonnull(b);
    for (v = 1; v <= V; v += 333) {
        ck_assert_int_eq(ckpt_dirblock_find(b, pool, v, "InRelease", &sha, &size),
                         CKPT_DIRBLOCK_FILE);
        ck_assert_int_eq((int)size, v);
        ck_assert_str_eq(sha, apr_psprintf(pool, "%064x", v));
        memset(&dc, 0, sizeof(dc));
        ck_assert(ckpt_dirblock_list(b, pool, v, 1, &dc));
        ck_assert_int_eq(dc.files->nelts, 2);
    }
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, V, "InRelease", &sha, &size), CKPT_DIRBLOCK_FILE);
    ck_assert_int_eq((int)size, V);
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, 0, "InRelease", &sha, &size),
                     CKPT_DIRBLOCK_ABSENT);
    ck_assert_int_eq(ckpt_dirblock_find(b, pool, V, "frozen", &sha, &size), CKPT_DIRBLOCK_FILE);
}
END_TEST

START_TEST(test_block_refuses_bad_digests)
{
    ckpt_dirblock_row bad[] = {{"x", "not hex", 1, 1, -1, 0}};
    ck_assert_ptr_null(ckpt_dirblock_make(pool, 1, bad, 1));
}
END_TEST

START_TEST(test_catalog_blocks)
{
    apr_uint64_t t;
    ckpt_catalog *c = fresh(1, SEC(100), &t);
    ckpt_catalog_changes a = changes(REPO_A, 0, 0), all = changes(NULL, 0, 1);
    ckpt_dirblock_kind kind;
    const char *sha;
    apr_off_t size;
    int holds;
    ckpt_dir_content dc;

#define FIND(v, name) ckpt_catalog_block_find(c, pool, REPO_A, "dists", v, name, &kind, &sha, &size)
    ck_assert_int_eq(FIND(3, "Release"), CKPT_CATALOG_UNKNOWN);
    ck_assert(ckpt_catalog_load_block(c, pool, REPO_A, "dists", 3));
    ck_assert(!ckpt_catalog_load_block(c, pool, REPO_A, "dists", 3)); /* one loader */
    ckpt_catalog_set_block(c, pool, t, REPO_A, "dists", 8, rows, 6);
    ck_assert_int_eq(FIND(3, "Release"), CKPT_CATALOG_FOUND);
    ck_assert_int_eq(kind, CKPT_DIRBLOCK_FILE);
    ck_assert_str_eq(sha, SHA("b"));
    memset(&dc, 0, sizeof(dc));
    ck_assert_int_eq(ckpt_catalog_block_list(c, pool, REPO_A, "dists", 2, &holds, &dc),
                     CKPT_CATALOG_FOUND);
    ck_assert(holds);
    /* A newer version than the block knows: load again. */
    ck_assert_int_eq(FIND(9, "Release"), CKPT_CATALOG_UNKNOWN);
    /* A checkpoint of the repository does not make a block wrong. */
    read_gen(c, 2, SEC(101), &a, &t);
    ck_assert_int_eq(FIND(3, "Release"), CKPT_CATALOG_FOUND);
    /* A directory too big to keep: asked per path, for good. */
    ck_assert(ckpt_catalog_load_block(c, pool, REPO_A, "big", 1));
    ckpt_catalog_set_block(c, pool, t, REPO_A, "big", 8, NULL, 0);
    ck_assert_int_eq(ckpt_catalog_block_find(c, pool, REPO_A, "big", 99, "x", &kind, &sha, &size),
                     CKPT_CATALOG_ABSENT);
    ck_assert(!ckpt_catalog_load_block(c, pool, REPO_A, "big", 99));
    /* A gap in the record forgets blocks too. */
    read_gen(c, 5, SEC(102), &all, &t);
    ck_assert_int_eq(FIND(3, "Release"), CKPT_CATALOG_UNKNOWN);
#undef FIND
}
END_TEST

START_TEST(test_blocks_bounded)
{
    apr_uint64_t t;
    ckpt_catalog *c = make(64 * 1024);
    ckpt_catalog_stats st;
    ckpt_dirblock_kind kind;
    const char *sha;
    apr_off_t size;
    int i;

    read_gen(c, 1, SEC(100), NULL, &t);
    for (i = 0; i < 500; i++) {
        const char *dir = apr_psprintf(pool, "d%d", i);
        ck_assert(ckpt_catalog_load_block(c, pool, REPO_A, dir, 1));
        ckpt_catalog_set_block(c, pool, t, REPO_A, dir, 8, rows, 6);
        ck_assert_int_eq(ckpt_catalog_block_find(c, pool, REPO_A, "d0", 3, "Release", &kind,
                                                 &sha, &size) == CKPT_CATALOG_FOUND, 1);
        ckpt_catalog_get_stats(c, &st);
        ck_assert_uint_le(st.list_bytes, 64 * 1024);
    }
    ck_assert_uint_gt(st.list_evictions, 0);
    ck_assert_int_eq(ckpt_catalog_block_find(c, pool, REPO_A, "d1", 3, "Release", &kind, &sha,
                                             &size), CKPT_CATALOG_UNKNOWN);
}
END_TEST

/* ---- the shared store ---- */

/* The packed form answers as the block does; anything else is refused. */
START_TEST(test_block_pack)
{
    ckpt_dirblock *b = ckpt_dirblock_make(pool, 8, rows, 6), *u;
    apr_size_t len;
    unsigned char *packed = ckpt_dirblock_pack(b, pool, &len), *bad;
    ckpt_dir_content dc;

    ck_assert_uint_eq(ckpt_dirblock_packed_size(b), len);
    u = ckpt_dirblock_unpack(pool, packed, len);
    check_fixture_block(u);
    ck_assert_uint_eq(ckpt_dirblock_bytes(u), ckpt_dirblock_bytes(b));
    /* cut short, one byte more, another magic */
    ck_assert_ptr_null(ckpt_dirblock_unpack(pool, packed, len - 1));
    bad = apr_pcalloc(pool, len + 1);
    memcpy(bad, packed, len);
    ck_assert_ptr_null(ckpt_dirblock_unpack(pool, bad, len + 1));
    bad[0] ^= 1;
    ck_assert_ptr_null(ckpt_dirblock_unpack(pool, bad, len));
    /* names out of order: binary search would miss them */
    memcpy(bad, packed, len);
    memcpy(bad + len - 4, "aaa", 3); /* the last name, "old", as "aaa" */
    ck_assert_ptr_null(ckpt_dirblock_unpack(pool, bad, len));
    /* an empty block */
    b = ckpt_dirblock_make(pool, 3, rows, 0);
    packed = ckpt_dirblock_pack(b, pool, &len);
    ck_assert_uint_eq(ckpt_dirblock_packed_size(b), len);
    /* read from a copy of exactly its length (malloc'd, so that ASan sees
     * a read past it) */
    bad = malloc(len);
    memcpy(bad, packed, len);
    u = ckpt_dirblock_unpack(pool, bad, len);
    free(bad);
    ck_assert_ptr_nonnull(u);
    memset(&dc, 0, sizeof(dc));
    ck_assert(!ckpt_dirblock_list(u, pool, 2, 1, &dc));
}
END_TEST

/* A store in a hash, as the module's socache is: what gets put is copied. */
typedef struct {
    apr_hash_t *h;
    int gets, puts;
} test_store;

static const unsigned char *store_get(void *baton, apr_pool_t *p, const char *key,
                                      apr_size_t *len)
{
    test_store *st = baton;
    const apr_array_header_t *v = apr_hash_get(st->h, key, APR_HASH_KEY_STRING);

    st->gets++;
    if (!v) {
        return NULL;
    }
    *len = (apr_size_t)v->nelts;
    return apr_pmemdup(p, v->elts, *len);
}

static void store_put(void *baton, apr_pool_t *p, const char *key, const unsigned char *data,
                      apr_size_t len)
{
    test_store *st = baton;
    apr_array_header_t *v = apr_array_make(pool, (int)len, 1);

    (void)p;
    memcpy(v->elts, data, len);
    v->nelts = (int)len;
    apr_hash_set(st->h, apr_pstrdup(pool, key), APR_HASH_KEY_STRING, v);
    st->puts++;
}

/* A catalog on store st that has read generation gen. */
static ckpt_catalog *shared_catalog(const ckpt_catalog_shared *sh, apr_int64_t gen,
                                    apr_uint64_t *ticket)
{
    ckpt_catalog *c = make_on(1 << 20, sh);

    ck_assert_int_eq(ckpt_catalog_begin(c, SEC(100), ticket), CKPT_CATALOG_CHECK);
    ckpt_catalog_checked(c, gen, NULL, SEC(100), ticket);
    return c;
}

/* What one catalog loads, another takes from the store without a load;
 * not when it was loaded before the taker's first reading or before a
 * reading that forgot everything, nor for a version above its own. */
START_TEST(test_catalog_shared_blocks)
{
    test_store st = {apr_hash_make(pool), 0, 0};
    ckpt_catalog_shared sh = {&st, store_get, store_put, "db1"};
    apr_uint64_t t1, t2, t3;
    ckpt_catalog *c1 = shared_catalog(&sh, 1, &t1), *c2 = shared_catalog(&sh, 1, &t2), *c3;
    ckpt_catalog_changes all = changes(NULL, 0, 1);
    ckpt_catalog_stats s1, s2;
    ckpt_dirblock_kind kind;
    const char *sha;
    apr_off_t size;

    ck_assert(ckpt_catalog_load_block(c1, pool, REPO_A, "dists", 3));
    ck_assert(!ckpt_catalog_block_from_shared(c1, pool, t1, REPO_A, "dists", 3));
    ckpt_catalog_set_block(c1, pool, t1, REPO_A, "dists", 8, rows, 6);
    ck_assert_int_eq(st.puts, 1);
    ck_assert_ptr_nonnull(apr_hash_get(st.h, "db1:" REPO_A ":dists", APR_HASH_KEY_STRING));
    /* c2 takes it */
    ck_assert(ckpt_catalog_load_block(c2, pool, REPO_A, "dists", 3));
    ck_assert(ckpt_catalog_block_from_shared(c2, pool, t2, REPO_A, "dists", 3));
    ck_assert_int_eq(ckpt_catalog_block_find(c2, pool, REPO_A, "dists", 3, "Release", &kind,
                                             &sha, &size), CKPT_CATALOG_FOUND);
    ck_assert_str_eq(sha, SHA("b"));
    ck_assert(!ckpt_catalog_load_block(c2, pool, REPO_A, "dists", 5)); /* known now */
    ckpt_catalog_get_stats(c1, &s1);
    ckpt_catalog_get_stats(c2, &s2);
    ck_assert_uint_eq(s1.block_loads, 1);
    ck_assert_uint_eq(s1.shared_hits, 0);
    ck_assert_uint_eq(s2.block_loads, 0);
    ck_assert_uint_eq(s2.shared_hits, 1);
    ck_assert_uint_eq(s2.blocks, 1);
    /* version 9 is above what the shared block covers: c2 must read it */
    ck_assert(ckpt_catalog_load_block(c2, pool, REPO_A, "dists", 9));
    ck_assert(!ckpt_catalog_block_from_shared(c2, pool, t2, REPO_A, "dists", 9));
    ckpt_catalog_set_block(c2, pool, t2, REPO_A, "dists", -1, NULL, 0); /* the load failed */
    /* a catalog whose first reading came later does not vouch for it */
    c3 = shared_catalog(&sh, 2, &t3);
    ck_assert(ckpt_catalog_load_block(c3, pool, REPO_A, "dists", 3));
    ck_assert(!ckpt_catalog_block_from_shared(c3, pool, t3, REPO_A, "dists", 3));
    ckpt_catalog_set_block(c3, pool, t3, REPO_A, "dists", 8, rows, 6); /* stored as of 2 */
    /* nor one that forgot everything since */
    read_gen(c2, 5, SEC(101), &all, &t2);
    ck_assert(ckpt_catalog_load_block(c2, pool, REPO_A, "dists", 3));
    ck_assert(!ckpt_catalog_block_from_shared(c2, pool, t2, REPO_A, "dists", 3));
    ckpt_catalog_set_block(c2, pool, t2, REPO_A, "dists", 8, rows, 6);
    ck_assert_int_eq(st.puts, 3);
    /* while c1, which forgot everything at 5 too, takes what c2 stored as of 5 */
    read_gen(c1, 5, SEC(102), &all, &t1);
    ck_assert(ckpt_catalog_load_block(c1, pool, REPO_A, "dists", 3));
    ck_assert(ckpt_catalog_block_from_shared(c1, pool, t1, REPO_A, "dists", 3));
    ck_assert_int_eq(st.puts, 3);
    read_gen(c3, 3, SEC(103), NULL, &t3);
    ck_assert(ckpt_catalog_load_block(c3, pool, REPO_A, "other", 3));
    ck_assert(!ckpt_catalog_block_from_shared(c3, pool, t3, REPO_A, "other", 3)); /* none */
}
END_TEST

/* Threads that read, check, load and forget at once, under ASan in CI. */
#if APR_HAS_THREADS
typedef struct {
    ckpt_catalog *c;
    int bad;
} worker_arg;

static void one_round(worker_arg *w, apr_pool_t *p, int i)
{
    apr_uint64_t t;
    ckpt_answer got;
    const ckpt_publication *pb;
    const char *repo = i % 2 ? REPO_A : REPO_B, *key = apr_psprintf(p, "k%d", i % 300);
    ckpt_catalog_state st = ckpt_catalog_begin(w->c, SEC(100) + i, &t);

    if (st == CKPT_CATALOG_CHECK) {
        ckpt_catalog_changes ch;
        memset(&ch, 0, sizeof(ch));
        ch.repositories = apr_array_make(p, 1, sizeof(const char *));
        APR_ARRAY_PUSH(ch.repositories, const char *) = repo;
        ckpt_catalog_checked(w->c, i / 1000, &ch, SEC(100) + i, &t);
        return;
    }
    if (st != CKPT_CATALOG_USE) {
        return;
    }
    if (ckpt_catalog_answer_get(w->c, key, p, &got)) {
        w->bad += strcmp(got.sha256, key) != 0;
    }
    else {
        ckpt_answer a = answer(key, repo);
        ckpt_catalog_answer_put(w->c, t, key, &a);
    }
    if (ckpt_catalog_checkpoint_at(w->c, p, repo, 1050, &pb) == CKPT_CATALOG_UNKNOWN
        && ckpt_catalog_load_checkpoints(w->c, p, repo)) {
        apr_array_header_t *a = apr_array_make(p, 100, sizeof(ckpt_publication));
        int k;
        for (k = 0; k < 100; k++) {
            *(ckpt_publication *)apr_array_push(a) = pub("x", repo, 1000 + k);
        }
        ckpt_catalog_set_checkpoints(w->c, p, t, repo, a);
    }
    else if (ckpt_catalog_checkpoint_at(w->c, p, repo, 1050, &pb) == CKPT_CATALOG_FOUND) {
        w->bad += pb->created_sec != 1050;
    }
}

static void *APR_THREAD_FUNC worker(apr_thread_t *th, void *data)
{
    worker_arg *w = data;
    apr_pool_t *p;
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 20000; i++) {
        one_round(w, p, i);
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
    ckpt_catalog *c;
    ckpt_catalog_conf conf = {0};
    apr_thread_t *th[4];
    worker_arg w[4];
    apr_status_t rv;
    int i;

    conf.cache_bytes = 32 * 1024;
    conf.list_bytes = 32 * 1024;
    conf.refresh = apr_time_from_sec(100000);
    ck_assert_int_eq(ckpt_catalog_create(&c, pool, &conf), APR_SUCCESS);
    for (i = 0; i < 4; i++) {
        w[i].c = c;
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

static Suite *catalog_suite(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_first_request_checks);
    tcase_add_test(tc, test_failed_check_lets_the_next_try);
    tcase_add_test(tc, test_standby_reading);
    tcase_add_test(tc, test_refresh_interval);
    tcase_add_test(tc, test_change_forgets_only_its_repository);
    tcase_add_test(tc, test_distributions_by_longest_prefix);
    tcase_add_test(tc, test_distributions_forgotten);
    tcase_add_test(tc, test_unknown_change_forgets_everything);
    tcase_add_test(tc, test_stale_results_refused);
    tcase_add_test(tc, test_checkpoint_by_second);
    tcase_add_test(tc, test_lists_bounded);
    tcase_add_test(tc, test_block_by_version);
    tcase_add_test(tc, test_block_refuses_bad_digests);
    tcase_add_test(tc, test_catalog_blocks);
    tcase_add_test(tc, test_block_long_history);
    tcase_add_test(tc, test_blocks_bounded);
    tcase_add_test(tc, test_block_pack);
    tcase_add_test(tc, test_catalog_shared_blocks);
#if APR_HAS_THREADS
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_threads);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(catalog_suite, NULL);
}
