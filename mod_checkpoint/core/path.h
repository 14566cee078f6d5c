/* Paths and names: content units' relative_path, a publication's manifest,
 * distributions' base_path, repository and distribution names, and the
 * path part of a content request.  Pure C (apr only).  One validator per
 * rule: the API, the command line and the content side all call these.
 *
 * Nothing accepted here can name a file outside a publication: no "..",
 * no "." and no empty segment, no leading '/', no NUL or control byte.
 * Everything stored is valid UTF-8 and short enough for the btree indexes
 * that hold it (a btree row takes at most about 2,700 bytes). */
#ifndef CKPT_PATH_H
#define CKPT_PATH_H

#include <apr_pools.h>

#include "ckpt_status.h"

/* Longest relative_path, manifest or base_path stored, in bytes: with the
 * other columns of its indexes (a sha256, a uuid, a version) it still fits
 * a btree row. */
#define CKPT_PATH_MAX 2048
/* Longest repository or distribution name, in bytes (a unique index each). */
#define CKPT_NAME_MAX 2048
/* Longest content request below the prefix: a base path, a timestamp and a
 * path inside the publication. */
#define CKPT_REQUEST_PATH_MAX (2 * CKPT_PATH_MAX + 32)
/* A base path is looked for among the first this many segments of a
 * request (the candidates travel as one array), so no base_path may have
 * more.  The same definition as resolve.h's. */
#define CKPT_BASE_PATH_MAX_SEGMENTS 64

/* Why a path or a name was refused; ckpt_path_error() words it. */
typedef enum {
    CKPT_PATH_OK = 0,
    CKPT_PATH_EEMPTY = -1,
    CKPT_PATH_ETOOLONG = -2,
    CKPT_PATH_ELEADING = -3,   /* starts with '/' */
    CKPT_PATH_ETRAILING = -4,  /* ends with '/' */
    CKPT_PATH_EEMPTYSEG = -5,  /* "//" */
    CKPT_PATH_EDOT = -6,       /* a "." segment */
    CKPT_PATH_EDOTDOT = -7,    /* a ".." segment */
    CKPT_PATH_ECONTROL = -8,   /* NUL, bytes < 0x20, 0x7f */
    CKPT_PATH_EBACKSLASH = -9, /* '\\' */
    CKPT_PATH_EUTF8 = -10,     /* not valid UTF-8 */
    CKPT_PATH_ENULL = -11,     /* no string at all */
    CKPT_PATH_EDEPTH = -12     /* a base_path of more than 64 segments */
} ckpt_path_rc;

/* 0 when p is an acceptable relative_path (or manifest name): non-empty,
 * at most CKPT_PATH_MAX bytes, valid UTF-8, no control byte or backslash,
 * no leading or trailing '/', no empty, "." or ".." segment.  Otherwise a
 * negative ckpt_path_rc. */
int ckpt_path_check_relative(const char *p);

/* The same rules for a distribution's base_path, and at most
 * CKPT_BASE_PATH_MAX_SEGMENTS segments (SPEC §3). */
int ckpt_path_check_base_path(const char *p);

/* A repository's or distribution's name: non-empty, at most CKPT_NAME_MAX
 * bytes, valid UTF-8. */
int ckpt_path_check_name(const char *name);

/* A short reason for an API error message ("must not contain '..'"). */
const char *ckpt_path_error(int code);

/* err refusing field for code (a ckpt_path_rc): CKPT_INVALID, with "This
 * field is required." for CKPT_PATH_ENULL. */
ckpt_rc ckpt_path_refuse(ckpt_err *err, const char *field, int code);

/* 1 when a equals b or one is a path-segment prefix of the other ("foo" and
 * "foo/bar" overlap, "foo" and "foobar" do not).  An empty string overlaps
 * everything, as the root would. */
int ckpt_path_overlaps(const char *a, const char *b);

/* Whether a content request's decoded path below the prefix can name
 * anything at all: at most CKPT_REQUEST_PATH_MAX bytes, valid UTF-8, no
 * control byte.  The content side asks before any query, so a hostile URL
 * costs no database round trip and logs nothing. */
int ckpt_path_check_request(const char *rest);

/* Splits the already percent-decoded part of a URL path that follows a
 * publication's root ("" for the root itself, "a/b/" or "a/b/c.txt"; no
 * leading '/').  On success returns 0, sets *path to it without the
 * trailing '/' ("" for the root) and *is_dir to 1 when rest is "" or ends
 * in '/'.  Refuses (negative ckpt_path_rc) what ckpt_path_check_request
 * refuses, and ".", ".." and empty segments (so also a leading '/'). */
int ckpt_path_split_request(apr_pool_t *p, const char *rest, const char **path, int *is_dir);

/* "a/b" for "a/b/c", "" for "c". */
const char *ckpt_path_parent(apr_pool_t *p, const char *relpath);
/* "c" for "a/b/c" and for "c"; points into relpath. */
const char *ckpt_path_basename(const char *relpath);

#endif
