/* `checkpoint sync REPOSITORY URL [--mirror|--additive] [--checkpoint]
 * [--create] [--json]`: sync.c's run. */
#include "run.h"
#include "sync.h"

#define USAGE "sync REPOSITORY URL [--mirror|--additive] [--checkpoint] [--create] [--json]"

static ckpt_rc sync_remote(ckpt_cli *cli, ckpt_db *db, const ckpt_cli_run *run,
                           ckpt_ingest_result *res, ckpt_err *err)
{
    ckpt_sync_req req = {0};

    req.repository_id = run->repository_id;
    req.url = run->source;
    req.additive = run->additive;
    return ckpt_sync(db, cli->pool, cli->storage, &req, &run->hooks, res, err);
}

int ckpt_cli_sync(ckpt_cli *cli, int argc, const char *const *argv)
{
    return ckpt_cli_run_main(cli, argc, argv, USAGE, 0, "sync", sync_remote);
}
