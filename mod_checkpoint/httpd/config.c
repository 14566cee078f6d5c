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
#define DEFAULT_STANDBY_RETRY_SEC 30
#define DEFAULT_UPLOAD_LIMIT ((apr_off_t)100 * 1024 * 1024 * 1024)
#define DEFAULT_JSON_LIMIT ((apr_off_t)1024 * 1024)
#define DEFAULT_RETRY_AFTER 5
#define DEFAULT_CACHE_BYTES ((apr_off_t)16 * 1024 * 1024)
#define DEFAULT_CATALOG_BYTES ((apr_off_t)16 * 1024 * 1024)
#define DEFAULT_CACHE_REFRESH_MS 500
#define DEFAULT_SHARED_BYTES ((apr_off_t)256 * 1024 * 1024)
/* shmcb's least (8 KiB) would keep no block: one of the largest shared
 * blocks in each of its subcaches. */
#define MIN_SHARED_BYTES ((apr_off_t)1024 * 1024)
/* Changes must reach every process within a second (SPEC §3's promise to
 * API users that what they changed is what is served). */
#define MAX_CACHE_REFRESH_MS 1000

void *ckpt_create_server_conf(apr_pool_t *p, server_rec *s)
{
    ckpt_server_conf *c = apr_pcalloc(p, sizeof(*c));

    c->conninfo = NULL;
    c->read_conninfo = NULL;
    c->storage = NULL;
    c->pool_min = c->pool_smax = c->pool_hmax = CKPT_UNSET;
    c->pool_ttl = CKPT_UNSET;
    c->pool_timeout = CKPT_UNSET;
    c->connect_timeout = CKPT_UNSET;
    c->standby_retry = CKPT_UNSET;
    c->retry_after = CKPT_UNSET;
    c->upload_limit = CKPT_UNSET;
    c->json_limit = CKPT_UNSET;
    c->cache_bytes = CKPT_UNSET;
    c->catalog_bytes = CKPT_UNSET;
    c->cache_refresh_ms = CKPT_UNSET;
    c->shared_bytes = CKPT_UNSET;
    c->shared = NULL;
    c->content_prefix = NULL;
    c->api_root = NULL;
    c->own_db = 0;
    c->db = NULL;
    return c;
}

/* Field by field: the virtual host's value where it set one, its
 * parent's otherwise.  Neither base nor add is written to. */
#define MERGE_SET(f) c->f = add->f != CKPT_UNSET ? add->f : base->f
#define MERGE_STR(f) c->f = add->f ? add->f : base->f

void *ckpt_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    const ckpt_server_conf *base = basev, *add = addv;
    ckpt_server_conf *c = apr_pcalloc(p, sizeof(*c));
    /* CheckpointPoolSize sets its three numbers together. */
    const ckpt_server_conf *pool = add->pool_min != CKPT_UNSET ? add : base;

    MERGE_STR(conninfo);
    MERGE_STR(read_conninfo);
    MERGE_STR(storage);
    c->pool_min = pool->pool_min;
    c->pool_smax = pool->pool_smax;
    c->pool_hmax = pool->pool_hmax;
    MERGE_SET(pool_ttl);
    MERGE_SET(pool_timeout);
    MERGE_SET(connect_timeout);
    MERGE_SET(standby_retry);
    MERGE_SET(retry_after);
    MERGE_SET(upload_limit);
    MERGE_SET(json_limit);
    MERGE_SET(cache_bytes);
    MERGE_SET(catalog_bytes);
    MERGE_SET(cache_refresh_ms);
    MERGE_SET(shared_bytes);
    c->shared = NULL;
    MERGE_STR(content_prefix);
    MERGE_STR(api_root);
    /* A pool and a catalog of its own, on its parent's database unless it
     * names another. */
    c->own_db = add->conninfo || add->read_conninfo || add->pool_min != CKPT_UNSET || add->pool_ttl != CKPT_UNSET
                || add->pool_timeout != CKPT_UNSET || add->connect_timeout != CKPT_UNSET
                || add->standby_retry != CKPT_UNSET
                || add->cache_bytes != CKPT_UNSET || add->catalog_bytes != CKPT_UNSET
                || add->cache_refresh_ms != CKPT_UNSET;
    c->db = NULL;
    return c;
}

void *ckpt_create_dir_conf(apr_pool_t *p, char *dir)
{
    ckpt_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->content = CKPT_UNSET;
    c->content_prefix = NULL;
    c->inexact_serve = CKPT_UNSET;
    return c;
}

