/* Directives, server and per-directory configuration, and the per-process
 * connection pool. */
#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#ifndef WIN32
#include <errno.h>
#include <unistd.h>
#include <unixd.h>
#endif

#include "mod_checkpoint.h"
#include "source.h"
#include "storage.h"

#define DEFAULT_POOL_MIN 0
#define DEFAULT_POOL_SMAX 4
#define DEFAULT_POOL_HMAX 16
#define DEFAULT_POOL_TTL_SEC 60
#define DEFAULT_POOL_TIMEOUT_SEC 5
#define DEFAULT_CONNECT_TIMEOUT 5
#define DEFAULT_UPLOAD_LIMIT ((apr_off_t)100 * 1024 * 1024 * 1024)
#define DEFAULT_JSON_LIMIT ((apr_size_t)1024 * 1024)
#define DEFAULT_RETRY_AFTER 5
#define DEFAULT_CACHE_BYTES ((apr_size_t)16 * 1024 * 1024)
#define DEFAULT_CATALOG_BYTES ((apr_size_t)16 * 1024 * 1024)
#define DEFAULT_CACHE_REFRESH_MS 500
/* Changes must reach every process within a second (SPEC §3's promise to
 * API users that what they changed is what is served). */
#define MAX_CACHE_REFRESH_MS 1000

static ckpt_dbholder *new_dbholder(apr_pool_t *p)
{
    ckpt_dbholder *h = apr_pcalloc(p, sizeof(*h));
    h->conf.min = DEFAULT_POOL_MIN;
    h->conf.smax = DEFAULT_POOL_SMAX;
    h->conf.hmax = DEFAULT_POOL_HMAX;
    h->conf.ttl = apr_time_from_sec(DEFAULT_POOL_TTL_SEC);
    h->conf.acquire_timeout = apr_time_from_sec(DEFAULT_POOL_TIMEOUT_SEC);
    h->conf.connect_timeout = DEFAULT_CONNECT_TIMEOUT;
    h->cache_bytes = DEFAULT_CACHE_BYTES;
    h->catalog_bytes = DEFAULT_CATALOG_BYTES;
    h->cache_refresh = apr_time_from_msec(DEFAULT_CACHE_REFRESH_MS);
    return h;
}

void *ckpt_create_server_conf(apr_pool_t *p, server_rec *s)
{
    ckpt_server_conf *c = apr_pcalloc(p, sizeof(*c));
    c->db = new_dbholder(p);
    c->retry_after = CKPT_UNSET;
    return c;
}

void *ckpt_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    ckpt_server_conf *base = basev, *add = addv;
    ckpt_server_conf *c = apr_pcalloc(p, sizeof(*c));

    c->db = add->db_set ? add->db : base->db;
    /* A virtual host that sets only pool or cache sizes still uses its
     * parent's database, with a pool of its own. */
    if (add->db_set && !add->db->conf.conninfo) {
        add->db->conf.conninfo = base->db->conf.conninfo;
    }
    c->db_set = add->db_set || base->db_set;
    c->storage = add->storage ? add->storage : base->storage;
    c->upload_limit = add->upload_limit_set ? add->upload_limit : base->upload_limit;
    c->upload_limit_set = add->upload_limit_set || base->upload_limit_set;
    c->json_limit = add->json_limit_set ? add->json_limit : base->json_limit;
    c->json_limit_set = add->json_limit_set || base->json_limit_set;
    c->retry_after = add->retry_after != CKPT_UNSET ? add->retry_after : base->retry_after;
    c->content_prefix = add->content_prefix ? add->content_prefix : base->content_prefix;
    c->api_root = add->api_root ? add->api_root : base->api_root;
    return c;
}

void *ckpt_create_dir_conf(apr_pool_t *p, char *dir)
{
    ckpt_dir_conf *c = apr_pcalloc(p, sizeof(*c));
    c->content = CKPT_UNSET;
    c->inexact_serve = CKPT_UNSET;
    return c;
}

void *ckpt_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    ckpt_dir_conf *base = basev, *add = addv;
    ckpt_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->content = add->content != CKPT_UNSET ? add->content : base->content;
    c->content_prefix = add->content != CKPT_UNSET ? add->content_prefix : base->content_prefix;
    c->inexact_serve = add->inexact_serve != CKPT_UNSET ? add->inexact_serve : base->inexact_serve;
    return c;
}

static ckpt_server_conf *sconf_of(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &checkpoint_module);
}

/* The first use of a pool, cache or database directive in a virtual host
 * gives it its own database holder (defaults for what it does not set;
 * the parent's database unless it sets one: see the merge). */
static ckpt_dbholder *own_db(cmd_parms *cmd)
{
    ckpt_server_conf *c = sconf_of(cmd);
    if (!c->db_set) {
        c->db_set = 1;
    }
    return c->db;
}

