/* The `checkpoint` command: global options, then a subcommand.
 *
 *   checkpoint [--database CONNINFO] [--storage DIR] [--config FILE] GROUP NAME [ARGS]
 *
 * Linked from the same httpd-free core as the module, it runs the same
 * transactions against the database and the storage directly. */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "cli.h"
#include "options.h"
#include "package.h"
#include "storage.h"

static const ckpt_cli_command commands[] = {
    {"import", NULL, "REPOSITORY DIR [--mirror|--additive] [--checkpoint] [--create] [--link] "
                     "[--verify] [--json]", ckpt_cli_import},
    {"sync", NULL, "REPOSITORY URL [--mirror|--additive] [--checkpoint] [--create] [--json]",
     ckpt_cli_sync},
    {"publish", NULL, "REPOSITORY [--checkpoint]", ckpt_cli_publish_cmd},
    {"list", NULL, "[REPOSITORY]", ckpt_cli_list},
    {"orphans", "cleanup", "[--protection-time MINUTES]", ckpt_cli_orphans_cleanup},
    {"worker", NULL, "[--name NAME]", ckpt_cli_worker},
    {NULL, NULL, NULL, NULL}};

int ckpt_cli_fail(const ckpt_cli *cli, int code, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", cli->program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int ckpt_cli_error(const ckpt_cli *cli, const ckpt_err *err)
{
    return ckpt_cli_fail(cli, err->rc == CKPT_INVALID ? CKPT_EXIT_USAGE : CKPT_EXIT_FAILED, "%s",
                         ckpt_err_text(cli->pool, err));
}

/* Run as root (from cron), the command works as the owner of the storage
 * (the server's user), so that the server can later change and remove
 * what it creates there. */
static int become_storage_owner(const ckpt_cli *cli)
{
    struct stat st;

    if (geteuid() != 0 || stat(cli->storage, &st) != 0 || st.st_uid == 0) {
        return CKPT_EXIT_OK;
    }
    if (setgroups(0, NULL) != 0 || setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0) {
        return ckpt_cli_fail(cli, CKPT_EXIT_FAILED, "cannot become the owner of %s: %s",
                             cli->storage, strerror(errno));
    }
    return CKPT_EXIT_OK;
}

/* The storage directory must exist (a mistyped path is not a new store);
 * its artifact/ and tmp/ are made as httpd makes them at start-up, so the
 * command works on a store the module has not opened yet. */
static int prepare_storage(const ckpt_cli *cli)
{
    apr_finfo_t fi;
    apr_status_t rv = apr_stat(&fi, cli->storage, APR_FINFO_TYPE, cli->pool);
    char buf[120];

    if (rv == APR_SUCCESS && fi.filetype != APR_DIR) {
        rv = APR_ENOTDIR;
    }
    if (rv == APR_SUCCESS) {
        rv = ckpt_storage_prepare(cli->pool, cli->storage);
    }
    if (rv != APR_SUCCESS) {
        return ckpt_cli_fail(cli, CKPT_EXIT_FAILED, "storage %s: %s", cli->storage,
                             apr_strerror(rv, buf, sizeof(buf)));
    }
    return CKPT_EXIT_OK;
}

int ckpt_cli_need_storage(const ckpt_cli *cli)
{
    int code;

    if (!cli->database) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE,
                             "no database: give --database CONNINFO, or --config FILE with a "
                             "CheckpointDatabase line");
    }
    if (!cli->storage) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE,
                             "no storage: give --storage DIR, or --config FILE with a "
                             "CheckpointStorage line");
    }
    code = become_storage_owner(cli);
    return code != CKPT_EXIT_OK ? code : prepare_storage(cli);
}