void *ckpt_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const ckpt_dir_conf *base = basev, *add = addv;
    ckpt_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    /* The prefix goes with the switch that set it. */
    c->content = add->content != CKPT_UNSET ? add->content : base->content;
    c->content_prefix = add->content != CKPT_UNSET ? add->content_prefix : base->content_prefix;
    c->inexact_serve = add->inexact_serve != CKPT_UNSET ? add->inexact_serve : base->inexact_serve;
    return c;
}

static ckpt_server_conf *sconf_of(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &checkpoint_module);
}

/* CheckpointDatabase and CheckpointReadDatabase: a conninfo, into the
 * member cmd->info names. */
static const char *set_database(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    if (err) {
        return err;
    }
    if (!*arg) {
        return apr_pstrcat(cmd->pool, cmd->directive->directive,
                           ": a libpq connection string or URI is required", NULL);
    }
    *(const char **)((char *)sconf_of(cmd) + (apr_size_t)cmd->info) = arg;
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
    ckpt_server_conf *c;
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
    c = sconf_of(cmd);
    c->pool_min = min;
    c->pool_smax = smax;
    c->pool_hmax = hmax;
    return NULL;
}

/* CheckpointPoolTTL, CheckpointPoolTimeout, CheckpointConnectTimeout,
 * CheckpointStandbyRetry, CheckpointRetryAfter: seconds, into the member cmd->info names. */
static const char *set_seconds(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    int v;

    if (err || (err = parse_count(cmd, arg, 1, &v))) {
        return err;
    }
    *(int *)((char *)sconf_of(cmd) + (apr_size_t)cmd->info) = v;
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
    c->json_limit = v;
    return NULL;
}

/* CheckpointCacheSize, CheckpointCatalogSize and (main server only)
 * CheckpointSharedCatalogSize: bytes, with an optional K, M or G suffix;
 * cmd->info is the member's offset. */
static const char *set_bytes(cmd_parms *cmd, void *dummy, const char *arg)
{
    int catalog = !strcasecmp(cmd->directive->directive, "CheckpointCatalogSize");
    int shared = !strcasecmp(cmd->directive->directive, "CheckpointSharedCatalogSize");
    const char *err = ap_check_cmd_context(cmd, shared ? GLOBAL_ONLY : NOT_IN_DIR_CONTEXT);
    const char *usage = apr_pstrcat(cmd->pool, cmd->directive->directive,
                                    shared ? ": bytes per node, like 256M (at least 1M; "
                                             "0 turns it off)"
                                           : ": bytes per process, like 16M",
                                    shared    ? ""
                                    : catalog ? " (at least 1)"
                                              : " (0 turns the answer cache off)",
                                    NULL);
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
        if (end[1]) {
            return usage;
        }
        switch (apr_tolower(*end)) {
        case 'k':
            shift = 10;
            break;
        case 'm':
            shift = 20;
            break;
        case 'g':
            shift = 30;
            break;
        default:
            return usage;
        }
    }
    if (v > ((apr_off_t)1 << 40) >> shift || (catalog && v == 0)
        || (shared && v != 0 && (v << shift < MIN_SHARED_BYTES || v << shift >= APR_UINT32_MAX))) {
        return usage;
    }
    *(apr_off_t *)((char *)sconf_of(cmd) + (apr_size_t)cmd->info) = v << shift;
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
    sconf_of(cmd)->cache_refresh_ms = v;
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
    AP_INIT_TAKE1("CheckpointDatabase", set_database,
                  (void *)APR_OFFSETOF(ckpt_server_conf, conninfo), RSRC_CONF,
                  "libpq connection string or URI of the index database (the primary)"),
    AP_INIT_TAKE1("CheckpointReadDatabase", set_database,
                  (void *)APR_OFFSETOF(ckpt_server_conf, read_conninfo), RSRC_CONF,
                  "libpq connection string or URI the content side reads (hot standbys first)"),
    AP_INIT_TAKE1("CheckpointStorage", set_storage, NULL, RSRC_CONF,
                  "directory of the content-addressed artifact storage"),
    AP_INIT_TAKE23("CheckpointPoolSize", set_pool_size, NULL, RSRC_CONF,
                   "database connections per process: min softmax [hardmax]"),
    AP_INIT_TAKE1("CheckpointPoolTTL", set_seconds,
                  (void *)APR_OFFSETOF(ckpt_server_conf, pool_ttl), RSRC_CONF,
                  "seconds an idle connection above the soft maximum is kept"),
    AP_INIT_TAKE1("CheckpointPoolTimeout", set_seconds,
                  (void *)APR_OFFSETOF(ckpt_server_conf, pool_timeout), RSRC_CONF,
                  "seconds a request waits for a free connection before 503"),
    AP_INIT_TAKE1("CheckpointConnectTimeout", set_seconds,
                  (void *)APR_OFFSETOF(ckpt_server_conf, connect_timeout), RSRC_CONF,
                  "seconds libpq waits when connecting (unless the conninfo says)"),
    AP_INIT_TAKE1("CheckpointStandbyRetry", set_seconds,
                  (void *)APR_OFFSETOF(ckpt_server_conf, standby_retry), RSRC_CONF,
                  "seconds after which a content connection on the primary tries the standbys again"),
    AP_INIT_TAKE1("CheckpointUploadLimit", set_upload_limit, NULL, RSRC_CONF,
                  "largest upload in bytes, 0 for no limit"),
    AP_INIT_TAKE1("CheckpointJSONLimit", set_json_limit, NULL, RSRC_CONF,
                  "largest JSON request body in bytes"),
    AP_INIT_TAKE1("CheckpointRetryAfter", set_seconds,
                  (void *)APR_OFFSETOF(ckpt_server_conf, retry_after), RSRC_CONF,
                  "Retry-After seconds sent with 503 when the database is down"),
    AP_INIT_TAKE1("CheckpointCacheSize", set_bytes,
                  (void *)APR_OFFSETOF(ckpt_server_conf, cache_bytes), RSRC_CONF,
                  "bytes of content answers each process keeps (K, M, G; 0: off)"),
    AP_INIT_TAKE1("CheckpointCatalogSize", set_bytes,
                  (void *)APR_OFFSETOF(ckpt_server_conf, catalog_bytes), RSRC_CONF,
                  "bytes of checkpoint lists and directory histories each process keeps (K, M, G)"),
    AP_INIT_TAKE1("CheckpointSharedCatalogSize", set_bytes,
                  (void *)APR_OFFSETOF(ckpt_server_conf, shared_bytes), RSRC_CONF,
                  "bytes of directory histories the processes of this node share "
                  "(K, M, G; 0: off; needs mod_socache_shmcb)"),
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

