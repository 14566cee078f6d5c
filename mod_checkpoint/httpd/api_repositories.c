/* repositories/file/file/: repositories, their versions, and modify/.
 * Membership is kept as version ranges (sql/001_schema.sql): a new version
 * closes the ranges of what leaves and opens ranges for what comes, each
 * one set-based statement whatever the number of units. */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"

#define INT_MAX_TEXT 2147483647LL

static ckpt_json *repo_json(ckpt_api_req *a, const ckpt_dbres *res, int row, int col)
{
    ckpt_json *o = ckpt_json_object();
    const char *id = CKPT_DBVAL(res, row, col);
    const char *rv = CKPT_DBVAL(res, row, col + 3), *rc = CKPT_DBVAL(res, row, col + 4);
    const char *href = ckpt_href(a, CKPT_HREF_REPOSITORY, id, NULL);

    ckpt_json_set_str(o, "pulp_href", href);
    ckpt_json_set_str(o, "pulp_created", CKPT_DBVAL(res, row, col + 6));
    ckpt_json_set_str(o, "versions_href", apr_pstrcat(a->r->pool, href, "versions/", NULL));
    ckpt_json_set_str(o, "latest_version_href",
                      ckpt_href(a, CKPT_HREF_VERSION, id, CKPT_DBVAL(res, row, col + 5)));
    ckpt_json_set_str(o, "name", CKPT_DBVAL(res, row, col + 1));
    ckpt_json_set_str(o, "description", CKPT_DBVAL(res, row, col + 2));
    ckpt_json_set(o, "retain_repo_versions", rv ? ckpt_json_integer(atoll(rv)) : NULL);
    ckpt_json_set(o, "retain_checkpoints", rc ? ckpt_json_integer(atoll(rc)) : NULL);
    return o;
}

/* Pulp's shape: {"added": {"file.file": {"count": N, "href": ...}}, ...},
 * a type left out when its count is 0. */
static ckpt_json *summary_part(ckpt_api_req *a, const char *count, const char *filter,
                               const char *vhref)
{
    ckpt_json *o = ckpt_json_object();

    if (count && atoll(count) > 0) {
        ckpt_json *t = ckpt_json_object();
        ckpt_json_set_int(t, "count", atoll(count));
        ckpt_json_set_str(t, "href", apr_pstrcat(a->r->pool, a->root, CKPT_CONTENT_PATH, "?",
                                                 filter, "=", vhref, NULL));
        ckpt_json_set(o, "file.file", t);
    }
    return o;
}

ckpt_json *ckpt_api_version_json(ckpt_api_req *a, const ckpt_dbres *res, int row, int col)
{
    ckpt_json *o = ckpt_json_object(), *sum = ckpt_json_object();
    const char *repo = CKPT_DBVAL(res, row, col);
    const char *base = CKPT_DBVAL(res, row, col + 2);
    const char *href = ckpt_href(a, CKPT_HREF_VERSION, repo, CKPT_DBVAL(res, row, col + 1));

    ckpt_json_set_str(o, "pulp_href", href);
    ckpt_json_set_str(o, "pulp_created", CKPT_DBVAL(res, row, col + 6));
    ckpt_json_set_int(o, "number", atoll(CKPT_DBVAL(res, row, col + 1)));
    ckpt_json_set_str(o, "repository", ckpt_href(a, CKPT_HREF_REPOSITORY, repo, NULL));
    ckpt_json_set_str(o, "base_version", base ? ckpt_href(a, CKPT_HREF_VERSION, repo, base) : NULL);
    ckpt_json_set(sum, "added",
                  summary_part(a, CKPT_DBVAL(res, row, col + 3), "repository_version_added", href));
    ckpt_json_set(sum, "removed", summary_part(a, CKPT_DBVAL(res, row, col + 4),
                                               "repository_version_removed", href));
    ckpt_json_set(sum, "present",
                  summary_part(a, CKPT_DBVAL(res, row, col + 5), "repository_version", href));
    ckpt_json_set(o, "content_summary", sum);
    return o;
}

static const ckpt_field repo_fields[] = {{"name", CKPT_F_STRING, 0},
                                         {"description", CKPT_F_STRING, 1},
                                         {"retain_repo_versions", CKPT_F_INTEGER, 1},
                                         {"retain_checkpoints", CKPT_F_INTEGER, 1},
                                         {NULL, CKPT_F_STRING, 0}};

