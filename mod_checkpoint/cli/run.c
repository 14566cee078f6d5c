/* import and sync on the command line (see run.h). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <apr_atomic.h>
#include <apr_portable.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "json.h"
#include "publication.h"
#include "run.h"
#include "shape.h"

enum { OPT_MIRROR = 256, OPT_ADDITIVE, OPT_CHECKPOINT, OPT_CREATE, OPT_LINK, OPT_VERIFY, OPT_JSON };

static const apr_getopt_option_t options[] = {
    {"mirror", OPT_MIRROR, 0, "the new version holds exactly the tree (default)"},
    {"additive", OPT_ADDITIVE, 0, "the tree is added over the latest version"},
    {"checkpoint", OPT_CHECKPOINT, 0, "then publish a checkpoint"},
    {"create", OPT_CREATE, 0, "make the repository when there is none"},
    {"link", OPT_LINK, 0, "hard-link new files into storage"},
    {"verify", OPT_VERIFY, 0, "hash every file again"},
    {"json", OPT_JSON, 0, "a JSON summary"},
    {NULL, 0, 0, NULL}};

static void set_flag(ckpt_cli_run *run, int opt)
{
    switch (opt) {
    case OPT_MIRROR: run->additive = 0; break;
    case OPT_ADDITIVE: run->additive = 1; break;
    case OPT_CHECKPOINT: run->checkpoint = 1; break;
    case OPT_CREATE: run->create = 1; break;
    case OPT_LINK: run->link = 1; break;
    case OPT_VERIFY: run->verify = 1; break;
    default: run->json = 1; break;
    }
}

/* The option of name, or 0. */
static int option(const char *name)
{
    const apr_getopt_option_t *o;

    for (o = options; o->name; o++) {
        if (!strncmp(name, "--", 2) && !strcmp(name + 2, o->name)) {
            return o->optch;
        }
    }
    return 0;
}

int ckpt_cli_run_parse(ckpt_cli *cli, int argc, const char *const *argv, const char *usage,
                       int allow_local, ckpt_cli_run *run)
{
    const char *words[2];
    int i, opt, n = 0;

    memset(run, 0, sizeof(*run));
    /* Options and the two words in any order, as cron lines write them. */
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' && n < 2) {
            words[n++] = argv[i];
            continue;
        }
        opt = option(argv[i]);
        if (!opt || (!allow_local && (opt == OPT_LINK || opt == OPT_VERIFY))) {
            return ckpt_cli_fail(cli, CKPT_EXIT_USAGE, "unknown option %s; usage: %s", argv[i],
                                 usage);
        }
        set_flag(run, opt);
    }
    if (n != 2) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE, "usage: %s", usage);
    }
    run->repository = words[0];
    run->source = words[1];
    return CKPT_EXIT_OK;
}

/* Waits for SIGINT and SIGTERM (blocked in every other thread) and sets
 * the flag; SIGUSR2, sent by ckpt_cli_signals_stop, ends it. */