/* The directives no server can do without, said once at start-up. */
static int check_required(server_rec *s, const ckpt_server_conf *c)
{
    const char *missing = !c->conninfo ? "CheckpointDatabase" : !c->storage ? "CheckpointStorage"
                                                                          : NULL;

    if (!missing) {
        return OK;
    }
    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                 CKPTLOGNO(107) "%s is required: set it in the main server (or in the "
                                "virtual host %s:%d)",
                 missing, s->server_hostname ? s->server_hostname : "", s->port);
    return HTTP_INTERNAL_SERVER_ERROR;
}

static void fill_defaults(ckpt_server_conf *c)
{
#define DEFAULT(f, v) if (c->f == CKPT_UNSET) { c->f = (v); }
    DEFAULT(pool_min, DEFAULT_POOL_MIN)
    DEFAULT(pool_smax, DEFAULT_POOL_SMAX)
    DEFAULT(pool_hmax, DEFAULT_POOL_HMAX)
    DEFAULT(pool_ttl, DEFAULT_POOL_TTL_SEC)
    DEFAULT(pool_timeout, DEFAULT_POOL_TIMEOUT_SEC)
    DEFAULT(connect_timeout, DEFAULT_CONNECT_TIMEOUT)
    DEFAULT(standby_retry, DEFAULT_STANDBY_RETRY_SEC)
    DEFAULT(retry_after, DEFAULT_RETRY_AFTER)
    DEFAULT(upload_limit, DEFAULT_UPLOAD_LIMIT)
    DEFAULT(json_limit, DEFAULT_JSON_LIMIT)
    DEFAULT(cache_bytes, DEFAULT_CACHE_BYTES)
    DEFAULT(catalog_bytes, DEFAULT_CATALOG_BYTES)
    DEFAULT(cache_refresh_ms, DEFAULT_CACHE_REFRESH_MS)
#undef DEFAULT
}

/* Outages of a holder's database, told once when they begin and once when
 * they end (db.h), in the log of the server that owns the holder. */
static void db_event(void *baton, const ckpt_dbpool_event *ev)
{
    server_rec *s = baton;

    if (ev->down) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     CKPTLOGNO(110) "database unreachable: %s; requests that need it get 503 "
                                    "until it answers again",
                     ev->reason);
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                 CKPTLOGNO(111) "database answers again after %" APR_TIME_T_FMT
                                " ms; %" APR_UINT64_T_FMT " connections or statements failed "
                                "meanwhile",
                 apr_time_as_msec(ev->lasted), ev->refused);
}

