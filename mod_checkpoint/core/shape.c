/* JSON shapes (see shape.h). */
#include <stdlib.h>
#include <string.h>

#include <apr_escape.h>
#include <apr_strings.h>

#include "href.h"
#include "shape.h"

ckpt_json *ckpt_shape_repo(const ckpt_shape_ctx *c, const void *obj)
{
    const ckpt_repo *r = obj;
    ckpt_json *o = ckpt_json_object();
    const char *href = ckpt_href(c->p, c->api_root, CKPT_HREF_REPOSITORY, r->id, 0);

    ckpt_json_set_str(o, "pulp_href", href);
    ckpt_json_set_str(o, "pulp_created", r->pulp_created);
    ckpt_json_set_str(o, "versions_href", apr_pstrcat(c->p, href, "versions/", NULL));
    ckpt_json_set_str(o, "latest_version_href",
                      ckpt_href(c->p, c->api_root, CKPT_HREF_VERSION, r->id, r->latest_number));
    ckpt_json_set_str(o, "name", r->name);
    ckpt_json_set_str(o, "description", r->description);
    ckpt_json_set(o, "retain_repo_versions",
                  r->retain_repo_versions ? ckpt_json_integer(r->retain_repo_versions) : NULL);
    ckpt_json_set(o, "retain_checkpoints",
                  r->retain_checkpoints ? ckpt_json_integer(r->retain_checkpoints) : NULL);
    ckpt_json_set_str(o, "remote", ckpt_href(c->p, c->api_root, CKPT_HREF_REMOTE, r->remote_id, 0));
    return o;
}

/* Pulp's shape: {"file.file": {"count": N, "href": ...}}, empty when N is 0. */
static ckpt_json *summary_part(const ckpt_shape_ctx *c, apr_int64_t count, const char *filter,
                               const char *vhref)
{
    ckpt_json *o = ckpt_json_object();

    if (count > 0) {
        ckpt_json *t = ckpt_json_object();
        ckpt_json_set_int(t, "count", count);
        ckpt_json_set_str(t, "href", apr_pstrcat(c->p, c->api_root, CKPT_CONTENT_PATH, "?",
                                                 filter, "=", vhref, NULL));
        ckpt_json_set(o, "file.file", t);
    }
    return o;
}

ckpt_json *ckpt_shape_version(const ckpt_shape_ctx *c, const void *obj)
{
    const ckpt_repo_version *v = obj;
    ckpt_json *o = ckpt_json_object(), *sum = ckpt_json_object();
    const char *repo = v->repository_id;
    const char *href = ckpt_href(c->p, c->api_root, CKPT_HREF_VERSION, repo, v->number);

    ckpt_json_set_str(o, "pulp_href", href);
    ckpt_json_set_str(o, "pulp_created", v->pulp_created);
    ckpt_json_set_int(o, "number", v->number);
    ckpt_json_set_str(o, "repository", ckpt_href(c->p, c->api_root, CKPT_HREF_REPOSITORY, repo, 0));
    ckpt_json_set_str(o, "base_version",
                      v->base_version < 0 ? NULL
                                          : ckpt_href(c->p, c->api_root, CKPT_HREF_VERSION, repo,
                                                      v->base_version));
    ckpt_json_set(sum, "added", summary_part(c, v->added, "repository_version_added", href));
    ckpt_json_set(sum, "removed", summary_part(c, v->removed, "repository_version_removed", href));
    ckpt_json_set(sum, "present", summary_part(c, v->present, "repository_version", href));
    ckpt_json_set(o, "content_summary", sum);
    return o;
}

ckpt_json *ckpt_shape_unit(const ckpt_shape_ctx *c, const void *obj)
{
    const ckpt_unit *u = obj;
    ckpt_json *o = ckpt_json_object();

    ckpt_json_set_str(o, "pulp_href", ckpt_href(c->p, c->api_root, CKPT_HREF_CONTENT, u->id, 0));
    ckpt_json_set_str(o, "pulp_created", u->pulp_created);
    ckpt_json_set_str(o, "relative_path", u->relative_path);
    ckpt_json_set_str(o, "sha256", u->sha256);
    ckpt_json_set_int(o, "size", u->size);
    return o;
}