int ckpt_cli_dbpool(ckpt_cli *cli, int connections, ckpt_dbpool **pool)
{
    ckpt_dbpool_conf conf;

    memset(&conf, 0, sizeof(conf));
    conf.conninfo = cli->database;
    conf.min = 0;
    conf.smax = conf.hmax = connections;
    conf.connect_timeout = 10;
    /* CheckpointDatabase may list a primary and its standbys: the one that
     * takes writes (unless the conninfo says otherwise). */
    conf.session_attrs = "read-write";
    /* Connections are taken for cli->pool (or pools below it), which is
     * destroyed before cli->root, whose cleanup closes the pool (and
     * wants every connection back by then). */
    if (ckpt_dbpool_create(cli->root, &conf, pool) != APR_SUCCESS) {
        return ckpt_cli_fail(cli, CKPT_EXIT_FAILED, "cannot make a database connection pool");
    }
    return CKPT_EXIT_OK;
}

int ckpt_cli_connect_pool(ckpt_cli *cli, int connections, ckpt_dbpool **pool, ckpt_db **db)
{
    int code;

    if ((code = ckpt_cli_dbpool(cli, connections, pool)) != CKPT_EXIT_OK) {
        return code;
    }
    if (ckpt_db_acquire(*pool, cli->pool, db) != CKPT_OK) {
        return ckpt_cli_fail(cli, CKPT_EXIT_FAILED, "cannot reach the database: %s",
                             ckpt_dbpool_last_error(cli->pool, *pool));
    }
    return CKPT_EXIT_OK;
}

int ckpt_cli_connect(ckpt_cli *cli, ckpt_db **db)
{
    ckpt_dbpool *pool;

    return ckpt_cli_connect_pool(cli, 1, &pool, db);
}

static int usage(const ckpt_cli *cli, FILE *out, int code)
{
    const ckpt_cli_command *c;

    fprintf(out, "usage: %s [--database CONNINFO] [--storage DIR] [--config FILE] COMMAND\n"
                 "commands:\n", cli->program);
    for (c = commands; c->group; c++) {
        fprintf(out, "  %s%s%s %s\n", c->group, c->name ? " " : "", c->name ? c->name : "",
                c->usage);
    }
    fprintf(out, "--config reads CheckpointDatabase and CheckpointStorage from an Apache "
                 "configuration file (following Include).\n");
    return code;
}

static int dispatch(ckpt_cli *cli, int argc, const char *const *argv)
{
    const ckpt_cli_command *c;

    for (c = commands; c->group; c++) {
        if (argc >= 1 && !c->name && !strcmp(argv[0], c->group)) {
            return c->run(cli, argc, argv); /* its own name stands as argv[0] */
        }
        if (argc >= 2 && c->name && !strcmp(argv[0], c->group) && !strcmp(argv[1], c->name)) {
            /* The subcommand parses from argv[1], its name standing as argv[0]. */
            return c->run(cli, argc - 1, argv + 1);
        }
    }
    if (argc) {
        fprintf(stderr, "%s: unknown command '%s%s%s'\n", cli->program, argv[0],
                argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
    }
    return usage(cli, stderr, CKPT_EXIT_USAGE);
}

int main(int argc, const char *const *argv)
{
    ckpt_cli cli;
    ckpt_opts_action action;
    int first, code;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS) {
        fprintf(stderr, "checkpoint: cannot initialise APR\n");
        return CKPT_EXIT_FAILED;
    }
    memset(&cli, 0, sizeof(cli));
    apr_pool_create(&cli.root, NULL);
    apr_pool_create(&cli.pool, cli.root);
    cli.program = "checkpoint";
    code = ckpt_cli_options(&cli, argc, argv, &first, &action);
    if (code == 0 && action == CKPT_OPTS_HELP) {
        code = usage(&cli, stdout, CKPT_EXIT_OK);
    }
    else if (code == 0 && action == CKPT_OPTS_VERSION) {
        printf("checkpoint %s\n", ckpt_package_version());
    }
    else if (code == 0) {
        code = dispatch(&cli, argc - first, argv + first);
    }
    apr_pool_destroy(cli.pool);
    apr_pool_destroy(cli.root);
    apr_terminate();
    return code;
}
