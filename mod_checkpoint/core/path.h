/* Paths: content units' relative_path, distributions' base_path, and the
 * path part of a content request.  Pure C (apr only).  Nothing accepted here
 * can name a file outside a publication: no "..", no "." and no empty
 * segment, no leading '/', no NUL or control byte. */
#ifndef CKPT_PATH_H
#define CKPT_PATH_H

#include <apr_pools.h>

/* Longest relative_path, base_path or request path accepted, in bytes. */
#define CKPT_PATH_MAX 4096

/* Why a path was refused; ckpt_path_error() words it for API answers. */
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
    CKPT_PATH_ENULL = -11      /* no string at all */
} ckpt_path_rc;

/* 0 when p is an acceptable relative_path: non-empty, at most CKPT_PATH_MAX
 * bytes, valid UTF-8, no control byte or backslash, no leading or trailing
 * '/', no empty, "." or ".." segment.  Otherwise a negative ckpt_path_rc. */
int ckpt_path_check_relative(const char *p);

/* The same rules for a distribution's base_path (SPEC §3). */
int ckpt_path_check_base_path(const char *p);

/* A short reason for an API error message ("must not contain '..'"). */
const char *ckpt_path_error(int code);

/* 1 when a equals b or one is a path-segment prefix of the other ("foo" and
 * "foo/bar" overlap, "foo" and "foobar" do not).  An empty string overlaps
 * everything, as the root would. */
int ckpt_path_overlaps(const char *a, const char *b);

/* Splits the already percent-decoded part of a URL path that follows a
 * publication's root ("" for the root itself, "a/b/" or "a/b/c.txt"; no
 * leading '/').  On success returns 0, sets *path to it without the
 * trailing '/' ("" for the root) and *is_dir to 1 when rest is "" or ends
 * in '/'.  Refuses (negative ckpt_path_rc) ".", ".." and empty segments
 * (so also a leading '/'), control bytes and paths over CKPT_PATH_MAX. */
int ckpt_path_split_request(apr_pool_t *p, const char *rest, const char **path, int *is_dir);

/* "a/b" for "a/b/c", "" for "c". */
const char *ckpt_path_parent(apr_pool_t *p, const char *relpath);
/* "c" for "a/b/c" and for "c"; points into relpath. */
const char *ckpt_path_basename(const char *relpath);

#endif
