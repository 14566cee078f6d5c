/* Request bodies (see input.h). */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "href.h"
#include "input.h"
#include "orphan.h"

typedef enum { F_STRING, F_INTEGER, F_BOOL, F_STRINGS } field_type;

typedef struct {
    const char *name;
    field_type type;
    int nullable;
} field;

typedef struct {
    apr_pool_t *p;
    const field *fields;
    ckpt_err *err;
} check_baton;

/* Why v is not of type t, or NULL. */
static const char *wrong_type(apr_pool_t *p, field_type t, const ckpt_json *v)
{
    ckpt_json_type jt = ckpt_json_typeof(v);
    apr_size_t i, n;

    switch (t) {
    case F_STRING:
        return jt == CKPT_JSON_STRING ? NULL : "Not a valid string.";
    case F_INTEGER:
        return jt == CKPT_JSON_INTEGER ? NULL : "A valid integer is required.";
    case F_BOOL:
        return jt == CKPT_JSON_TRUE || jt == CKPT_JSON_FALSE ? NULL : "Must be a valid boolean.";
    case F_STRINGS:
    default:
        if (jt != CKPT_JSON_ARRAY) {
            return apr_psprintf(p, "Expected a list of items but got type \"%s\".",
                                ckpt_json_type_name(v));
        }
        n = ckpt_json_array_size(v);
        for (i = 0; i < n; i++) {
            if (ckpt_json_typeof(ckpt_json_array_get(v, i)) != CKPT_JSON_STRING) {
                return "Expected a list of strings (hrefs).";
            }
        }
        return NULL;
    }
}

static int check_one(void *baton, const char *key, ckpt_json *v)
{
    check_baton *b = baton;
    const field *f;
    const char *why;

    for (f = b->fields; f->name && strcmp(f->name, key); f++) {
    }
    if (!f->name) {
        why = "Unexpected field.";
    }
    else if (ckpt_json_typeof(v) == CKPT_JSON_NULL) {
        why = f->nullable ? NULL : "This field may not be null.";
    }
    else {
        why = wrong_type(b->p, f->type, v);
    }
    if (why) {
        ckpt_err_invalid(b->err, apr_pstrdup(b->p, key), why);
    }
    return why != NULL;
}

/* Every member of body is one of fields (ended by a NULL name), of its type. */
static ckpt_rc check_fields(apr_pool_t *p, const ckpt_json *body, const field *fields,
                            ckpt_err *err)
{
    check_baton b = {p, fields, err};
    return ckpt_json_each(body, check_one, &b) ? CKPT_INVALID : CKPT_OK;
}

static const char *str(const ckpt_json *body, const char *key)
{
    ckpt_json *v = ckpt_json_get(body, key);
    return v ? ckpt_json_string_value(v) : NULL;
}

static int is_true(const ckpt_json *body, const char *key)
{
    ckpt_json *v = ckpt_json_get(body, key);
    return v && ckpt_json_typeof(v) == CKPT_JSON_TRUE;
}

/* A retain_* field: absent or null is 0 ("none"), else 1..2^31-1. */
static ckpt_rc retain(const ckpt_json *body, const char *key, int *out, ckpt_err *err)
{
    ckpt_json *v = ckpt_json_get(body, key);
    long long n = v ? ckpt_json_integer_value(v) : 0;

    *out = 0;
    if (!v || ckpt_json_typeof(v) == CKPT_JSON_NULL) {
        return CKPT_OK;
    }
    if (n < 1 || n > CKPT_VERSION_MAX) {
        return ckpt_err_invalid(err, key, "Ensure this value is between 1 and 2147483647.");
    }
    *out = (int)n;
    return CKPT_OK;
}

static const field repo_fields[] = {{"name", F_STRING, 0},
                                    {"description", F_STRING, 1},
                                    {"retain_repo_versions", F_INTEGER, 1},
                                    {"retain_checkpoints", F_INTEGER, 1},
                                    {"remote", F_STRING, 1},
                                    {NULL, F_STRING, 0}};

