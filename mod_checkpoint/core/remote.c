/* Remotes (see remote.h). */
#include <string.h>

#include <apr_strings.h>

#include "filter.h"
#include "list.h"
#include "path.h"
#include "remote.h"

static const ckpt_remote_field fields[] = {
    {"name", CKPT_RF_STRING, 0, 0, NULL},
    {"url", CKPT_RF_STRING, 0, 0, NULL},
    {"policy", CKPT_RF_STRING, 0, 0, "immediate"},
    {"tls_validation", CKPT_RF_BOOL, 0, 0, "t"},
    {"proxy_url", CKPT_RF_STRING, 1, 0, NULL},
    {"proxy_username", CKPT_RF_STRING, 1, 1, NULL},
    {"proxy_password", CKPT_RF_STRING, 1, 1, NULL},
    {"username", CKPT_RF_STRING, 1, 1, NULL},
    {"password", CKPT_RF_STRING, 1, 1, NULL},
    {"ca_cert", CKPT_RF_STRING, 1, 0, NULL},
    {"client_cert", CKPT_RF_STRING, 1, 0, NULL},
    {"client_key", CKPT_RF_STRING, 1, 1, NULL},
    {"download_concurrency", CKPT_RF_INT, 1, 0, NULL},
    {"max_retries", CKPT_RF_INT, 1, 0, NULL},
    {NULL, CKPT_RF_STRING, 0, 0, NULL}};

const ckpt_remote_field *ckpt_remote_fields(void)
{
    return fields;
}

static void *read_remote(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    ckpt_remote *r = apr_pcalloc(p, sizeof(*r));
    int i;

    r->id = ckpt_dbres_get(res, row, "id");
    for (i = 0; i < CKPT_REMOTE_NFIELDS; i++) {
        r->v[i] = ckpt_dbres_get(res, row, fields[i].name);
    }
    r->pulp_created = ckpt_dbres_get(res, row, "pulp_created");
    r->pulp_last_updated = ckpt_dbres_get(res, row, "pulp_last_updated");
    return r;
}

static int is_url(const char *s, int socks)
{
    return s && (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8)
                 || (socks && !strncasecmp(s, "socks5://", 9)));
}

static ckpt_rc number_in(const char *v, const char *field, apr_int64_t lo, apr_int64_t hi,
                         apr_pool_t *p, ckpt_err *err)
{
    apr_int64_t n;

    if (v && !ckpt_number_parse(v, lo, hi, &n)) {
        return ckpt_err_invalid(err, field,
                                apr_psprintf(p, "Ensure this value is between %" APR_INT64_T_FMT
                                                " and %" APR_INT64_T_FMT ".", lo, hi));
    }
    return CKPT_OK;
}

/* The rules of the values a remote is to hold (v: every field). */
static ckpt_rc check_values(apr_pool_t *p, const char *const *v, ckpt_err *err)
{
    int rc;

    if (!v[CKPT_RF_NAME]) {
        return ckpt_err_invalid(err, "name", "This field is required.");
    }
    if ((rc = ckpt_path_check_name(v[CKPT_RF_NAME])) != 0) {
        return ckpt_path_refuse(err, "name", rc);
    }
    if (!v[CKPT_RF_URL]) {
        return ckpt_err_invalid(err, "url", "This field is required.");
    }
    if (!is_url(v[CKPT_RF_URL], 0) || strlen(v[CKPT_RF_URL]) > 8192) {
        return ckpt_err_invalid(err, "url", "Enter a valid http:// or https:// URL.");
    }
    if (strcmp(v[CKPT_RF_POLICY], "immediate")) {
        return ckpt_err_invalid(err, "policy",
                                apr_psprintf(p, "\"%s\" is not supported: only \"immediate\" "
                                                "is implemented (every file is downloaded by "
                                                "the sync).", v[CKPT_RF_POLICY]));
    }
    if (v[CKPT_RF_PROXY_URL] && !is_url(v[CKPT_RF_PROXY_URL], 1)) {
        return ckpt_err_invalid(err, "proxy_url",
                                "Enter a valid http://, https:// or socks5:// URL.");
    }
    if (number_in(v[CKPT_RF_DOWNLOAD_CONCURRENCY], "download_concurrency", 1, 64, p, err)
            != CKPT_OK
        || number_in(v[CKPT_RF_MAX_RETRIES], "max_retries", 0, 100, p, err) != CKPT_OK) {
        return err->rc;
    }
    return CKPT_OK;
}

