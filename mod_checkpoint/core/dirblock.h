/* A directory's whole history, as one block: the version ranges of every
 * file directly in it and of every subdirectory, read in one statement
 * together with the repository's latest version L.
 *
 * Membership ranges are only ever closed at the version being made, never
 * changed otherwise (sql/010_history.sql), so a block answers every
 * version up to L exactly and for good: a new checkpoint does not make it
 * wrong, only versions above L need a newer block.  That is what lets a
 * process keep blocks (catalog.h) and answer a cold file or listing of a
 * directory it has seen, in any checkpoint, without a query.
 *
 * Pure C (apr only). */
#ifndef CKPT_DIRBLOCK_H
#define CKPT_DIRBLOCK_H

#include <apr_pools.h>

#include "resolve.h"

typedef struct ckpt_dirblock ckpt_dirblock;

/* One row of content_block. */
typedef struct {
    const char *path;     /* the file's relative path, or the subdirectory's */
    const char *sha256;   /* a file's digest (64 lowercase hex digits) */
    apr_off_t size;
    int added;
    int removed;          /* -1: still present */
    int is_dir;
} ckpt_dirblock_row;

/* The most rows a block is made of (about 80 bytes each in the catalog,
 * so at most about 2.5 MB a block): a directory of three index files
 * changed in every one of 10,000 checkpoints is kept whole; one with a
 * longer history is not, and is asked about one path at a time
 * instead. */
#define CKPT_DIRBLOCK_MAX_ROWS 32768

/* A block in p from rows (in any order) read when the repository's latest
 * version was latest; NULL when a digest is malformed. */
ckpt_dirblock *ckpt_dirblock_make(apr_pool_t *p, int latest, const ckpt_dirblock_row *rows,
                                  int n);

/* Bytes the block takes, about. */
apr_size_t ckpt_dirblock_bytes(const ckpt_dirblock *b);

/* Whether the block answers for version. */
int ckpt_dirblock_covers(const ckpt_dirblock *b, int version);

typedef enum { CKPT_DIRBLOCK_ABSENT, CKPT_DIRBLOCK_FILE, CKPT_DIRBLOCK_DIR } ckpt_dirblock_kind;

/* What name (a base name) is in the directory at version; a file's digest
 * (into p) and size. */
ckpt_dirblock_kind ckpt_dirblock_find(const ckpt_dirblock *b, apr_pool_t *p, int version,
                                      const char *name, const char **sha256, apr_off_t *size);

/* The directory at version as source.h's dir() answers it: its index.html
 * (when index is non-zero and it has one) or its files and
 * subdirectories, into p.  0 when it holds nothing then. */
int ckpt_dirblock_list(const ckpt_dirblock *b, apr_pool_t *p, int version, int index,
                       ckpt_dir_content *out);

/* The block as bytes that hold no pointer (for a store shared between
 * processes, catalog.h), *len of them, into p. */
unsigned char *ckpt_dirblock_pack(const ckpt_dirblock *b, apr_pool_t *p, apr_size_t *len);
/* The length ckpt_dirblock_pack would answer, without packing. */
apr_size_t ckpt_dirblock_packed_size(const ckpt_dirblock *b);

/* The block packed in buf, into p; NULL when buf is not one
 * (ckpt_dirblock_pack's bytes, whole). */
ckpt_dirblock *ckpt_dirblock_unpack(apr_pool_t *p, const unsigned char *buf, apr_size_t len);

#endif