ckpt_json *ckpt_shape_pub(const ckpt_shape_ctx *c, const void *obj)
{
    const ckpt_pub *pub = obj;
    ckpt_json *o = ckpt_json_object(), *dists = ckpt_json_array();
    int i;

    ckpt_json_set_str(o, "pulp_href",
                      ckpt_href(c->p, c->api_root, CKPT_HREF_PUBLICATION, pub->id, 0));
    ckpt_json_set_str(o, "pulp_created", pub->pulp_created);
    ckpt_json_set_str(o, "repository",
                      ckpt_href(c->p, c->api_root, CKPT_HREF_REPOSITORY, pub->repository_id, 0));
    ckpt_json_set_str(o, "repository_version",
                      ckpt_href(c->p, c->api_root, CKPT_HREF_VERSION, pub->repository_id,
                                pub->version_number));
    ckpt_json_set_bool(o, "checkpoint", pub->checkpoint);
    ckpt_json_set_str(o, "manifest", pub->manifest);
    for (i = 0; pub->distribution_ids && i < pub->distribution_ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(pub->distribution_ids, i, const char *);
        ckpt_json_append(dists, ckpt_json_string(ckpt_href(c->p, c->api_root,
                                                           CKPT_HREF_DISTRIBUTION, id, 0)));
    }
    ckpt_json_set(o, "distributions", dists);
    return o;
}

ckpt_json *ckpt_shape_dist(const ckpt_shape_ctx *c, const void *obj)
{
    const ckpt_dist *d = obj;
    ckpt_json *o = ckpt_json_object();
    /* base_url is a URL: the base path percent-encoded, '/' kept. */
    const char *url = apr_pstrcat(c->p, c->content_url, "/",
                                  apr_pescape_path(c->p, d->base_path, 1), "/", NULL);

    ckpt_json_set_str(o, "pulp_href",
                      ckpt_href(c->p, c->api_root, CKPT_HREF_DISTRIBUTION, d->id, 0));
    ckpt_json_set_str(o, "pulp_created", d->pulp_created);
    ckpt_json_set_str(o, "name", d->name);
    ckpt_json_set_str(o, "base_path", d->base_path);
    ckpt_json_set_str(o, "base_url", url);
    ckpt_json_set_str(o, "publication",
                      ckpt_href(c->p, c->api_root, CKPT_HREF_PUBLICATION, d->publication_id, 0));
    ckpt_json_set_str(o, "repository",
                      ckpt_href(c->p, c->api_root, CKPT_HREF_REPOSITORY, d->repository_id, 0));
    ckpt_json_set_str(o, "repository_version",
                      ckpt_href(c->p, c->api_root, CKPT_HREF_VERSION, d->version_repository_id,
                                d->version_number));
    ckpt_json_set_bool(o, "checkpoint", d->checkpoint);
    return o;
}

ckpt_json *ckpt_shape_remote(const ckpt_shape_ctx *c, const void *obj)
{
    const ckpt_remote *r = obj;
    const ckpt_remote_field *f = ckpt_remote_fields();
    ckpt_json *o = ckpt_json_object(), *hidden = ckpt_json_array();
    int i;

    ckpt_json_set_str(o, "pulp_href", ckpt_href(c->p, c->api_root, CKPT_HREF_REMOTE, r->id, 0));
    ckpt_json_set_str(o, "pulp_created", r->pulp_created);
    ckpt_json_set_str(o, "pulp_last_updated", r->pulp_last_updated);
    for (i = 0; i < CKPT_REMOTE_NFIELDS; i++) {
        const char *v = r->v[i];
        if (f[i].hidden) {
            ckpt_json *h = ckpt_json_object();
            ckpt_json_set_str(h, "name", f[i].name);
            ckpt_json_set_bool(h, "is_set", v != NULL);
            ckpt_json_append(hidden, h);
        }
        else if (!v) {
            ckpt_json_set(o, f[i].name, ckpt_json_null());
        }
        else {
            ckpt_json_set(o, f[i].name, f[i].type == CKPT_RF_BOOL  ? ckpt_json_bool(v[0] == 't')
                                        : f[i].type == CKPT_RF_INT ? ckpt_json_integer(atoll(v))
                                                                   : ckpt_json_string(v));
        }
    }
    ckpt_json_set(o, "hidden_fields", hidden);
    return o;
}

/* Hrefs kept below the API root, with it ("shared:" stays in front). */
static ckpt_json *rooted(const ckpt_shape_ctx *c, const apr_array_header_t *hrefs)
{
    ckpt_json *arr = ckpt_json_array();
    int i;

    for (i = 0; hrefs && i < hrefs->nelts; i++) {
        const char *h = APR_ARRAY_IDX(hrefs, i, const char *);
        int shared = !strncmp(h, "shared:", 7);
        ckpt_json_append(arr, ckpt_json_string(apr_pstrcat(c->p, shared ? "shared:" : "",
                                                           c->api_root, h + (shared ? 7 : 0),
                                                           NULL)));
    }
    return arr;
}