static const char *set_database(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    if (err) {
        return err;
    }
    if (!*arg) {
        return "CheckpointDatabase: a libpq connection string or URI is required";
    }
    own_db(cmd)->conf.conninfo = arg;
    return NULL;
}

static const char *set_storage(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    const char *path;
    if (err) {
        return err;
    }
    path = ap_server_root_relative(cmd->pool, arg);
    if (!path || !ap_os_is_path_absolute(cmd->pool, path)) {
        return apr_pstrcat(cmd->pool, "CheckpointStorage: invalid path ", arg, NULL);
    }
    sconf_of(cmd)->storage = path;
    return NULL;
}

static const char *parse_count(cmd_parms *cmd, const char *arg, int lo, int *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);
    if (!*arg || *end || v < lo || v > 100000) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number from %d to 100000",
                            cmd->directive->directive, arg, lo);
    }
    *out = (int)v;
    return NULL;
}

/* CheckpointPoolSize min softmax hardmax */
static const char *set_pool_size(cmd_parms *cmd, void *dummy, const char *a1, const char *a2,
                                 const char *a3)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    ckpt_dbpool_conf *pc;
    int min, smax, hmax;

    if (err) {
        return err;
    }
    if ((err = parse_count(cmd, a1, 0, &min)) || (err = parse_count(cmd, a2, 1, &smax))
        || (err = parse_count(cmd, a3 ? a3 : a2, 1, &hmax))) {
        return err;
    }
    if (min > smax || smax > hmax) {
        return "CheckpointPoolSize: needs min <= softmax <= hardmax";
    }
    pc = &own_db(cmd)->conf;
    pc->min = min;
    pc->smax = smax;
    pc->hmax = hmax;
    return NULL;
}

static const char *set_pool_seconds(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    ckpt_dbpool_conf *pc;
    int v;
    const char *which = cmd->info;

    if (err || (err = parse_count(cmd, arg, 1, &v))) {
        return err;
    }
    pc = &own_db(cmd)->conf;
    if (!strcmp(which, "ttl")) {
        pc->ttl = apr_time_from_sec(v);
    }
    else if (!strcmp(which, "timeout")) {
        pc->acquire_timeout = apr_time_from_sec(v);
    }
    else {
        pc->connect_timeout = v;
    }
    return NULL;
}

static const char *set_upload_limit(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    ckpt_server_conf *c = sconf_of(cmd);
    apr_off_t v;

    if (err) {
        return err;
    }
    if (apr_strtoff(&v, arg, NULL, 10) != APR_SUCCESS || v < 0) {
        return "CheckpointUploadLimit: a number of bytes (0 for no limit) is required";
    }
    c->upload_limit = v;
    c->upload_limit_set = 1;
    return NULL;
}

static const char *set_json_limit(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    ckpt_server_conf *c = sconf_of(cmd);
    apr_off_t v;

    if (err) {
        return err;
    }
    if (apr_strtoff(&v, arg, NULL, 10) != APR_SUCCESS || v < 1 || v > 64 * 1024 * 1024) {
        return "CheckpointJSONLimit: a number of bytes from 1 to 67108864 is required";
    }
    c->json_limit = (apr_size_t)v;
    c->json_limit_set = 1;
    return NULL;
}

static const char *set_retry_after(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    int v;
    if (err || (err = parse_count(cmd, arg, 1, &v))) {
        return err;
    }
    sconf_of(cmd)->retry_after = v;
    return NULL;
}

/* CheckpointCacheSize and CheckpointCatalogSize: bytes, with an optional
 * K, M or G suffix. */
static const char *set_bytes(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    const char *usage = apr_pstrcat(cmd->pool, cmd->directive->directive,
                                    ": bytes per process, like 16M", cmd->info, NULL);
    ckpt_dbholder *h;
    char *end;
    apr_off_t v;
    int shift = 0;

    if (err) {
        return err;
    }
    if (apr_strtoff(&v, arg, &end, 10) != APR_SUCCESS || end == arg || v < 0) {
        return usage;
    }
    if (*end) {
        const char *units = "kmg", *u = end[1] ? NULL : strchr(units, apr_tolower(*end));
        if (!u || !*end) {
            return usage;
        }
        shift = 10 * (int)(u - units + 1);
    }
    if (v > ((apr_off_t)1 << 40) >> shift) {
        return usage;
    }
    h = own_db(cmd);
    if (!strcmp(cmd->directive->directive, "CheckpointCacheSize")) {
        h->cache_bytes = (apr_size_t)(v << shift);
    }
    else if (v == 0) {
        return usage;
    }
    else {
        h->catalog_bytes = (apr_size_t)(v << shift);
    }
    return NULL;
}

