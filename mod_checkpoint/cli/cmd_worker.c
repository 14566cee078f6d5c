/* `checkpoint worker [--name NAME]`: runs the API's tasks (worker.c) until
 * SIGTERM or Ctrl-C, which stop the task in hand at its next step and give
 * it back to the queue.  One line per event on stderr, for journald. */
#include <stdio.h>
#include <unistd.h>

#include <apr_getopt.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "cli.h"
#include "worker.h"

#define USAGE "usage: worker [--name NAME]"

static const apr_getopt_option_t options[] = {
    {"name", 'n', 1, "what tasks' worker field says (default pid@host)"},
    {NULL, 0, 0, NULL}};

static void log_line(void *baton, const char *level, const char *msg)
{
    ckpt_cli *cli = baton;
    char when[APR_RFC822_DATE_LEN];

    apr_rfc822_date(when, apr_time_now());
    fprintf(stderr, "%s %s worker: %s: %s\n", when, cli->program, level, msg);
    fflush(stderr);
}

static int parse(ckpt_cli *cli, int argc, const char *const *argv, const char **name)
{
    apr_getopt_t *os;
    const char *arg;
    char host[256] = "localhost";
    int opt;
    apr_status_t rv;

    gethostname(host, sizeof(host) - 1);
    *name = apr_psprintf(cli->pool, "%ld@%s", (long)getpid(), host);
    apr_getopt_init(&os, cli->pool, argc, argv);
    os->errfn = NULL;
    while ((rv = apr_getopt_long(os, options, &opt, &arg)) == APR_SUCCESS) {
        *name = arg;
    }
    if (rv != APR_EOF || os->ind < argc || !**name) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE, USAGE);
    }
    return CKPT_EXIT_OK;
}

int ckpt_cli_worker(ckpt_cli *cli, int argc, const char *const *argv)
{
    volatile apr_uint32_t stop = 0;
    ckpt_worker_conf conf = {0};
    apr_thread_t *signals;
    int code;

    if ((code = parse(cli, argc, argv, &conf.name)) != CKPT_EXIT_OK
        || (code = ckpt_cli_need_storage(cli)) != CKPT_EXIT_OK
        || (code = ckpt_cli_dbpool(cli, 2, &conf.dbp)) != CKPT_EXIT_OK) {
        return code;
    }
    conf.storage = cli->storage;
    conf.stop = &stop;
    conf.log = log_line;
    conf.baton = cli;
    signals = ckpt_cli_signals_start(cli, &stop);
    ckpt_worker_run(cli->pool, &conf);
    ckpt_cli_signals_stop(&signals);
    return CKPT_EXIT_OK;
}
