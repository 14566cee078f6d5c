/* The OpenAPI 3 document (see openapi.h).  Operation ids, path parameter
 * names and component names are Pulp's (pulpcore and pulp_file, as
 * drf-spectacular writes them), so that pulp-glue finds what it calls.
 * The components describe exactly what input.c accepts and shape.c
 * answers. */
#include <apr_strings.h>

#include "href.h"
#include "openapi.h"
#include "package.h"

/* Query parameters of what is no list. */
static const char *const q_none[] = {NULL};
static const char *const q_upload[] = {"relative_path", "sha256", "repository", "upload", NULL};

#define REPO "{file_file_repository_href}"
#define VERSION "{file_file_repository_version_href}"
#define UPLOAD "{upload_href}"
#define REMOTE "{file_file_remote_href}"
#define TASK "{task_href}"
#define ALL_ERR "400 401 413 415 503"

static const ckpt_openapi_op ops[] = {
    {"docs/api.json", "get", "api_schema_json", "Docs", NULL, NULL, 0, NULL, 0, "200", 1},
    {"status/", "get", "status_read", "Status", NULL, NULL, 0, "StatusResponse", 0, "200 503", 1},
    {"orphans/cleanup/", "post", "orphans_cleanup_cleanup", "Orphans: Cleanup", NULL,
     "OrphansCleanup", CKPT_OA_JSON, "OrphansCleanupResponse", 0, "200 " ALL_ERR, 0},
    {CKPT_REPOS_PATH, "get", "repositories_file_file_list", "Repositories: File", NULL, NULL,
     0, "file.FileRepositoryResponse", 1, "200 400 401 503", 0, &ckpt_filters_repositories,
     NULL},
    {CKPT_REPOS_PATH, "post", "repositories_file_file_create", "Repositories: File", NULL,
     "file.FileRepository", CKPT_OA_JSON, "file.FileRepositoryResponse", 0, "201 " ALL_ERR, 0},
    {REPO, "get", "repositories_file_file_read", "Repositories: File", NULL, NULL, 0,
     "file.FileRepositoryResponse", 0, "200 401 404 503", 0},
    {REPO, "patch", "repositories_file_file_partial_update", "Repositories: File", NULL,
     "Patchedfile.FileRepository", CKPT_OA_JSON, "file.FileRepositoryResponse", 0,
     "200 404 " ALL_ERR, 0},
    {REPO, "delete", "repositories_file_file_delete", "Repositories: File", NULL, NULL, 0, NULL,
     0, "204 401 404 503", 0},
    {REPO "modify/", "post", "repositories_file_file_modify", "Repositories: File", NULL,
     "RepositoryAddRemoveContent", CKPT_OA_JSON, "RepositoryVersionResponse", 0,
     "201 404 409 " ALL_ERR, 0},
    {REPO "versions/", "get", "repositories_file_file_versions_list",
     "Repositories: File Versions", NULL, NULL, 0, "RepositoryVersionResponse", 1,
     "200 400 401 404 503", 0, &ckpt_filters_versions, NULL},
    {VERSION, "get", "repositories_file_file_versions_read", "Repositories: File Versions", NULL,
     NULL, 0, "RepositoryVersionResponse", 0, "200 401 404 503", 0},
    {VERSION, "delete", "repositories_file_file_versions_delete", "Repositories: File Versions",
     NULL, NULL, 0, NULL, 0, "204 401 404 409 503", 0},
    {CKPT_CONTENT_PATH, "get", "content_file_files_list", "Content: Files", NULL, NULL, 0,
     "file.FileContentResponse", 1, "200 400 401 503", 0, &ckpt_filters_content, NULL},
    {CKPT_CONTENT_PATH, "post", "content_file_files_create", "Content: Files", q_upload,
     "file.FileContent", CKPT_OA_JSON | CKPT_OA_MULTIPART | CKPT_OA_OCTET,
     "file.FileContentResponse", 0, "200 201 404 " ALL_ERR, 0, NULL, NULL},
    {"{file_file_content_href}", "get", "content_file_files_read", "Content: Files", NULL, NULL,
     0, "file.FileContentResponse", 0, "200 401 404 503", 0},
    {CKPT_PUBS_PATH, "get", "publications_file_file_list", "Publications: File", NULL, NULL,
     0, "file.FilePublicationResponse", 1, "200 400 401 503", 0, &ckpt_filters_publications,
     NULL},
    {CKPT_PUBS_PATH, "post", "publications_file_file_create", "Publications: File", NULL,
     "file.FilePublication", CKPT_OA_JSON, "file.FilePublicationResponse", 0,
     "201 " ALL_ERR, 0},
    {"{file_file_publication_href}", "get", "publications_file_file_read", "Publications: File",
     NULL, NULL, 0, "file.FilePublicationResponse", 0, "200 401 404 503", 0},
    {"{file_file_publication_href}", "delete", "publications_file_file_delete",
     "Publications: File", NULL, NULL, 0, NULL, 0, "204 401 404 409 503", 0},
    {CKPT_DISTS_PATH, "get", "distributions_file_file_list", "Distributions: File", NULL,
     NULL, 0, "file.FileDistributionResponse", 1, "200 400 401 503", 0,
     &ckpt_filters_distributions, NULL},
    {CKPT_DISTS_PATH, "post", "distributions_file_file_create", "Distributions: File", NULL,
     "file.FileDistribution", CKPT_OA_JSON, "file.FileDistributionResponse", 0,
     "201 409 " ALL_ERR, 0},
    {"{file_file_distribution_href}", "get", "distributions_file_file_read",
     "Distributions: File", NULL, NULL, 0, "file.FileDistributionResponse", 0,
     "200 401 404 503", 0},
    {"{file_file_distribution_href}", "patch", "distributions_file_file_partial_update",
     "Distributions: File", NULL, "Patchedfile.FileDistribution", CKPT_OA_JSON,
     "file.FileDistributionResponse", 0, "200 404 409 " ALL_ERR, 0},
    {"{file_file_distribution_href}", "delete", "distributions_file_file_delete",
     "Distributions: File", NULL, NULL, 0, NULL, 0, "204 401 404 503", 0},
    {CKPT_UPLOADS_PATH, "get", "uploads_list", "Uploads", NULL, NULL, 0, "UploadResponse", 1,
     "200 400 401 503", 0, &ckpt_filters_uploads, NULL},
    {CKPT_UPLOADS_PATH, "post", "uploads_create", "Uploads", NULL, "Upload", CKPT_OA_JSON,
     "UploadResponse", 0, "201 " ALL_ERR, 0, NULL, NULL},
    {UPLOAD, "get", "uploads_read", "Uploads", NULL, NULL, 0, "UploadDetailResponse", 0,
     "200 401 404 503", 0, NULL, NULL},
    {UPLOAD, "put", "uploads_update", "Uploads", NULL, "UploadChunk", CKPT_OA_MULTIPART,
     "UploadResponse", 0, "200 404 " ALL_ERR, 0, NULL, "Content-Range"},
    {UPLOAD, "delete", "uploads_delete", "Uploads", NULL, NULL, 0, NULL, 0, "204 401 404 503", 0,
     NULL, NULL},
    {UPLOAD "commit/", "post", "uploads_commit", "Uploads", NULL, "UploadCommit", CKPT_OA_JSON,
     "AsyncOperationResponse", 0, "202 404 " ALL_ERR, 0, NULL, NULL},
    {REPO "sync/", "post", "repositories_file_file_sync", "Repositories: File", NULL,
     "RepositorySyncURL", CKPT_OA_JSON, "AsyncOperationResponse", 0, "202 404 " ALL_ERR, 0, NULL, NULL},
    {CKPT_REMOTES_PATH, "get", "remotes_file_file_list", "Remotes: File", NULL, NULL, 0,
     "file.FileRemoteResponse", 1, "200 400 401 503", 0, &ckpt_filters_remotes, NULL},
    {CKPT_REMOTES_PATH, "post", "remotes_file_file_create", "Remotes: File", NULL,
     "file.FileRemote", CKPT_OA_JSON, "file.FileRemoteResponse", 0, "201 " ALL_ERR, 0, NULL, NULL},
    {REMOTE, "get", "remotes_file_file_read", "Remotes: File", NULL, NULL, 0,
     "file.FileRemoteResponse", 0, "200 401 404 503", 0, NULL, NULL},
    {REMOTE, "put", "remotes_file_file_update", "Remotes: File", NULL, "file.FileRemote",
     CKPT_OA_JSON, "file.FileRemoteResponse", 0, "200 404 " ALL_ERR, 0, NULL, NULL},
    {REMOTE, "patch", "remotes_file_file_partial_update", "Remotes: File", NULL,
     "Patchedfile.FileRemote", CKPT_OA_JSON, "file.FileRemoteResponse", 0, "200 404 " ALL_ERR, 0, NULL, NULL},
    {REMOTE, "delete", "remotes_file_file_delete", "Remotes: File", NULL, NULL, 0, NULL, 0,
     "204 401 404 503", 0, NULL, NULL},
    {CKPT_TASKS_PATH, "get", "tasks_list", "Tasks", NULL, NULL, 0, "TaskResponse", 1,
     "200 400 401 503", 0, &ckpt_filters_tasks, NULL},
    {TASK, "get", "tasks_read", "Tasks", NULL, NULL, 0, "TaskResponse", 0, "200 401 404 503", 0, NULL, NULL},
    {TASK, "patch", "tasks_cancel", "Tasks", NULL, "PatchedTaskCancel", CKPT_OA_JSON,
     "TaskResponse", 0, "200 404 409 " ALL_ERR, 0, NULL, NULL},
    {TASK, "delete", "tasks_delete", "Tasks", NULL, NULL, 0, NULL, 0, "204 401 404 409 503", 0, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, 0, NULL, NULL}};

