/* The content side (SPEC section 2): thin glue between httpd's request
 * phases and resolve.c.
 *
 * translate_name decides what a URL is (a file, a listing, a redirect, an
 * error) and keeps the answer in the request config; a file becomes
 * r->filename, the artifact's absolute path, so that the core handler serves
 * it with sendfile, Range, HEAD and conditional requests.  Everything else
 * is answered by our own handler, after authorisation has run, so that
 * <Location> rules guard redirects, listings and 404s as they guard files. */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <http_core.h>
#include <util_filter.h>
#include <http_protocol.h>
#include <http_request.h>

#include "mod_checkpoint.h"
#include "cache.h"
#include "history.h"
#include "listing.h"
#include "path.h"
#include "resolve.h"
#include "source.h"
#include "storage.h"
#include "timestamp.h"
#include "timetravel.h"

#define CONTENT_HANDLER "checkpoint-content"
#define ETAG_FILTER "CHECKPOINT_ETAG"

#define CC_IMMUTABLE "public, max-age=31536000, immutable"
#define CC_SHORT "public, max-age=60"
#define CC_INDEX "public, max-age=10"
/* A redirect for a second that may still gain its own checkpoint. */
#define CC_SETTLING "public, max-age=1"
#define DEFAULT_API_ROOT "/pulp/api/v3/"

/* What translate_name found, for the later phases of the same request. */
typedef struct {
    int status;             /* OK: see answer; otherwise the HTTP status to send */
    ckpt_answer answer;
    const char *filename;   /* CKPT_ANSWER_FILE: the artifact */
    char *saved_filename;   /* while mod_mime types the relative path */
    const char *etag;       /* "<sha256>" */
    int primary;            /* answered by the primary: a history is read there too */
    int unsure;             /* a lagging standby's, the primary away: short-lived */
} content_req;

/* Answers already found for this main request and its subrequests, by
 * URI: subrequests run translate_name again. */
typedef struct {
    apr_hash_t *by_uri;
} content_cache;

static request_rec *main_of(request_rec *r)
{
    while (r->main) {
        r = r->main;
    }
    return r;
}

static content_req *req_of(request_rec *r)
{
    return ap_get_module_config(r->request_config, &checkpoint_module);
}

static const char *cache_key = "checkpoint-content-cache";

static content_cache *cache_of(request_rec *top)
{
    void *v = NULL;
    apr_pool_userdata_get(&v, cache_key, top->pool);
    if (!v) {
        content_cache *c = apr_pcalloc(top->pool, sizeof(*c));
        c->by_uri = apr_hash_make(top->pool);
        apr_pool_userdata_setn(c, cache_key, NULL, top->pool);
        v = c;
    }
    return v;
}

/* The prefix as it precedes "/<base_path>": "" when content is mounted at
 * the root. */
static const char *prefix_of(const ckpt_dir_conf *dc)
{
    return strcmp(dc->content_prefix, "/") == 0 ? "" : dc->content_prefix;
}

