/* `checkpoint import REPOSITORY DIR [--mirror|--additive] [--checkpoint]
 * [--create] [--link] [--verify] [--json]`: import.c's run. */
#include "import.h"
#include "run.h"

#define USAGE "import REPOSITORY DIR [--mirror|--additive] [--checkpoint] [--create] [--link] " \
              "[--verify] [--json]"

static ckpt_rc import(ckpt_cli *cli, ckpt_db *db, const ckpt_cli_run *run,
                      ckpt_ingest_result *res, ckpt_err *err)
{
    ckpt_import_req req = {0};

    req.repository_id = run->repository_id;
    req.dir = run->source;
    req.additive = run->additive;
    req.link = run->link;
    req.verify = run->verify;
    /* The leases on a connection of their own, when one comes (else on
     * db, one after the other: the same run, slower). */
    if (ckpt_db_acquire(run->dbp, cli->pool, &req.lease_db) != CKPT_OK) {
        req.lease_db = NULL;
    }
    return ckpt_import(db, cli->pool, cli->storage, &req, &run->hooks, res, err);
}

int ckpt_cli_import(ckpt_cli *cli, int argc, const char *const *argv)
{
    return ckpt_cli_run_main(cli, argc, argv, USAGE, 1, "import", import);
}
