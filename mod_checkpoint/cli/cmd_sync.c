/* `checkpoint sync REPOSITORY URL [--mirror|--additive] [--checkpoint]
 * [--create] [--json]`: sync.c's run. */
#include "run.h"
#include "sync.h"

#define USAGE "sync REPOSITORY URL [--mirror|--additive] [--checkpoint] [--create] [--json]"

int ckpt_cli_sync(ckpt_cli *cli, int argc, const char *const *argv)
{
    ckpt_cli_run run;
    ckpt_sync_req req = {0};
    ckpt_ingest_result res;
    ckpt_err err = {0};
    ckpt_db *db;
    ckpt_rc rc;
    int code;

    if ((code = ckpt_cli_run_parse(cli, argc, argv, USAGE, 0, &run)) != CKPT_EXIT_OK
        || (code = ckpt_cli_run_begin(cli, &run, &db)) != CKPT_EXIT_OK) {
        return code;
    }
    req.repository_id = run.repository_id;
    req.url = run.source;
    req.additive = run.additive;
    rc = ckpt_sync(db, cli->pool, cli->storage, &req, &run.hooks, &res, &err);
    return ckpt_cli_run_end(cli, &run, db, "sync", &res, rc, &err);
}
