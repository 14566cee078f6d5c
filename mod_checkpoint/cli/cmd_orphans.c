/* `checkpoint orphans cleanup [--protection-time MINUTES]`: orphan.c's
 * cleanup, as POST orphans/cleanup/ runs it, for cron.  Prints the same
 * JSON summary the API answers. */
#include <stdio.h>

#include <apr_getopt.h>
#include <apr_strings.h>

#include "cli.h"
#include "json.h"
#include "list.h"
#include "orphan.h"
#include "shape.h"

static const apr_getopt_option_t options[] = {
    {"protection-time", 'p', 1, "minutes since last use that spare an orphan (default 1440)"},
    {NULL, 0, 0, NULL}};

/* --protection-time, or the default. */
static int protection(ckpt_cli *cli, int argc, const char *const *argv, apr_int64_t *minutes)
{
    apr_getopt_t *os;
    const char *arg;
    int opt;
    apr_status_t rv;

    *minutes = CKPT_ORPHAN_PROTECTION_DEFAULT;
    apr_getopt_init(&os, cli->pool, argc, argv);
    os->errfn = NULL;
    while ((rv = apr_getopt_long(os, options, &opt, &arg)) == APR_SUCCESS) {
        if (!ckpt_number_parse(arg, 0, CKPT_ORPHAN_PROTECTION_MAX, minutes)) {
            return ckpt_cli_fail(cli, CKPT_EXIT_USAGE,
                                 "--protection-time: minutes from 0 to %lld, not '%s'",
                                 (long long)CKPT_ORPHAN_PROTECTION_MAX, arg);
        }
    }
    if (rv != APR_EOF || os->ind < argc) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE,
                             "usage: orphans cleanup [--protection-time MINUTES]");
    }
    return CKPT_EXIT_OK;
}

int ckpt_cli_orphans_cleanup(ckpt_cli *cli, int argc, const char *const *argv)
{
    ckpt_orphan_summary sum;
    ckpt_err err = {0};
    apr_int64_t minutes;
    ckpt_db *db;
    int code;

    if ((code = protection(cli, argc, argv, &minutes)) != CKPT_EXIT_OK
        || (code = ckpt_cli_need_storage(cli)) != CKPT_EXIT_OK
        || (code = ckpt_cli_connect(cli, &db)) != CKPT_EXIT_OK) {
        return code;
    }
    if (ckpt_orphans_cleanup(db, cli->pool, cli->storage, minutes, &sum, &err) != CKPT_OK) {
        return ckpt_cli_error(cli, &err);
    }
    printf("%s\n", ckpt_json_dump(cli->pool, ckpt_json_own(cli->pool,
                                                           ckpt_shape_orphans(minutes, &sum))));
    return CKPT_EXIT_OK;
}
