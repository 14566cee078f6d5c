/* Content resolution without a database: SPEC §2's tables, row by row,
 * against a source made of a few C arrays (resolve.h's seam), and the
 * candidate base paths of a request, sent as one Postgres array. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "listing.h"
#include "resolve.h"
#include "timestamp.h"

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

typedef struct {
    const char *path;
    const char *want;
} prefix_case;

static const prefix_case prefix_cases[] = {
    {"a", "{\"a\"}"},
    {"a/b", "{\"a\",\"a/b\"}"},
    {"foo/20250130T203000Z/dists/Release",
     "{\"foo\",\"foo/20250130T203000Z\",\"foo/20250130T203000Z/dists\","
     "\"foo/20250130T203000Z/dists/Release\"}"},
    /* Quotes and backslashes are escaped, commas and braces are inside quotes. */
    {"q\"x/b\\s", "{\"q\\\"x\",\"q\\\"x/b\\\\s\"}"},
    {"a,b/{c}", "{\"a,b\",\"a,b/{c}\"}"},
    {"sp ace/NULL", "{\"sp ace\",\"sp ace/NULL\"}"},
};

START_TEST(test_prefixes_table)
{
    const prefix_case *c = &prefix_cases[_i];
    ck_assert_str_eq(ckpt_resolve_prefixes(pool, c->path), c->want);
}
END_TEST

START_TEST(test_prefixes_bounded)
{
    /* 200 segments: only the first CKPT_BASE_PATH_MAX_SEGMENTS count. */
    char *path = apr_pstrdup(pool, "d");
    const char *s;
    int i, elements = 0;

    for (i = 1; i < 200; i++) {
        path = apr_pstrcat(pool, path, "/d", NULL);
    }
    s = ckpt_resolve_prefixes(pool, path);
    for (; *s; s++) {
        elements += *s == ',';
    }
    ck_assert_int_eq(elements + 1, CKPT_BASE_PATH_MAX_SEGMENTS);
}
END_TEST


/* ---- a world of a few arrays ---- */

/* 2025-01-30T20:30:00Z and two more checkpoints after it. */
#define T0 APR_INT64_C(1738269000)
#define T1 (T0 + 60)
#define T2 (T0 + 3600)
#define NOW (T2 + 100)

typedef struct {
    int version;
    const char *path, *sha;
} unit;

static const unit units[] = {
    {1, "dists/stable/Release", "r1"}, {1, "pool/a.deb", "a1"},
    {2, "dists/stable/Release", "r2"}, {2, "pool/a.deb", "a1"}, {2, "pool/b.deb", "b2"},
    {2, "docs/index.html", "i2"},      {2, "docs/guide.txt", "g2"},
    {3, "dists/stable/Release", "r3"}, {3, "pool/b.deb", "b2"},  {3, "docs/index.html", "i2"},
};

static const ckpt_publication pubs[] = {
    {"p1", "R1", "1", "PULP_MANIFEST", "m1", 11, T0},
    {"p2", "R1", "2", "PULP_MANIFEST", "m2", 22, T1},
    {"p3", "R1", "3", "meta/x/MANIFEST", "m3", 33, T2},
};

static const ckpt_distribution dists[] = {
    {"debian", 1, "R1", NULL},
    {"empty", 1, "R2", NULL},
    {"tools", 0, "R1", &pubs[1]},
    {"nopub", 0, "R1", NULL},
    {"a/b", 0, "R1", &pubs[0]},
};

static int calls;

static ckpt_rc fake_distribution(void *b, apr_pool_t *p, const char *path,
                                 const ckpt_distribution **out)
{
    size_t i, best = 0;

    calls++;
    *out = NULL;
    for (i = 0; i < N(dists); i++) {
        size_t n = strlen(dists[i].base_path);
        if (!strncmp(path, dists[i].base_path, n) && (path[n] == '/' || !path[n]) && n > best) {
            *out = &dists[i];
            best = n;
        }
    }
    return *out ? CKPT_OK : CKPT_NOTFOUND;
}