static int status_of(ckpt_rc rc)
{
    switch (rc) {
    case CKPT_OK:
        return OK;
    case CKPT_NOTFOUND:
        return HTTP_NOT_FOUND;
    case CKPT_INVALID:
        return HTTP_BAD_REQUEST;
    case CKPT_DBDOWN:
        return HTTP_SERVICE_UNAVAILABLE;
    default:
        return HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* A connection for the life of one pool, taken when the source first
 * needs one: an answer the catalog knows costs none.  From the content
 * side's pool, or the primary's (CheckpointDatabase) when asked again. */
typedef struct {
    request_rec *r;
    apr_pool_t *p;
    ckpt_db *db;
    int primary;
} db_getter;

static ckpt_rc get_db(void *baton, ckpt_db **out)
{
    db_getter *g = baton;
    ckpt_rc rc = CKPT_OK;

    if (!g->db) {
        rc = g->primary ? ckpt_request_db_pool(g->r, g->p, &g->db)
                        : ckpt_request_read_db(g->r, g->p, &g->db);
    }
    *out = g->db;
    return rc;
}

/* With CheckpointReadDatabase, before a standby's generation is read: the
 * primary's, on a connection given back at once.  Not tried while the
 * primary is known to be away (the catalog is then behind). */
static void primary_reading(request_rec *r, apr_pool_t *p, ckpt_db *read,
                            ckpt_source_primary *out)
{
    ckpt_dbholder *h = CKPT_SCONF(r->server)->db;
    apr_pool_t *tmp;
    ckpt_db *db;

    out->generation = -1;
    out->asked = apr_time_now();
    if (!ckpt_db_in_standby(read) || ckpt_dbpool_down(h->pool)) {
        return;
    }
    apr_pool_create(&tmp, p);
    if (ckpt_db_acquire(h->pool, tmp, &db) != CKPT_OK
        || ckpt_source_generation(db, tmp, &out->generation) != CKPT_OK) {
        out->generation = -1;
    }
    apr_pool_destroy(tmp);
}

/* Reads the content generation when the catalog asks for it: USE when the
 * catalog may then be used, BYPASS when it could not be read. */
static ckpt_catalog_state refresh(request_rec *r, ckpt_catalog *cat, db_getter *g,
                                  apr_time_t asked, apr_uint64_t *ticket)
{
    int split = CKPT_SCONF(r->server)->db->split;
    ckpt_source_primary primary;
    ckpt_db *db;
    ckpt_rc rc = get_db(g, &db);

    if (rc != CKPT_OK) {
        ckpt_catalog_check_failed(cat);
        return CKPT_CATALOG_BYPASS;
    }
    if (split) {
        primary_reading(r, g->p, db, &primary);
    }
    rc = ckpt_source_refresh(cat, db, g->p, asked, split ? &primary : NULL, ticket);
    if (rc != CKPT_OK) {
        ap_log_rerror(APLOG_MARK, rc == CKPT_DBDOWN ? APLOG_DEBUG : APLOG_WARNING, 0, r,
                      CKPTLOGNO(505) "content catalog: cannot read the generation: %s",
                      ckpt_db_error(db));
        return CKPT_CATALOG_BYPASS;
    }
    return CKPT_CATALOG_USE;
}

/* What the request asks beyond its path (resolve.h). */
static void request_of(request_rec *r, ckpt_request *rq)
{
    ckpt_dir_conf *dc = CKPT_DCONF(r);
    ckpt_server_conf *sc = CKPT_SCONF(r->server);

    memset(rq, 0, sizeof(*rq));
    rq->now_sec = apr_time_sec(r->request_time);
    rq->inexact_serve = dc->inexact_serve == 1;
    rq->accept_datetime = apr_table_get(r->headers_in, "Accept-Datetime");
    rq->want_json = ckpt_tt_wants_json(apr_table_get(r->headers_in, "Accept"));
    rq->args = r->args;
    rq->url_prefix = prefix_of(dc);
    rq->api_root = sc->api_root ? sc->api_root : DEFAULT_API_ROOT;
}

/* The answer cache's key: the path (which names the page a listing
 * shows), and whatever else of the request the answer may depend on. */
static const char *answer_key(request_rec *r, const ckpt_request *rq)
{
    return apr_pstrcat(r->pool, r->uri, r->args ? "?" : "", r->args ? r->args : "",
                       rq->want_json ? "\001json" : "", rq->inexact_serve ? "\001serve" : "",
                       rq->accept_datetime ? "\001@" : "",
                       rq->accept_datetime ? rq->accept_datetime : "", NULL);
}

/* A listing's page, rendered once; a checkpoint's top listing ends with
 * links to its neighbours. */
static const char *render_listing(request_rec *r, apr_pool_t *p, const ckpt_answer *a)
{
    const char *footer = NULL;

    if (a->memento.kind == CKPT_MEMENTO_OF && !*a->memento.path) {
        footer = ckpt_tt_nav_html(p, &a->memento.nav);
    }
    return ckpt_listing_render_footer(p, r->uri, a->entries, footer);
}

/* Resolves rest against a source over the catalog cat (NULL: the
 * database for everything) and g's database; a listing is rendered once,
 * then served from the cache as it is. */
static ckpt_rc resolve_with(request_rec *r, apr_pool_t *p, const char *rest,
                            const ckpt_request *rq, ckpt_catalog *cat, apr_uint64_t ticket,
                            db_getter *g, apr_time_t asof, ckpt_answer *answer)
{
    ckpt_source_ctx ctx;
    ckpt_source src;
    ckpt_rc rc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.catalog = cat;
    ctx.ticket = ticket;
    ctx.get_db = get_db;
    ctx.db_baton = g;
    ckpt_source_init(&src, &ctx, apr_time_sec(asof));
    rc = ckpt_resolve(&src, p, rest, rq, answer);
    if (rc != CKPT_OK && rc != CKPT_NOTFOUND && rc != CKPT_INVALID && rc != CKPT_DBDOWN) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      CKPTLOGNO(500) "content lookup of %s failed: %s", r->uri,
                      g->db ? ckpt_db_error(g->db) : "no connection");
    }
    if (rc == CKPT_OK && answer->kind == CKPT_ANSWER_LISTING) {
        answer->page = render_listing(r, p, answer);
    }
    return rc;
}