ckpt_rc ckpt_input_repo(apr_pool_t *p, const char *root, const ckpt_json *body, int creating,
                        ckpt_repo_fields *out, ckpt_err *err)
{
    const char *remote = str(body, "remote");

    memset(out, 0, sizeof(*out));
    if (remote && !ckpt_href_parse(p, root, CKPT_HREF_REMOTE, remote, &out->remote_id, NULL)) {
        return ckpt_err_invalid(err, "remote", "Invalid hyperlink - No URL match.");
    }
    if (check_fields(p, body, repo_fields, err) != CKPT_OK
        || retain(body, "retain_repo_versions", &out->retain_repo_versions, err) != CKPT_OK
        || retain(body, "retain_checkpoints", &out->retain_checkpoints, err) != CKPT_OK) {
        return err->rc;
    }
    out->name = str(body, "name");
    out->description = str(body, "description");
    out->set_name = creating || ckpt_json_get(body, "name") != NULL;
    out->set_description = ckpt_json_get(body, "description") != NULL;
    out->set_retain_repo_versions = ckpt_json_get(body, "retain_repo_versions") != NULL;
    out->set_retain_checkpoints = ckpt_json_get(body, "retain_checkpoints") != NULL;
    out->set_remote = ckpt_json_get(body, "remote") != NULL;
    return CKPT_OK;
}

/* A list of content hrefs as their ids. */
static ckpt_rc unit_ids(apr_pool_t *p, const char *root, const ckpt_json *body, const char *key,
                        const apr_array_header_t **out, ckpt_err *err)
{
    ckpt_json *arr = ckpt_json_get(body, key);
    apr_array_header_t *ids = apr_array_make(p, 8, sizeof(const char *));
    apr_size_t i, n = arr ? ckpt_json_array_size(arr) : 0;

    for (i = 0; i < n; i++) {
        const char *href = ckpt_json_string_value(ckpt_json_array_get(arr, i)), *id;
        if (!ckpt_href_parse(p, root, CKPT_HREF_CONTENT, href, &id, NULL)) {
            return ckpt_err_invalid(err, key,
                                    apr_psprintf(p, "Invalid content href: \"%s\".", href));
        }
        APR_ARRAY_PUSH(ids, const char *) = id;
    }
    *out = ids;
    return CKPT_OK;
}

static const field modify_fields[] = {{"add_content_units", F_STRINGS, 0},
                                      {"remove_content_units", F_STRINGS, 0},
                                      {"base_version", F_STRING, 1},
                                      {NULL, F_STRING, 0}};

ckpt_rc ckpt_input_modify(apr_pool_t *p, const char *root, const char *repo_id,
                          const ckpt_json *body, ckpt_modify_req *out, ckpt_err *err)
{
    const char *base = str(body, "base_version"), *brepo;

    memset(out, 0, sizeof(*out));
    out->repository_id = repo_id;
    out->base_version = -1;
    if (check_fields(p, body, modify_fields, err) != CKPT_OK
        || unit_ids(p, root, body, "add_content_units", &out->add, err) != CKPT_OK
        || unit_ids(p, root, body, "remove_content_units", &out->remove, err) != CKPT_OK) {
        return err->rc;
    }
    if (base && !ckpt_href_parse(p, root, CKPT_HREF_VERSION, base, &brepo, &out->base_version)) {
        return ckpt_err_invalid(err, "base_version", "Not a repository version href.");
    }
    if (base && strcmp(brepo, repo_id)) {
        return ckpt_err_invalid(err, "base_version",
                                "The base version must be a version of this repository.");
    }
    return CKPT_OK;
}

static const field pub_fields[] = {{"repository", F_STRING, 1},
                                   {"repository_version", F_STRING, 1},
                                   {"checkpoint", F_BOOL, 0},
                                   {"manifest", F_STRING, 0},
                                   {NULL, F_STRING, 0}};

ckpt_rc ckpt_input_pub(apr_pool_t *p, const char *root, const ckpt_json *body, ckpt_pub_req *out,
                       ckpt_err *err)
{
    const char *repo = str(body, "repository"), *ver = str(body, "repository_version");

    memset(out, 0, sizeof(*out));
    out->version_number = -1;
    if (check_fields(p, body, pub_fields, err) != CKPT_OK) {
        return err->rc;
    }
    if (!repo == !ver) {
        return ckpt_err_invalid(err, "non_field_errors",
                                "Either the 'repository' or 'repository_version' need to be "
                                "specified but not both.");
    }
    out->checkpoint = is_true(body, "checkpoint");
    out->manifest = str(body, "manifest");
    if (repo && !ckpt_href_parse(p, root, CKPT_HREF_REPOSITORY, repo, &out->repository_id, NULL)) {
        return ckpt_err_invalid(err, "repository", "Not a repository href.");
    }
    if (ver && !ckpt_href_parse(p, root, CKPT_HREF_VERSION, ver, &out->repository_id,
                                &out->version_number)) {
        return ckpt_err_invalid(err, "repository_version", "Not a repository version href.");
    }
    return CKPT_OK;
}

