/* `checkpoint list [REPOSITORY]`: repositories, their versions and their
 * checkpoints, newest first, for cron jobs and people. */
#include <stdio.h>

#include "cli.h"
#include "publication.h"
#include "repository.h"
#include "run.h"
#include "version.h"

static ckpt_rc list_repo(ckpt_cli *cli, ckpt_db *db, const ckpt_repo *r, ckpt_err *err)
{
    ckpt_page pg = {CKPT_PAGE_MAX, 0};
    ckpt_list vs, cps;
    int i;

    if (ckpt_version_list(db, cli->pool, r->id, -1, &pg, &vs, err) != CKPT_OK
        || ckpt_pub_list(db, cli->pool, r->id, 1, &pg, &cps, err) != CKPT_OK) {
        return err->rc;
    }
    printf("repository %s: latest version %d\n", r->name, r->latest_number);
    for (i = 0; i < vs.items->nelts; i++) {
        const ckpt_repo_version *v = APR_ARRAY_IDX(vs.items, i, const ckpt_repo_version *);
        printf("  version %d  %s  +%lld -%lld  %lld files\n", v->number, v->pulp_created,
               (long long)v->added, (long long)v->removed, (long long)v->present);
    }
    for (i = 0; i < cps.items->nelts; i++) {
        const ckpt_pub *c = APR_ARRAY_IDX(cps.items, i, const ckpt_pub *);
        printf("  checkpoint %s  version %d\n", ckpt_cli_ts(cli->pool, c->pulp_created),
               c->version_number);
    }
    return CKPT_OK;
}

int ckpt_cli_list(ckpt_cli *cli, int argc, const char *const *argv)
{
    ckpt_page pg = {CKPT_PAGE_MAX, 0};
    ckpt_err err = {0};
    ckpt_list repos;
    ckpt_db *db;
    int i, code;

    if (argc > 2) {
        return ckpt_cli_fail(cli, CKPT_EXIT_USAGE, "usage: list [REPOSITORY]");
    }
    if ((code = ckpt_cli_connect(cli, &db)) != CKPT_EXIT_OK) {
        return code;
    }
    if (ckpt_repo_list(db, cli->pool, argc == 2 ? argv[1] : NULL, &pg, &repos, &err) != CKPT_OK) {
        return ckpt_cli_error(cli, &err);
    }
    for (i = 0; i < repos.items->nelts; i++) {
        if (list_repo(cli, db, APR_ARRAY_IDX(repos.items, i, const ckpt_repo *), &err)
            != CKPT_OK) {
            return ckpt_cli_error(cli, &err);
        }
    }
    return CKPT_EXIT_OK;
}