/* The same for the content side's database, when it has its own. */
static void read_db_event(void *baton, const ckpt_dbpool_event *ev)
{
    server_rec *s = baton;

    if (ev->down) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     CKPTLOGNO(112) "read database unreachable: %s; content is read from "
                                    "CheckpointDatabase until it answers again",
                     ev->reason);
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                 CKPTLOGNO(113) "read database answers again after %" APR_TIME_T_FMT " ms",
                 apr_time_as_msec(ev->lasted));
}

/* CheckpointReadDatabase: writes then need a primary (libpq's read-write),
 * content prefers a standby and takes the primary when none answers; the
 * conninfo's own target_session_attrs wins over both. */
static void split_holder(ckpt_dbholder *h, server_rec *s, const ckpt_server_conf *c)
{
    h->split = 1;
    h->conf.session_attrs = "read-write";
    h->read_conf = h->conf;
    h->read_conf.conninfo = c->read_conninfo;
    h->read_conf.session_attrs = "prefer-standby";
    /* Which pool a server's connection is of, in pg_stat_activity. */
    h->read_conf.application_name = "mod_checkpoint_read";
    h->read_conf.reserved = 0;
    h->read_conf.standby_retry = apr_time_from_sec(c->standby_retry);
    h->read_conf.on_event = read_db_event;
    h->read_conf.event_baton = s;
}

static ckpt_dbholder *new_holder(apr_pool_t *p, server_rec *s, const ckpt_server_conf *c)
{
    ckpt_dbholder *h = apr_pcalloc(p, sizeof(*h));

    h->conf.conninfo = c->conninfo;
    h->conf.min = c->pool_min;
    h->conf.smax = c->pool_smax;
    h->conf.hmax = c->pool_hmax;
    h->conf.ttl = apr_time_from_sec(c->pool_ttl);
    h->conf.acquire_timeout = apr_time_from_sec(c->pool_timeout);
    h->conf.connect_timeout = c->connect_timeout;
    /* A quarter of the connections are the content side's alone: the API's
     * slow transactions (a large modify, a checkpoint waiting for its
     * second) never take the last ones. */
    h->conf.reserved = c->pool_hmax > 1 ? (c->pool_hmax + 3) / 4 : 0;
    h->conf.on_event = db_event;
    h->conf.event_baton = s;
    h->cache_bytes = (apr_size_t)c->cache_bytes;
    h->catalog_bytes = (apr_size_t)c->catalog_bytes;
    h->cache_refresh = apr_time_from_msec(c->cache_refresh_ms);
    h->s = s;
    if (c->read_conninfo) {
        split_holder(h, s, c);
    }
    return h;
}

/* The node's shared catalog, and each holder's view of it (by the
 * database its content reads); an error when the site asked for one by
 * name and it cannot be made. */
static int make_shared(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    ckpt_server_conf *mc = CKPT_SCONF(s);
    int required = mc->shared_bytes != CKPT_UNSET;
    apr_off_t bytes = required ? mc->shared_bytes : DEFAULT_SHARED_BYTES;
    server_rec *vs;

    mc->shared = bytes ? ckpt_shared_create(pconf, ptemp, s, (apr_size_t)bytes, required) : NULL;
    if (bytes && required && !mc->shared) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (vs = s; vs; vs = vs->next) {
        ckpt_dbholder *h = CKPT_SCONF(vs)->db;
        if (!h->shared) {
            h->shared = ckpt_shared_for(pconf, mc->shared,
                                        h->split ? h->read_conf.conninfo : h->conf.conninfo);
        }
    }
    return OK;
}

int ckpt_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        ckpt_server_conf *c = CKPT_SCONF(vs);
        apr_status_t rv;

        if (check_required(vs, c) != OK) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        fill_defaults(c);
        c->db = vs == s || c->own_db ? new_holder(pconf, vs, c) : CKPT_SCONF(s)->db;
        rv = ckpt_storage_prepare(ptemp, c->storage);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, vs,
                         CKPTLOGNO(101) "CheckpointStorage %s cannot be prepared", c->storage);
        }
        give_to_children(ptemp, vs, c->storage);
    }
    return make_shared(pconf, ptemp, s);
}

/* A new process reads what its catalog needs first on one of the
 * connections its pool opened; if the database is away it learns it on
 * its first request instead. */
static void warm_catalog(apr_pool_t *p, server_rec *s, ckpt_dbholder *h)
{
    apr_pool_t *tmp;
    ckpt_db *db;

    ckpt_dbpool *pool = h->read_pool ? h->read_pool : h->pool;

    if (!pool || !h->catalog || h->conf.min < 1) {
        return;
    }
    apr_pool_create(&tmp, p);
    if (ckpt_db_acquire(pool, tmp, &db) == CKPT_OK
        && ckpt_source_warm(h->catalog, db, tmp) != CKPT_OK) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                     CKPTLOGNO(109) "content catalog not warmed: %s", ckpt_db_error(db));
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
    cc.shared = h->shared;
    rv = ckpt_catalog_create(&h->catalog, p, &cc);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     CKPTLOGNO(105) "cannot create the content catalog; running without");
        h->catalog = NULL;
    }
}

