/* Scratch directories for unit tests (see testdir.h). */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "testdir.h"

char *ckpt_testdir_make(apr_pool_t *p, const char *stem)
{
    const char *tmp = "/tmp";
    char *dir;

    apr_temp_dir_get(&tmp, p);
    dir = apr_psprintf(p, "%s/%s-%ld", tmp, stem, (long)getpid());
    ckpt_testdir_remove(dir);
    apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p);
    return dir;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

void ckpt_testdir_remove(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