const ckpt_openapi_op *ckpt_openapi_ops(void)
{
    return ops;
}

const char *const *ckpt_openapi_query(const char *op_id)
{
    const ckpt_openapi_op *o;

    for (o = ops; o->op_id; o++) {
        if (!strcmp(o->op_id, op_id)) {
            return o->query ? o->query : q_none;
        }
    }
    return NULL;
}

/* An object's read: a get of an href. */
#define READS(o) (!(o)->list && (o)->path[0] == '{' && !strcmp((o)->method, "get"))

/* A list of strings, sent comma-separated as Pulp's are (explode false). */
static void string_list(ckpt_json *param, ckpt_json *schema, ckpt_json *items)
{
    ckpt_json_set_str(items, "type", "string");
    ckpt_json_set_str(schema, "type", "array");
    ckpt_json_set(schema, "items", items);
    ckpt_json_set_bool(param, "explode", 0);
    ckpt_json_set_str(param, "style", "form");
}

/* ordering's values: each field, and each with '-' before it. */
static ckpt_json *orderings(apr_pool_t *p, const ckpt_filter_set *set)
{
    ckpt_json *items = ckpt_json_object(), *e = ckpt_json_array();
    const char *const *o;

    for (o = set->orderings; o && *o; o++) {
        ckpt_json_append(e, ckpt_json_string(*o));
        ckpt_json_append(e, ckpt_json_string(apr_pstrcat(p, "-", *o, NULL)));
    }
    ckpt_json_set(items, "enum", e);
    return items;
}

