/* Reads CheckpointDatabase and CheckpointStorage from an Apache
 * configuration file, as httpd would: following Include and
 * IncludeOptional (wildcards and directories too), with relative paths
 * under ServerRoot, and leaving out what a <VirtualHost> sets for itself.
 * The first value of each at the top level wins, as in the main server. */
#ifndef CKPT_CLI_CONFFILE_H
#define CKPT_CLI_CONFFILE_H

#include <apr_pools.h>

/* APR_SUCCESS with *database and *storage (each NULL when not found), or
 * an error with *why saying which file could not be read. */
apr_status_t ckpt_conffile_read(apr_pool_t *p, const char *file, const char **database,
                                const char **storage, const char **why);

#endif