/* A unique name taken is the client's error. */
static ckpt_rc name_taken(ckpt_db *db, ckpt_err *err)
{
    if (err->rc == CKPT_CONFLICT && !strcmp(ckpt_db_constraint(db), "remote_name_key")) {
        return ckpt_err_invalid(err, "name", "This field must be unique.");
    }
    return err->rc;
}

/* Runs stmt with id (or NULL) and every value; one row back. */
static ckpt_rc write_row(ckpt_db *db, apr_pool_t *p, const char *stmt, const char *id,
                         const char *const *v, ckpt_remote **out, ckpt_err *err)
{
    const char *params[CKPT_REMOTE_NFIELDS + 1];
    ckpt_dbres *res;
    int i;

    if (check_values(p, v, err) != CKPT_OK) {
        return err->rc;
    }
    params[0] = id;
    for (i = 0; i < CKPT_REMOTE_NFIELDS; i++) {
        params[i + 1] = v[i];
    }
    if (ckpt_db_queryv(db, p, &res, err, stmt, id ? CKPT_REMOTE_NFIELDS + 1 : CKPT_REMOTE_NFIELDS,
                       id ? params : params + 1) != CKPT_OK) {
        return name_taken(db, err);
    }
    if (!res->nrows) {
        return ckpt_err_set(err, CKPT_NOTFOUND, NULL, NULL);
    }
    *out = read_remote(p, res, 0);
    return CKPT_OK;
}

ckpt_rc ckpt_remote_create(ckpt_db *db, apr_pool_t *p, const ckpt_remote_req *in,
                           ckpt_remote **out, ckpt_err *err)
{
    const char *v[CKPT_REMOTE_NFIELDS];
    int i;

    for (i = 0; i < CKPT_REMOTE_NFIELDS; i++) {
        v[i] = in->set[i] ? in->v[i] : fields[i].dflt;
    }
    return write_row(db, p, "remote_insert", NULL, v, out, err);
}

ckpt_rc ckpt_remote_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_remote **out,
                        ckpt_err *err)
{
    return ckpt_list_one(db, p, "remote_get", 1, &id, read_remote, (void **)out, err);
}

static const ckpt_filter remote_filters[] = {CKPT_TEXT_FILTERS("name", 0),
                                             CKPT_ORDERING_FILTER(5), {NULL, 0, 0, NULL}};
static const char *const remote_orderings[] = {"name", "pulp_created", NULL};
const ckpt_filter_set ckpt_filters_remotes = {"remote_list", 6, remote_filters,
                                              remote_orderings, "id", read_remote};

typedef struct {
    const char *id;
    const ckpt_remote_req *in;
    int full;
    ckpt_remote *out;
} update_baton;

/* The row as it is (locked), the change over it, written back. */
static ckpt_rc update_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    update_baton *b = baton;
    const char *v[CKPT_REMOTE_NFIELDS];
    ckpt_remote *cur;
    int i;

    if (ckpt_list_one(db, p, "remote_lock", 1, &b->id, read_remote, (void **)&cur, err)
        != CKPT_OK) {
        return err->rc;
    }
    for (i = 0; i < CKPT_REMOTE_NFIELDS; i++) {
        v[i] = b->in->set[i] ? b->in->v[i] : b->full ? fields[i].dflt : cur->v[i];
    }
    return write_row(db, p, "remote_update", b->id, v, &b->out, err);
}

ckpt_rc ckpt_remote_update(ckpt_db *db, apr_pool_t *p, const char *id, const ckpt_remote_req *in,
                           int full, ckpt_remote **out, ckpt_err *err)
{
    update_baton b = {id, in, full, NULL};

    if (ckpt_db_txn(db, p, update_txn, &b, err) != CKPT_OK) {
        return err->rc;
    }
    *out = b.out;
    return CKPT_OK;
}

ckpt_rc ckpt_remote_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err)
{
    return ckpt_list_delete(db, p, "remote_delete", id, err);
}
