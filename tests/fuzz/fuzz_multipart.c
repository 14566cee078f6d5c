/* libFuzzer target: the multipart/form-data parser on arbitrary bodies,
 * fed in pieces whose size the first byte chooses (so boundaries fall
 * across pieces).  Invariants: data comes only between a part's start and
 * its end, a start always has a non-empty name, a finished body ended
 * every part it began, and no more data comes out than went in. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *fuzz_pool;

typedef struct {
    int open;
    size_t out;
} track;

static ckpt_rc on_start(void *b, const char *name, const char *filename, ckpt_err *err)
{
    track *t = b;
    if (t->open || !name || !*name) {
        abort();
    }
    t->open = 1;
    return CKPT_OK;
}

static ckpt_rc on_data(void *b, const char *buf, apr_size_t len, ckpt_err *err)
{
    track *t = b;
    if (!t->open || len == 0) {
        abort();
    }
    t->out += len;
    return CKPT_OK;
}

static ckpt_rc on_end(void *b, ckpt_err *err)
{
    track *t = b;
    if (!t->open) {
        abort();
    }
    t->open = 0;
    return CKPT_OK;
}

static const ckpt_multipart_cb cb = {on_start, on_data, on_end};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    track t = {0, 0};
    ckpt_err err = {0};
    ckpt_multipart *m;
    size_t step, i;

    if (fuzz_pool == NULL
        && (apr_initialize() != APR_SUCCESS || apr_pool_create(&fuzz_pool, NULL) != APR_SUCCESS)) {
        abort();
    }
    if (size < 1) {
        return 0;
    }
    step = (size_t)data[0] % 17 + 1;
    m = ckpt_multipart_create(fuzz_pool, "b0", &cb, &t);
    for (i = 1; i < size; i += step) {
        size_t n = size - i < step ? size - i : step;
        if (ckpt_multipart_feed(m, (const char *)data + i, n, &err) != CKPT_OK) {
            break;
        }
    }
    if (i >= size && ckpt_multipart_finish(m, &err) == CKPT_OK && t.open) {
        abort();
    }
    if (t.out > size) {
        abort();
    }
    apr_pool_clear(fuzz_pool);
    return 0;
}