static apr_status_t destroy_pool(void *data)
{
    apr_pool_destroy(data);
    return APR_SUCCESS;
}

/* The pool a missed answer is made in, given back with p.  What a miss
 * takes grows with the data (a distribution's index lists every checkpoint,
 * and each checkpoint makes its repository's answers misses again), and
 * what a request takes from its connection's allocator stays there as free
 * memory afterwards, up to MaxMemFree (2 MiB) a connection, in blocks
 * too small for the next, larger answer: a process's memory grew with its
 * connections times the answers' sizes.  Misses take their memory from one
 * allocator of the process instead (config.c), whose free blocks any
 * thread's next miss reuses, and which keeps no more than its own bound.
 * g->p, the statements' scratch, is made below it. */
static apr_pool_t *answer_pool(request_rec *r, apr_pool_t *p, db_getter *g)
{
    apr_allocator_t *alloc = CKPT_SCONF(r->server)->db->answer_alloc;
    apr_pool_t *ap = p;

    if (alloc && apr_pool_create_unmanaged_ex(&ap, apr_pool_abort_get(p), alloc) == APR_SUCCESS) {
        apr_pool_tag(ap, "checkpoint-answer");
        apr_pool_cleanup_register(p, ap, destroy_pool, apr_pool_cleanup_null);
    }
    apr_pool_create(&g->p, ap); /* the database's scratch, for the catalog reading too */
    return ap;
}

/* Finds the answer for rest: in this process's catalog (by answer_key)
 * when that is current, else through the catalog's distributions and
 * checkpoints and the database, on a connection held only for these
 * statements (not for the whole download that may follow).  *behind: what
 * it read may lag the primary (a standby behind it, or no catalog reading
 * to tell); -1 when it came through the catalog, whose reading says
 * (asked only of an answer that is not settled: a hot file asks nothing). */
static ckpt_rc lookup_read(request_rec *r, apr_pool_t *p, const char *rest,
                           const ckpt_request *rq, ckpt_answer *answer, int *behind)
{
    ckpt_dbholder *h = CKPT_SCONF(r->server)->db;
    ckpt_catalog *cat = h->catalog;
    ckpt_catalog_state st = CKPT_CATALOG_BYPASS;
    apr_uint64_t ticket = 0;
    apr_time_t now = apr_time_now();
    const char *key = answer_key(r, rq);
    apr_pool_t *ap;
    db_getter g;
    ckpt_rc rc;

    memset(&g, 0, sizeof(g));
    g.r = r;
    if (cat) {
        st = ckpt_catalog_begin(cat, now, &ticket);
        *behind = -1;
        if (st == CKPT_CATALOG_USE && ckpt_catalog_answer_get(cat, key, p, answer)) {
            return CKPT_OK;
        }
    }
    /* A miss, or a reading first: made in memory given back whole. */
    ap = answer_pool(r, p, &g);
    if (st == CKPT_CATALOG_CHECK) {
        st = refresh(r, cat, &g, now, &ticket);
        if (st == CKPT_CATALOG_USE && ckpt_catalog_answer_get(cat, key, p, answer)) {
            apr_pool_destroy(g.p);
            return CKPT_OK;
        }
    }
    if (st != CKPT_CATALOG_USE) {
        /* Straight from the database: a standby's may be at any point. */
        *behind = h->split;
    }
    rc = resolve_with(r, ap, rest, rq, st == CKPT_CATALOG_USE ? cat : NULL, ticket, &g,
                      st == CKPT_CATALOG_USE ? ckpt_catalog_asof(cat) : *behind ? 0 : now,
                      answer);
    apr_pool_destroy(g.p);
    /* Answers only: a 404 may be for a second that is still to come. */
    if (rc == CKPT_OK && st == CKPT_CATALOG_USE) {
        ckpt_catalog_answer_put(cat, ticket, key, answer);
    }
    return rc;
}

