/* Directory listings in the format of nginx's autoindex (SPEC §2), which
 * Pulp also serves and which scripts already scrape.  Pure C (apr only). */
#ifndef CKPT_LISTING_H
#define CKPT_LISTING_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct {
    const char *name;      /* one path segment, without a trailing '/' */
    int is_dir;            /* listed first, as "name/", with "-" for a size */
    apr_int64_t mtime_sec; /* seconds since 1970-01-01 UTC */
    apr_off_t size;        /* bytes; ignored for directories */
} ckpt_listing_entry;

/* The whole HTML page for request_path (the decoded request path, shown as
 * "Index of <request_path>") listing entries, an array of
 * ckpt_listing_entry: directories first, then files, each sorted by name in
 * byte order.  The caller's array is not reordered. */
const char *ckpt_listing_render(apr_pool_t *p, const char *request_path,
                                const apr_array_header_t *entries);

/* The same with footer (HTML of ours, e.g. the links to a checkpoint's
 * neighbours) after the listing's closing rule, outside the <pre> that
 * scrapers read. */
const char *ckpt_listing_render_footer(apr_pool_t *p, const char *request_path,
                                       const apr_array_header_t *entries, const char *footer);

#endif
