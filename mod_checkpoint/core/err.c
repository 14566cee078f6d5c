/* Errors as values (see ckpt_status.h). */
#include <apr_strings.h>

#include "ckpt_status.h"

ckpt_rc ckpt_err_set(ckpt_err *err, ckpt_rc rc, const char *field, const char *reason)
{
    err->rc = rc;
    err->field = field;
    err->reason = reason;
    return rc;
}

ckpt_rc ckpt_err_invalid(ckpt_err *err, const char *field, const char *reason)
{
    return ckpt_err_set(err, CKPT_INVALID, field, reason);
}

ckpt_rc ckpt_err_os(ckpt_err *err, apr_pool_t *p, apr_status_t rv, const char *what)
{
    char buf[256];

    err->rc = CKPT_IOERROR;
    err->field = NULL;
    err->os = rv;
    err->reason = apr_pstrcat(p, what, ": ", apr_strerror(rv, buf, sizeof(buf)), NULL);
    return CKPT_IOERROR;
}

ckpt_rc ckpt_err_context(ckpt_err *err, const char *what)
{
    if (!err->what) {
        err->what = what;
    }
    return err->rc;
}

const char *ckpt_err_words(apr_pool_t *p, const ckpt_err *err)
{
    const char *why = err->reason && *err->reason ? err->reason : "no reason given";

    if (err->field) {
        why = apr_pstrcat(p, err->field, ": ", why, NULL);
    }
    return err->what ? apr_pstrcat(p, err->what, ": ", why, NULL) : apr_pstrdup(p, why);
}

const char *ckpt_err_text(apr_pool_t *p, const ckpt_err *err)
{
    const char *words = ckpt_err_words(p, err);

    return err->what ? words : apr_pstrcat(p, "request: ", words, NULL);
}

void ckpt_err_keep(ckpt_err *err, apr_pool_t *p)
{
    err->reason = err->reason ? apr_pstrdup(p, err->reason) : NULL;
    err->what = err->what ? apr_pstrdup(p, err->what) : NULL;
    err->field = err->field ? apr_pstrdup(p, err->field) : NULL;
}
