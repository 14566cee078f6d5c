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
    int *next;      /* per entry: the index of the first entry of the next name */
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

/* Each entry's link to the first entry of the next name (entries sorted). */
static void link_names(ckpt_dirblock *b, apr_pool_t *p)
{
    int i, n = b->n;

    b->next = apr_palloc(p, sizeof(int) * (apr_size_t)(n ? n : 1));
    b->bytes += sizeof(int) * (apr_size_t)n;
    for (i = n - 1; i >= 0; i--) {
        b->next[i] = i + 1 < n && !strcmp(b->e[i].name, b->e[i + 1].name) ? b->next[i + 1] : i + 1;
    }
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
    link_names(b, p);
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

/* Of the entries [lo, hi) of one name (ordered by version_added, their
 * ranges never overlap), the one present at version, or NULL: the last
 * one added at or before it, found by binary search, so that a name
 * changed in every one of 10,000 versions costs 14 steps, not 10,000. */
static const entry *present_of(const ckpt_dirblock *b, int lo, int hi, int version)
{
    const int first = lo;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (b->e[mid].added <= version) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo > first && present(&b->e[lo - 1], version) ? &b->e[lo - 1] : NULL;
}

ckpt_dirblock_kind ckpt_dirblock_find(const ckpt_dirblock *b, apr_pool_t *p, int version,
                                      const char *name, const char **sha256, apr_off_t *size)
{
    int i = first_named(b, name);
    const entry *e;

    if (i >= b->n || strcmp(b->e[i].name, name) != 0
        || (e = present_of(b, i, b->next[i], version)) == NULL) {
        return CKPT_DIRBLOCK_ABSENT;
    }
    if (e->is_dir) {
        return CKPT_DIRBLOCK_DIR;
    }
    *sha256 = apr_pescape_hex(p, e->sha, sizeof(e->sha), 0);
    *size = e->size;
    return CKPT_DIRBLOCK_FILE;
}

int ckpt_dirblock_list(const ckpt_dirblock *b, apr_pool_t *p, int version, int index,
                       ckpt_dir_content *out)
{
    int i;

    if (index && ckpt_dirblock_find(b, p, version, "index.html", &out->index_sha256,
                                    &out->index_size) == CKPT_DIRBLOCK_FILE) {
        return 1;
    }
    /* Sized for names, not ranges: a block may hold 32,768 ranges. */
    out->files = apr_array_make(p, 16, sizeof(ckpt_listing_entry));
    out->dirs = apr_array_make(p, 8, sizeof(const char *));
    /* One binary search per name. */
    for (i = 0; i < b->n; i = b->next[i]) {
        const entry *e = present_of(b, i, b->next[i], version);
        if (!e) {
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

/* ---- the packed form ---- */

/* An entry as packed: its name as an offset into the names that follow
 * the entries; copied with memcpy (a buffer need not be aligned). */
typedef struct {
    unsigned char sha[32];
    apr_int64_t size;
    apr_uint32_t name;
    apr_int32_t added;
    apr_int32_t removed;
    apr_int32_t is_dir;
} packed_entry;

typedef struct {
    apr_uint32_t magic;
    apr_int32_t latest;
    apr_uint32_t n;
    apr_uint32_t names; /* bytes of names, each ending in NUL */
} packed_head;

#define PACK_MAGIC 0x436b4231 /* "CkB1" */

static apr_uint32_t names_bytes(const ckpt_dirblock *b)
{
    apr_uint32_t n = 0;
    int i;

    for (i = 0; i < b->n; i++) {
        n += (apr_uint32_t)strlen(b->e[i].name) + 1;
    }
    return n;
}

apr_size_t ckpt_dirblock_packed_size(const ckpt_dirblock *b)
{
    return sizeof(packed_head) + sizeof(packed_entry) * (apr_size_t)b->n + names_bytes(b);
}

unsigned char *ckpt_dirblock_pack(const ckpt_dirblock *b, apr_pool_t *p, apr_size_t *len)
{
    packed_head h;
    unsigned char *buf, *at, *names;
    apr_size_t off = 0;
    int i;

    h.magic = PACK_MAGIC;
    h.latest = b->latest;
    h.n = (apr_uint32_t)b->n;
    h.names = names_bytes(b);
    *len = sizeof(h) + sizeof(packed_entry) * (apr_size_t)b->n + h.names;
    buf = apr_palloc(p, *len);
    memcpy(buf, &h, sizeof(h));
    at = buf + sizeof(h);
    names = at + sizeof(packed_entry) * (apr_size_t)b->n;
    for (i = 0; i < b->n; i++, at += sizeof(packed_entry)) {
        const entry *e = &b->e[i];
        packed_entry pe;
        apr_size_t nl = strlen(e->name) + 1;

        memcpy(pe.sha, e->sha, sizeof(pe.sha));
        pe.size = e->size;
        pe.name = (apr_uint32_t)off;
        pe.added = e->added;
        pe.removed = e->removed;
        pe.is_dir = e->is_dir;
        memcpy(at, &pe, sizeof(pe));
        memcpy(names + off, e->name, nl);
        off += nl;
    }
    return buf;
}

/* Entry i of a packed block into e, its name in names (of names_len
 * bytes, NUL-terminated): 0 when its name lies outside them. */
static int unpack_entry(const unsigned char *at, const char *names, apr_uint32_t names_len,
                        entry *e)
{
    packed_entry pe;

    memcpy(&pe, at, sizeof(pe));
    if (pe.name >= names_len) {
        return 0;
    }
    e->name = names + pe.name;
    memcpy(e->sha, pe.sha, sizeof(e->sha));
    e->size = (apr_off_t)pe.size;
    e->added = pe.added;
    e->removed = pe.removed;
    e->is_dir = pe.is_dir != 0;
    return 1;
}

ckpt_dirblock *ckpt_dirblock_unpack(apr_pool_t *p, const unsigned char *buf, apr_size_t len)
{
    ckpt_dirblock *b;
    packed_head h;
    const unsigned char *at;
    char *names;
    int i;

    if (len < sizeof(h) || (memcpy(&h, buf, sizeof(h)), h.magic != PACK_MAGIC)
        || h.n > CKPT_DIRBLOCK_MAX_ROWS || (h.names == 0 && h.n > 0)
        || len != sizeof(h) + sizeof(packed_entry) * (apr_size_t)h.n + h.names) {
        return NULL;
    }
    at = buf + sizeof(h);
    names = h.names ? apr_pmemdup(p, at + sizeof(packed_entry) * h.n, h.names)
                    : apr_pcalloc(p, 1);
    if (h.names && names[h.names - 1] != '\0') {
        return NULL;
    }
    b = apr_pcalloc(p, sizeof(*b));
    b->n = (int)h.n;
    b->latest = h.latest;
    b->e = apr_palloc(p, sizeof(entry) * (apr_size_t)(b->n ? b->n : 1));
    b->bytes = sizeof(*b) + sizeof(entry) * (apr_size_t)b->n + h.names;
    for (i = 0; i < b->n; i++, at += sizeof(packed_entry)) {
        /* in the order binary search needs, or not a block of ours */
        if (!unpack_entry(at, names, h.names, &b->e[i])
            || (i > 0 && by_name_then_version(&b->e[i - 1], &b->e[i]) > 0)) {
            return NULL;
        }
    }
    link_names(b, p);
    return b;
}