/* What a standby behind the primary may answer as it is: what no later
 * transaction can change (a checkpoint's own bytes, a redirect for a
 * settled second, a malformed request).  The rest may be a checkpoint or
 * a distribution the standby has not replayed yet. */
static int settled(ckpt_rc rc, const ckpt_answer *a)
{
    return rc == CKPT_INVALID
           || (rc == CKPT_OK
               && (a->immutable || (a->kind == CKPT_ANSWER_REDIRECT && !a->settling)));
}

/* The answer for rest (see lookup_read), asked again of the primary when
 * a lagging standby's answer is not settled, when the catalog's reading
 * may predate a checkpoint asked for by its exact second (one the API may
 * have returned a moment ago: answer.unseen), or when the read database
 * went away under it; when the primary is away too, the first answer is
 * given, for a short time only (cr->unsure). */
static ckpt_rc lookup(request_rec *r, apr_pool_t *p, const char *rest, content_req *cr)
{
    ckpt_dbholder *h = CKPT_SCONF(r->server)->db;
    ckpt_request rq;
    ckpt_answer again;
    apr_pool_t *ap;
    db_getter g;
    int behind = 0;
    ckpt_rc rc, rc2;

    request_of(r, &rq);
    rc = lookup_read(r, p, rest, &rq, &cr->answer, &behind);
    if (settled(rc, &cr->answer)) {
        return rc;
    }
    if (behind < 0) {
        behind = cr->answer.unseen || (h->split && ckpt_catalog_behind(h->catalog));
    }
    /* A read database that died under the request: the primary, too. */
    behind |= rc == CKPT_DBDOWN && h->split;
    if (!behind) {
        return rc;
    }
    memset(&g, 0, sizeof(g));
    g.r = r;
    g.primary = 1;
    ap = answer_pool(r, p, &g);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "content: %s asked again of the primary%s",
                  r->uri, cr->answer.unseen ? " (a second the catalog may not see yet)" : "");
    memset(&again, 0, sizeof(again));
    rc2 = resolve_with(r, ap, rest, &rq, NULL, 0, &g, apr_time_now(), &again);
    apr_pool_destroy(g.p);
    if (rc2 != CKPT_DBDOWN) {
        cr->answer = again;
        cr->primary = 1;
        return rc2;
    }
    cr->unsure = 1;
    cr->answer.settling = 1;
    return rc;
}

static content_req *resolve(request_rec *r, apr_pool_t *p, const char *rest)
{
    content_req *cr = apr_pcalloc(p, sizeof(*cr));

    cr->status = status_of(lookup(r, p, rest, cr));
    if (cr->status == OK && cr->answer.kind == CKPT_ANSWER_FILE) {
        ckpt_server_conf *sc = CKPT_SCONF(r->server);
        if (!sc->storage || !ckpt_storage_valid_sha256(cr->answer.sha256)) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          CKPTLOGNO(501) "no CheckpointStorage, or a bad digest, for %s", r->uri);
            cr->status = HTTP_INTERNAL_SERVER_ERROR;
        }
        else {
            cr->filename = ckpt_storage_artifact_path(p, sc->storage, cr->answer.sha256);
        }
    }
    return cr;
}

/* Runs first among translate_name hooks (after mod_rewrite and mod_proxy,
 * which may rewrite or claim a URL on purpose), so that no Alias or
 * DocumentRoot mapping ever answers for a content URL. */