static ckpt_json *task_progress(const ckpt_task *t)
{
    ckpt_json *arr = ckpt_json_array(), *r;
    int done = strcmp(t->state, "running") && strcmp(t->state, "canceling");

    if (t->progress_total < 0) {
        return arr;
    }
    r = ckpt_json_object();
    ckpt_json_set_str(r, "message", "Downloading Artifacts");
    ckpt_json_set_str(r, "code", "sync.downloading.artifacts");
    ckpt_json_set_str(r, "state", done ? t->state : "running");
    ckpt_json_set_int(r, "total", t->progress_total);
    ckpt_json_set_int(r, "done", t->progress_done < 0 ? 0 : t->progress_done);
    ckpt_json_set(r, "suffix", ckpt_json_null());
    ckpt_json_append(arr, r);
    return arr;
}

ckpt_json *ckpt_shape_task(const ckpt_shape_ctx *c, const void *obj)
{
    const ckpt_task *t = obj;
    ckpt_json *o = ckpt_json_object(), *e = NULL;

    ckpt_json_set_str(o, "pulp_href", ckpt_href(c->p, c->api_root, CKPT_HREF_TASK, t->id, 0));
    ckpt_json_set_str(o, "pulp_created", t->pulp_created);
    ckpt_json_set_str(o, "state", t->state);
    ckpt_json_set_str(o, "name", t->name);
    ckpt_json_set_str(o, "logging_cid", "");
    ckpt_json_set_str(o, "started_at", t->started_at);
    ckpt_json_set_str(o, "finished_at", t->finished_at);
    if (t->error_description) {
        e = ckpt_json_object();
        ckpt_json_set_str(e, "description", t->error_description);
        ckpt_json_set_str(e, "traceback", t->error_traceback ? t->error_traceback : "");
    }
    ckpt_json_set(o, "error", e ? e : ckpt_json_null());
    ckpt_json_set_str(o, "worker", t->worker);
    ckpt_json_set(o, "parent_task", ckpt_json_null());
    ckpt_json_set(o, "child_tasks", ckpt_json_array());
    ckpt_json_set(o, "task_group", ckpt_json_null());
    ckpt_json_set(o, "progress_reports", task_progress(t));
    ckpt_json_set(o, "created_resources", rooted(c, t->created_resources));
    ckpt_json_set(o, "reserved_resources_record", rooted(c, t->reserved_resources));
    return o;
}

ckpt_json *ckpt_shape_task_ref(const ckpt_shape_ctx *c, const ckpt_task *t)
{
    ckpt_json *o = ckpt_json_object();

    ckpt_json_set_str(o, "task", ckpt_href(c->p, c->api_root, CKPT_HREF_TASK, t->id, 0));
    return o;
}

ckpt_json *ckpt_shape_content_result(const ckpt_shape_ctx *c, const ckpt_content_result *r)
{
    ckpt_json *o = ckpt_shape_unit(c, r->unit);

    if (r->version) {
        ckpt_json_set_str(o, "repository_version",
                          ckpt_href(c->p, c->api_root, CKPT_HREF_VERSION,
                                    r->version->repository_id, r->version->number));
    }
    return o;
}

ckpt_json *ckpt_shape_page(apr_int64_t count, const char *next, const char *previous,
                           ckpt_json *results)
{
    ckpt_json *o = ckpt_json_object();

    ckpt_json_set_int(o, "count", count);
    ckpt_json_set_str(o, "next", next);
    ckpt_json_set_str(o, "previous", previous);
    ckpt_json_set(o, "results", results);
    return o;
}

ckpt_json *ckpt_shape_orphans(apr_int64_t minutes, const ckpt_orphan_summary *s)
{
    ckpt_json *o = ckpt_json_object();

    ckpt_json_set_int(o, "orphan_protection_time", minutes);
    ckpt_json_set_int(o, "memberships_removed", s->memberships);
    ckpt_json_set_int(o, "content_removed", s->content);
    ckpt_json_set_int(o, "artifacts_removed", s->artifacts);
    ckpt_json_set_int(o, "artifact_files_removed", s->artifact_files);
    ckpt_json_set_int(o, "temporary_files_removed", s->tmp_files);
    ckpt_json_set_int(o, "uploads_removed", s->uploads);
    ckpt_json_set_int(o, "bytes_freed", s->bytes);
    return o;
}

