/* Chunked uploads (see chunked.h). */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "artifact.h"
#include "chunked.h"
#include "filter.h"
#include "list.h"

/* Digits (at most 18) followed by stop: 1, *v, and *s past stop; or 0. */
static int range_number(const char **s, char stop, apr_off_t *v)
{
    const char *q = *s;
    apr_int64_t n;
    char digits[19];

    while (apr_isdigit(*q)) {
        q++;
    }
    if (q == *s || *q != stop || q - *s > 18) {
        return 0;
    }
    memcpy(digits, *s, (apr_size_t)(q - *s));
    digits[q - *s] = '\0';
    if (!ckpt_number_parse(digits, 0, APR_INT64_C(999999999999999999), &n)) {
        return 0;
    }
    *v = (apr_off_t)n;
    *s = stop ? q + 1 : q;
    return 1;
}

int ckpt_content_range_parse(const char *s, apr_off_t *start, apr_off_t *end, apr_off_t *total)
{
    if (!s || strncmp(s, "bytes ", 6)) {
        return 0;
    }
    s += 6;
    if (!range_number(&s, '-', start) || !range_number(&s, '/', end) || *start > *end) {
        return 0;
    }
    if (!strcmp(s, "*")) {
        *total = -1;
        return 1;
    }
    return range_number(&s, '\0', total) && *end < *total;
}

int ckpt_chunked_complete(const apr_array_header_t *chunks, apr_off_t size, apr_off_t *from,
                          apr_off_t *to)
{
    apr_off_t next = 0;
    int i;

    for (i = 0; i < chunks->nelts; i++) {
        const ckpt_chunk *c = &APR_ARRAY_IDX(chunks, i, ckpt_chunk);
        if (c->offset != next) { /* a gap before it, or an overlap */
            *from = c->offset > next ? next : c->offset;
            *to = c->offset - 1;
            return 0;
        }
        next = c->offset + c->size;
    }
    if (next != size) {
        *from = next;
        *to = size - 1;
        return 0;
    }
    return 1;
}

static ckpt_chunked *read_upload(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    ckpt_chunked *u = apr_pcalloc(p, sizeof(*u));

    u->id = ckpt_dbres_get(res, row, "id");
    u->size = (apr_off_t)ckpt_dbres_int(res, row, "size", 0);
    u->pulp_created = ckpt_dbres_get(res, row, "pulp_created");
    u->pulp_last_updated = ckpt_dbres_get(res, row, "pulp_last_updated");
    return u;
}

static void *read_upload_row(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    return read_upload(p, res, row);
}

static const ckpt_filter upload_filters[] = {
    {"size", CKPT_FT_INT, 0, "Filter results where size matches value"},
    {"size__gt", CKPT_FT_INT, 1, "Filter results where size is greater than value"},
    {"size__lt", CKPT_FT_INT, 2, "Filter results where size is less than value"},
    {"ordering", CKPT_FT_ORDERING, 3, "Which field to use when ordering the results."},
    {NULL, 0, 0, NULL}};
static const char *const upload_orderings[] = {"size", "pulp_created", NULL};

const ckpt_filter_set ckpt_filters_uploads = {"api_upload_list", 4, upload_filters,
                                              upload_orderings, "id", read_upload_row};

ckpt_rc ckpt_chunked_create(ckpt_db *db, apr_pool_t *p, apr_off_t size, ckpt_chunked **out,
                            ckpt_err *err)
{
    const char *param = apr_off_t_toa(p, size);

    return ckpt_list_one(db, p, "api_upload_insert", 1, &param, read_upload_row,
                         (void **)out, err);
}

/* The chunks of upload id, by offset. */
static ckpt_rc chunks_of(ckpt_db *db, apr_pool_t *p, const char *id, apr_array_header_t **out,
                         ckpt_err *err)
{
    ckpt_dbres *res;
    int i;

    if (ckpt_db_query(db, p, &res, err, "api_upload_chunks", 1, id) != CKPT_OK) {
        return err->rc;
    }
    *out = apr_array_make(p, res->nrows + 1, sizeof(ckpt_chunk));
    for (i = 0; i < res->nrows; i++) {
        ckpt_chunk *c = apr_array_push(*out);
        c->offset = (apr_off_t)ckpt_dbres_int(res, i, "offset", 0);
        c->size = (apr_off_t)ckpt_dbres_int(res, i, "size", 0);
    }
    return CKPT_OK;
}

ckpt_rc ckpt_chunked_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_chunked **out,
                         ckpt_err *err)
{
    if (ckpt_list_one(db, p, "api_upload_get", 1, &id, read_upload_row, (void **)out, err)
        != CKPT_OK) {
        return err->rc;
    }
    return chunks_of(db, p, id, &(*out)->chunks, err);
}

