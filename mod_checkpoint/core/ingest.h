/* Bulk ingest: a whole tree of files (from a directory, import.c, or a
 * remote's PULP_MANIFEST, sync.c) made into ONE repository version with a
 * handful of set-based statements.  Faces call import or sync; this file
 * is what both share: the repository lock, the comparison with the latest
 * version, artifact leases, placing bytes, and the commit, which runs the
 * same modify transaction as the API (version.h).
 *
 * Order of work, so that neither a kill nor a concurrent orphan cleanup
 * can leave a version naming missing bytes: bytes are staged in
 * <storage>/tmp and hashed; the rows that change are leased (artifact rows,
 * and an import's content units, whose interest lies an hour ahead, so
 * cleanup spares them and the files they name); staged bytes are renamed
 * into place and the file system is synced, while one transaction makes
 * the version (and a sync's units), which commits only once that is done.
 * A unit made before its bytes are placed goes into no version through
 * the API meanwhile: a modify adding a unit no version holds checks that
 * its file is in storage (modify.c). */
#ifndef CKPT_INGEST_H
#define CKPT_INGEST_H

#include <apr_file_io.h>
#include <apr_hash.h>

#include "db.h"
#include "model.h"

typedef struct {
    const char *relative_path;
    const char *sha256;   /* NULL until hashed */
    apr_off_t size;
    apr_int64_t mtime;    /* microseconds (import), -1 (sync) */
    const char *staged;   /* a temporary file with its bytes, or NULL */
} ckpt_ingest_file;

/* Files go this many at a time into the run's table, and import hashes
 * and places them this many at a time. */
#define CKPT_INGEST_BATCH 4096

typedef struct {
    const char *repository_id;
    int additive;                 /* 0: the version holds exactly the tree */
    /* The run's spool: a line for each staged file as the run's table
     * takes it (ckpt_ingest_tree_hashed; in path order for an import, in
     * digest order for a sync), so that the commit has the list of what
     * to place without reading the table again.  Made by
     * ckpt_ingest_run, in <root>/tmp. */
    apr_file_t *spool;
    const char *tmpdir;           /* <root>/tmp/ */
    apr_int64_t spooled;          /* its lines */
    /* An import's (-1 otherwise): the latest version's number before its
     * walk.  Each file's "changed" is then recorded with its digest (an
     * import stages exactly the files that change), and while the latest
     * version is still that one at the commit, the commit trusts those
     * flags and the units leased with them instead of comparing the
     * whole tree again. */
    int latest_seen;
} ckpt_ingest_req;

typedef struct {
    ckpt_repo_version *version;   /* the new version; NULL: nothing changed */
    apr_int64_t files, hashed, changed, removed, stored;
    apr_off_t bytes, stored_bytes;
    /* How long each step took: reading the tree (walk or manifest),
     * hashing or downloading (and leasing), placing bytes (during the
     * commit), the commit. */
    apr_interval_time_t t_read, t_fetch, t_store, t_commit;
    apr_time_t started;           /* when the run began: its leases are younger */
} ckpt_ingest_result;

/* Progress, for a face to show; phase is "hashing", "downloading"... */
typedef struct {
    const char *phase;
    apr_uint64_t files_done, files_total, bytes_done, bytes_total;
} ckpt_ingest_progress;

/* What a face gives a run: cancel (set from a signal thread) stops it at
 * the next file, leaving the repository's versions as they were and no
 * staged file (only leased rows, which mislead nothing and orphan
 * cleanup takes once their lease has run out, and the mtimes an import
 * saw of files whose bytes did not change);
 * progress (may be NULL) is called from the calling thread now and then. */
typedef struct {
    volatile apr_uint32_t *cancel;
    void (*progress)(void *baton, const ckpt_ingest_progress *pr);
    void *baton;
} ckpt_ingest_hooks;

/* CKPT_CONFLICT "interrupted" once hooks->cancel is set. */
ckpt_rc ckpt_ingest_cancelled(const ckpt_ingest_hooks *hooks, ckpt_err *err);
/* Calls hooks->progress, when there is one. */
void ckpt_ingest_report(const ckpt_ingest_hooks *hooks, const char *phase,
                        apr_uint64_t files_done, apr_uint64_t files_total,
                        apr_uint64_t bytes_done, apr_uint64_t bytes_total);

/* The repository named name (made, with version 0, when create), locked
 * for this connection's session: CKPT_CONFLICT when another import or
 * sync holds it, CKPT_NOTFOUND when there is none. */
ckpt_rc ckpt_ingest_begin(ckpt_db *db, apr_pool_t *p, const char *name, int create,
                          const char **repo_id, ckpt_err *err);
void ckpt_ingest_end(ckpt_db *db, apr_pool_t *p, const char *repo_id);
/* The same lock, of a repository known by its id (name: for the message). */
ckpt_rc ckpt_ingest_lock(ckpt_db *db, apr_pool_t *p, const char *repo_id, const char *name,
                         ckpt_err *err);

/* The run's tree: a temporary table of this connection's session
 * (ingest_file: path, size, mtime, digest), emptied by begin and end. */
ckpt_rc ckpt_ingest_tree_begin(ckpt_db *db, apr_pool_t *p, ckpt_err *err);
void ckpt_ingest_tree_end(ckpt_db *db, apr_pool_t *p);
/* Adds files (at most a batch; digests all known or all NULL), taking
 * the digests that the last import of repository vouch (NULL: none)
 * vouches for; CKPT_INVALID when a path is there already. */