ckpt_json *ckpt_shape_ingest(const char *repository, const ckpt_ingest_result *r,
                             const char *checkpoint, double seconds)
{
    ckpt_json *o = ckpt_json_object(), *steps = ckpt_json_object();

    ckpt_json_set_str(o, "repository", repository);
    ckpt_json_set_int(o, "files", r->files);
    ckpt_json_set_int(o, "bytes", r->bytes);
    ckpt_json_set_int(o, "hashed", r->hashed);
    ckpt_json_set_int(o, "changed", r->changed);
    ckpt_json_set_int(o, "removed", r->removed);
    ckpt_json_set_int(o, "stored", r->stored);
    ckpt_json_set_int(o, "stored_bytes", r->stored_bytes);
    ckpt_json_set(o, "version", r->version ? ckpt_json_integer(r->version->number)
                                           : ckpt_json_null());
    ckpt_json_set_str(o, "checkpoint", checkpoint);
    ckpt_json_set_int(o, "seconds", (long long)seconds);
    ckpt_json_set(o, "milliseconds", steps);
    ckpt_json_set_int(steps, "read", (long long)apr_time_as_msec(r->t_read));
    ckpt_json_set_int(steps, "fetch", (long long)apr_time_as_msec(r->t_fetch));
    ckpt_json_set_int(steps, "store", (long long)apr_time_as_msec(r->t_store));
    ckpt_json_set_int(steps, "commit", (long long)apr_time_as_msec(r->t_commit));
    return o;
}

ckpt_json *ckpt_shape_error(const ckpt_err *err, const char *fallback)
{
    ckpt_json *o = ckpt_json_object();
    const char *why = err->reason ? err->reason : fallback;

    if (err->field) {
        ckpt_json *arr = ckpt_json_array();
        ckpt_json_append(arr, ckpt_json_string(why));
        ckpt_json_set(o, err->field, arr);
    }
    else {
        ckpt_json_set_str(o, "detail", why);
    }
    return o;
}

static ckpt_json *status_database(const ckpt_status_report *s)
{
    ckpt_json *db = ckpt_json_object(), *pool = ckpt_json_object();

    ckpt_json_set_bool(db, "connected", s->db_connected);
    if (s->db_connected) {
        ckpt_json_set_str(db, "server_version", s->db_server_version);
        ckpt_json_set_str(db, "schema_version", s->db_schema_version);
    }
    ckpt_json_set_int(pool, "min", s->pool_min);
    ckpt_json_set_int(pool, "soft_max", s->pool_soft_max);
    ckpt_json_set_int(pool, "hard_max", s->pool_hard_max);
    ckpt_json_set(db, "pool", pool);
    return db;
}

/* The content side's database, which may be a hot standby: a health
 * check tells from here and database_connection which side is away. */
static ckpt_json *status_read_database(const ckpt_status_report *s)
{
    ckpt_json *db = ckpt_json_object();

    ckpt_json_set_bool(db, "connected", s->read_connected);
    if (s->read_connected) {
        ckpt_json_set_bool(db, "standby", s->read_standby);
    }
    if (s->read_connected && s->read_standby) {
        ckpt_json_set_bool(db, "replay_paused", s->read_paused);
        if (s->read_replayed_ms >= 0) {
            ckpt_json_set_int(db, "ms_since_last_replayed_commit", s->read_replayed_ms);
        }
    }
    return db;
}

/* What the answering process's catalog holds and has done (README:
 * Sizing): evictions that keep growing mean CheckpointCatalogSize is too
 * small for the directories clients ask for. */
static ckpt_json *status_catalog(apr_int64_t pid, const ckpt_catalog_stats *c)
{
    ckpt_json *o = ckpt_json_object();

    ckpt_json_set_int(o, "pid", pid);
    ckpt_json_set_int(o, "generation", c->generation);
    ckpt_json_set_int(o, "checkpoint_lists", (apr_int64_t)c->lists);
    ckpt_json_set_int(o, "directory_blocks", (apr_int64_t)c->blocks);
    ckpt_json_set_int(o, "catalog_bytes_used", (apr_int64_t)c->list_bytes);
    ckpt_json_set_int(o, "list_loads", (apr_int64_t)c->list_loads);
    ckpt_json_set_int(o, "block_loads", (apr_int64_t)c->block_loads);
    ckpt_json_set_int(o, "shared_block_hits", (apr_int64_t)c->shared_hits);
    ckpt_json_set_int(o, "evictions", (apr_int64_t)c->list_evictions);
    ckpt_json_set_int(o, "answers", (apr_int64_t)c->cache_entries);
    ckpt_json_set_int(o, "answer_bytes_used", (apr_int64_t)c->cache_bytes);
    ckpt_json_set_int(o, "answer_hits", (apr_int64_t)c->hits);
    ckpt_json_set_int(o, "answer_misses", (apr_int64_t)c->misses);
    return o;
}