static const char *set_cache_refresh(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    int v;

    if (err || (err = parse_count(cmd, arg, 1, &v))) {
        return err;
    }
    if (v > MAX_CACHE_REFRESH_MS) {
        return "CheckpointCacheRefresh: milliseconds from 1 to 1000";
    }
    own_db(cmd)->cache_refresh = apr_time_from_msec(v);
    return NULL;
}

static const char *set_content(cmd_parms *cmd, void *dconf, int on)
{
    ckpt_dir_conf *d = dconf;
    ckpt_server_conf *s = sconf_of(cmd);

    /* The content side maps URLs in translate_name, where only <Location>
     * configuration has been merged. */
    if (!cmd->path || cmd->directive->parent == NULL
        || strcasecmp(cmd->directive->parent->directive, "<Location") != 0) {
        return "CheckpointContent: only allowed inside <Location>";
    }
    d->content = on;
    d->content_prefix = on ? apr_pstrdup(cmd->pool, cmd->path) : NULL;
    if (on) {
        apr_size_t n = strlen(d->content_prefix);
        while (n > 1 && d->content_prefix[n - 1] == '/') {
            ((char *)d->content_prefix)[--n] = '\0';
        }
        if (!s->content_prefix) {
            s->content_prefix = d->content_prefix;
        }
    }
    return NULL;
}

/* CheckpointInexact Redirect|Serve: what a file under an inexact time
 * answers.  Redirect, Pulp's 301, is the default. */
static const char *set_inexact(cmd_parms *cmd, void *dconf, const char *arg)
{
    ckpt_dir_conf *d = dconf;

    /* Read in translate_name, like CheckpointContent. */
    if (!cmd->path || cmd->directive->parent == NULL
        || strcasecmp(cmd->directive->parent->directive, "<Location") != 0) {
        return "CheckpointInexact: only allowed inside <Location>";
    }
    if (!strcasecmp(arg, "Redirect")) {
        d->inexact_serve = 0;
    }
    else if (!strcasecmp(arg, "Serve")) {
        d->inexact_serve = 1;
    }
    else {
        return "CheckpointInexact: Redirect (Pulp's 301, the default) or Serve";
    }
    return NULL;
}

static const char *set_api_root(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    apr_size_t n = strlen(arg);

    if (err) {
        return err;
    }
    if (arg[0] != '/' || arg[n - 1] != '/') {
        return "CheckpointAPIRoot: a URL path that starts and ends with '/'";
    }
    sconf_of(cmd)->api_root = arg;
    return NULL;
}

const command_rec ckpt_cmds[] = {
    AP_INIT_TAKE1("CheckpointDatabase", set_database, NULL, RSRC_CONF,
                  "libpq connection string or URI of the index database"),
    AP_INIT_TAKE1("CheckpointStorage", set_storage, NULL, RSRC_CONF,
                  "directory of the content-addressed artifact storage"),
    AP_INIT_TAKE23("CheckpointPoolSize", set_pool_size, NULL, RSRC_CONF,
                   "database connections per process: min softmax [hardmax]"),
    AP_INIT_TAKE1("CheckpointPoolTTL", set_pool_seconds, "ttl", RSRC_CONF,
                  "seconds an idle connection above the soft maximum is kept"),
    AP_INIT_TAKE1("CheckpointPoolTimeout", set_pool_seconds, "timeout", RSRC_CONF,
                  "seconds a request waits for a free connection before 503"),
    AP_INIT_TAKE1("CheckpointConnectTimeout", set_pool_seconds, "connect", RSRC_CONF,
                  "seconds libpq waits when connecting (unless the conninfo says)"),
    AP_INIT_TAKE1("CheckpointUploadLimit", set_upload_limit, NULL, RSRC_CONF,
                  "largest upload in bytes, 0 for no limit"),
    AP_INIT_TAKE1("CheckpointJSONLimit", set_json_limit, NULL, RSRC_CONF,
                  "largest JSON request body in bytes"),
    AP_INIT_TAKE1("CheckpointRetryAfter", set_retry_after, NULL, RSRC_CONF,
                  "Retry-After seconds sent with 503 when the database is down"),
    AP_INIT_TAKE1("CheckpointCacheSize", set_bytes, " (0 turns the answer cache off)", RSRC_CONF,
                  "bytes of content answers each process keeps (K, M, G; 0: off)"),
    AP_INIT_TAKE1("CheckpointCatalogSize", set_bytes, " (at least 1)", RSRC_CONF,
                  "bytes of checkpoint lists each process keeps (K, M, G)"),
    AP_INIT_TAKE1("CheckpointCacheRefresh", set_cache_refresh, NULL, RSRC_CONF,
                  "milliseconds between checks that cached answers are current (at most 1000)"),
    AP_INIT_FLAG("CheckpointContent", set_content, NULL, ACCESS_CONF,
                 "serve checkpoint content under this <Location>"),
    AP_INIT_TAKE1("CheckpointInexact", set_inexact, NULL, ACCESS_CONF,
                  "a file under an inexact time: Redirect (301, the default) or Serve (200)"),
    AP_INIT_TAKE1("CheckpointAPIRoot", set_api_root, NULL, RSRC_CONF,
                  "the API's URL path, for the publication hrefs of the checkpoint index"),
    {NULL}};