static int content_translate(request_rec *r)
{
    ckpt_dir_conf *dc = CKPT_DCONF(r);
    request_rec *top;
    content_cache *cache;
    content_req *cr;
    const char *rest;
    apr_size_t plen;

    if (!dc || dc->content != 1 || !dc->content_prefix || !r->uri) {
        return DECLINED;
    }
    plen = strlen(prefix_of(dc));
    if (strncmp(r->uri, prefix_of(dc), plen) != 0) {
        return DECLINED;
    }
    rest = r->uri + plen;
    if (*rest != '/' && *rest != '\0') {
        return DECLINED; /* "/pulp/contentx": not below the prefix */
    }
    rest += *rest == '/';

    top = main_of(r);
    cache = cache_of(top);
    cr = apr_hash_get(cache->by_uri, r->uri, APR_HASH_KEY_STRING);
    if (r->method_number != M_GET || ckpt_path_check_request(rest) != CKPT_PATH_OK) {
        /* A path that is not UTF-8 (or has control bytes, or is too long)
         * names nothing: 404 before any query. */
        cr = apr_pcalloc(r->pool, sizeof(*cr));
        cr->status = r->method_number != M_GET ? HTTP_METHOD_NOT_ALLOWED : HTTP_NOT_FOUND;
    }
    else if (cr) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r, "content: %s answered from this request's cache",
                      r->uri);
    }
    else {
        cr = resolve(r, top->pool, rest);
        if (cr->status != HTTP_SERVICE_UNAVAILABLE && cr->status != HTTP_INTERNAL_SERVER_ERROR) {
            apr_hash_set(cache->by_uri, apr_pstrdup(top->pool, r->uri), APR_HASH_KEY_STRING, cr);
        }
    }
    /* Each request gets its own copy: fixups changes saved_filename. */
    {
        content_req *mine = apr_pmemdup(r->pool, cr, sizeof(*cr));
        mine->saved_filename = NULL;
        ap_set_module_config(r->request_config, &checkpoint_module, mine);
        cr = mine;
    }
    if (cr->status == OK && cr->answer.kind == CKPT_ANSWER_FILE) {
        r->filename = apr_pstrdup(r->pool, cr->filename);
    }
    else {
        /* Not a path: nothing may try to open it. */
        r->filename = apr_pstrcat(r->pool, "checkpoint:", r->uri, NULL);
    }
    r->canonical_filename = r->filename;
    return OK;
}

/* Our URLs map to no directory: skip the <Directory> walk (authorisation
 * comes from <Location>), and give the core handler the file's facts. */
static int content_map_to_storage(request_rec *r)
{
    content_req *cr = req_of(r);
    apr_status_t rv;

    if (!cr) {
        return DECLINED;
    }
    if (cr->status == OK && cr->answer.kind == CKPT_ANSWER_FILE) {
        rv = apr_stat(&r->finfo, r->filename, APR_FINFO_MIN, r->pool);
        if (rv != APR_SUCCESS || r->finfo.filetype != APR_REG) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                          CKPTLOGNO(502) "artifact %s of %s is missing from storage",
                          r->filename, r->uri);
            r->finfo.filetype = APR_NOFILE;
            cr->status = HTTP_NOT_FOUND;
        }
    }
    return OK;
}

/* Artifacts are named by digest, so mod_mime would type every file the
 * same.  For a file, r->filename is swapped for one that ends in the
 * relative path's name and mod_mime (a later type_checker) types that,
 * with the server's own mapping and AddType lines; fixups puts the
 * artifact back before the handler runs.  The fake name lies below the
 * artifact, which is a file, so nothing can open it. */
static int content_type_checker(request_rec *r)
{
    content_req *cr = req_of(r);

    if (!cr) {
        return DECLINED;
    }
    if (cr->status != OK || cr->answer.kind != CKPT_ANSWER_FILE) {
        r->handler = CONTENT_HANDLER;
        ap_set_content_type(r, "text/html; charset=utf-8");
        return OK;
    }
    cr->saved_filename = r->filename;
    r->filename = apr_pstrcat(r->pool, r->filename, "/", ckpt_path_basename(cr->answer.relpath),
                              NULL);
    return DECLINED;
}

static const char *short_cc(const ckpt_answer *a)
{
    return a->settling ? CC_SETTLING : CC_SHORT;
}

/* An absolute URL for a path below the prefix, escaped. */
static const char *url_of(request_rec *r, const char *target)
{
    ckpt_dir_conf *dc = CKPT_DCONF(r);
    const char *path = ap_os_escape_path(r->pool, apr_pstrcat(r->pool, prefix_of(dc), "/",
                                                              target, NULL),
                                         1);
    return ap_construct_url(r->pool, path, r);
}