static void *APR_THREAD_FUNC signal_thread(apr_thread_t *t, void *data)
{
    volatile apr_uint32_t *flag = data;
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR2);
    while (sigwait(&set, &sig) == 0 && sig != SIGUSR2) {
        apr_atomic_set32(flag, 1);
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static const char *size_text(char buf[6], apr_uint64_t n)
{
    return apr_strfsize((apr_off_t)n, buf);
}

/* One line on the terminal, rewritten at most five times a second. */
static void progress(void *baton, const ckpt_ingest_progress *pr)
{
    ckpt_cli_run *run = baton;
    apr_time_t now = apr_time_now();
    double secs = (double)(now - run->started) / APR_USEC_PER_SEC;
    double rate = secs > 0 ? (double)pr->bytes_done / secs : 0;
    char done[6], total[6], r[6], eta[32] = "";

    if (!run->tty || now - run->last_report < apr_time_from_msec(200)) {
        return;
    }
    run->last_report = now;
    if (pr->bytes_total && rate > 0 && pr->bytes_done <= pr->bytes_total) {
        apr_snprintf(eta, sizeof(eta), "  ETA %.0fs", (double)(pr->bytes_total - pr->bytes_done) / rate);
    }
    fprintf(stderr, "\r%-11s %llu/%llu files  %s/%s  %s/s%s   ", pr->phase,
            (unsigned long long)pr->files_done, (unsigned long long)pr->files_total,
            size_text(done, pr->bytes_done), size_text(total, pr->bytes_total),
            size_text(r, (apr_uint64_t)rate), eta);
    fflush(stderr);
}

apr_thread_t *ckpt_cli_signals_start(ckpt_cli *cli, volatile apr_uint32_t *flag)
{
    apr_thread_t *t = NULL;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    apr_thread_create(&t, NULL, signal_thread, (void *)flag, cli->root);
    return t;
}

int ckpt_cli_run_begin(ckpt_cli *cli, ckpt_cli_run *run, ckpt_db **db)
{
    ckpt_err err = {0};
    int code;

    run->started = apr_time_now();
    run->tty = isatty(2) && !run->json;
    run->hooks.cancel = &run->cancel;
    run->hooks.progress = progress;
    run->hooks.baton = run;
    if ((code = ckpt_cli_need_storage(cli)) != CKPT_EXIT_OK
        || (code = ckpt_cli_connect_pool(cli, 2, &run->dbp, db)) != CKPT_EXIT_OK) {
        return code;
    }
    if (ckpt_ingest_begin(*db, cli->pool, run->repository, run->create, &run->repository_id,
                          &err) != CKPT_OK) {
        return ckpt_cli_error(cli, &err);
    }
    run->signals = ckpt_cli_signals_start(cli, &run->cancel);
    return CKPT_EXIT_OK;
}

const char *ckpt_cli_ts(apr_pool_t *p, const char *t)
{
    /* 2025-01-30T20:30:00.123456Z */
    if (!t || strlen(t) < 19) {
        return "";
    }
    return apr_psprintf(p, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", t, t + 5, t + 8, t + 11, t + 14, t + 17);
}

ckpt_rc ckpt_cli_publish(ckpt_cli *cli, ckpt_db *db, const char *repo_id, int checkpoint,
                         ckpt_pub **pub, ckpt_err *err)
{
    ckpt_pub_req req = {repo_id, -1, checkpoint, NULL};

    return ckpt_pub_create(db, cli->pool, cli->storage, &req, pub, err);
}

void ckpt_cli_signals_stop(apr_thread_t **t)
{
    apr_os_thread_t *os = NULL;
    apr_status_t rv;

    if (*t && apr_os_thread_get(&os, *t) == APR_SUCCESS && os) {
        pthread_kill(*os, SIGUSR2);
        apr_thread_join(&rv, *t);
    }
    *t = NULL;
}

static void print_summary(ckpt_cli *cli, const ckpt_cli_run *run, const char *verb,
                          const ckpt_ingest_result *res, const ckpt_pub *pub)
{
    double secs = (double)(apr_time_now() - run->started) / APR_USEC_PER_SEC;
    const char *ts = pub && pub->checkpoint ? ckpt_cli_ts(cli->pool, pub->pulp_created) : NULL;
    char b1[6], b2[6];

    if (run->json) {
        printf("%s\n", ckpt_json_dump(cli->pool, ckpt_json_own(cli->pool,
                                     ckpt_shape_ingest(run->repository, res, ts, secs))));
        return;
    }
    printf("%s %s: %lld files (%s), %lld %s, %lld changed, %lld removed, %lld stored (%s), "
           "%s%s%s, %.1f s\n",
           verb, run->repository, (long long)res->files, size_text(b1, (apr_uint64_t)res->bytes),
           (long long)res->hashed, strcmp(verb, "sync") ? "hashed" : "downloaded",
           (long long)res->changed, (long long)res->removed,
           (long long)res->stored, size_text(b2, (apr_uint64_t)res->stored_bytes),
           res->version ? apr_psprintf(cli->pool, "version %d", res->version->number)
                        : "unchanged (no new version)",
           ts ? ", checkpoint " : "", ts ? ts : "", secs);
}

int ckpt_cli_run_end(ckpt_cli *cli, ckpt_cli_run *run, ckpt_db *db, const char *verb,
                     const ckpt_ingest_result *res, ckpt_rc rc, const ckpt_err *err)
{
    ckpt_pub *pub = NULL;
    ckpt_err perr = {0};

    ckpt_cli_signals_stop(&run->signals);
    if (run->tty) {
        fprintf(stderr, "\r%-78s\r", "");
    }
    if (rc != CKPT_OK) {
        ckpt_ingest_end(db, cli->pool, run->repository_id);
        return ckpt_cli_error(cli, err);
    }
    /* A checkpoint of what changed; an unchanged tree makes none. */
    if (run->checkpoint && res->version
        && ckpt_cli_publish(cli, db, run->repository_id, 1, &pub, &perr) != CKPT_OK) {
        ckpt_ingest_end(db, cli->pool, run->repository_id);
        return ckpt_cli_error(cli, &perr);
    }
    ckpt_ingest_end(db, cli->pool, run->repository_id);
    print_summary(cli, run, verb, res, pub);
    return CKPT_EXIT_OK;
}

int ckpt_cli_run_main(ckpt_cli *cli, int argc, const char *const *argv, const char *usage,
                      int allow_local, const char *verb, ckpt_cli_run_fn fn)
{
    ckpt_cli_run run;
    ckpt_ingest_result res;
    ckpt_err err = {0};
    ckpt_db *db;
    ckpt_rc rc;
    int code;

    if ((code = ckpt_cli_run_parse(cli, argc, argv, usage, allow_local, &run)) != CKPT_EXIT_OK
        || (code = ckpt_cli_run_begin(cli, &run, &db)) != CKPT_EXIT_OK) {
        return code;
    }
    rc = fn(cli, db, &run, &res, &err);
    return ckpt_cli_run_end(cli, &run, db, verb, &res, rc, &err);
}
