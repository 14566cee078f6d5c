/* orphans/cleanup/: Pulp's orphan cleanup, answered when it is done with
 * what it removed (orphan.c does the work; `checkpoint orphans cleanup`
 * runs the same from cron). */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "input.h"
#include "orphan.h"

int ckpt_api_orphans(ckpt_api_req *a)
{
    ckpt_err err = {0};
    ckpt_orphan_summary sum;
    ckpt_json *body;
    apr_int64_t minutes;

    if (a->r->method_number != M_POST) {
        return ckpt_api_method_not_allowed(a, "POST");
    }
    if (ckpt_api_read_json(a, &body, &err) != CKPT_OK
        || ckpt_input_orphans(a->r->pool, body, &minutes, &err) != CKPT_OK
        || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_orphans_cleanup(a->db, a->r->pool, a->sconf->storage, minutes, &sum, &err)
               != CKPT_OK) {
        ckpt_err_context(&err, "orphan cleanup");
        return ckpt_api_error(a, &err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, a->r,
                  CKPTLOGNO(410) "orphan cleanup: %" APR_INT64_T_FMT " content units, %"
                                 APR_INT64_T_FMT " artifacts, %" APR_INT64_T_FMT
                                 " files, %" APR_INT64_T_FMT " temporary files removed",
                  sum.content, sum.artifacts, sum.artifact_files, sum.tmp_files);
    return ckpt_api_send(a, HTTP_OK, ckpt_shape_orphans(minutes, &sum));
}