/* schema, with an enum of f's choices if it has them. */
static ckpt_json *choices(const ckpt_filter *f, ckpt_json *schema)
{
    ckpt_json *e;
    const char *const *c;

    if (f->choices) {
        e = ckpt_json_array();
        for (c = f->choices; *c; c++) {
            ckpt_json_append(e, ckpt_json_string(*c));
        }
        ckpt_json_set(schema, "enum", e);
    }
    return schema;
}

static ckpt_json *query_param(apr_pool_t *p, const ckpt_filter *f, const ckpt_filter_set *set)
{
    ckpt_json *o = ckpt_json_object(), *s = ckpt_json_object();
    static const char *const types[] = {"string", NULL,     "string", "integer", "boolean",
                                        "string", "string", "string", NULL,      NULL};

    ckpt_json_set_str(o, "name", f->name);
    ckpt_json_set_str(o, "in", "query");
    ckpt_json_set_str(o, "description", f->description);
    if (f->type == CKPT_FT_TEXTS || f->type == CKPT_FT_HREFS) {
        string_list(o, s, choices(f, ckpt_json_object()));
    }
    else if (f->type == CKPT_FT_ORDERING) {
        string_list(o, s, orderings(p, set));
    }
    else {
        ckpt_json_set_str(choices(f, s), "type", types[f->type]);
    }
    if (f->type == CKPT_FT_REPO || f->type == CKPT_FT_VERSION || f->type == CKPT_FT_HREF) {
        ckpt_json_set_str(s, "format", "uri");
    }
    ckpt_json_set(o, "schema", s);
    return o;
}

/* A parameter in where ("query", "header") whose value is a string. */
static ckpt_json *string_param(const char *name, const char *where, int required,
                               const char *description)
{
    ckpt_json *o = ckpt_json_object(), *s = ckpt_json_object();

    ckpt_json_set_str(o, "name", name);
    ckpt_json_set_str(o, "in", where);
    if (required) {
        ckpt_json_set_bool(o, "required", 1);
    }
    ckpt_json_set_str(o, "description", description);
    ckpt_json_set_str(s, "type", "string");
    ckpt_json_set(o, "schema", s);
    return o;
}

