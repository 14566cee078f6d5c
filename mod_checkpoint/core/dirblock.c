/* Directory blocks (see dirblock.h): entries sorted by name, then by the
 * version they came in, so a name's ranges are found by one binary
 * search and lie side by side. */
#include <stdlib.h>
#include <string.h>

#include <apr_escape.h>
#include <apr_strings.h>

#include "dirblock.h"
#include "listing.h"
#include "path.h"

typedef struct {
    const char *name;          /* base name */
    unsigned char sha[32];
    apr_off_t size;
    int added;
    int removed;               /* INT_MAX: still present */
    int is_dir;
} entry;

struct ckpt_dirblock {
    entry *e;
    int n;
    int latest;
    apr_size_t bytes;
};

#define OPEN 0x7fffffff

static int by_name_then_version(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    int c = strcmp(a->name, b->name);

    return c ? c : (a->added > b->added) - (a->added < b->added);
}

ckpt_dirblock *ckpt_dirblock_make(apr_pool_t *p, int latest, const ckpt_dirblock_row *rows,
                                  int n)
{
    ckpt_dirblock *b = apr_pcalloc(p, sizeof(*b));
    int i;

    b->e = apr_pcalloc(p, sizeof(entry) * (apr_size_t)(n ? n : 1));
    b->n = n;
    b->latest = latest;
    b->bytes = sizeof(*b) + sizeof(entry) * (apr_size_t)n;
    for (i = 0; i < n; i++) {
        entry *e = &b->e[i];
        apr_size_t len;

        e->name = apr_pstrdup(p, ckpt_path_basename(rows[i].path));
        e->size = rows[i].size;
        e->added = rows[i].added;
        e->removed = rows[i].removed < 0 ? OPEN : rows[i].removed;
        e->is_dir = rows[i].is_dir;
        if (!e->is_dir
            && (!rows[i].sha256 || strlen(rows[i].sha256) != 64
                || apr_unescape_hex(e->sha, rows[i].sha256, 64, 0, &len) != APR_SUCCESS
                || len != 32)) {
            return NULL;
        }
        b->bytes += strlen(e->name) + 1;
    }
    qsort(b->e, (size_t)n, sizeof(entry), by_name_then_version);
    return b;
}

apr_size_t ckpt_dirblock_bytes(const ckpt_dirblock *b)
{
    return b->bytes;
}

int ckpt_dirblock_covers(const ckpt_dirblock *b, int version)
{
    return version <= b->latest;
}

static int present(const entry *e, int version)
{
    return e->added <= version && version < e->removed;
}

/* The first entry named name, or b->n. */
static int first_named(const ckpt_dirblock *b, const char *name)
{
    int lo = 0, hi = b->n;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(b->e[mid].name, name) < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

ckpt_dirblock_kind ckpt_dirblock_find(const ckpt_dirblock *b, apr_pool_t *p, int version,
                                      const char *name, const char **sha256, apr_off_t *size)
{
    int i;

    for (i = first_named(b, name); i < b->n && !strcmp(b->e[i].name, name); i++) {
        const entry *e = &b->e[i];
        if (!present(e, version)) {
            continue;
        }
        if (e->is_dir) {
            return CKPT_DIRBLOCK_DIR;
        }
        *sha256 = apr_pescape_hex(p, e->sha, sizeof(e->sha), 0);
        *size = e->size;
        return CKPT_DIRBLOCK_FILE;
    }
    return CKPT_DIRBLOCK_ABSENT;
}

int ckpt_dirblock_list(const ckpt_dirblock *b, apr_pool_t *p, int version, int index,
                       ckpt_dir_content *out)
{
    int i;

    if (index && ckpt_dirblock_find(b, p, version, "index.html", &out->index_sha256,
                                    &out->index_size) == CKPT_DIRBLOCK_FILE) {
        return 1;
    }
    out->files = apr_array_make(p, b->n ? b->n : 1, sizeof(ckpt_listing_entry));
    out->dirs = apr_array_make(p, 8, sizeof(const char *));
    for (i = 0; i < b->n; i++) {
        const entry *e = &b->e[i];
        if (!present(e, version)) {
            continue;
        }
        if (e->is_dir) {
            APR_ARRAY_PUSH(out->dirs, const char *) = apr_pstrdup(p, e->name);
        }
        else {
            ckpt_listing_entry *le = apr_array_push(out->files);
            memset(le, 0, sizeof(*le));
            le->name = apr_pstrdup(p, e->name);
            le->size = e->size;
        }
    }
    return out->files->nelts + out->dirs->nelts > 0;
}