ckpt_rc ckpt_ingest_tree_add(ckpt_db *db, apr_pool_t *p, const apr_array_header_t *files,
                             const char *vouch, ckpt_err *err);
/* What is left to hash: *files and *bytes. */
ckpt_rc ckpt_ingest_tree_todo(ckpt_db *db, apr_pool_t *p, apr_uint64_t *files,
                              apr_uint64_t *bytes, ckpt_err *err);
/* Up to limit files without a digest whose path sorts after after ("":
 * from the first), in path order, in *out (from p). */
ckpt_rc ckpt_ingest_tree_page(ckpt_db *db, apr_pool_t *p, const char *after, int limit,
                              apr_array_header_t **out, ckpt_err *err);
/* An import's, before its walk: the latest version's number into
 * in->latest_seen. */
ckpt_rc ckpt_ingest_note_latest(ckpt_db *db, apr_pool_t *p, ckpt_ingest_req *in, ckpt_err *err);
/* Records the digests (and sizes) of files, hashed (or downloaded) in
 * this run, and their staged files (NULL: none), which the table then
 * owns: they are placed by ckpt_ingest_finish or removed by
 * ckpt_ingest_run, and go into in's spool.  The digests of staged files
 * must be leased already (ckpt_ingest_lease).  An import passes its
 * repository as state_of: a file is changed exactly when it is staged,
 * and what it saw of each file that is not (its mtime) goes at once onto
 * the latest version's row of it, for the next import (a sync passes
 * NULL). */
ckpt_rc ckpt_ingest_tree_hashed(ckpt_db *db, apr_pool_t *p, ckpt_ingest_req *in,
                                const apr_array_header_t *files, const char *state_of,
                                ckpt_err *err);

/* A sync's: the digests of the run's table that the latest version of
 * repo_id does not hold at their paths, each once (with one of its paths),
 * into the run's second table; *files and *bytes: how many, how large. */
ckpt_rc ckpt_ingest_tree_digests(ckpt_db *db, apr_pool_t *p, const char *repo_id,
                                 apr_uint64_t *files, apr_uint64_t *bytes, ckpt_err *err);
/* Up to limit of those digests after digest after ("": from the first),
 * in digest order, as files (path, digest, size) in *out (from p). */
ckpt_rc ckpt_ingest_digest_page(ckpt_db *db, apr_pool_t *p, const char *after, int limit,
                                apr_array_header_t **out, ckpt_err *err);

/* The files (at most a batch) that the latest version of repo_id does
 * not hold as they are. */
ckpt_rc ckpt_ingest_changed(ckpt_db *db, apr_pool_t *p, const char *repo_id,
                            const apr_array_header_t *files, apr_array_header_t **changed,
                            ckpt_err *err);

/* Leases each distinct digest of changed (artifact rows whose interest
 * lies an hour ahead), a batch of them per transaction; with units, each
 * file's unit (relative path, digest) too, in the same transaction, so
 * that the commit finds them made (an import's: a sync's pages hold one
 * path of each digest). */
ckpt_rc ckpt_ingest_lease(ckpt_db *db, apr_pool_t *p, const apr_array_header_t *changed,
                          int units, ckpt_err *err);

/* Removes the staged files the run's table still names. */
void ckpt_ingest_tree_discard(ckpt_db *db, apr_pool_t *p);

/* The end of a run, over the run's table: its staged files put in place
 * (their digests leased already: an import leases a batch as it records
 * it, a sync a page before downloading it) while one transaction makes
 * the units of what changed (those an import leased are found made), the
 * version (the ranges as the API's modify makes them; an import's new
 * rows with the mtimes it saw).  The placing runs on a thread of its own,
 * from a spool file of the staged files, since it needs no database: one
 * syncfs before the renames (the bytes before any name) and
 * one after; the transaction waits for it before COMMIT, so that a version
 * never names bytes not in place, and rolls back if it failed or the run
 * was cancelled.  res->version stays NULL when the latest version already
 * is what req asks. */
ckpt_rc ckpt_ingest_finish(ckpt_db *db, apr_pool_t *p, const char *root,
                           const ckpt_ingest_hooks *hooks, const ckpt_ingest_req *req,
                           ckpt_ingest_result *res, ckpt_err *err);

/* What a run (import.c, sync.c) works with; req is its own request. */
typedef struct {
    ckpt_db *db;
    apr_pool_t *p;
    const char *root;
    const void *req;
    const ckpt_ingest_hooks *hooks;
    ckpt_ingest_req *in;          /* the run's (ckpt_ingest_run sets it) */
} ckpt_ingest_ctx;
typedef ckpt_rc (*ckpt_ingest_fn)(const ckpt_ingest_ctx *c, ckpt_ingest_result *res,
                                  ckpt_err *err);
/* Around a run's own work (fn, given c with its in set): res cleared,
 * the run's table emptied before and after, the staged files of the
 * table removed however fn ends, a failure named by what. */
ckpt_rc ckpt_ingest_run(const ckpt_ingest_ctx *c, const char *repo_id, int additive,
                        const char *what, ckpt_ingest_fn fn, ckpt_ingest_result *res,
                        ckpt_err *err);

/* Removes the staged files of files left over by a failure or a cancel. */
void ckpt_ingest_discard(apr_pool_t *p, const apr_array_header_t *files);

#endif