/* The parameters of an operation: its href in the path, its query. */
static ckpt_json *parameters(apr_pool_t *p, const ckpt_openapi_op *o)
{
    ckpt_json *arr = ckpt_json_array();
    const char *const *q;
    const ckpt_filter *f;

    if (o->path[0] == '{') {
        ckpt_json *pp = ckpt_json_object(), *s = ckpt_json_object();
        const char *end = strchr(o->path, '}');
        char name[64];
        apr_cpystrn(name, o->path + 1, (apr_size_t)(end - o->path));
        ckpt_json_set_str(pp, "name", name);
        ckpt_json_set_str(pp, "in", "path");
        ckpt_json_set_bool(pp, "required", 1);
        ckpt_json_set_str(s, "type", "string");
        ckpt_json_set(pp, "schema", s);
        ckpt_json_append(arr, pp);
    }
    /* Every list takes the four; a read (api_resource.c) fields and
     * exclude_fields. */
    for (f = o->list ? ckpt_filters_common : NULL; f && f->name; f++) {
        ckpt_json_append(arr, query_param(p, f, NULL));
    }
    for (f = READS(o) ? ckpt_filters_common + 2 : NULL; f && f->name; f++) {
        ckpt_json_append(arr, query_param(p, f, NULL));
    }
    for (f = o->filters ? o->filters->filters : NULL; f && f->name; f++) {
        ckpt_json_append(arr, query_param(p, f, o->filters));
    }
    for (q = o->query; q && *q; q++) {
        ckpt_json_append(arr, string_param(*q, "query", 0,
                                           "For an application/octet-stream body: the field "
                                           "of the same name."));
    }
    if (o->header) {
        ckpt_json_append(arr, string_param(o->header, "header", 1,
                                           "Where the chunk lies in the file: bytes a-b/size."));
    }
    return arr;
}

static ckpt_json *ref(apr_pool_t *p, const char *component)
{
    ckpt_json *o = ckpt_json_object();
    ckpt_json_set_str(o, "$ref", apr_pstrcat(p, "#/components/schemas/", component, NULL));
    return o;
}

static ckpt_json *media(ckpt_json *schema)
{
    ckpt_json *m = ckpt_json_object();
    ckpt_json_set(m, "schema", schema);
    return m;
}

static ckpt_json *request_body(apr_pool_t *p, const ckpt_openapi_op *o)
{
    ckpt_json *rb = ckpt_json_object(), *c = ckpt_json_object();

    if (o->bodies & CKPT_OA_JSON) {
        ckpt_json_set(c, "application/json", media(ref(p, o->request)));
    }
    if (o->bodies & CKPT_OA_MULTIPART) {
        ckpt_json_set(c, "multipart/form-data", media(ref(p, o->request)));
    }
    if (o->bodies & CKPT_OA_OCTET) {
        ckpt_json *s = ckpt_json_object();
        ckpt_json_set_str(s, "type", "string");
        ckpt_json_set_str(s, "format", "binary");
        ckpt_json_set(c, "application/octet-stream", media(s));
    }
    ckpt_json_set(rb, "content", c);
    ckpt_json_set_bool(rb, "required", !strncmp(o->request, "Patched", 7) ? 0 : 1);
    return rb;
}

static const char *const reasons[][2] = {
    {"200", "OK"}, {"201", "Created"}, {"202", "Accepted"}, {"204", "No content"}, {"400", "Invalid request"},
    {"401", "Credentials missing or wrong"}, {"404", "Not found"}, {"409", "Conflict"},
    {"413", "Request body too large"}, {"415", "Unsupported media type"},
    {"503", "Database unreachable or storage not writable; see Retry-After"}, {NULL, NULL}};

static ckpt_json *response(apr_pool_t *p, const ckpt_openapi_op *o, const char *code)
{
    ckpt_json *r = ckpt_json_object(), *c = ckpt_json_object();
    const char *component = NULL;
    int i;

    for (i = 0; reasons[i][0]; i++) {
        if (!strcmp(reasons[i][0], code)) {
            ckpt_json_set_str(r, "description", reasons[i][1]);
        }
    }
    if (code[0] != '2' || !strcmp(code, "503")) {
        component = !strcmp(code, "503") && o->response && !strcmp(o->response, "StatusResponse")
                        ? o->response
                        : "ErrorResponse";
    }
    else if (o->response) {
        component = o->list ? apr_pstrcat(p, "Paginated", o->response, "List", NULL) : o->response;
    }
    if (component) {
        ckpt_json_set(c, "application/json", media(ref(p, component)));
    }
    else if (!strcmp(code, "200")) { /* the document itself */
        ckpt_json *s = ckpt_json_object();
        ckpt_json_set_str(s, "type", "object");
        ckpt_json_set(c, "application/json", media(s));
    }
    else {
        ckpt_json_own(p, c); /* 204: no body */
        return r;
    }
    ckpt_json_set(r, "content", c);
    return r;
}

