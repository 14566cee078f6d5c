/* status/: versions, database reachability, storage writability, in
 * Pulp's field names, and the pool and cache this virtual host uses.  No
 * authentication (the shipped config grants it).  A health check reads
 * the status code: 200 when online (the database answers and the storage
 * takes writes), 503 with Retry-After otherwise. */
#include <apr_strings.h>
#include <ap_release.h>
#include <http_protocol.h>

#include "api.h"
#include "openapi.h"
#include "package.h"
#include "storage.h"

#ifndef WIN32
#include <unistd.h>
#endif

/* CheckpointReadDatabase's side, from its own pool (no fallback to the
 * primary: the answer is whether it answers). */
static void read_side(request_rec *r, const ckpt_dbholder *h, ckpt_status_report *s)
{
    ckpt_dbres *res;
    ckpt_db *db;

    s->read_configured = h->split;
    s->read_connected = h->read_pool && ckpt_db_acquire(h->read_pool, r->pool, &db) == CKPT_OK
                        && ckpt_db_query(db, r->pool, &res, NULL, "status_replica", 0) == CKPT_OK;
    if (s->read_connected) {
        s->read_standby = ckpt_dbres_bool(res, 0, "standby");
        s->read_paused = ckpt_dbres_bool(res, 0, "paused");
        s->read_replayed_ms = ckpt_dbres_int(res, 0, "replayed_ms", -1);
    }
}

void ckpt_api_versions(request_rec *r, ckpt_component *versions)
{
    versions[0].component = "mod_checkpoint";
    versions[0].version = ckpt_package_version();
    versions[1].component = "httpd";
    versions[1].version = AP_SERVER_BASEREVISION;
    versions[2].component = "libpq";
    versions[2].version = ckpt_db_client_version(r->pool);
    versions[3].component = "jansson";
    versions[3].version = ckpt_json_library_version();
    /* The Pulp behaviour implemented: what pulp-glue decides by. */
    versions[4].component = "core";
    versions[4].version = CKPT_PULP_CORE_VERSION;
    versions[5].component = "file";
    versions[5].version = CKPT_PULP_FILE_VERSION;
}

int ckpt_api_status(ckpt_api_req *a)
{
    request_rec *r = a->r;
    const ckpt_dbholder *h = a->sconf->db;
    ckpt_component versions[CKPT_API_NVERSIONS];
    ckpt_status_report s;
    ckpt_catalog_stats cat;
    ckpt_err err = {0};
    ckpt_dbres *res;

    if (r->method_number != M_GET) {
        return ckpt_api_method_not_allowed(a, "GET, HEAD");
    }
    ckpt_api_versions(r, versions);
    memset(&s, 0, sizeof(s));
    s.versions = versions;
    s.nversions = CKPT_API_NVERSIONS;
    /* Not from the API's share: a health check must answer under load. */
    s.db_connected = ckpt_request_db_pool(r, r->pool, &a->db) == CKPT_OK
                     && ckpt_db_query(a->db, r->pool, &res, &err, "status_schema", 0) == CKPT_OK;
    if (s.db_connected) {
        s.db_server_version = ckpt_db_server_version(r->pool, a->db);
        s.db_schema_version = ckpt_dbres_get(res, 0, "schema_version");
    }
    read_side(r, h, &s);
    s.pool_min = h->conf.min;
    s.pool_soft_max = h->conf.smax;
    s.pool_hard_max = h->conf.hmax;
    s.cache_bytes = (apr_int64_t)h->cache_bytes;
    s.catalog_bytes = (apr_int64_t)h->catalog_bytes;
    s.shared_catalog_bytes = h->shared ? (apr_int64_t)ckpt_shared_bytes(h->shared->baton) : 0;
    s.pid = (apr_int64_t)getpid();
    if (h->catalog) {
        ckpt_catalog_get_stats(h->catalog, &cat);
        s.catalog = &cat;
    }
    s.storage_writable = ckpt_storage_check_writable(r->pool, a->sconf->storage, &err) == CKPT_OK;
    if (!s.storage_writable) {
        /* The answer says it; a health check polling must not flood the log. */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, err.os, r, CKPTLOGNO(400) "status: %s",
                      ckpt_err_text(r->pool, &err));
    }
    return ckpt_api_send(a, s.db_connected && s.storage_writable ? HTTP_OK
                                                                 : HTTP_SERVICE_UNAVAILABLE,
                         ckpt_shape_status(&s));
}