static ckpt_rc fake_checkpoint_at(void *b, apr_pool_t *p, const char *repo, apr_int64_t sec,
                                  const ckpt_publication **out)
{
    size_t i;

    calls++;
    *out = NULL;
    for (i = 0; i < N(pubs); i++) {
        if (!strcmp(pubs[i].repository_id, repo) && pubs[i].created_sec <= sec) {
            *out = &pubs[i];
        }
    }
    return *out ? CKPT_OK : CKPT_NOTFOUND;
}

static ckpt_rc fake_checkpoint_times(void *b, apr_pool_t *p, const char *repo,
                                     apr_array_header_t **secs)
{
    size_t i;

    calls++;
    *secs = apr_array_make(p, 4, sizeof(apr_int64_t));
    for (i = 0; i < N(pubs); i++) {
        if (!strcmp(pubs[i].repository_id, repo)) {
            APR_ARRAY_PUSH(*secs, apr_int64_t) = pubs[i].created_sec;
        }
    }
    return CKPT_OK;
}

static ckpt_rc fake_checkpoint_list(void *b, apr_pool_t *p, const char *repo, apr_int64_t from,
                                    apr_int64_t until, apr_array_header_t **out)
{
    size_t i;

    calls++;
    *out = apr_array_make(p, 4, sizeof(ckpt_publication));
    for (i = 0; i < N(pubs); i++) {
        if (!strcmp(pubs[i].repository_id, repo) && pubs[i].created_sec >= from
            && pubs[i].created_sec <= until) {
            APR_ARRAY_PUSH(*out, ckpt_publication) = pubs[i];
        }
    }
    return CKPT_OK;
}

static ckpt_rc fake_checkpoint_nav(void *b, apr_pool_t *p, const char *repo, apr_int64_t sec,
                                   ckpt_nav *out)
{
    size_t i;

    calls++;
    out->first = out->prev = out->next = out->last = CKPT_NO_SEC;
    for (i = 0; i < N(pubs); i++) {
        apr_int64_t t = pubs[i].created_sec;
        if (strcmp(pubs[i].repository_id, repo) != 0) {
            continue;
        }
        out->first = out->first == CKPT_NO_SEC ? t : out->first;
        out->last = t;
        out->prev = t < sec ? t : out->prev;
        out->next = t > sec && out->next == CKPT_NO_SEC ? t : out->next;
    }
    return CKPT_OK;
}

static int under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return !n || (!strncmp(path, dir, n) && path[n] == '/');
}

static ckpt_rc fake_path(void *b, apr_pool_t *p, const ckpt_publication *pub, const char *path,
                         const char **sha256, apr_off_t *size, int *is_dir)
{
    int v = atoi(pub->version_number);
    size_t i;

    calls++;
    *is_dir = 0;
    for (i = 0; i < N(units); i++) {
        if (units[i].version == v && !strcmp(units[i].path, path)) {
            *sha256 = units[i].sha;
            *size = 100;
            return CKPT_OK;
        }
        *is_dir |= units[i].version == v && under(units[i].path, path);
    }
    return *is_dir ? CKPT_OK : CKPT_NOTFOUND;
}

static ckpt_rc fake_dir(void *b, apr_pool_t *p, const ckpt_publication *pub, const char *dir,
                        const char *index, ckpt_dir_content *out)
{
    int v = atoi(pub->version_number);
    size_t i, n = strlen(dir);
    apr_hash_t *seen = apr_hash_make(p);

    calls++;
    out->files = apr_array_make(p, 4, sizeof(ckpt_listing_entry));
    out->dirs = apr_array_make(p, 4, sizeof(const char *));
    for (i = 0; i < N(units); i++) {
        const char *rest, *slash;
        if (units[i].version != v || !under(units[i].path, dir)) {
            continue;
        }
        if (!strcmp(units[i].path, index)) {
            out->index_sha256 = units[i].sha;
            out->index_size = 100;
            return CKPT_OK;
        }
        rest = units[i].path + (n ? n + 1 : 0);
        slash = strchr(rest, '/');
        if (!slash) {
            ckpt_listing_entry *e = apr_array_push(out->files);
            memset(e, 0, sizeof(*e));
            e->name = rest;
            e->size = 100;
        }
        else if (!apr_hash_get(seen, rest, slash - rest)) {
            apr_hash_set(seen, rest, slash - rest, "");
            APR_ARRAY_PUSH(out->dirs, const char *) = apr_pstrmemdup(p, rest, slash - rest);
        }
    }
    return out->files->nelts + out->dirs->nelts ? CKPT_OK : CKPT_NOTFOUND;
}

