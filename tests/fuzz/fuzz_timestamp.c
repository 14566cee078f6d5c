/* libFuzzer target: ckpt_ts_parse/ckpt_ts_classify on arbitrary bytes.
 * Invariant: whatever parses formats back to exactly the same 16 bytes
 * (one second has one spelling), and formatting never leaves the range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timestamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    apr_int64_t t, t2;
    char out[CKPT_TS_LEN + 1];
    char listing[CKPT_TS_LISTING_LEN + 1];

    if (ckpt_ts_parse(s, size, &t) == 0) {
        if (size != CKPT_TS_LEN || t < CKPT_TS_MIN_EPOCH || t > CKPT_TS_MAX_EPOCH) {
            abort();
        }
        ckpt_ts_format(t, out);
        if (strlen(out) != CKPT_TS_LEN || memcmp(out, s, CKPT_TS_LEN) != 0) {
            abort();
        }
        if (ckpt_ts_classify(s, size, t, &t2) != CKPT_TS_OK || t2 != t
            || ckpt_ts_classify(s, size, t - 1, NULL) != CKPT_TS_FUTURE) {
            abort();
        }
    } else if (ckpt_ts_classify(s, size, 0, NULL) != CKPT_TS_INVALID) {
        abort();
    }

    /* Any 8 bytes as an epoch: the output is a valid timestamp. */
    if (size >= 8) {
        memcpy(&t, data, sizeof(t));
        ckpt_ts_format(t, out);
        if (ckpt_ts_parse(out, strlen(out), &t2) != 0) {
            abort();
        }
        if (t >= CKPT_TS_MIN_EPOCH && t <= CKPT_TS_MAX_EPOCH && t2 != t) {
            abort();
        }
        ckpt_ts_format_listing(t, listing);
        if (strlen(listing) != CKPT_TS_LISTING_LEN) {
            abort();
        }
    }
    return 0;
}