/* The retain_* fields: a positive integer or null; NULL when absent/null. */
static int retain_value(ckpt_api_req *a, ckpt_json *body, const char *key, const char **out,
                        int *status)
{
    ckpt_json *v = ckpt_json_get(body, key);

    *out = NULL;
    if (!v || ckpt_json_typeof(v) == CKPT_JSON_NULL) {
        return 1;
    }
    if (ckpt_json_integer_value(v) < 1 || ckpt_json_integer_value(v) > INT_MAX_TEXT) {
        *status = ckpt_api_field_error(a, key, "Ensure this value is between 1 and 2147483647.");
        return 0;
    }
    *out = ckpt_lltoa(a->r->pool, ckpt_json_integer_value(v));
    return 1;
}

static int name_taken(ckpt_api_req *a, ckpt_rc rc, const char *what)
{
    if (rc == CKPT_CONFLICT && !strcmp(ckpt_db_constraint(a->db), "repository_name_key")) {
        return ckpt_api_field_error(a, "name", "This field must be unique.");
    }
    return ckpt_api_fail(a, rc, what);
}

static int repo_create(ckpt_api_req *a)
{
    int status;
    ckpt_json *body = ckpt_api_read_object(a, &status);
    const char *name, *rv, *rc_;
    ckpt_dbres *res;
    ckpt_rc rc;

    if (!body) {
        return status;
    }
    if (!ckpt_api_check_fields(a, body, repo_fields, &status)
        || !retain_value(a, body, "retain_repo_versions", &rv, &status)
        || !retain_value(a, body, "retain_checkpoints", &rc_, &status)) {
        return status;
    }
    name = ckpt_api_str(body, "name");
    if (!name) {
        return ckpt_api_field_error(a, "name", "This field is required.");
    }
    if (!*name) {
        return ckpt_api_field_error(a, "name", "This field may not be blank.");
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "repository create");
    }
    rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_repo_insert", 4, name,
                      ckpt_api_str(body, "description"), rv, rc_);
    if (rc != CKPT_OK) {
        return name_taken(a, rc, "repository create");
    }
    apr_table_setn(a->r->headers_out, "Location",
                   ckpt_href(a, CKPT_HREF_REPOSITORY, CKPT_DBVAL(res, 0, 0), NULL));
    return ckpt_api_send(a, HTTP_CREATED, ckpt_json_own(a->r->pool, repo_json(a, res, 0, 0)));
}

static int repo_list(ckpt_api_req *a)
{
    apr_table_t *q = ckpt_api_query(a);
    ckpt_page pg;
    ckpt_dbres *res;
    ckpt_json *results;
    ckpt_rc rc;
    int status, i;

    if (!ckpt_api_page(a, q, &pg, &status)) {
        return status;
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_repo_list", 3,
                              apr_table_get(q, "name"), ckpt_lltoa(a->r->pool, pg.limit),
                              ckpt_lltoa(a->r->pool, pg.offset)))
               != CKPT_OK) {
        return ckpt_api_fail(a, rc, "repository list");
    }
    results = ckpt_json_array();
    for (i = 0; i < res->nrows; i++) {
        if (CKPT_DBVAL(res, i, 1)) {
            ckpt_json_append(results, repo_json(a, res, i, 1));
        }
    }
    return ckpt_api_send_list(a, &pg, res->nrows ? atoll(CKPT_DBVAL(res, 0, 0)) : 0, results);
}

static int repo_get(ckpt_api_req *a, const char *id)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_repo_get", 1, id)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "repository get");
    }
    if (!res->nrows) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return ckpt_api_send(a, HTTP_OK, ckpt_json_own(a->r->pool, repo_json(a, res, 0, 0)));
}