static ckpt_source fake(apr_int64_t asof)
{
    ckpt_source s;

    memset(&s, 0, sizeof(s));
    s.distribution = fake_distribution;
    s.checkpoint_at = fake_checkpoint_at;
    s.checkpoint_times = fake_checkpoint_times;
    s.checkpoint_list = fake_checkpoint_list;
    s.checkpoint_nav = fake_checkpoint_nav;
    s.path = fake_path;
    s.dir = fake_dir;
    s.asof_sec = asof;
    return s;
}

/* ---- SPEC §2, row by row ---- */

/* What a request answers: 404, a file (its digest), a redirect (where
 * to, with @ for a timestamp placeholder), or a listing (its names, in
 * order, space-separated). */
typedef enum { NOTFOUND, FILE_, REDIRECT, LISTING } want_kind;

typedef struct {
    const char *rest;    /* @0 @1 @2: the checkpoints' stamps, @s a second after T0 */
    want_kind kind;
    const char *what;
    int immutable;
} spec_row;

static const spec_row spec_rows[] = {
    /* Checkpoint distributions */
    {"debian", REDIRECT, "debian/", 0},
    {"debian/", LISTING, "@0 @1 @2", 0},
    {"debian/@1", REDIRECT, "debian/@1/", 0},
    {"debian/@0/", LISTING, "PULP_MANIFEST dists pool", 1},
    {"debian/@0/dists/stable/Release", FILE_, "r1", 1},
    {"debian/@1/dists/stable/Release", FILE_, "r2", 1},
    {"debian/@2/dists/stable/Release", FILE_, "r3", 1},
    {"debian/@s/dists/stable/Release?", REDIRECT, "debian/@0/dists/stable/Release", 0},
    {"debian/@s", REDIRECT, "debian/@0/", 0},
    {"debian/@s/pool/", REDIRECT, "debian/@0/pool/", 0},
    {"debian/20250130T203000Z/pool/a.deb", FILE_, "a1", 1},
    {"debian/20250130T202959Z/pool/a.deb", NOTFOUND, NULL, 0}, /* before the first */
    {"debian/20991231T000000Z/pool/a.deb", NOTFOUND, NULL, 0}, /* the future */
    {"debian/20250130T203000z/pool/a.deb", NOTFOUND, NULL, 0}, /* lowercase z */
    {"debian/invalid_ts/pool/a.deb", NOTFOUND, NULL, 0},
    {"debian/20259928T092752Z/pool/a.deb", NOTFOUND, NULL, 0}, /* no such date */
    {"debian/2025013T203000Z/pool/a.deb", NOTFOUND, NULL, 0},   /* 15 characters */
    {"empty/", LISTING, "", 0},
    {"empty/20250130T203000Z/x", NOTFOUND, NULL, 0},
    /* Paths inside a publication */
    {"debian/@1/pool", REDIRECT, "debian/@1/pool/", 0},
    {"debian/@1/pool/", LISTING, "a.deb b.deb", 1},
    {"debian/@1/docs/", FILE_, "i2", 1},             /* its index.html */
    {"debian/@1/docs/guide.txt", FILE_, "g2", 1},
    {"debian/@2/pool/a.deb", NOTFOUND, NULL, 0},      /* removed in version 3 */
    {"debian/@1/nothing/", NOTFOUND, NULL, 0},
    {"debian/@1/nothing", NOTFOUND, NULL, 0},
    {"debian/@1/pool/a.deb/", NOTFOUND, NULL, 0},     /* a file is no directory */
    {"debian/@0/PULP_MANIFEST", FILE_, "m1", 1},
    {"debian/@2/meta", REDIRECT, "debian/@2/meta/", 0}, /* the manifest's directories */
    {"debian/@2/meta/", LISTING, "x", 1},
    {"debian/@2/meta/x/", LISTING, "MANIFEST", 1},
    {"debian/@2/meta/x/MANIFEST", FILE_, "m3", 1},
    {"debian/@2/", LISTING, "dists docs meta pool", 1}, /* its manifest is meta/x/MANIFEST */
    /* Refused paths */
    {"debian/@1/../@0/pool/a.deb", NOTFOUND, NULL, 0},
    {"debian/@1/./pool/a.deb", NOTFOUND, NULL, 0},
    {"debian/@1//pool/a.deb", NOTFOUND, NULL, 0},
    /* Plain distributions */
    {"tools", REDIRECT, "tools/", 0},
    {"tools/dists/stable/Release", FILE_, "r2", 0},
    {"tools/pool/", LISTING, "a.deb b.deb", 0},
    {"tools/@1/dists/stable/Release", NOTFOUND, NULL, 0}, /* no time travel here */
    {"nopub/x", NOTFOUND, NULL, 0},
    {"a/b/pool/a.deb", FILE_, "a1", 0},                   /* a base path of two segments */
    {"a/bc/pool/a.deb", NOTFOUND, NULL, 0},               /* segments, not characters */
    {"unknown/x", NOTFOUND, NULL, 0},
    {"", NOTFOUND, NULL, 0},
};