ckpt_rc ckpt_chunked_delete(ckpt_db *db, apr_pool_t *p, const char *root, const char *id,
                            ckpt_err *err)
{
    apr_int64_t files = 0;
    apr_off_t bytes = 0;

    if (ckpt_list_delete(db, p, "api_upload_delete", id, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_storage_remove_chunks(p, root, id, &files, &bytes, err);
}

typedef struct {
    const char *id;
    ckpt_upload *u;
    apr_off_t start, end, total;
    int placed;
    ckpt_chunked *out;
} put_baton;

/* Locks the upload, checks the range against its size, places the chunk
 * (once: a retried transaction finds it placed) and records it. */
static ckpt_rc put_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    put_baton *b = baton;
    ckpt_chunked *up;
    ckpt_dbres *res;

    if (ckpt_list_one(db, p, "api_upload_lock", 1, &b->id, read_upload_row, (void **)&up, err)
        != CKPT_OK) {
        return err->rc;
    }
    if (b->total >= 0 && b->total != up->size) {
        return ckpt_err_invalid(err, "Content-Range",
                                apr_psprintf(p, "The total size %" APR_OFF_T_FMT " is not the "
                                                "upload's size, %" APR_OFF_T_FMT ".",
                                             b->total, up->size));
    }
    if (b->end > up->size - 1) {
        return ckpt_err_invalid(err, "Content-Range", "End byte is greater than upload size.");
    }
    if (!b->placed && ckpt_upload_commit_chunk(b->u, b->id, b->start, err) != CKPT_OK) {
        return err->rc;
    }
    b->placed = 1;
    if (ckpt_db_query(db, p, &res, err, "api_upload_chunk_put", 4, b->id,
                      apr_off_t_toa(p, b->start), apr_off_t_toa(p, b->end - b->start + 1),
                      ckpt_upload_sha256(b->u)) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_list_one(db, p, "api_upload_touch", 1, &b->id, read_upload_row,
                         (void **)&b->out, err);
}

ckpt_rc ckpt_chunked_put(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_upload *u,
                         apr_off_t start, apr_off_t end, apr_off_t total, const char *sha256,
                         ckpt_chunked **out, ckpt_err *err)
{
    put_baton b = {id, u, start, end, total, 0, NULL};

    if (ckpt_upload_size(u) != end - start + 1) {
        return ckpt_err_invalid(err, "file", "Chunk size does not match content range.");
    }
    if (sha256 && strcmp(sha256, ckpt_upload_sha256(u))) {
        return ckpt_err_invalid(err, "sha256", "Checksum does not match chunk upload.");
    }
    if (ckpt_db_txn(db, p, put_txn, &b, err) != CKPT_OK) {
        return err->rc;
    }
    *out = b.out;
    return CKPT_OK;
}

typedef struct {
    const char *root;
    const char *id;
    ckpt_upload **out;
} assemble_baton;

/* With the upload locked, so that no chunk changes while it is read. */
static ckpt_rc assemble_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    assemble_baton *b = baton;
    ckpt_chunked *up;
    apr_off_t from = 0, to = 0, size;
    const char *sha;
    int i;

    if (ckpt_list_one(db, p, "api_upload_lock", 1, &b->id, read_upload_row, (void **)&up, err)
            != CKPT_OK
        || chunks_of(db, p, b->id, &up->chunks, err) != CKPT_OK) {
        return err->rc;
    }
    if (!ckpt_chunked_complete(up->chunks, up->size, &from, &to)) {
        return ckpt_err_invalid(
            err, "upload",
            to < from ? apr_psprintf(p, "The upload's chunks overlap at byte %" APR_OFF_T_FMT ".",
                                     from)
                      : apr_psprintf(p, "The upload is incomplete: bytes %" APR_OFF_T_FMT "-%"
                                        APR_OFF_T_FMT " are missing.", from, to));
    }
    if (ckpt_upload_open(p, b->root, b->out, err) != CKPT_OK) {
        return err->rc;
    }
    for (i = 0; i < up->chunks->nelts; i++) {
        const ckpt_chunk *c = &APR_ARRAY_IDX(up->chunks, i, ckpt_chunk);
        if (ckpt_upload_append_file(*b->out, ckpt_storage_chunk_path(p, b->root, b->id, c->offset),
                                    c->size, err) != CKPT_OK) {
            return err->rc;
        }
    }
    return ckpt_upload_finish(*b->out, &sha, &size, err);
}

ckpt_rc ckpt_chunked_assemble(ckpt_db *db, apr_pool_t *p, const char *root, const char *id,
                              ckpt_upload **out, ckpt_err *err)
{
    assemble_baton b = {root, id, out};

    *out = NULL;
    return ckpt_db_txn(db, p, assemble_txn, &b, err);
}

static ckpt_rc keep_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    return ckpt_artifact_keep(db, p, baton, err);
}

ckpt_rc ckpt_chunked_commit(ckpt_db *db, apr_pool_t *p, const char *root, const char *id,
                            const char *sha256, ckpt_err *err)
{
    ckpt_upload *u;

    if (ckpt_chunked_assemble(db, p, root, id, &u, err) != CKPT_OK) {
        return err->rc;
    }
    if (strcmp(sha256, ckpt_upload_sha256(u))) {
        ckpt_upload_discard(u);
        return ckpt_err_invalid(err, "sha256",
                                apr_psprintf(p, "The digest of the upload is %s, not the one "
                                                "given.", ckpt_upload_sha256(u)));
    }
    if (ckpt_db_txn(db, p, keep_txn, u, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_chunked_delete(db, p, root, id, err);
}