static int repo_patch(ckpt_api_req *a, const char *id)
{
    int status;
    ckpt_json *body = ckpt_api_read_object(a, &status);
    const char *rv, *rc_, *name;
    ckpt_dbres *res, *ignored;
    ckpt_rc rc;

    if (!body) {
        return status;
    }
    if (!ckpt_api_check_fields(a, body, repo_fields, &status)
        || !retain_value(a, body, "retain_repo_versions", &rv, &status)
        || !retain_value(a, body, "retain_checkpoints", &rc_, &status)) {
        return status;
    }
    name = ckpt_api_str(body, "name");
    if (ckpt_api_has(body, "name") && !*name) {
        return ckpt_api_field_error(a, "name", "This field may not be blank.");
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK || (rc = ckpt_db_begin(a->db)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "repository update");
    }
    rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_repo_update", 9, id,
                      ckpt_api_has(body, "name") ? "t" : "f", name,
                      ckpt_api_has(body, "description") ? "t" : "f",
                      ckpt_api_str(body, "description"),
                      ckpt_api_has(body, "retain_repo_versions") ? "t" : "f", rv,
                      ckpt_api_has(body, "retain_checkpoints") ? "t" : "f", rc_);
    if (rc != CKPT_OK) {
        /* the answer first: a rollback forgets the constraint's name */
        status = name_taken(a, rc, "repository update");
        ckpt_db_rollback(a->db);
        return status;
    }
    if (!res->nrows) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    /* A changed retain_checkpoints applies at once. */
    if (rc_ && (rc = ckpt_db_exec(a->db, a->r->pool, &ignored, "api_retain_checkpoints", 1, id))
                   != CKPT_OK) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, rc, "repository retention");
    }
    if ((rc = ckpt_db_commit(a->db)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "repository update");
    }
    return ckpt_api_send(a, HTTP_OK, ckpt_json_own(a->r->pool, repo_json(a, res, 0, 0)));
}

static int repo_delete(ckpt_api_req *a, const char *id)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_repo_delete", 1, id)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "repository delete");
    }
    if (!res->affected) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return ckpt_api_no_content(a);
}

/* count(DISTINCT ids), count(existing), count(DISTINCT relative_path) */
static ckpt_rc units_check(ckpt_api_req *a, const char *ids, long long *given, long long *found,
                           long long *paths)
{
    ckpt_dbres *res;
    ckpt_rc rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_units_check", 1, ids);

    if (rc == CKPT_OK) {
        *given = atoll(CKPT_DBVAL(res, 0, 0));
        *found = atoll(CKPT_DBVAL(res, 0, 1));
        *paths = atoll(CKPT_DBVAL(res, 0, 2));
    }
    return rc;
}

ckpt_rc ckpt_api_modify_txn(ckpt_api_req *a, const char *repo_id, const char *base,
                            const char *add, const char *remove, ckpt_dbres **version,
                            const char **field, const char **reason)
{
    apr_pool_t *p = a->r->pool;
    ckpt_dbres *res, *ignored;
    const char *next;
    long long given, found, paths;
    int added, removed;
    ckpt_rc rc;

    /* Concurrent modifies of one repository serialize here. */
    if ((rc = ckpt_db_exec(a->db, p, &res, "api_repo_lock", 1, repo_id)) != CKPT_OK) {
        return rc;
    }
    if (!res->nrows) {
        return CKPT_NOTFOUND;
    }
    next = ckpt_lltoa(p, atoll(CKPT_DBVAL(res, 0, 5)) + 1);
    if (base) {
        if ((rc = ckpt_db_exec(a->db, p, &res, "api_ver_id", 2, repo_id, base)) != CKPT_OK) {
            return rc;
        }
        if (!res->nrows) {
            *field = "base_version";
            *reason = "Invalid hyperlink - Object does not exist.";
            return CKPT_INVALID;
        }
    }
    if ((rc = units_check(a, add, &given, &found, &paths)) != CKPT_OK) {
        return rc;
    }
    if (found < given) {
        *field = "add_content_units";
        *reason = "Invalid hyperlink - Object does not exist.";
        return CKPT_INVALID;
    }
    if (paths < found) {
        *field = "add_content_units";
        *reason = "Two units with the same relative_path cannot be added to one version.";
        return CKPT_INVALID;
    }
    if ((rc = units_check(a, remove, &given, &found, &paths)) != CKPT_OK) {
        return rc;
    }
    if (found < given) {
        *field = "remove_content_units";
        *reason = "Invalid hyperlink - Object does not exist.";
        return CKPT_INVALID;
    }
    {
        /* a base that is the latest version is no older base */
        int older = base && atoll(base) != atoll(next) - 1;
        /* From the latest version only what changes is touched; from an
         * older base the whole base is compared with the latest. */
        rc = older ? ckpt_db_exec(a->db, p, &res, "api_mod_close", 5, repo_id, base, next, add,
                                  remove)
                   : ckpt_db_exec(a->db, p, &res, "api_mod_close_latest", 4, repo_id, next, add,
                                  remove);
        if (rc != CKPT_OK) {
            return rc;
        }
        removed = res->affected;
        rc = older ? ckpt_db_exec(a->db, p, &res, "api_mod_open", 5, repo_id, base, next, add,
                                  remove)
                   : ckpt_db_exec(a->db, p, &res, "api_mod_open_latest", 3, repo_id, next, add);
        if (rc != CKPT_OK) {
            return rc;
        }
        added = res->affected;
    }
    if ((rc = ckpt_db_exec(a->db, p, version, "api_mod_version", 5, repo_id, next, base,
                           apr_itoa(p, added), apr_itoa(p, removed)))
            != CKPT_OK
        || (rc = ckpt_db_exec(a->db, p, &ignored, "api_repo_set_latest", 2, repo_id, next))
               != CKPT_OK
        || (rc = ckpt_db_exec(a->db, p, &ignored, "api_retain_versions", 1, repo_id))
               != CKPT_OK) {
        return rc;
    }
    return CKPT_OK;
}