static ckpt_json *operation(apr_pool_t *p, const ckpt_openapi_op *o)
{
    ckpt_json *op = ckpt_json_object(), *tags = ckpt_json_array(), *rs = ckpt_json_object();
    char *codes = apr_pstrdup(p, o->statuses), *code, *last = NULL;

    ckpt_json_set_str(op, "operationId", o->op_id);
    ckpt_json_append(tags, ckpt_json_string(o->tag));
    ckpt_json_set(op, "tags", tags);
    ckpt_json_set(op, "parameters", parameters(p, o));
    if (o->request) {
        ckpt_json_set(op, "requestBody", request_body(p, o));
    }
    for (code = apr_strtok(codes, " ", &last); code; code = apr_strtok(NULL, " ", &last)) {
        ckpt_json_set(rs, code, response(p, o, code));
    }
    ckpt_json_set(op, "responses", rs);
    if (o->open) {
        ckpt_json *none = ckpt_json_array();
        ckpt_json_append(none, ckpt_json_object());
        ckpt_json_set(op, "security", none);
    }
    return op;
}

/* Paginated<X>List for a list of X. */
static const char *paginated(apr_pool_t *p, const char *component)
{
    return apr_psprintf(p,
                        "\"Paginated%sList\": {\"type\": \"object\", "
                        "\"required\": [\"count\", \"results\"], \"properties\": {"
                        "\"count\": {\"type\": \"integer\"}, "
                        "\"next\": {\"type\": \"string\", \"format\": \"uri\", "
                        "\"nullable\": true}, "
                        "\"previous\": {\"type\": \"string\", \"format\": \"uri\", "
                        "\"nullable\": true}, "
                        "\"results\": {\"type\": \"array\", \"items\": "
                        "{\"$ref\": \"#/components/schemas/%s\"}}}}",
                        component, component);
}

/* The components: what input.c reads and shape.c writes, field by field. */
#define S_STR "{\"type\": \"string\"}"
#define S_NSTR "{\"type\": \"string\", \"nullable\": true}"
#define S_HREF "{\"type\": \"string\", \"format\": \"uri\"}"
#define S_NHREF "{\"type\": \"string\", \"format\": \"uri\", \"nullable\": true}"
#define S_TIME "{\"type\": \"string\", \"format\": \"date-time\", \"readOnly\": true}"
#define S_BOOL "{\"type\": \"boolean\"}"
#define S_INT "{\"type\": \"integer\", \"format\": \"int64\"}"
#define S_RETAIN "{\"type\": \"integer\", \"format\": \"int64\", \"minimum\": 1, \"nullable\": true}"
#define S_NINT "{\"type\": \"integer\", \"format\": \"int64\", \"nullable\": true}"
#define S_NTIME "{\"type\": \"string\", \"format\": \"date-time\", \"readOnly\": true, " \
    "\"nullable\": true}"
#define S_WSTR "{\"type\": \"string\", \"nullable\": true, \"writeOnly\": true}"
#define OBJ(req, props) "{\"type\": \"object\", \"required\": [" req "], \"properties\": {" props "}}"
#define REPO_IN(req) OBJ(req, "\"name\": {\"type\": \"string\", \"minLength\": 1}, " \
    "\"description\": " S_NSTR ", \"retain_repo_versions\": " S_RETAIN ", " \
    "\"retain_checkpoints\": " S_RETAIN ", \"remote\": " S_NHREF)
#define DIST_IN(req) OBJ(req, "\"name\": {\"type\": \"string\", \"minLength\": 1}, " \
    "\"base_path\": {\"type\": \"string\", \"minLength\": 1}, \"publication\": " S_NHREF \
    ", \"repository\": " S_NHREF ", \"repository_version\": " S_NHREF ", \"checkpoint\": " S_BOOL)
#define UPLOAD_OUT "\"pulp_href\": " S_HREF ", \"pulp_created\": " S_TIME \
    ", \"pulp_last_updated\": " S_TIME ", \"size\": " S_INT ", \"completed\": " \
    "{\"type\": \"string\", \"format\": \"date-time\", \"readOnly\": true, \"nullable\": true}"