static const field dist_fields[] = {{"name", F_STRING, 0},
                                    {"base_path", F_STRING, 0},
                                    {"publication", F_STRING, 1},
                                    {"repository", F_STRING, 1},
                                    {"repository_version", F_STRING, 1},
                                    {"checkpoint", F_BOOL, 0},
                                    {NULL, F_STRING, 0}};

/* The href fields of a distribution as ids; each sets its set_ flag. */
static ckpt_rc dist_refs(apr_pool_t *p, const char *root, const ckpt_json *body,
                         ckpt_dist_fields *out, ckpt_err *err)
{
    const char *h;

    out->set_publication = ckpt_json_get(body, "publication") != NULL;
    out->set_repository = ckpt_json_get(body, "repository") != NULL;
    out->set_repository_version = ckpt_json_get(body, "repository_version") != NULL;
    if ((h = str(body, "publication"))
        && !ckpt_href_parse(p, root, CKPT_HREF_PUBLICATION, h, &out->publication_id, NULL)) {
        return ckpt_err_invalid(err, "publication", "Not a publication href.");
    }
    if ((h = str(body, "repository"))
        && !ckpt_href_parse(p, root, CKPT_HREF_REPOSITORY, h, &out->repository_id, NULL)) {
        return ckpt_err_invalid(err, "repository", "Not a repository href.");
    }
    if ((h = str(body, "repository_version"))
        && !ckpt_href_parse(p, root, CKPT_HREF_VERSION, h, &out->version_repository_id,
                            &out->version_number)) {
        return ckpt_err_invalid(err, "repository_version", "Not a repository version href.");
    }
    return CKPT_OK;
}

ckpt_rc ckpt_input_dist(apr_pool_t *p, const char *root, const ckpt_json *body,
                        ckpt_dist_fields *out, ckpt_err *err)
{
    memset(out, 0, sizeof(*out));
    if (check_fields(p, body, dist_fields, err) != CKPT_OK
        || dist_refs(p, root, body, out, err) != CKPT_OK) {
        return err->rc;
    }
    out->name = str(body, "name");
    out->base_path = str(body, "base_path");
    out->checkpoint = is_true(body, "checkpoint");
    out->set_name = ckpt_json_get(body, "name") != NULL;
    out->set_base_path = ckpt_json_get(body, "base_path") != NULL;
    out->set_checkpoint = ckpt_json_get(body, "checkpoint") != NULL;
    return CKPT_OK;
}

static const field orphan_fields[] = {{"orphan_protection_time", F_INTEGER, 1},
                                      {NULL, F_STRING, 0}};

ckpt_rc ckpt_input_orphans(apr_pool_t *p, const ckpt_json *body, apr_int64_t *minutes,
                           ckpt_err *err)
{
    ckpt_json *v = ckpt_json_get(body, "orphan_protection_time");

    *minutes = CKPT_ORPHAN_PROTECTION_DEFAULT;
    if (check_fields(p, body, orphan_fields, err) != CKPT_OK) {
        return err->rc;
    }
    if (v && ckpt_json_typeof(v) != CKPT_JSON_NULL) {
        *minutes = ckpt_json_integer_value(v);
    }
    if (*minutes < 0 || *minutes > CKPT_ORPHAN_PROTECTION_MAX) {
        return ckpt_err_invalid(err, "orphan_protection_time",
                                "Ensure this value is between 0 and 52704000.");
    }
    return CKPT_OK;
}

static const field content_fields[] = {{"relative_path", F_STRING, 0},
                                       {"sha256", F_STRING, 1},
                                       {"repository", F_STRING, 1},
                                       {"upload", F_STRING, 1},
                                       {NULL, F_STRING, 0}};

static int keep_string(void *baton, const char *key, ckpt_json *v)
{
    if (ckpt_json_typeof(v) == CKPT_JSON_STRING) {
        apr_table_set(baton, key, ckpt_json_string_value(v));
    }
    return 0;
}

ckpt_rc ckpt_input_content(apr_pool_t *p, const ckpt_json *body, apr_table_t *fields,
                           ckpt_err *err)
{
    if (check_fields(p, body, content_fields, err) != CKPT_OK) {
        return err->rc;
    }
    ckpt_json_each(body, keep_string, fields);
    return CKPT_OK;
}

static const field upload_fields[] = {{"size", F_INTEGER, 0}, {NULL, F_STRING, 0}};

