/* Content-addressed storage: <root>/artifact/<sha[0:2]>/<sha[2:]>.
 * Bytes are written to a temporary file under <root>/tmp while hashing,
 * fsynced, then renamed, so a crash never leaves a partial artifact under
 * its final name.  A temporary file is locked (flock) from its creation
 * until it is renamed or removed, so orphan cleanup can tell an upload in
 * flight from what a killed process left behind.  Every failure says what
 * failed, on which path, and the system's reason (ckpt_err). */
#ifndef CKPT_STORAGE_H
#define CKPT_STORAGE_H

#include <apr_file_io.h>
#include <apr_pools.h>
#include "ckpt_status.h"

typedef struct ckpt_upload ckpt_upload;

/* The final path of an artifact; sha256 must be 64 lowercase hex digits. */
const char *ckpt_storage_artifact_path(apr_pool_t *p, const char *root, const char *sha256);
int ckpt_storage_valid_sha256(const char *s);
/* 1 when storage holds the artifact sha256 as a regular file of size
 * bytes (the same bytes, since the name is their digest). */
int ckpt_storage_has(apr_pool_t *p, const char *root, const char *sha256, apr_off_t size);

/* Creates <root>/artifact and <root>/tmp when missing. */
apr_status_t ckpt_storage_prepare(apr_pool_t *p, const char *root);
/* Writes, fsyncs and removes a probe file: the storage is writable. */
ckpt_rc ckpt_storage_check_writable(apr_pool_t *p, const char *root, ckpt_err *err);

/* A temporary file, removed by a cleanup on p unless committed. */
ckpt_rc ckpt_upload_open(apr_pool_t *p, const char *root, ckpt_upload **out, ckpt_err *err);
/* The same; with CKPT_UPLOAD_NOSYNC finishing does not fsync the file: a
 * bulk writer syncs the whole file system once (ckpt_storage_sync) before
 * it places anything. */
#define CKPT_UPLOAD_NOSYNC 1
ckpt_rc ckpt_upload_open_ex(apr_pool_t *p, const char *root, int flags, ckpt_upload **out,
                            ckpt_err *err);
ckpt_rc ckpt_upload_write(ckpt_upload *u, const char *buf, apr_size_t len, ckpt_err *err);
/* Flushes and fsyncs; gives the sha256 (hex) and the size.  The file stays
 * open and locked until ckpt_upload_commit or ckpt_upload_discard. */
ckpt_rc ckpt_upload_finish(ckpt_upload *u, const char **sha256, apr_off_t *size, ckpt_err *err);
/* The digest and size once finished. */
const char *ckpt_upload_sha256(const ckpt_upload *u);
apr_off_t ckpt_upload_size(const ckpt_upload *u);
/* Renames to the final path (keeping an existing artifact of the same
 * digest and size, which has the same bytes), fsyncs the directory and
 * closes.  The caller holds the digest's lock (artifact.c). */
ckpt_rc ckpt_upload_commit(ckpt_upload *u, ckpt_err *err);
/* Removes the temporary file now. */
void ckpt_upload_discard(ckpt_upload *u);
/* Closes a finished upload and hands its temporary file (*tmppath) to the
 * caller, who places or removes it (bulk ingest: too many files to hold
 * open).  Unlocked, it is orphan cleanup's to sweep once it is older than
 * the protection time. */
ckpt_rc ckpt_upload_release(ckpt_upload *u, const char **tmppath);

/* Bulk ingest (ingest.c): a file copied (or hard-linked, when link and
 * the system allows it: the same file system, a file we may link) into
 * <root>/tmp while hashed, not yet synced; its digest and size. */
ckpt_rc ckpt_storage_stage_file(apr_pool_t *p, const char *root, const char *src, int link,
                                const char **tmppath, const char **sha256, apr_off_t *size,
                                ckpt_err *err);
/* Renames a staged file into place as ckpt_upload_commit does, without
 * syncing: the caller runs ckpt_storage_sync once afterwards. */
ckpt_rc ckpt_storage_place(apr_pool_t *p, const char *root, const char *tmppath,
                           const char *sha256, apr_off_t size, ckpt_err *err);
/* syncfs(2) of the file system that holds root. */
ckpt_rc ckpt_storage_sync(apr_pool_t *p, const char *root, ckpt_err *err);

/* A temporary file in <root>/tmp (named stem.XXXXXX), open to write and
 * read, removed when it is closed (with p at the latest), locked as an
 * upload is so that orphan cleanup spares it while it is open: a sync's
 * manifest, which may be larger than memory should hold. */
ckpt_rc ckpt_storage_scratch(apr_pool_t *p, const char *root, const char *stem, apr_file_t **f,
                             ckpt_err *err);

/* A buffer as a finished upload, ready for ckpt_upload_commit (PULP_MANIFEST). */
ckpt_rc ckpt_storage_stage(apr_pool_t *p, const char *root, const char *buf, apr_size_t len,
                           ckpt_upload **out, ckpt_err *err);

/* Chunked uploads (chunked.h): a chunk of upload id starting at offset
 * lives at <root>/upload/<id>/<offset>. */
const char *ckpt_storage_chunk_path(apr_pool_t *p, const char *root, const char *id,
                                    apr_off_t offset);
/* Renames the finished upload u to the chunk's path (replacing a chunk
 * there: a retried chunk), fsyncs the directory and closes. */
ckpt_rc ckpt_upload_commit_chunk(ckpt_upload *u, const char *id, apr_off_t offset,
                                 ckpt_err *err);
/* Appends the file at path, which must hold size bytes, to u. */
ckpt_rc ckpt_upload_append_file(ckpt_upload *u, const char *path, apr_off_t size,
                                ckpt_err *err);
/* Removes <root>/upload/<id> and its chunks (gone already is fine); adds
 * the files and bytes removed. */
ckpt_rc ckpt_storage_remove_chunks(apr_pool_t *p, const char *root, const char *id,
                                   apr_int64_t *files, apr_off_t *bytes, ckpt_err *err);
/* Calls fn with the name of every directory of <root>/upload last written
 * before cutoff (orphan cleanup: those no upload row names). */
typedef ckpt_rc (*ckpt_name_fn)(void *baton, const char *name);
ckpt_rc ckpt_storage_walk_uploads(apr_pool_t *p, const char *root, apr_time_t cutoff,
                                  ckpt_name_fn fn, void *baton, ckpt_err *err);

/* Orphan cleanup's view of the files. */

/* Removes the files of <root>/tmp last written before cutoff that no
 * upload holds; counts them and their bytes. */
ckpt_rc ckpt_storage_sweep_tmp(apr_pool_t *p, const char *root, apr_time_t cutoff,
                               apr_int64_t *files, apr_off_t *bytes, ckpt_err *err);

/* Calls fn for every artifact file last written before cutoff, one
 * directory <sha[0:2]> at a time (fn may remove files; the digest it is
 * given lives until the directory is done); stops at the first rc fn
 * answers that is not CKPT_OK. */
typedef ckpt_rc (*ckpt_artifact_fn)(void *baton, const char *sha256, apr_off_t size);
ckpt_rc ckpt_storage_walk_artifacts(apr_pool_t *p, const char *root, apr_time_t cutoff,
                                    ckpt_artifact_fn fn, void *baton, ckpt_err *err);

/* Removes an artifact's file (gone already is fine); *size is what it had. */
ckpt_rc ckpt_storage_remove_artifact(apr_pool_t *p, const char *root, const char *sha256,
                                     apr_off_t *size, ckpt_err *err);

#endif