#define REMOTE_IN(req) OBJ(req, "\"name\": {\"type\": \"string\", \"minLength\": 1}, " \
    "\"url\": {\"type\": \"string\", \"minLength\": 1}, \"policy\": {\"type\": \"string\", " \
    "\"enum\": [\"immediate\"]}, \"tls_validation\": " S_BOOL ", \"proxy_url\": " S_NSTR \
    ", \"proxy_username\": " S_WSTR ", \"proxy_password\": " S_WSTR ", \"username\": " S_WSTR \
    ", \"password\": " S_WSTR ", \"ca_cert\": " S_NSTR ", \"client_cert\": " S_NSTR \
    ", \"client_key\": " S_WSTR ", \"download_concurrency\": {\"type\": \"integer\", " \
    "\"minimum\": 1, \"maximum\": 64, \"nullable\": true}, \"max_retries\": {\"type\": " \
    "\"integer\", \"minimum\": 0, \"maximum\": 100, \"nullable\": true}")
#define SUMMARY "{\"type\": \"object\", \"additionalProperties\": {\"type\": \"object\", " \
    "\"additionalProperties\": {\"type\": \"object\"}}}"

static const char components[] =
    "\"file.FileRepository\": " REPO_IN("\"name\"") ", "
    "\"Patchedfile.FileRepository\": " REPO_IN("") ", "
    "\"file.FileRepositoryResponse\": " OBJ("\"name\"",
        "\"pulp_href\": " S_HREF ", \"pulp_created\": " S_TIME ", \"versions_href\": " S_HREF
        ", \"latest_version_href\": " S_HREF ", \"name\": " S_STR ", \"description\": " S_NSTR
        ", \"retain_repo_versions\": " S_RETAIN ", \"retain_checkpoints\": " S_RETAIN
        ", \"remote\": " S_NHREF) ", "
    "\"RepositoryAddRemoveContent\": " OBJ("",
        "\"add_content_units\": {\"type\": \"array\", \"items\": " S_STR "}, "
        "\"remove_content_units\": {\"type\": \"array\", \"items\": " S_STR "}, "
        "\"base_version\": " S_NHREF) ", "
    "\"RepositoryVersionResponse\": " OBJ("",
        "\"pulp_href\": " S_HREF ", \"pulp_created\": " S_TIME ", \"number\": " S_INT
        ", \"repository\": " S_HREF ", \"base_version\": " S_NHREF
        ", \"content_summary\": {\"type\": \"object\", \"properties\": {\"added\": " SUMMARY
        ", \"removed\": " SUMMARY ", \"present\": " SUMMARY "}}") ", "
    "\"file.FileContent\": " OBJ("\"relative_path\"",
        "\"relative_path\": {\"type\": \"string\", \"minLength\": 1}, "
        "\"file\": {\"type\": \"string\", \"format\": \"binary\", \"writeOnly\": true, "
        "\"description\": \"The bytes; or give upload\"}, "
        "\"upload\": {\"type\": \"string\", \"format\": \"uri\", \"writeOnly\": true, "
        "\"description\": \"An uncommitted upload whose chunks make the file\"}, "
        "\"sha256\": {\"type\": \"string\", \"writeOnly\": true}, "
        "\"repository\": {\"type\": \"string\", \"format\": \"uri\", \"writeOnly\": true}") ", "
    "\"file.FileContentResponse\": " OBJ("\"relative_path\"",
        "\"pulp_href\": " S_HREF ", \"pulp_created\": " S_TIME ", \"relative_path\": " S_STR
        ", \"sha256\": " S_STR ", \"size\": " S_INT ", \"repository_version\": " S_HREF) ", "
    "\"file.FilePublication\": " OBJ("",
        "\"repository\": " S_NHREF ", \"repository_version\": " S_NHREF
        ", \"checkpoint\": " S_BOOL ", \"manifest\": {\"type\": \"string\", \"minLength\": 1}") ", "
    "\"file.FilePublicationResponse\": " OBJ("",
        "\"pulp_href\": " S_HREF ", \"pulp_created\": " S_TIME ", \"repository\": " S_HREF
        ", \"repository_version\": " S_HREF ", \"checkpoint\": " S_BOOL ", \"manifest\": " S_STR
        ", \"distributions\": {\"type\": \"array\", \"items\": " S_HREF "}") ", "
    "\"file.FileDistribution\": " DIST_IN("\"name\", \"base_path\"") ", "
    "\"Patchedfile.FileDistribution\": " DIST_IN("") ", "
    "\"file.FileDistributionResponse\": " OBJ("\"name\", \"base_path\"",
        "\"pulp_href\": " S_HREF ", \"pulp_created\": " S_TIME ", \"name\": " S_STR
        ", \"base_path\": " S_STR ", \"base_url\": " S_HREF ", \"publication\": " S_NHREF
        ", \"repository\": " S_NHREF ", \"repository_version\": " S_NHREF
        ", \"checkpoint\": " S_BOOL) ", "
    "\"file.FileRemote\": " REMOTE_IN("\"name\", \"url\"") ", "
    "\"Patchedfile.FileRemote\": " REMOTE_IN("") ", "
    "\"file.FileRemoteResponse\": " OBJ("\"name\", \"url\"",
        "\"pulp_href\": " S_HREF ", \"pulp_created\": " S_TIME ", \"pulp_last_updated\": " S_TIME
        ", \"name\": " S_STR ", \"url\": " S_STR ", \"policy\": " S_STR ", \"tls_validation\": "
        S_BOOL ", \"proxy_url\": " S_NSTR ", \"ca_cert\": " S_NSTR ", \"client_cert\": " S_NSTR
        ", \"download_concurrency\": " S_NINT ", \"max_retries\": " S_NINT
        ", \"hidden_fields\": {\"type\": \"array\", \"items\": " OBJ("\"name\", \"is_set\"",
            "\"name\": " S_STR ", \"is_set\": " S_BOOL) "}") ", "
    "\"RepositorySyncURL\": " OBJ("",
        "\"remote\": " S_HREF ", \"mirror\": " S_BOOL) ", "
    "\"PatchedTaskCancel\": " OBJ("\"state\"",
        "\"state\": {\"type\": \"string\", \"enum\": [\"canceled\"]}") ", "
    "\"TaskResponse\": " OBJ("\"name\", \"state\"",
        "\"pulp_href\": " S_HREF ", \"pulp_created\": " S_TIME ", \"state\": {\"type\": "
        "\"string\", \"enum\": [\"waiting\", \"running\", \"canceling\", \"completed\", "
        "\"failed\", \"canceled\"]}, \"name\": " S_STR ", \"logging_cid\": " S_STR
        ", \"started_at\": " S_NTIME ", \"finished_at\": " S_NTIME ", \"error\": {\"type\": "
        "\"object\", \"nullable\": true, \"properties\": {\"description\": " S_STR
        ", \"traceback\": " S_STR "}}, \"worker\": " S_NSTR ", \"parent_task\": " S_NHREF
        ", \"child_tasks\": {\"type\": \"array\", \"items\": " S_HREF "}, \"task_group\": "
        S_NHREF ", \"progress_reports\": {\"type\": \"array\", \"items\": {\"type\": "
        "\"object\"}}, \"created_resources\": {\"type\": \"array\", \"items\": " S_STR
        "}, \"reserved_resources_record\": {\"type\": \"array\", \"items\": " S_STR "}") ", "
    "\"OrphansCleanup\": " OBJ("",
        "\"orphan_protection_time\": {\"type\": \"integer\", \"format\": \"int64\", "
        "\"minimum\": 0, \"nullable\": true}") ", "
    "\"OrphansCleanupResponse\": " OBJ("",
        "\"orphan_protection_time\": " S_INT ", \"memberships_removed\": " S_INT
        ", \"content_removed\": " S_INT ", \"artifacts_removed\": " S_INT
        ", \"artifact_files_removed\": " S_INT ", \"temporary_files_removed\": " S_INT
        ", \"uploads_removed\": " S_INT
        ", \"bytes_freed\": " S_INT) ", "
    "\"Upload\": " OBJ("\"size\"", "\"size\": {\"type\": \"integer\", \"format\": \"int64\", "
        "\"minimum\": 0}") ", "
    "\"UploadResponse\": " OBJ("\"size\"", UPLOAD_OUT) ", "
    "\"UploadDetailResponse\": " OBJ("\"size\"", UPLOAD_OUT ", \"chunks\": {\"type\": \"array\", "
        "\"items\": " OBJ("", "\"offset\": " S_INT ", \"size\": " S_INT) "}") ", "
    "\"UploadChunk\": " OBJ("\"file\"",
        "\"file\": {\"type\": \"string\", \"format\": \"binary\", \"writeOnly\": true}, "
        "\"sha256\": {\"type\": \"string\", \"nullable\": true, \"writeOnly\": true}") ", "
    "\"UploadCommit\": " OBJ("\"sha256\"", "\"sha256\": {\"type\": \"string\", \"minLength\": 1}") ", "
    "\"AsyncOperationResponse\": " OBJ("\"task\"", "\"task\": " S_HREF) ", "
    "\"StatusResponse\": " OBJ("\"versions\", \"online\"",
        "\"versions\": {\"type\": \"array\", \"items\": " OBJ("\"component\", \"version\"",
            "\"component\": " S_STR ", \"version\": " S_STR) "}, "
        "\"database_connection\": {\"type\": \"object\"}, "
        "\"read_database_connection\": {\"type\": \"object\"}, \"storage\": {\"type\": \"object\"}, "
        "\"content_cache\": {\"type\": \"object\"}, \"online\": " S_BOOL) ", "
    "\"ErrorResponse\": {\"type\": \"object\", \"description\": \"{detail: why}, or each field "
    "at fault with its reasons: {field: [why]}\", \"properties\": {\"detail\": " S_STR "}, "
    "\"additionalProperties\": {\"type\": \"array\", \"items\": " S_STR "}}";