/* RFC 7089's headers: Memento-Datetime on an answer from a checkpoint,
 * Link on it and on the TimeGate's, Vary where the answer depends on a
 * header.  In err_headers_out, so that a 304 keeps them too. */
static void memento_headers(request_rec *r, const ckpt_answer *a)
{
    const ckpt_memento *m = &a->memento;
    char http[CKPT_TS_HTTP_LEN + 1];

    if (a->vary & CKPT_VARY_ACCEPT) {
        apr_table_mergen(r->err_headers_out, "Vary", "Accept");
    }
    if (a->vary & CKPT_VARY_DATETIME) {
        apr_table_mergen(r->err_headers_out, "Vary", "accept-datetime");
    }
    if (m->kind == CKPT_MEMENTO_NONE) {
        return;
    }
    if (m->kind == CKPT_MEMENTO_OF) {
        ckpt_ts_format_http(m->sec, http);
        apr_table_set(r->err_headers_out, "Memento-Datetime", http);
    }
    apr_table_setn(r->err_headers_out, "Link",
                   ckpt_tt_link_header(r->pool,
                                       ap_construct_url(r->pool, prefix_of(CKPT_DCONF(r)), r),
                                       m));
}

/* Runs before every other fixup, so they all see the real file. */
static int content_fixups(request_rec *r)
{
    content_req *cr = req_of(r);

    if (!cr || cr->status != OK || cr->answer.kind != CKPT_ANSWER_FILE) {
        return DECLINED;
    }
    if (cr->saved_filename) {
        r->filename = cr->saved_filename;
        cr->saved_filename = NULL;
    }
    /* Published bytes are only ever sent, never run or parsed: an AddHandler
     * for the relative path's extension (cgi-script, server-parsed) must
     * not apply to them. */
    r->handler = "default-handler";
    /* The digest names the bytes.  With "FileETag None" in the <Location>
     * the core handler leaves this ETag alone and ap_meets_conditions()
     * compares against it; see etag_filter for the rest. */
    cr->etag = apr_pstrcat(r->pool, "\"", cr->answer.sha256, "\"", NULL);
    apr_table_setn(r->headers_out, "ETag", cr->etag);
    ap_add_output_filter(ETAG_FILTER, NULL, r, r->connection);
    /* A file answered in place under an inexact time keeps the short
     * life its redirect would have had: the time may yet mean another
     * checkpoint. */
    apr_table_setn(r->err_headers_out, "Cache-Control",
                   cr->answer.immutable ? CC_IMMUTABLE : short_cc(&cr->answer));
    if (cr->answer.content_location) {
        apr_table_setn(r->err_headers_out, "Content-Location",
                       url_of(r, cr->answer.content_location));
    }
    memento_headers(r, &cr->answer);
    return DECLINED;
}

/* FileETag None keeps the core handler from replacing our ETag before
 * ap_meets_conditions() compares against it, but it also leaves a
 * "no-etag" note that makes the HTTP header filter drop every ETag.  This
 * filter, ahead of that one, takes the note back and sets the digest again,
 * then steps aside.  A 304 is sent through the protocol filters only, so
 * insert_error_filter adds it once more there. */
