/* CheckpointMemoryTrim: each child gives malloc's free pages back to the
 * system every so often, on a thread of mod_watchdog's.
 *
 * Why: a child's own memory is APR's pools (bounded by the answer cache,
 * the catalog and MaxMemFree) and its threads' stacks (bounded by
 * ThreadsPerChild); malloc holds little at any one time (libpq's results,
 * jansson's objects: under 1 MiB live in a soak, by heaptrack).  But glibc
 * gives a thread an arena of its own, up to 8 per core, and keeps every page
 * an arena has touched once: under the soak's load each of a child's 17
 * arenas grew by a few KiB a minute for as long as it ran, and with them
 * the child's RSS.  malloc_trim(0) returns the free pages of every arena
 * (madvise), so what a child holds follows what it uses.  It takes each
 * arena's lock in turn, briefly, off the request path. */
#include <apr_atomic.h>
#include <apr_optional.h>
#include <mod_watchdog.h>

#if defined(__GLIBC__)
#include <malloc.h>
#define CKPT_HAVE_MALLOC_TRIM 1
#endif

#include "mod_checkpoint.h"

/* This process's trims, for status/ (apr_atomic: the watchdog's thread
 * counts, request threads read). */
struct ckpt_trim {
    apr_interval_time_t interval;
    volatile apr_uint32_t runs;
    server_rec *s;
};

#ifdef CKPT_HAVE_MALLOC_TRIM
static apr_status_t trim_now(int state, void *data, apr_pool_t *pool)
{
    ckpt_trim *t = data;
    int released;

    (void)pool;
    if (state != AP_WATCHDOG_STATE_RUNNING) {
        return APR_SUCCESS;
    }
    released = malloc_trim(0);
    apr_atomic_inc32(&t->runs);
    ap_log_error(APLOG_MARK, APLOG_TRACE1, 0, t->s, "malloc_trim: %s",
                 released ? "pages given back" : "nothing to give back");
    return APR_SUCCESS;
}
#endif

ckpt_trim *ckpt_trim_post_config(apr_pool_t *pconf, server_rec *s, int seconds)
{
#ifdef CKPT_HAVE_MALLOC_TRIM
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    ap_watchdog_t *wd;
    ckpt_trim *t;
    apr_status_t rv;

    if (seconds <= 0) {
        return NULL;
    }
    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!get_instance || !register_callback) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     CKPTLOGNO(118) "CheckpointMemoryTrim needs mod_watchdog, which is not "
                                    "loaded: malloc's free pages are not given back");
        return NULL;
    }
    t = apr_pcalloc(pconf, sizeof(*t));
    t->interval = apr_time_from_sec(seconds);
    t->s = s;
    /* A watchdog of our own, neither the parent's nor a singleton: a thread
     * in every child, for that child's arenas. */
    if ((rv = get_instance(&wd, "checkpoint-memory-trim", 0, 0, pconf)) != APR_SUCCESS
        || (rv = register_callback(wd, t->interval, t, trim_now)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     CKPTLOGNO(119) "CheckpointMemoryTrim: no watchdog thread; malloc's free "
                                    "pages are not given back");
        return NULL;
    }
    return t;
#else
    (void)pconf;
    (void)s;
    (void)seconds;
    return NULL;
#endif
}

void ckpt_trim_stats(const ckpt_trim *t, apr_int64_t *interval_sec, apr_int64_t *runs)
{
    *interval_sec = t ? (apr_int64_t)apr_time_sec(t->interval) : 0;
    *runs = t ? (apr_int64_t)apr_atomic_read32((volatile apr_uint32_t *)&t->runs) : 0;
}