static ckpt_rc schemas(apr_pool_t *p, ckpt_json **out, ckpt_err *err)
{
    const char *text = apr_pstrcat(p, "{", components, NULL), *why = NULL;
    const ckpt_openapi_op *o;
    ckpt_json *parsed;

    for (o = ops; o->op_id; o++) {
        if (o->list) {
            text = apr_pstrcat(p, text, ", ", paginated(p, o->response), NULL);
        }
    }
    text = apr_pstrcat(p, text, "}", NULL);
    parsed = ckpt_json_parse(p, text, strlen(text), &why);
    if (!parsed) {
        return ckpt_err_set(err, CKPT_IOERROR, NULL,
                            apr_pstrcat(p, "the OpenAPI components do not parse: ", why, NULL));
    }
    *out = ckpt_json_copy(parsed);
    return CKPT_OK;
}

static ckpt_json *info(const ckpt_component *versions, int n)
{
    ckpt_json *i = ckpt_json_object(), *v = ckpt_json_object();
    int k;

    ckpt_json_set_str(i, "title", "mod_checkpoint API (Pulp 3 compatible)");
    ckpt_json_set_str(i, "version", ckpt_package_version());
    ckpt_json_set_str(i, "description",
                      "The operations of Pulp's core and file plugin that mod_checkpoint "
                      "implements, with Pulp's operation ids.");
    for (k = 0; k < n; k++) {
        ckpt_json_set_str(v, versions[k].component, versions[k].version);
    }
    ckpt_json_set(i, "x-pulp-app-versions", v);
    return i;
}