/* A list of content hrefs as a uuid array literal; 0 and an answer sent
 * when one is not a content href. */
static int unit_list(ckpt_api_req *a, ckpt_json *body, const char *key, const char **out,
                     int *status)
{
    ckpt_json *arr = ckpt_json_get(body, key);
    apr_array_header_t *ids = apr_array_make(a->r->pool, 8, sizeof(const char *));
    apr_size_t i, n = arr ? ckpt_json_array_size(arr) : 0;

    for (i = 0; i < n; i++) {
        const char *href = ckpt_json_string_value(ckpt_json_array_get(arr, i)), *id;
        if (!ckpt_href_parse(a, CKPT_HREF_CONTENT, href, &id, NULL)) {
            *status = ckpt_api_field_error(
                a, key, apr_psprintf(a->r->pool, "Invalid content href: \"%s\".", href));
            return 0;
        }
        APR_ARRAY_PUSH(ids, const char *) = id;
    }
    *out = ckpt_uuid_array(a->r->pool, ids);
    return 1;
}

static const ckpt_field modify_fields[] = {{"add_content_units", CKPT_F_STRINGS, 0},
                                           {"remove_content_units", CKPT_F_STRINGS, 0},
                                           {"base_version", CKPT_F_STRING, 1},
                                           {NULL, CKPT_F_STRING, 0}};

static int repo_modify(ckpt_api_req *a, const char *id)
{
    int status;
    ckpt_json *body = ckpt_api_read_object(a, &status);
    const char *add, *remove, *base = NULL, *bhref, *field = NULL, *reason = NULL;
    ckpt_dbres *version = NULL;
    ckpt_rc rc;

    if (!body) {
        return status;
    }
    if (!ckpt_api_check_fields(a, body, modify_fields, &status)
        || !unit_list(a, body, "add_content_units", &add, &status)
        || !unit_list(a, body, "remove_content_units", &remove, &status)) {
        return status;
    }
    bhref = ckpt_api_str(body, "base_version");
    if (bhref) {
        const char *brepo;
        if (!ckpt_href_parse(a, CKPT_HREF_VERSION, bhref, &brepo, &base)) {
            return ckpt_api_field_error(a, "base_version", "Not a repository version href.");
        }
        if (strcasecmp(brepo, id)) {
            return ckpt_api_field_error(a, "base_version",
                                        "The base version must be a version of this repository.");
        }
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK || (rc = ckpt_db_begin(a->db)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "modify");
    }
    rc = ckpt_api_modify_txn(a, id, base, add, remove, &version, &field, &reason);
    if (rc != CKPT_OK) {
        ckpt_db_rollback(a->db);
        if (rc == CKPT_INVALID && field) {
            return ckpt_api_field_error(a, field, reason);
        }
        return ckpt_api_fail(a, rc, "modify");
    }
    if ((rc = ckpt_db_commit(a->db)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "modify");
    }
    apr_table_setn(a->r->headers_out, "Location",
                   ckpt_href(a, CKPT_HREF_VERSION, id, CKPT_DBVAL(version, 0, 1)));
    return ckpt_api_send(a, HTTP_CREATED,
                         ckpt_json_own(a->r->pool, ckpt_api_version_json(a, version, 0, 0)));
}

