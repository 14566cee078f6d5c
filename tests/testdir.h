/* A scratch directory for a unit test, and its removal. */
#ifndef CKPT_TESTDIR_H
#define CKPT_TESTDIR_H

#include <apr_pools.h>

/* A new, empty directory <temp dir>/<stem>-<pid>. */
char *ckpt_testdir_make(apr_pool_t *p, const char *stem);
/* Removes a directory and everything under it. */
void ckpt_testdir_remove(const char *path);

#endif
