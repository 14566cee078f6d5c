/* status/: versions, database reachability, storage writability, in
 * Pulp's field names.  No authentication (the shipped config grants it).
 * 503 with Retry-After while the database cannot be reached. */
#include <apr_strings.h>
#include <ap_release.h>
#include <http_protocol.h>

#include "api.h"
#include "storage.h"

#define CKPT_VERSION "0.1.0"

int ckpt_api_status(ckpt_api_req *a)
{
    request_rec *r = a->r;
    ckpt_json *body, *versions, *v, *dbj, *st;
    ckpt_dbres *res = NULL;
    ckpt_rc rc;
    apr_status_t srv = APR_ENOENT;

    if (r->method_number != M_GET) {
        return ckpt_api_method_not_allowed(a, "GET, HEAD");
    }
    body = ckpt_json_own(r->pool, ckpt_json_object());
    versions = ckpt_json_array();
    v = ckpt_json_object();
    ckpt_json_set_str(v, "component", "mod_checkpoint");
    ckpt_json_set_str(v, "version", CKPT_VERSION);
    ckpt_json_append(versions, v);
    v = ckpt_json_object();
    ckpt_json_set_str(v, "component", "httpd");
    ckpt_json_set_str(v, "version", AP_SERVER_BASEREVISION);
    ckpt_json_append(versions, v);
    v = ckpt_json_object();
    ckpt_json_set_str(v, "component", "libpq");
    ckpt_json_set_str(v, "version", ckpt_db_client_version(r->pool));
    ckpt_json_append(versions, v);
    v = ckpt_json_object();
    ckpt_json_set_str(v, "component", "jansson");
    ckpt_json_set_str(v, "version", ckpt_json_library_version());
    ckpt_json_append(versions, v);

    dbj = ckpt_json_object();
    rc = ckpt_api_db(a);
    if (rc == CKPT_OK) {
        rc = ckpt_db_exec(a->db, r->pool, &res, "status_schema", 0);
    }
    ckpt_json_set_bool(dbj, "connected", rc == CKPT_OK);
    if (rc == CKPT_OK) {
        ckpt_json_set_str(dbj, "server_version", ckpt_db_server_version(r->pool, a->db));
        ckpt_json_set_str(dbj, "schema_version",
                          res->nrows ? CKPT_DBVAL(res, 0, 0) : NULL);
    }
    ckpt_json_set(body, "database_connection", dbj);

    st = ckpt_json_object();
    if (a->sconf->storage) {
        srv = ckpt_storage_check_writable(r->pool, a->sconf->storage);
    }
    ckpt_json_set_bool(st, "writable", srv == APR_SUCCESS);
    ckpt_json_set(body, "storage", st);
    ckpt_json_set(body, "versions", versions);
    ckpt_json_set_bool(body, "online", rc == CKPT_OK && srv == APR_SUCCESS);
    /* A load balancer's health check reads the status code. */
    return ckpt_api_send(a, rc == CKPT_OK ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE, body);
}