/* The allocator missed answers are made on (content.c's answer_pool):
 * one a process, shared by its threads (a mutex), keeping up to
 * ANSWER_MAX_FREE of free blocks for the next misses.  It and its mutex
 * (in an unmanaged pool of its own) last as long as the process, not the
 * child pool: an answer's pool is destroyed with its request's, which
 * under prefork a signal may leave for after the child pool has gone. */
#define ANSWER_MAX_FREE (2 * 1024 * 1024)

static void make_answer_allocator(server_rec *s, ckpt_dbholder *h)
{
    apr_allocator_t *alloc = NULL;
    apr_thread_mutex_t *mutex;
    apr_pool_t *home = NULL;
    apr_status_t rv;

    if ((rv = apr_allocator_create(&alloc)) == APR_SUCCESS
        && (rv = apr_pool_create_unmanaged_ex(&home, NULL, alloc)) == APR_SUCCESS
        && (rv = apr_thread_mutex_create(&mutex, APR_THREAD_MUTEX_DEFAULT, home)) == APR_SUCCESS) {
        apr_pool_tag(home, "checkpoint-answers");
        apr_allocator_mutex_set(alloc, mutex);
        apr_allocator_max_free_set(alloc, ANSWER_MAX_FREE);
        h->answer_alloc = alloc;
        return;
    }
    if (home) {
        apr_pool_destroy(home);
    }
    if (alloc) {
        apr_allocator_destroy(alloc);
    }
    ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                 CKPTLOGNO(118) "no allocator for missed answers; they use the request's memory");
}

/* One pool and one catalog per database holder and process, on the child
 * pool, so they go when the child exits. */
void ckpt_child_init(apr_pool_t *p, server_rec *s)
{
    server_rec *vs;

    if (CKPT_SCONF(s)->shared) {
        ckpt_shared_child_init(CKPT_SCONF(s)->shared, p);
    }
    for (vs = s; vs; vs = vs->next) {
        ckpt_dbholder *h = CKPT_SCONF(vs)->db;
        apr_status_t rv;

        if (h->pool) {
            continue;
        }
        rv = ckpt_dbpool_create(p, &h->conf, &h->pool);
        if (rv == APR_SUCCESS && h->split) {
            rv = ckpt_dbpool_create(p, &h->read_conf, &h->read_pool);
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, vs,
                         CKPTLOGNO(102) "cannot create the database connection pool");
        }
        make_catalog(p, vs, h);
        make_answer_allocator(vs, h);
        warm_catalog(p, vs, h);
    }
}

ckpt_rc ckpt_request_db(request_rec *r, ckpt_db **db)
{
    ckpt_dbpool *pool = CKPT_SCONF(r->server)->db->pool;
    ckpt_rc rc = ckpt_db_acquire_shared(pool, r->pool, db);

    if (rc != CKPT_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      CKPTLOGNO(108) "no database connection for the API: %s",
                      pool ? ckpt_dbpool_last_error(r->pool, pool) : "no pool");
    }
    return rc;
}

ckpt_rc ckpt_request_db_pool(request_rec *r, apr_pool_t *p, ckpt_db **db)
{
    ckpt_dbpool *pool = CKPT_SCONF(r->server)->db->pool;
    ckpt_rc rc = ckpt_db_acquire(pool, p, db);

    /* An outage is logged by the pool, once; this only traces. */
    if (rc != CKPT_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, CKPTLOGNO(104) "no database connection: %s",
                      pool ? ckpt_dbpool_last_error(r->pool, pool) : "no pool");
    }
    return rc;
}

ckpt_rc ckpt_request_read_db(request_rec *r, apr_pool_t *p, ckpt_db **db)
{
    ckpt_dbholder *h = CKPT_SCONF(r->server)->db;

    /* Every standby and host of CheckpointReadDatabase away: the primary,
     * as a content request could not otherwise be answered. */
    if (h->read_pool && ckpt_db_acquire(h->read_pool, p, db) == CKPT_OK) {
        return CKPT_OK;
    }
    return ckpt_request_db_pool(r, p, db);
}

int ckpt_unavailable(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_itoa(r->pool, CKPT_SCONF(r->server)->retry_after));
    return HTTP_SERVICE_UNAVAILABLE;
}
