/* `checkpoint publish REPOSITORY [--checkpoint]`: a publication of the
 * repository's latest version, as POST publications/ makes it. */
#include <stdio.h>
#include <string.h>

#include "ingest.h"
#include "run.h"

#define USAGE "publish REPOSITORY [--checkpoint]"

int ckpt_cli_publish_cmd(ckpt_cli *cli, int argc, const char *const *argv)
{
    const char *name = NULL, *repo_id;
    int checkpoint = 0, i, code;
    ckpt_err err = {0};
    ckpt_pub *pub;
    ckpt_db *db;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--checkpoint")) {
            checkpoint = 1;
        }
        else if (!name && argv[i][0] != '-') {
            name = argv[i];
        }
        else {
            return ckpt_cli_fail(cli, CKPT_EXIT_USAGE, "usage: %s", USAGE);
        }
    }
    if (!name) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE, "usage: %s", USAGE);
    }
    if ((code = ckpt_cli_need_storage(cli)) != CKPT_EXIT_OK
        || (code = ckpt_cli_connect(cli, &db)) != CKPT_EXIT_OK) {
        return code;
    }
    if (ckpt_ingest_begin(db, cli->pool, name, 0, &repo_id, &err) != CKPT_OK
        || ckpt_cli_publish(cli, db, repo_id, checkpoint, &pub, &err) != CKPT_OK) {
        return ckpt_cli_error(cli, &err);
    }
    ckpt_ingest_end(db, cli->pool, repo_id);
    printf("publish %s: version %d, publication %s%s%s\n", name, pub->version_number, pub->id,
           checkpoint ? ", checkpoint " : "",
           checkpoint ? ckpt_cli_ts(cli->pool, pub->pulp_created) : "");
    return CKPT_EXIT_OK;
}
