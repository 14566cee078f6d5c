/* What import and sync share on the command line: their options, a
 * signal thread that turns Ctrl-C and SIGTERM into the core's cancel
 * flag, progress on a terminal, the summary, and the checkpoint. */
#ifndef CKPT_CLI_RUN_H
#define CKPT_CLI_RUN_H

#include <apr_thread_proc.h>

#include "cli.h"
#include "ingest.h"

typedef struct {
    const char *repository;  /* its name */
    const char *source;      /* DIR or URL */
    int additive, checkpoint, create, link, verify, json;
    const char *repository_id;
    apr_time_t started;
    ckpt_ingest_hooks hooks;
    volatile apr_uint32_t cancel;
    apr_time_t last_report;
    int tty;
    apr_thread_t *signals;  /* turns SIGINT and SIGTERM into cancel */
    ckpt_dbpool *dbp;       /* the run's connection's, which has one more */
} ckpt_cli_run;

/* A run's work once the repository is locked (cmd_import.c, cmd_sync.c). */
typedef ckpt_rc (*ckpt_cli_run_fn)(ckpt_cli *cli, ckpt_db *db, const ckpt_cli_run *run,
                                   ckpt_ingest_result *res, ckpt_err *err);
/* The whole command: parse, begin, fn, end; answers the exit code. */
int ckpt_cli_run_main(ckpt_cli *cli, int argc, const char *const *argv, const char *usage,
                      int allow_local, const char *verb, ckpt_cli_run_fn fn);

/* Reads "NAME SOURCE [options]"; link and verify only when allow_local. */
int ckpt_cli_run_parse(ckpt_cli *cli, int argc, const char *const *argv, const char *usage,
                       int allow_local, ckpt_cli_run *run);
/* Connects, starts the signal thread and takes the repository's lock. */
int ckpt_cli_run_begin(ckpt_cli *cli, ckpt_cli_run *run, ckpt_db **db);
/* After the core's run answered rc: the checkpoint (when asked and
 * nothing failed), the summary, the exit code. */
int ckpt_cli_run_end(ckpt_cli *cli, ckpt_cli_run *run, ckpt_db *db, const char *verb,
                     const ckpt_ingest_result *res, ckpt_rc rc, const ckpt_err *err);

/* A publication of the repository's latest version, as one line or JSON
 * (cmd_publish.c and --checkpoint). */
ckpt_rc ckpt_cli_publish(ckpt_cli *cli, ckpt_db *db, const char *repo_id, int checkpoint,
                         ckpt_pub **pub, ckpt_err *err);
/* A checkpoint's timestamp, YYYYMMDDTHHMMSSZ, from an RFC 3339 time. */
const char *ckpt_cli_ts(apr_pool_t *p, const char *rfc3339);

#endif
