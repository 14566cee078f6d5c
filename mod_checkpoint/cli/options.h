/* The command's global options: where the database and the storage are,
 * given directly or read from an Apache configuration. */
#ifndef CKPT_CLI_OPTIONS_H
#define CKPT_CLI_OPTIONS_H

#include "cli.h"

typedef enum { CKPT_OPTS_RUN, CKPT_OPTS_HELP, CKPT_OPTS_VERSION } ckpt_opts_action;

/* Reads the options before the subcommand; *first is the index of the
 * subcommand's first word in argv.  0, or an exit code after a message. */
int ckpt_cli_options(ckpt_cli *cli, int argc, const char *const *argv, int *first,
                     ckpt_opts_action *action);

#endif