/* Started as root, httpd made the storage directories as root here; the
 * children, which run as User and Group, must write into them. */
static void give_to_children(apr_pool_t *p, server_rec *s, const char *storage)
{
#ifndef WIN32
    static const char *const dirs[] = {"", "/artifact", "/tmp", NULL};
    int i;

    if (geteuid() != 0) {
        return;
    }
    for (i = 0; dirs[i]; i++) {
        const char *d = apr_pstrcat(p, storage, dirs[i], NULL);
        if (chown(d, ap_unixd_config.user_id, ap_unixd_config.group_id) != 0) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s,
                         CKPTLOGNO(106) "cannot give %s to the server's User and Group", d);
        }
    }
#endif
}

int ckpt_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        ckpt_server_conf *c = CKPT_SCONF(vs);
        if (!c->upload_limit_set) {
            c->upload_limit = DEFAULT_UPLOAD_LIMIT;
        }
        if (!c->json_limit_set) {
            c->json_limit = DEFAULT_JSON_LIMIT;
        }
        if (c->retry_after == CKPT_UNSET) {
            c->retry_after = DEFAULT_RETRY_AFTER;
        }
        if (c->storage) {
            apr_status_t rv = ckpt_storage_prepare(ptemp, c->storage);
            if (rv != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, rv, vs,
                             CKPTLOGNO(101) "CheckpointStorage %s cannot be prepared", c->storage);
            }
            give_to_children(ptemp, vs, c->storage);
        }
    }
    return OK;
}

/* A new process reads what its catalog needs first on one of the
 * connections its pool opened; if the database is away it learns it on
 * its first request instead. */
static void warm_catalog(apr_pool_t *p, server_rec *s, ckpt_dbholder *h)
{
    apr_pool_t *tmp;
    ckpt_db *db;

    if (!h->pool || !h->catalog || h->conf.min < 1) {
        return;
    }
    apr_pool_create(&tmp, p);
    if (ckpt_db_acquire(h->pool, tmp, &db) == CKPT_OK
        && ckpt_source_warm(h->catalog, db, tmp) != CKPT_OK) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                     CKPTLOGNO(107) "content catalog not warmed: %s", ckpt_db_error(db));
    }
    apr_pool_destroy(tmp);
}

static void make_catalog(apr_pool_t *p, server_rec *s, ckpt_dbholder *h)
{
    ckpt_catalog_conf cc;
    apr_status_t rv;

    cc.cache_bytes = h->cache_bytes;
    cc.list_bytes = h->catalog_bytes;
    cc.refresh = h->cache_refresh;
    rv = ckpt_catalog_create(&h->catalog, p, &cc);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     CKPTLOGNO(105) "cannot create the content catalog; running without");
        h->catalog = NULL;
    }
}

/* One pool and one catalog per database holder and process, on the child
 * pool, so they go when the child exits. */
void ckpt_child_init(apr_pool_t *p, server_rec *s)
{
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        ckpt_server_conf *c = CKPT_SCONF(vs);
        apr_status_t rv;

        if (!c->db->conf.conninfo || c->db->pool) {
            continue;
        }
        rv = ckpt_dbpool_create(p, &c->db->conf, &c->db->pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, vs,
                         CKPTLOGNO(102) "cannot create the database connection pool");
        }
        make_catalog(p, vs, c->db);
        warm_catalog(p, vs, c->db);
    }
}

ckpt_rc ckpt_request_db(request_rec *r, ckpt_db **db)
{
    return ckpt_request_db_pool(r, r->pool, db);
}

ckpt_rc ckpt_request_db_pool(request_rec *r, apr_pool_t *p, ckpt_db **db)
{
    ckpt_server_conf *c = CKPT_SCONF(r->server);
    ckpt_rc rc;

    if (!c->db->pool) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      CKPTLOGNO(103) "no database: CheckpointDatabase is not set for this server");
        return CKPT_DBDOWN;
    }
    rc = ckpt_db_acquire(c->db->pool, p, db);
    if (rc != CKPT_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      CKPTLOGNO(104) "database unavailable: %s",
                      ckpt_dbpool_last_error(r->pool, c->db->pool));
    }
    return rc;
}

int ckpt_unavailable(request_rec *r)
{
    ckpt_server_conf *c = CKPT_SCONF(r->server);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%d", c->retry_after > 0 ? c->retry_after : DEFAULT_RETRY_AFTER));
    return HTTP_SERVICE_UNAVAILABLE;
}