static apr_status_t etag_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    content_req *cr = req_of(r);

    if (cr && cr->etag) {
        apr_table_unset(r->notes, "no-etag");
        apr_table_setn(r->headers_out, "ETag", cr->etag);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void content_insert_error_filter(request_rec *r)
{
    content_req *cr = req_of(r);

    if (cr && cr->etag && r->status == HTTP_NOT_MODIFIED) {
        ap_add_output_filter(ETAG_FILTER, NULL, r, r->connection);
    }
}

/* An absolute URL for a path below the prefix, escaped, query kept. */
static const char *location_of(request_rec *r, const char *target)
{
    const char *url = url_of(r, target);

    return r->args && *r->args ? apr_pstrcat(r->pool, url, "?", r->args, NULL) : url;
}

typedef struct {
    request_rec *r;
    int written;
} history_out;

static ckpt_rc emit_body(void *baton, const char *s, apr_size_t n)
{
    history_out *o = baton;

    o->written = 1;
    return ap_rwrite(s, (int)n, o->r) < 0 ? CKPT_IOERROR : CKPT_OK;
}

/* A path's TimeMap, a diff, a lookup by digest: written as the history is
 * read (history.h), on a connection held for the whole answer.  What went
 * wrong before the first byte is a status; after it, the connection is
 * closed mid-body, so that no client takes a cut answer for a whole one. */
static int send_history(request_rec *r, const content_req *cr)
{
    const ckpt_history_req *h = &cr->answer.history;
    history_out out;
    db_getter g;
    ckpt_source_ctx ctx;
    ckpt_history_source hs;
    ckpt_rc rc;

    memset(&g, 0, sizeof(g));
    g.r = r;
    g.p = r->pool;
    g.primary = cr->primary;
    memset(&ctx, 0, sizeof(ctx));
    ctx.get_db = get_db;
    ctx.db_baton = &g;
    ckpt_source_history_init(&hs, &ctx);
    out.r = r;
    out.written = 0;
    ap_set_content_type(r, ckpt_history_content_type(h));
    apr_table_setn(r->err_headers_out, "Cache-Control", CC_INDEX);
    rc = ckpt_history_send(&hs, r->pool, h, prefix_of(CKPT_DCONF(r)), emit_body, &out);
    if (rc == CKPT_OK || (!out.written && rc == CKPT_NOTFOUND)) {
        return rc == CKPT_OK ? OK : HTTP_NOT_FOUND;
    }
    if (rc != CKPT_IOERROR && rc != CKPT_DBDOWN) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, CKPTLOGNO(504) "history of %s failed: %s",
                      r->uri, g.db ? ckpt_db_error(g.db) : "no connection");
    }
    if (!out.written) {
        return rc == CKPT_DBDOWN ? ckpt_unavailable(r) : HTTP_INTERNAL_SERVER_ERROR;
    }
    r->connection->keepalive = AP_CONN_CLOSE;
    r->connection->aborted = 1;
    return OK;
}

/* An error status: 503 with Retry-After; a lagging standby's 404, when
 * the primary could not be asked, for no cache to keep. */
static int refuse(request_rec *r, const content_req *cr)
{
    if (cr->status == HTTP_SERVICE_UNAVAILABLE) {
        return ckpt_unavailable(r);
    }
    if (cr->unsure) {
        apr_table_setn(r->err_headers_out, "Cache-Control", "no-cache");
    }
    return cr->status;
}

/* A page from the answer cache, sent as it is: a bucket holding a
 * reference to it (cache.h), read-only and never copied, not even when the
 * core output filter sets it aside for a slow client. */
typedef struct {
    apr_bucket_refcount refcount;
    ckpt_cache_page *pg;
} page_bucket;

static void page_bucket_destroy(void *data)
{
    page_bucket *pb = data;

    if (apr_bucket_shared_destroy(pb)) {
        ckpt_cache_page_release(pb->pg);
        apr_bucket_free(pb);
    }
}

static apr_status_t page_bucket_read(apr_bucket *b, const char **str, apr_size_t *len,
                                     apr_read_type_e block)
{
    const page_bucket *pb = b->data;

    *str = ckpt_cache_page_bytes(pb->pg) + b->start;
    *len = b->length;
    return APR_SUCCESS;
}

static const apr_bucket_type_t page_bucket_type = {
    "CHECKPOINT_PAGE", 5, APR_BUCKET_DATA,
    page_bucket_destroy, page_bucket_read, apr_bucket_setaside_noop,
    apr_bucket_shared_split, apr_bucket_shared_copy
};

static apr_bucket *page_bucket_create(ckpt_cache_page *pg, apr_bucket_alloc_t *list)
{
    apr_bucket *b = apr_bucket_alloc(sizeof(*b), list);
    page_bucket *pb = apr_bucket_alloc(sizeof(*pb), list);

    APR_BUCKET_INIT(b);
    b->free = apr_bucket_free;
    b->list = list;
    ckpt_cache_page_hold(pg);
    pb->pg = pg;
    b = apr_bucket_shared_make(b, pb, 0, ckpt_cache_page_len(pg));
    b->type = &page_bucket_type;
    return b;
}