static int version_list(ckpt_api_req *a, const char *id)
{
    apr_table_t *q = ckpt_api_query(a);
    const char *number = apr_table_get(q, "number");
    ckpt_page pg;
    ckpt_dbres *res;
    ckpt_json *results;
    long long n;
    ckpt_rc rc;
    int status, i;

    if (!ckpt_api_page(a, q, &pg, &status)) {
        return status;
    }
    if (number && !ckpt_parse_int(number, 0, INT_MAX_TEXT, &n)) {
        return ckpt_api_field_error(a, "number", "Enter a number.");
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_repo_get", 1, id)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "version list");
    }
    if (!res->nrows) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    if ((rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_ver_list", 4, id, number,
                           ckpt_lltoa(a->r->pool, pg.limit),
                           ckpt_lltoa(a->r->pool, pg.offset)))
        != CKPT_OK) {
        return ckpt_api_fail(a, rc, "version list");
    }
    results = ckpt_json_array(); /* owned by the list answer */
    for (i = 0; i < res->nrows; i++) {
        if (CKPT_DBVAL(res, i, 1)) {
            ckpt_json_append(results, ckpt_api_version_json(a, res, i, 1));
        }
    }
    return ckpt_api_send_list(a, &pg, res->nrows ? atoll(CKPT_DBVAL(res, 0, 0)) : 0, results);
}

static int version_get(ckpt_api_req *a, const char *id, const char *number)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_ver_get", 2, id, number))
               != CKPT_OK) {
        return ckpt_api_fail(a, rc, "version get");
    }
    if (!res->nrows) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return ckpt_api_send(a, HTTP_OK,
                         ckpt_json_own(a->r->pool, ckpt_api_version_json(a, res, 0, 0)));
}

static int version_delete(ckpt_api_req *a, const char *id, const char *number)
{
    ckpt_dbres *repo, *use, *ignored;
    const char *why = NULL;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK || (rc = ckpt_db_begin(a->db)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &repo, "api_repo_lock", 1, id)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &use, "api_ver_usage", 2, id, number))
               != CKPT_OK) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, rc, "version delete");
    }
    if (!repo->nrows || !use->nrows) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    if (!strcmp(number, "0")) {
        why = "Version 0 cannot be deleted.";
    }
    else if (!strcmp(number, CKPT_DBVAL(repo, 0, 5))) {
        why = "The latest version cannot be deleted.";
    }
    else if (!strcmp(CKPT_DBVAL(use, 0, 1), "t")) {
        why = "A publication needs this version; delete the publication first.";
    }
    else if (!strcmp(CKPT_DBVAL(use, 0, 2), "t")) {
        why = "A distribution serves this version.";
    }
    if (why) {
        ckpt_db_rollback(a->db);
        return ckpt_api_detail(a, HTTP_CONFLICT, why);
    }
    if ((rc = ckpt_db_exec(a->db, a->r->pool, &ignored, "api_ver_delete", 1,
                           CKPT_DBVAL(use, 0, 0)))
            != CKPT_OK
        || (rc = ckpt_db_commit(a->db)) != CKPT_OK) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, rc, "version delete");
    }
    return ckpt_api_no_content(a);
}

int ckpt_api_repositories(ckpt_api_req *a, const char *rest)
{
    int m = a->r->method_number;
    const char *id, *sub;

    if (!*rest) {
        if (m == M_GET) {
            return repo_list(a);
        }
        if (m == M_POST) {
            return repo_create(a);
        }
        return ckpt_api_method_not_allowed(a, "GET, HEAD, POST");
    }
    sub = ckpt_api_take_uuid(a->r->pool, rest, &id);
    if (!sub) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    if (!*sub) {
        switch (m) {
        case M_GET: return repo_get(a, id);
        case M_PATCH: return repo_patch(a, id);
        case M_DELETE: return repo_delete(a, id);
        default: return ckpt_api_method_not_allowed(a, "GET, HEAD, PATCH, DELETE");
        }
    }
    if (!strcmp(sub, "modify/")) {
        return m == M_POST ? repo_modify(a, id) : ckpt_api_method_not_allowed(a, "POST");
    }
    if (!strcmp(sub, "versions/")) {
        return m == M_GET ? version_list(a, id) : ckpt_api_method_not_allowed(a, "GET, HEAD");
    }
    if (!strncmp(sub, "versions/", 9)) {
        const char *num = sub + 9, *slash = strchr(num, '/');
        long long n;
        if (!slash || slash[1]
            || !ckpt_parse_int(apr_pstrmemdup(a->r->pool, num, (apr_size_t)(slash - num)), 0,
                               INT_MAX_TEXT, &n)) {
            return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
        }
        num = ckpt_lltoa(a->r->pool, n);
        switch (m) {
        case M_GET: return version_get(a, id, num);
        case M_DELETE: return version_delete(a, id, num);
        default: return ckpt_api_method_not_allowed(a, "GET, HEAD, DELETE");
        }
    }
    return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
}