/* Replaces @0 @1 @2 (the checkpoints' stamps) and @s (T0 + 30 s). */
static const char *stamps(const char *s)
{
    const char *out = "";
    char ts[CKPT_TS_LEN + 1];

    for (; s && *s; s++) {
        if (*s == '@' && (s[1] == '0' || s[1] == '1' || s[1] == '2' || s[1] == 's')) {
            apr_int64_t t = s[1] == 's' ? T0 + 30 : pubs[s[1] - '0'].created_sec;
            ckpt_ts_format(t, ts);
            out = apr_pstrcat(pool, out, ts, NULL);
            s++;
        }
        else if (*s != '?') {
            out = apr_pstrcat(pool, out, apr_pstrndup(pool, s, 1), NULL);
        }
    }
    return out;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of a listing, sorted (the page sorts them). */
static const char *names(const apr_array_header_t *entries)
{
    apr_array_header_t *n = apr_array_make(pool, 8, sizeof(const char *));
    int i;

    for (i = 0; i < entries->nelts; i++) {
        APR_ARRAY_PUSH(n, const char *) = APR_ARRAY_IDX(entries, i, ckpt_listing_entry).name;
    }
    qsort(n->elts, (size_t)n->nelts, sizeof(const char *), by_name);
    return apr_array_pstrcat(pool, n, ' ');
}

START_TEST(test_spec_table)
{
    const spec_row *row = &spec_rows[_i];
    ckpt_source src = fake(NOW);
    ckpt_answer a;
    ckpt_rc rc = ckpt_resolve_request(&src, pool, stamps(row->rest), NOW, &a);

    if (row->kind == NOTFOUND) {
        ck_assert_msg(rc == CKPT_NOTFOUND, "%s: want 404, got %d", stamps(row->rest), rc);
        return;
    }
    ck_assert_msg(rc == CKPT_OK, "%s: rc %d", stamps(row->rest), rc);
    switch (row->kind) {
    case FILE_:
        ck_assert_int_eq(a.kind, CKPT_ANSWER_FILE);
        ck_assert_str_eq(a.sha256, row->what);
        break;
    case REDIRECT:
        ck_assert_int_eq(a.kind, CKPT_ANSWER_REDIRECT);
        ck_assert_str_eq(a.location, stamps(row->what));
        ck_assert_int_eq(a.settling, 0);
        break;
    default:
        ck_assert_int_eq(a.kind, CKPT_ANSWER_LISTING);
        ck_assert_str_eq(names(a.entries), stamps(row->what));
        break;
    }
    ck_assert_int_eq(a.immutable, row->immutable);
    /* Whose publications it comes from, for the cache (a redirect to a
     * base path's '/' depends on none). */
    if (row->kind != REDIRECT || strcmp(row->what + strlen(row->what) - 1, "/")
        || strchr(row->what, '/') != row->what + strlen(row->what) - 1) {
        ck_assert_ptr_nonnull(a.repository_id);
    }
}
END_TEST

/* A redirect for a second a checkpoint may still take: recent, measured
 * from when the source's data was read, not from now. */
START_TEST(test_settling)
{
    char ts[CKPT_TS_LEN + 1];
    ckpt_source src = fake(NOW);
    ckpt_answer a;

    ckpt_ts_format(NOW - 1, ts);
    ck_assert_int_eq(ckpt_resolve_request(&src, pool, apr_pstrcat(pool, "debian/", ts, "/x", NULL),
                                          NOW, &a), CKPT_OK);
    ck_assert_int_eq(a.settling, 1);
    ckpt_ts_format(NOW - 5, ts);
    ck_assert_int_eq(ckpt_resolve_request(&src, pool, apr_pstrcat(pool, "debian/", ts, "/x", NULL),
                                          NOW, &a), CKPT_OK);
    ck_assert_int_eq(a.settling, 0);
    src = fake(NOW - 4); /* what it knows is four seconds old */
    ck_assert_int_eq(ckpt_resolve_request(&src, pool, apr_pstrcat(pool, "debian/", ts, "/x", NULL),
                                          NOW, &a), CKPT_OK);
    ck_assert_int_eq(a.settling, 1);
}
END_TEST

/* A file under an exact checkpoint: the distribution, the checkpoint, one
 * path lookup and its neighbours for the Link header (which the catalog
 * answers without a query), nothing more. */
START_TEST(test_lookups_per_file)
{
    ckpt_source src = fake(NOW);
    ckpt_answer a;

    calls = 0;
    ck_assert_int_eq(ckpt_resolve_request(&src, pool, stamps("debian/@1/pool/b.deb"), NOW, &a),
                     CKPT_OK);
    ck_assert_int_eq(calls, 4);
    calls = 0;
    ck_assert_int_eq(ckpt_resolve_request(&src, pool, stamps("debian/@s/pool/b.deb"), NOW, &a),
                     CKPT_OK);
    ck_assert_int_eq(calls, 2); /* a redirect reads no file */
}
END_TEST

/* ---- issue 12: time travel beyond one checkpoint, row by row ---- */

typedef enum { TT_404, TT_400, TT_FILE, TT_301, TT_302, TT_PAGE, TT_HISTORY, TT_LISTING } tt_kind;

typedef struct {
    const char *rest;
    int serve;                  /* CheckpointInexact Serve */
    const char *accept_datetime;
    int json;                   /* Accept: application/json */
    const char *args;
    tt_kind kind;
    const char *what;           /* digest, Location, media type, listing names */
} tt_row;

static const tt_row tt_rows[] = {
    /* The TimeGate: 302 to the checkpoint then, if the path is there. */
    {"debian/dists/stable/Release", 0, NULL, 0, NULL, TT_302, "debian/@2/dists/stable/Release"},
    {"debian/dists/stable/Release", 0, "Thu, 30 Jan 2025 20:30:30 GMT", 0, NULL, TT_302,
     "debian/@0/dists/stable/Release"},
    {"debian/docs/", 0, " Thu, 30 Jan 2025 21:00:00 GMT ", 0, NULL, TT_302, "debian/@1/docs/"},
    {"debian/pool/b.deb", 0, "Thu, 30 Jan 2025 20:30:30 GMT", 0, NULL, TT_404, NULL},
    {"debian/pool/a.deb", 0, "Thu, 30 Jan 2025 20:29:59 GMT", 0, NULL, TT_404, NULL},
    {"debian/pool/a.deb", 0, "Thursday, 30-Jan-25 20:30:30 GMT", 0, NULL, TT_400, NULL},
    {"debian/pool/a.deb", 0, "yesterday", 0, NULL, TT_400, NULL},
    {"debian/PULP_MANIFEST", 0, NULL, 0, NULL, TT_404, NULL}, /* the newest is meta/x/MANIFEST */
    {"debian/meta/x/MANIFEST", 0, NULL, 0, NULL, TT_302, "debian/@2/meta/x/MANIFEST"},
    {"debian/invalid_ts/pool/a.deb", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/2025013OT203000Z/a", 0, NULL, 0, NULL, TT_404, NULL},
    /* Days: the end of that UTC day, today by now. */
    {"debian/20250130/pool/b.deb", 0, NULL, 0, NULL, TT_301, "debian/@2/pool/b.deb"},
    {"debian/20250130", 0, NULL, 0, NULL, TT_301, "debian/@2/"},
    {"debian/20250129/pool/a.deb", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/20250131/pool/a.deb", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/20250230/pool/a.deb", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/2025013/pool/a.deb", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/20250130T20300Z/pool/a.deb", 0, NULL, 0, NULL, TT_404, NULL},
    /* CheckpointInexact Serve: files in place, directories keep a 301. */
    {"debian/@s/pool/a.deb", 1, NULL, 0, NULL, TT_FILE, "a1"},
    {"debian/20250130/pool/b.deb", 1, NULL, 0, NULL, TT_FILE, "b2"},
    {"debian/@s/pool", 1, NULL, 0, NULL, TT_301, "debian/@0/pool/"},
    {"debian/@s/pool/", 1, NULL, 0, NULL, TT_301, "debian/@0/pool/"},
    {"debian/@s", 1, NULL, 0, NULL, TT_301, "debian/@0/"},
    {"debian/@s/nothing", 1, NULL, 0, NULL, TT_404, NULL},
    {"debian/@0/pool/a.deb", 1, NULL, 0, NULL, TT_FILE, "a1"},
    /* Reserved names. */
    {"debian/timemap/link/", 0, NULL, 0, NULL, TT_PAGE, "application/link-format"},
    {"debian/timemap/json/", 0, NULL, 0, NULL, TT_PAGE, "application/json"},
    {"debian/timemap/link/pool/a.deb", 0, NULL, 0, NULL, TT_HISTORY, "pool/a.deb"},
    {"debian/timemap/json/pool/a.deb", 0, NULL, 0, NULL, TT_HISTORY, "pool/a.deb"},
    {"debian/timemap/link/pool/", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/timemap/json/", 0, NULL, 0, "sha256=" "0123456789abcdef0123456789abcdef"
                                         "0123456789abcdef0123456789abcdef", TT_HISTORY, ""},
    {"debian/timemap/json/", 0, NULL, 0, "sha256=nothex", TT_400, NULL},
    {"debian/timemap/xml/a", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/timemap", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/diff/@0/@2/", 0, NULL, 0, NULL, TT_HISTORY, ""},
    {"debian/diff/@s/20250130/dists", 0, NULL, 0, NULL, TT_HISTORY, "dists"},
    {"debian/diff/@0", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/diff/@0/20250129T000000Z/", 0, NULL, 0, NULL, TT_404, NULL},
    {"debian/diff/@0/junk/", 0, NULL, 0, NULL, TT_404, NULL},
    /* The index as data, and a range of it. */
    {"debian/", 0, NULL, 1, NULL, TT_PAGE, "application/json"},
    {"debian/", 0, NULL, 0, "from=20250130T203100Z", TT_LISTING, "@1 @2"},
    {"debian/", 0, NULL, 0, "until=20250130T203100Z&x=1", TT_LISTING, "@0 @1"},
    {"debian/", 0, NULL, 0, "from=20250131", TT_LISTING, ""},
    {"debian/", 0, NULL, 0, "from=junk", TT_400, NULL},
    {"empty/", 0, NULL, 1, NULL, TT_PAGE, "application/json"},
};

static ckpt_rc tt_resolve(const tt_row *row, ckpt_answer *a)
{
    ckpt_source src = fake(NOW);
    ckpt_request rq;

    memset(&rq, 0, sizeof(rq));
    rq.now_sec = NOW;
    rq.inexact_serve = row->serve;
    rq.accept_datetime = row->accept_datetime;
    rq.want_json = row->json;
    rq.args = row->args;
    rq.url_prefix = "/c";
    rq.api_root = "/api/";
    return ckpt_resolve(&src, pool, stamps(row->rest), &rq, a);
}

START_TEST(test_time_travel_table)
{
    const tt_row *row = &tt_rows[_i];
    ckpt_answer a;
    ckpt_rc rc = tt_resolve(row, &a);
    const char *name = stamps(row->rest);

    if (row->kind == TT_404 || row->kind == TT_400) {
        ck_assert_msg(rc == (row->kind == TT_404 ? CKPT_NOTFOUND : CKPT_INVALID),
                      "%s: want %s, got %d", name, row->kind == TT_404 ? "404" : "400", rc);
        return;
    }
    ck_assert_msg(rc == CKPT_OK, "%s: rc %d", name, rc);
    switch (row->kind) {
    case TT_FILE:
        ck_assert_int_eq(a.kind, CKPT_ANSWER_FILE);
        ck_assert_str_eq(a.sha256, row->what);
        break;
    case TT_301:
    case TT_302:
        ck_assert_int_eq(a.kind, CKPT_ANSWER_REDIRECT);
        ck_assert_str_eq(a.location, stamps(row->what));
        ck_assert_int_eq(a.status, row->kind == TT_302 ? 302 : 0);
        ck_assert_int_eq(a.vary, row->kind == TT_302 ? CKPT_VARY_DATETIME : 0);
        ck_assert_int_eq(a.memento.kind, row->kind == TT_302 ? CKPT_MEMENTO_GATE : 0);
        break;
    case TT_PAGE:
        ck_assert_int_eq(a.kind, CKPT_ANSWER_PAGE);
        ck_assert_str_eq(a.content_type, row->what);
        ck_assert_ptr_nonnull(a.page);
        break;
    case TT_HISTORY:
        ck_assert_int_eq(a.kind, CKPT_ANSWER_HISTORY);
        ck_assert_str_eq(a.history.path, row->what);
        break;
    default:
        ck_assert_int_eq(a.kind, CKPT_ANSWER_LISTING);
        ck_assert_str_eq(names(a.entries), stamps(row->what));
        break;
    }
    ck_assert_int_eq(a.immutable, row->kind == TT_FILE && strchr(row->rest, 's') == NULL
                                      && strstr(row->rest, "2025") == NULL);
}
END_TEST

/* Every answer from an exact checkpoint is a memento with its
 * neighbours; a file answered in place names its checkpoint. */
START_TEST(test_memento_fields)
{
    ckpt_source src = fake(NOW);
    ckpt_answer a;
    tt_row serve = {"debian/@s/pool/a.deb", 1, NULL, 0, NULL, TT_FILE, NULL};

    ck_assert_int_eq(ckpt_resolve_request(&src, pool, stamps("debian/@1/pool/b.deb"), NOW, &a),
                     CKPT_OK);
    ck_assert_int_eq(a.memento.kind, CKPT_MEMENTO_OF);
    ck_assert_str_eq(a.memento.path, "pool/b.deb");
    ck_assert_str_eq(a.memento.base_path, "debian");
    ck_assert(a.memento.sec == T1 && a.memento.nav.first == T0 && a.memento.nav.prev == T0
              && a.memento.nav.next == T2 && a.memento.nav.last == T2);
    ck_assert_int_eq(ckpt_resolve_request(&src, pool, stamps("debian/@0/"), NOW, &a), CKPT_OK);
    ck_assert_int_eq(a.kind, CKPT_ANSWER_LISTING);
    ck_assert_str_eq(a.memento.path, "");
    ck_assert(a.memento.nav.prev == CKPT_NO_SEC && a.memento.nav.next == T1);
    ck_assert_int_eq(ckpt_resolve_request(&src, pool, stamps("debian/@1/pool/"), NOW, &a), CKPT_OK);
    ck_assert_str_eq(a.memento.path, "pool/");
    ck_assert_int_eq(ckpt_resolve_request(&src, pool, stamps("debian/@1/pool"), NOW, &a), CKPT_OK);
    ck_assert_int_eq(a.memento.kind, CKPT_MEMENTO_NONE); /* a redirect is no memento */
    ck_assert_int_eq(tt_resolve(&serve, &a), CKPT_OK);
    ck_assert_str_eq(a.content_location, stamps("debian/@0/pool/a.deb"));
    ck_assert(a.memento.kind == CKPT_MEMENTO_OF && a.memento.sec == T0);
    ck_assert_int_eq(a.settling, 0);
}
END_TEST

static Suite *resolve_suite(void)
{
    Suite *s = suite_create("resolve");
    TCase *tc = tcase_create("candidate base paths");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_prefixes_table, 0, N(prefix_cases));
    tcase_add_test(tc, test_prefixes_bounded);
    suite_add_tcase(s, tc);
    tc = tcase_create("SPEC section 2");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_spec_table, 0, N(spec_rows));
    tcase_add_test(tc, test_settling);
    tcase_add_test(tc, test_lookups_per_file);
    suite_add_tcase(s, tc);
    tc = tcase_create("time travel");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_time_travel_table, 0, N(tt_rows));
    tcase_add_test(tc, test_memento_fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(resolve_suite, NULL);
}
