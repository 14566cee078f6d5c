/* Orphan cleanup (Pulp's orphans/cleanup/): what nothing holds any more.
 * Content that no repository version holds (versions that retention or a
 * DELETE removed leave their membership rows: those go first), artifacts
 * that no content and
 * no publication names (rows and files), files in storage that no row
 * names (a failure after the rename into storage leaves them), and
 * temporary files that a killed upload left behind, and chunked uploads
 * (chunked.h) that no chunk came to for the protection time, as Pulp's
 * upload cleanup removes them after its UPLOAD_PROTECTION_TIME.  Only what has been of
 * no interest for the protection time goes, and never what an upload in
 * flight is writing or about to make visible (storage.h, artifact.h). */
#ifndef CKPT_ORPHAN_H
#define CKPT_ORPHAN_H

#include "db.h"

/* Pulp's default ORPHAN_PROTECTION_TIME: a day, in minutes. */
#define CKPT_ORPHAN_PROTECTION_DEFAULT 1440
/* The largest protection time accepted (a hundred years). */
#define CKPT_ORPHAN_PROTECTION_MAX (100LL * 366 * 24 * 60)

typedef struct {
    apr_int64_t memberships;    /* ranges of versions that are all gone */
    apr_int64_t content;        /* content units removed */
    apr_int64_t artifacts;      /* artifact rows removed, with their files */
    apr_int64_t artifact_files; /* files in storage that no row named */
    apr_int64_t tmp_files;      /* abandoned temporary files */
    apr_int64_t uploads;        /* chunked uploads no chunk came to, with their chunks */
    apr_off_t bytes;            /* bytes freed in storage */
} ckpt_orphan_summary;

/* Removes the orphans of the database and of the storage under root that
 * have been of no interest for minutes (0: all of them now). */
ckpt_rc ckpt_orphans_cleanup(ckpt_db *db, apr_pool_t *p, const char *root, apr_int64_t minutes,
                             ckpt_orphan_summary *out, ckpt_err *err);

#endif
