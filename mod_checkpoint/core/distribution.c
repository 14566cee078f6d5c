/* Distributions (see distribution.h). */
#include <string.h>

#include <apr_strings.h>

#include "distribution.h"
#include "filter.h"
#include "list.h"
#include "path.h"

#define NO_OBJECT "Invalid hyperlink - Object does not exist."

static ckpt_dist *read_dist(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    ckpt_dist *d = apr_pcalloc(p, sizeof(*d));

    d->id = ckpt_dbres_get(res, row, "id");
    d->name = ckpt_dbres_get(res, row, "name");
    d->base_path = ckpt_dbres_get(res, row, "base_path");
    d->publication_id = ckpt_dbres_get(res, row, "publication_id");
    d->repository_id = ckpt_dbres_get(res, row, "repository_id");
    d->version_id = ckpt_dbres_get(res, row, "version_id");
    d->version_repository_id = ckpt_dbres_get(res, row, "version_repository_id");
    d->version_number = (int)ckpt_dbres_int(res, row, "version_number", -1);
    d->checkpoint = ckpt_dbres_bool(res, row, "checkpoint");
    d->pulp_created = ckpt_dbres_get(res, row, "pulp_created");
    return d;
}

static void *read_dist_row(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    return read_dist(p, res, row);
}

/* A distribution as it will be written: the existing one (or nothing)
 * with what the request sets. */
static ckpt_dist merge(const ckpt_dist *old, const ckpt_dist_fields *in)
{
    ckpt_dist d;

    memset(&d, 0, sizeof(d));
    if (old) {
        d = *old;
    }
#define TAKE(flag, to, from) if (!old || in->flag) { d.to = in->from; }
    TAKE(set_name, name, name)
    TAKE(set_base_path, base_path, base_path)
    TAKE(set_publication, publication_id, publication_id)
    TAKE(set_repository, repository_id, repository_id)
    TAKE(set_checkpoint, checkpoint, checkpoint)
#undef TAKE
    if (!old || in->set_repository_version) {
        d.version_id = NULL;
        d.version_repository_id = in->version_repository_id;
        d.version_number = in->version_repository_id ? in->version_number : -1;
    }
    return d;
}

/* The rules of SPEC §3 on what will be written; serving says whether the
 * request touches what is served. */
static ckpt_rc validate(const ckpt_dist *d, int serving, ckpt_err *err)
{
    int rc;

    if ((rc = ckpt_path_check_name(d->name)) != CKPT_PATH_OK) {
        return ckpt_path_refuse(err, "name", rc);
    }
    if ((rc = ckpt_path_check_base_path(d->base_path)) != CKPT_PATH_OK) {
        return ckpt_path_refuse(err, "base_path", rc);
    }
    if ((d->publication_id != NULL) + (d->repository_id != NULL)
            + (d->version_repository_id != NULL) > 1) {
        return ckpt_err_invalid(err, "non_field_errors",
                                "Only one of the attributes 'publication', 'repository', "
                                "'repository_version' may be used simultaneously.");
    }
    if (serving && d->checkpoint && !d->repository_id) {
        return ckpt_err_invalid(err, "checkpoint", "checkpoint may only be used with repository");
    }
    return CKPT_OK;
}

/* Each reference the request sets names an existing object; a version's
 * own id is looked up. */
static ckpt_rc resolve_refs(ckpt_db *db, apr_pool_t *p, ckpt_dist *d,
                            const ckpt_dist_fields *in, int creating, ckpt_err *err)
{
    ckpt_dbres *res;

    if ((creating || in->set_publication) && d->publication_id) {
        if (ckpt_db_query(db, p, &res, err, "api_pub_exists", 1, d->publication_id) != CKPT_OK) {
            return err->rc;
        }
        if (!res->nrows) {
            return ckpt_err_invalid(err, "publication", NO_OBJECT);
        }
    }
    if ((creating || in->set_repository) && d->repository_id) {
        if (ckpt_db_query(db, p, &res, err, "api_repo_get", 1, d->repository_id) != CKPT_OK) {
            return err->rc;
        }
        if (!res->nrows) {
            return ckpt_err_invalid(err, "repository", NO_OBJECT);
        }
    }
    if (d->version_repository_id && !d->version_id) {
        if (ckpt_db_query(db, p, &res, err, "api_ver_id", 2, d->version_repository_id,
                          apr_itoa(p, d->version_number)) != CKPT_OK) {
            return err->rc;
        }
        if (!res->nrows) {
            return ckpt_err_invalid(err, "repository_version", NO_OBJECT);
        }
        d->version_id = ckpt_dbres_get(res, 0, "id");
    }
    return CKPT_OK;
}