ckpt_rc ckpt_input_upload(apr_pool_t *p, const ckpt_json *body, apr_off_t limit,
                          apr_off_t *size, ckpt_err *err)
{
    ckpt_json *v = ckpt_json_get(body, "size");

    if (check_fields(p, body, upload_fields, err) != CKPT_OK) {
        return err->rc;
    }
    if (!v) {
        return ckpt_err_invalid(err, "size", "This field is required.");
    }
    *size = (apr_off_t)ckpt_json_integer_value(v);
    if (*size < 0) {
        return ckpt_err_invalid(err, "size", "Ensure this value is greater than or equal to 0.");
    }
    if (limit && *size > limit) {
        return ckpt_err_invalid(err, "size",
                                apr_psprintf(p, "Ensure this value is less than or equal to %"
                                                APR_OFF_T_FMT " (CheckpointUploadLimit).",
                                             limit));
    }
    return CKPT_OK;
}

static const field commit_fields[] = {{"sha256", F_STRING, 0}, {NULL, F_STRING, 0}};

ckpt_rc ckpt_input_commit(apr_pool_t *p, const ckpt_json *body, const char **sha256,
                          ckpt_err *err)
{
    char *s, *c;

    if (check_fields(p, body, commit_fields, err) != CKPT_OK) {
        return err->rc;
    }
    if (!str(body, "sha256")) {
        return ckpt_err_invalid(err, "sha256", "This field is required.");
    }
    s = apr_pstrdup(p, str(body, "sha256"));
    for (c = s; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    *sha256 = s;
    return ckpt_content_check_digest(s, err);
}

/* One value of a remote's field as text (remote.h). */
static const char *remote_value(apr_pool_t *p, const ckpt_json *v)
{
    switch (ckpt_json_typeof(v)) {
    case CKPT_JSON_STRING:
        return ckpt_json_string_value(v);
    case CKPT_JSON_TRUE:
        return "t";
    case CKPT_JSON_FALSE:
        return "f";
    case CKPT_JSON_INTEGER:
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)ckpt_json_integer_value(v));
    default:
        return NULL;
    }
}

ckpt_rc ckpt_input_remote(apr_pool_t *p, const ckpt_json *body, ckpt_remote_req *out,
                          ckpt_err *err)
{
    static const field_type types[] = {F_STRING, F_BOOL, F_INTEGER};
    const ckpt_remote_field *rf = ckpt_remote_fields();
    field fields[CKPT_REMOTE_NFIELDS + 1];
    int i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i <= CKPT_REMOTE_NFIELDS; i++) {
        fields[i].name = rf[i].name;
        fields[i].type = types[rf[i].type];
        fields[i].nullable = rf[i].nullable;
    }
    if (check_fields(p, body, fields, err) != CKPT_OK) {
        return err->rc;
    }
    for (i = 0; i < CKPT_REMOTE_NFIELDS; i++) {
        ckpt_json *v = ckpt_json_get(body, rf[i].name);
        out->set[i] = v != NULL;
        out->v[i] = v ? remote_value(p, v) : NULL;
    }
    return CKPT_OK;
}

static const field sync_fields[] = {{"remote", F_STRING, 1},
                                    {"mirror", F_BOOL, 0},
                                    {NULL, F_STRING, 0}};

ckpt_rc ckpt_input_sync(apr_pool_t *p, const char *root, const ckpt_json *body,
                        const char **remote_id, int *mirror, ckpt_err *err)
{
    const char *remote = str(body, "remote");

    if (check_fields(p, body, sync_fields, err) != CKPT_OK) {
        return err->rc;
    }
    *remote_id = NULL;
    if (remote && !ckpt_href_parse(p, root, CKPT_HREF_REMOTE, remote, remote_id, NULL)) {
        return ckpt_err_invalid(err, "remote", "Invalid hyperlink - No URL match.");
    }
    *mirror = is_true(body, "mirror");
    return CKPT_OK;
}

static const field cancel_fields[] = {{"state", F_STRING, 0}, {NULL, F_STRING, 0}};

ckpt_rc ckpt_input_cancel(apr_pool_t *p, const ckpt_json *body, ckpt_err *err)
{
    const char *state = str(body, "state");

    if (check_fields(p, body, cancel_fields, err) != CKPT_OK) {
        return err->rc;
    }
    if (!state) {
        return ckpt_err_invalid(err, "state", "'state' must be provided with the request.");
    }
    if (strcmp(state, "canceled")) {
        return ckpt_err_invalid(err, "state",
                                "The only acceptable value for 'state' is 'canceled'.");
    }
    return CKPT_OK;
}
