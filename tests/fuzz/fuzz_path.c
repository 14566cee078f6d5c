/* libFuzzer target: the path checks on arbitrary bytes.  Invariant: a path
 * that ckpt_path_check_relative, ckpt_path_check_base_path or
 * ckpt_path_split_request accepts never has a ".." segment or a leading '/'
 * (nor a NUL: the C string ends at the first), so it cannot leave a
 * publication. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Created once, cleared per input; libFuzzer runs inputs one at a time. */
static apr_pool_t *fuzz_pool;

static void init(void)
{
    if (fuzz_pool == NULL) {
        if (apr_initialize() != APR_SUCCESS || apr_pool_create(&fuzz_pool, NULL) != APR_SUCCESS) {
            abort();
        }
    }
}

static int has_dotdot_segment(const char *s)
{
    const char *seg = s;

    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            return 1;
        }
        if (end == NULL) {
            return 0;
        }
        seg = end + 1;
    }
}

/* An accepted path: as long as what was given (no hidden NUL), no "..",
 * no leading '/', no empty or "." segment. */
static void check_safe(const char *path, size_t expect_len)
{
    if (strlen(path) != expect_len || path[0] == '/' || has_dotdot_segment(path)
        || strstr(path, "//") != NULL || strcmp(path, ".") == 0 || strncmp(path, "./", 2) == 0
        || strstr(path, "/./") != NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s, *path = NULL;
    int is_dir = -1, rc;

    init();
    s = apr_pstrmemdup(fuzz_pool, (const char *)data, size);

    /* Inputs with a NUL are seen only up to it, as a C string would be. */
    rc = ckpt_path_check_relative(s);
    if (rc == 0) {
        size_t n = strlen(s);
        if (n == 0 || n > CKPT_PATH_MAX || s[n - 1] == '/') {
            abort();
        }
        check_safe(s, n);
    }
    /* A base path follows the same rules, and may not be deeper. */
    {
        int brc = ckpt_path_check_base_path(s);
        if ((brc != rc && !(rc == 0 && brc == CKPT_PATH_EDEPTH)) || ckpt_path_error(rc) == NULL) {
            abort();
        }
    }

    rc = ckpt_path_split_request(fuzz_pool, s, &path, &is_dir);
    if (rc == 0) {
        size_t n = strlen(s);
        if (path == NULL || (is_dir != 0 && is_dir != 1) || strlen(path) > CKPT_REQUEST_PATH_MAX) {
            abort();
        }
        check_safe(path, n - (size_t)(is_dir && n > 0));
        if (path[0] != '\0') {
            const char *parent = ckpt_path_parent(fuzz_pool, path);
            const char *base = ckpt_path_basename(path);
            if (*base == '\0' || strlen(parent) >= strlen(path)) {
                abort();
            }
        }
    } else if (rc > 0) {
        abort();
    }

    if (size > 1) {
        /* Overlap is symmetric and reflexive. */
        const char *a = apr_pstrmemdup(fuzz_pool, s, strlen(s) / 2);
        if (ckpt_path_overlaps(a, s) != ckpt_path_overlaps(s, a) || !ckpt_path_overlaps(s, s)) {
            abort();
        }
    }

    apr_pool_clear(fuzz_pool);
    return 0;
}
