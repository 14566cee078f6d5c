/* Global options (see options.h). */
#include <stdio.h>
#include <string.h>

#include <apr_getopt.h>
#include <apr_strings.h>

#include "conffile.h"
#include "options.h"

enum { OPT_DATABASE = 256, OPT_STORAGE, OPT_CONFIG, OPT_HELP, OPT_VERSION };

static const apr_getopt_option_t options[] = {
    {"database", OPT_DATABASE, 1, "libpq connection string or URI"},
    {"storage", OPT_STORAGE, 1, "the CheckpointStorage directory"},
    {"config", OPT_CONFIG, 1, "an Apache configuration file to read them from"},
    {"help", OPT_HELP, 0, "this text"},
    {"version", OPT_VERSION, 0, "the version"},
    {NULL, 0, 0, NULL}};

/* --config fills in what --database and --storage did not say. */
static int read_config(ckpt_cli *cli, const char *file)
{
    const char *db = NULL, *storage = NULL, *why = NULL;

    if (ckpt_conffile_read(cli->pool, file, &db, &storage, &why) != APR_SUCCESS) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE, "%s", why);
    }
    if (!cli->database) {
        cli->database = db;
    }
    if (!cli->storage) {
        cli->storage = storage;
    }
    return 0;
}

int ckpt_cli_options(ckpt_cli *cli, int argc, const char *const *argv, int *first,
                     ckpt_opts_action *action)
{
    apr_getopt_t *os;
    const char *arg, *config = NULL;
    apr_status_t rv;
    int opt;

    *action = CKPT_OPTS_RUN;
    apr_getopt_init(&os, cli->pool, argc, argv);
    os->errfn = NULL; /* our own message below */
    while ((rv = apr_getopt_long(os, options, &opt, &arg)) == APR_SUCCESS) {
        switch (opt) {
        case OPT_DATABASE: cli->database = arg; break;
        case OPT_STORAGE: cli->storage = arg; break;
        case OPT_CONFIG: config = arg; break;
        case OPT_HELP: *action = CKPT_OPTS_HELP; break;
        default: *action = CKPT_OPTS_VERSION; break;
        }
    }
    if (rv != APR_EOF) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE, "unknown or incomplete option %s (see --help)",
                             os->ind <= argc ? argv[os->ind - 1] : "");
    }
    *first = os->ind;
    return config ? read_config(cli, config) : 0;
}