/* A conflict the database found is the client's error, named. */
static ckpt_rc conflict(ckpt_db *db, ckpt_err *err)
{
    const char *c = ckpt_db_constraint(db);

    if (err->rc != CKPT_CONFLICT) {
        return err->rc;
    }
    if (!strcmp(c, "distribution_name_key")) {
        return ckpt_err_invalid(err, "name", "This field must be unique.");
    }
    if (!strcmp(c, "distribution_base_path_key")) {
        return ckpt_err_invalid(err, "base_path", "This field must be unique.");
    }
    /* a referenced object was deleted meanwhile */
    return ckpt_err_invalid(err, NULL, "A referenced object does not exist.");
}

/* Checks the overlap of base paths and writes d; *id is its id. */
static ckpt_rc write_dist(ckpt_db *db, apr_pool_t *p, const ckpt_dist *d, const char **id,
                          ckpt_err *err)
{
    const char *cp = d->checkpoint ? "t" : "f";
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "api_dist_overlap", 2, d->base_path, d->id) != CKPT_OK) {
        return err->rc;
    }
    if (res->nrows) {
        return ckpt_err_invalid(
            err, "base_path",
            apr_psprintf(p, "Overlaps with existing distribution's base_path \"%s\".",
                         ckpt_dbres_get(res, 0, "base_path")));
    }
    if ((d->id ? ckpt_db_query(db, p, &res, err, "api_dist_update", 7, d->id, d->name,
                               d->base_path, d->publication_id, d->repository_id, d->version_id,
                               cp)
               : ckpt_db_query(db, p, &res, err, "api_dist_insert", 6, d->name, d->base_path,
                               d->publication_id, d->repository_id, d->version_id, cp))
        != CKPT_OK) {
        return conflict(db, err);
    }
    *id = d->id ? d->id : ckpt_dbres_get(res, 0, "id");
    return CKPT_OK;
}

typedef struct {
    const char *id; /* NULL: a new one */
    const ckpt_dist_fields *in;
    ckpt_dist *out;
} write_baton;

static ckpt_rc write_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    write_baton *b = baton;
    const ckpt_dist_fields *in = b->in;
    ckpt_dist *old = NULL, d;
    ckpt_dbres *res;
    const char *id = NULL;
    int serving = !b->id || in->set_publication || in->set_repository
                  || in->set_repository_version || in->set_checkpoint;

    if (ckpt_db_query(db, p, &res, err, "api_dist_lock", 0) != CKPT_OK
        || (b->id && ckpt_dist_get(db, p, b->id, &old, err) != CKPT_OK)) {
        return err->rc;
    }
    d = merge(old, in);
    if (validate(&d, serving, err) != CKPT_OK
        || resolve_refs(db, p, &d, in, !b->id, err) != CKPT_OK
        || write_dist(db, p, &d, &id, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_dist_get(db, p, id, &b->out, err);
}

ckpt_rc ckpt_dist_create(ckpt_db *db, apr_pool_t *p, const ckpt_dist_fields *in, ckpt_dist **out,
                         ckpt_err *err)
{
    write_baton b = {NULL, in, NULL};
    ckpt_dist d = merge(NULL, in);

    /* The shape first: it needs no database. */
    if (validate(&d, 1, err) != CKPT_OK || ckpt_db_txn(db, p, write_txn, &b, err) != CKPT_OK) {
        return err->rc;
    }
    *out = b.out;
    return CKPT_OK;
}

ckpt_rc ckpt_dist_update(ckpt_db *db, apr_pool_t *p, const char *id, const ckpt_dist_fields *in,
                         ckpt_dist **out, ckpt_err *err)
{
    write_baton b = {id, in, NULL};

    if (ckpt_db_txn(db, p, write_txn, &b, err) != CKPT_OK) {
        return err->rc;
    }
    *out = b.out;
    return CKPT_OK;
}

ckpt_rc ckpt_dist_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_dist **out,
                      ckpt_err *err)
{
    return ckpt_list_one(db, p, "api_dist_get", 1, &id, read_dist_row, (void **)out, err);
}

static const ckpt_filter dist_filters[] = {CKPT_TEXT_FILTERS("name", 0),
                                           CKPT_TEXT_FILTERS("base_path", 5),
                                           CKPT_ORDERING_FILTER(10), {NULL, 0, 0, NULL}};
static const char *const dist_orderings[] = {"name", "base_path", "pulp_created", NULL};
const ckpt_filter_set ckpt_filters_distributions = {"api_dist_list", 11, dist_filters,
                                                    dist_orderings, "id", read_dist_row};

ckpt_rc ckpt_dist_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err)
{
    return ckpt_list_delete(db, p, "api_dist_delete", id, err);
}