static ckpt_json *components_of(ckpt_json *schemas_obj)
{
    ckpt_json *c = ckpt_json_object(), *sec = ckpt_json_object(), *basic = ckpt_json_object();

    ckpt_json_set(c, "schemas", schemas_obj);
    ckpt_json_set_str(basic, "type", "http");
    ckpt_json_set_str(basic, "scheme", "basic");
    ckpt_json_set(sec, "basicAuth", basic);
    ckpt_json_set(c, "securitySchemes", sec);
    return c;
}

ckpt_rc ckpt_openapi_document(apr_pool_t *p, const char *api_root,
                              const ckpt_component *versions, int n, ckpt_json **out,
                              ckpt_err *err)
{
    ckpt_json *doc, *paths, *sch = NULL, *security, *basic;
    const ckpt_openapi_op *o;

    if (schemas(p, &sch, err) != CKPT_OK) {
        return err->rc;
    }
    doc = ckpt_json_object();
    paths = ckpt_json_object();
    ckpt_json_set_str(doc, "openapi", "3.0.3");
    ckpt_json_set(doc, "info", info(versions, n));
    for (o = ops; o->op_id; o++) {
        const char *key = o->path[0] == '{' ? o->path : apr_pstrcat(p, api_root, o->path, NULL);
        ckpt_json *item = ckpt_json_get(paths, key);
        if (!item) {
            item = ckpt_json_object();
            ckpt_json_set(paths, key, item);
        }
        ckpt_json_set(item, o->method, operation(p, o));
    }
    ckpt_json_set(doc, "paths", paths);
    ckpt_json_set(doc, "components", components_of(sch));
    security = ckpt_json_array();
    basic = ckpt_json_object();
    ckpt_json_set(basic, "basicAuth", ckpt_json_array());
    ckpt_json_append(security, basic);
    ckpt_json_set(doc, "security", security);
    *out = doc;
    return CKPT_OK;
}
