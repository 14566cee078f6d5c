/* The `checkpoint` command: the core's transactions from the command line,
 * against the database and the storage directly (no httpd).  Each
 * subcommand is one file (cmd_<name>.c); options.c reads the global
 * options, conffile.c an Apache configuration's Checkpoint directives. */
#ifndef CKPT_CLI_H
#define CKPT_CLI_H

#include <apr_getopt.h>
#include <apr_pools.h>
#include <apr_thread_proc.h>

#include "ckpt_status.h"
#include "db.h"

/* Exit codes. */
#define CKPT_EXIT_OK 0
#define CKPT_EXIT_FAILED 1 /* the database, the storage or the request failed */
#define CKPT_EXIT_USAGE 2  /* the command line is wrong */

/* What every subcommand gets: where the database and the storage are. */
typedef struct {
    apr_pool_t *pool;      /* the command's work, connections included */
    apr_pool_t *root;      /* outlives pool: the connection pool lives here */
    const char *database;  /* libpq conninfo */
    const char *storage;   /* the CheckpointStorage directory */
    const char *program;   /* argv[0], for messages */
} ckpt_cli;

/* A subcommand: its words ("orphans", "cleanup"; or one word, name NULL),
 * its arguments after them, and what it prints.  Answers an exit code. */
typedef struct {
    const char *group;
    const char *name;
    const char *usage;    /* its arguments, for the usage text */
    int (*run)(ckpt_cli *cli, int argc, const char *const *argv);
} ckpt_cli_command;

/* Prints "checkpoint: <message>" on stderr; answers code. */
int ckpt_cli_fail(const ckpt_cli *cli, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for a core error. */
int ckpt_cli_error(const ckpt_cli *cli, const ckpt_err *err);
/* A connection pool of that many connections, closed with cli->root. */
int ckpt_cli_dbpool(ckpt_cli *cli, int connections, ckpt_dbpool **pool);
/* Turns SIGINT and SIGTERM into *flag (set to 1) on a thread of their
 * own, for work that stops at its next step; ckpt_cli_signals_stop ends
 * that thread. */
apr_thread_t *ckpt_cli_signals_start(ckpt_cli *cli, volatile apr_uint32_t *flag);
void ckpt_cli_signals_stop(apr_thread_t **t);
/* A database connection for the command's life (its pool). */
int ckpt_cli_connect(ckpt_cli *cli, ckpt_db **db);
/* The same from a pool of that many connections, for more (*pool). */
int ckpt_cli_connect_pool(ckpt_cli *cli, int connections, ckpt_dbpool **pool, ckpt_db **db);
/* Both --database and --storage (or --config) were given, or a message.
 * Run as root, the command then becomes the storage's owner. */
int ckpt_cli_need_storage(const ckpt_cli *cli);

/* cmd_<name>.c */
int ckpt_cli_orphans_cleanup(ckpt_cli *cli, int argc, const char *const *argv);
int ckpt_cli_import(ckpt_cli *cli, int argc, const char *const *argv);
int ckpt_cli_sync(ckpt_cli *cli, int argc, const char *const *argv);
int ckpt_cli_publish_cmd(ckpt_cli *cli, int argc, const char *const *argv);
int ckpt_cli_list(ckpt_cli *cli, int argc, const char *const *argv);
int ckpt_cli_worker(ckpt_cli *cli, int argc, const char *const *argv);

#endif
