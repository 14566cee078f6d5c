/* `checkpoint import REPOSITORY DIR [--mirror|--additive] [--checkpoint]
 * [--create] [--link] [--verify] [--json]`: import.c's run. */
#include "import.h"
#include "run.h"

#define USAGE "import REPOSITORY DIR [--mirror|--additive] [--checkpoint] [--create] [--link] " \
              "[--verify] [--json]"

int ckpt_cli_import(ckpt_cli *cli, int argc, const char *const *argv)
{
    ckpt_cli_run run;
    ckpt_import_req req = {0};
    ckpt_ingest_result res;
    ckpt_err err = {0};
    ckpt_db *db;
    ckpt_rc rc;
    int code;

    if ((code = ckpt_cli_run_parse(cli, argc, argv, USAGE, 1, &run)) != CKPT_EXIT_OK
        || (code = ckpt_cli_run_begin(cli, &run, &db)) != CKPT_EXIT_OK) {
        return code;
    }
    req.repository_id = run.repository_id;
    req.dir = run.source;
    req.additive = run.additive;
    req.link = run.link;
    req.verify = run.verify;
    rc = ckpt_import(db, cli->pool, cli->storage, &req, &run.hooks, &res, &err);
    return ckpt_cli_run_end(cli, &run, db, "import", &res, rc, &err);
}