ckpt_json *ckpt_shape_status(const ckpt_status_report *s)
{
    ckpt_json *o = ckpt_json_object(), *versions = ckpt_json_array(), *st = ckpt_json_object();
    ckpt_json *cache = ckpt_json_object();
    int i;

    for (i = 0; i < s->nversions; i++) {
        ckpt_json *v = ckpt_json_object();
        ckpt_json_set_str(v, "component", s->versions[i].component);
        ckpt_json_set_str(v, "version", s->versions[i].version);
        ckpt_json_append(versions, v);
    }
    ckpt_json_set(o, "versions", versions);
    ckpt_json_set(o, "database_connection", status_database(s));
    if (s->read_configured) {
        ckpt_json_set(o, "read_database_connection", status_read_database(s));
    }
    ckpt_json_set_bool(st, "writable", s->storage_writable);
    ckpt_json_set(o, "storage", st);
    ckpt_json_set_int(cache, "bytes", s->cache_bytes);
    ckpt_json_set_int(cache, "catalog_bytes", s->catalog_bytes);
    ckpt_json_set_int(cache, "shared_catalog_bytes", s->shared_catalog_bytes);
    if (s->catalog) {
        ckpt_json_set(cache, "this_process", status_catalog(s->pid, s->catalog));
    }
    ckpt_json_set(o, "content_cache", cache);
    ckpt_json_set_bool(o, "online", s->db_connected && s->storage_writable);
    return o;
}

/* 1 when key is an item of the comma-separated list csv. */
static int listed(const char *csv, const char *key)
{
    apr_size_t n = strlen(key);
    const char *s = csv;

    while (s && *s) {
        const char *end = strchr(s, ',');
        apr_size_t len = end ? (apr_size_t)(end - s) : strlen(s);
        if (len == n && !strncmp(s, key, n)) {
            return 1;
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}

typedef struct {
    ckpt_json *out;
    const char *fields, *exclude;
} fields_baton;

static int keep_field(void *baton, const char *key, ckpt_json *v)
{
    fields_baton *b = baton;

    if ((!b->fields || listed(b->fields, key)) && !(b->exclude && listed(b->exclude, key))) {
        ckpt_json_set(b->out, key, ckpt_json_copy(v));
    }
    return 0;
}

ckpt_json *ckpt_shape_fields(apr_pool_t *p, ckpt_json *obj, const char *fields,
                             const char *exclude)
{
    fields_baton b = {NULL, fields, exclude};

    if (!fields && !exclude) {
        return obj;
    }
    b.out = ckpt_json_object();
    ckpt_json_each(ckpt_json_own(p, obj), keep_field, &b);
    return b.out;
}

ckpt_json *ckpt_shape_upload(const ckpt_shape_ctx *c, const void *obj)
{
    const ckpt_chunked *u = obj;
    ckpt_json *o = ckpt_json_object(), *chunks;
    int i;

    ckpt_json_set_str(o, "pulp_href", ckpt_href(c->p, c->api_root, CKPT_HREF_UPLOAD, u->id, 0));
    ckpt_json_set_str(o, "pulp_created", u->pulp_created);
    ckpt_json_set_str(o, "pulp_last_updated", u->pulp_last_updated);
    ckpt_json_set_int(o, "size", (long long)u->size);
    /* An upload is deleted when it is used up, so none is ever completed. */
    ckpt_json_set(o, "completed", ckpt_json_null());
    if (!u->chunks) {
        return o;
    }
    chunks = ckpt_json_array();
    for (i = 0; i < u->chunks->nelts; i++) {
        const ckpt_chunk *ch = &APR_ARRAY_IDX(u->chunks, i, ckpt_chunk);
        ckpt_json *j = ckpt_json_object();
        ckpt_json_set_int(j, "offset", (long long)ch->offset);
        ckpt_json_set_int(j, "size", (long long)ch->size);
        ckpt_json_append(chunks, j);
    }
    ckpt_json_set(o, "chunks", chunks);
    return o;
}