static int send_page(request_rec *r, const content_req *cr, const char *page)
{
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    apr_bucket_brigade *bb;
    apr_status_t rv;

    if (r->header_only) {
        return OK;
    }
    if (!cr->answer.page_ref) {
        ap_rputs(page, r);
        return OK;
    }
    bb = apr_brigade_create(r->pool, ba);
    APR_BRIGADE_INSERT_TAIL(bb, page_bucket_create(cr->answer.page_ref, ba));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
    /* As with ap_rputs: the status is sent; a client gone is no error. */
    rv = ap_pass_brigade(r->output_filters, bb);
    if (rv != APR_SUCCESS && !r->connection->aborted) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, CKPTLOGNO(506) "sending the page of %s failed",
                      r->uri);
    }
    return OK;
}

/* Listings, redirects, bodies of ours and errors. */
static int content_handler(request_rec *r)
{
    content_req *cr;
    const char *page;

    if (!r->handler || strcmp(r->handler, CONTENT_HANDLER) != 0) {
        return DECLINED;
    }
    cr = req_of(r);
    if (!cr) {
        return DECLINED;
    }
    if (cr->status == HTTP_METHOD_NOT_ALLOWED) {
        /* Answered here, not by httpd's error page, whose Allow would add
         * TRACE (which map_to_storage keeps core from answering). */
        ap_discard_request_body(r);
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        r->status = HTTP_METHOD_NOT_ALLOWED;
        ap_set_content_type(r, "text/html; charset=utf-8");
        ap_rputs("<html><head><title>405 Method Not Allowed</title></head><body>"
                 "<h1>Method Not Allowed</h1></body></html>\n", r);
        return OK;
    }
    if (cr->status != OK) {
        return refuse(r, cr);
    }
    memento_headers(r, &cr->answer);
    if (cr->answer.kind == CKPT_ANSWER_REDIRECT) {
        apr_table_setn(r->err_headers_out, "Cache-Control", short_cc(&cr->answer));
        apr_table_setn(r->headers_out, "Location", location_of(r, cr->answer.location));
        return cr->answer.status == 302 ? HTTP_MOVED_TEMPORARILY : HTTP_MOVED_PERMANENTLY;
    }
    if (cr->answer.kind == CKPT_ANSWER_HISTORY) {
        return send_history(r, cr);
    }
    if (cr->answer.kind != CKPT_ANSWER_LISTING && cr->answer.kind != CKPT_ANSWER_PAGE) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    page = cr->answer.page ? cr->answer.page : render_listing(r, r->pool, &cr->answer);
    /* Listings are short-lived even under an exact checkpoint: their
     * bytes are ours, not the publication's, and may be improved.  The
     * index and the TimeMap of every checkpoint change with each new
     * checkpoint. */
    apr_table_setn(r->err_headers_out, "Cache-Control",
                   cr->unsure ? CC_SETTLING
                   : cr->answer.checkpoint_index || cr->answer.kind == CKPT_ANSWER_PAGE ? CC_INDEX
                                                                                        : CC_SHORT);
    ap_set_content_type(r, cr->answer.kind == CKPT_ANSWER_PAGE ? cr->answer.content_type
                                                               : "text/html; charset=utf-8");
    /* A shared page knows its length: no strlen of the index per hit. */
    ap_set_content_length(r, (apr_off_t)(cr->answer.page_ref
                                             ? ckpt_cache_page_len(cr->answer.page_ref)
                                             : strlen(page)));
    return send_page(r, cr, page);
}

void ckpt_content_register_hooks(apr_pool_t *p)
{
    static const char *const before_us[] = {"mod_rewrite.c", "mod_proxy.c", NULL};
    static const char *const mime[] = {"mod_mime.c", NULL};

    ap_hook_translate_name(content_translate, before_us, NULL, APR_HOOK_FIRST);
    /* Before core's directory walk (APR_HOOK_REALLY_LAST). */
    ap_hook_map_to_storage(content_map_to_storage, NULL, NULL,
                           APR_HOOK_FIRST);
    /* Before mod_mime, which then types the name we give it. */
    ap_hook_type_checker(content_type_checker, NULL, mime, APR_HOOK_FIRST);
    ap_hook_fixups(content_fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_handler(content_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_output_filter(ETAG_FILTER, etag_filter, NULL, AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(content_insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
}
