/* Path rules (see path.h). */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "path.h"

/* Length of a valid UTF-8 sequence at s (at most n bytes available), or 0.
 * Overlong forms, surrogates and code points above U+10FFFF are refused so
 * that one name has one spelling. */
static apr_size_t utf8_seq_len(const unsigned char *s, apr_size_t n)
{
    unsigned char c = s[0];
    apr_size_t len, i;
    unsigned char lo = 0x80, hi = 0xbf;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) {
            lo = 0xa0;
        } else if (c == 0xed) {
            hi = 0x9f;
        }
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) {
            lo = 0x90;
        } else if (c == 0xf4) {
            hi = 0x8f;
        }
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    if (s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 2; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf) {
            return 0;
        }
    }
    return len;
}

/* Segment rules shared by stored paths and request paths, over s[0..len). */
static int check_segments(const char *s, apr_size_t len)
{
    apr_size_t start = 0, i;

    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '/') {
            apr_size_t seg = i - start;
            if (seg == 0) {
                return CKPT_PATH_EEMPTYSEG;
            }
            if (seg == 1 && s[start] == '.') {
                return CKPT_PATH_EDOT;
            }
            if (seg == 2 && s[start] == '.' && s[start + 1] == '.') {
                return CKPT_PATH_EDOTDOT;
            }
            start = i + 1;
        }
    }
    return CKPT_PATH_OK;
}

/* strlen that stops looking past the limit, so a huge input costs little. */
static apr_size_t bounded_len(const char *s, apr_size_t limit)
{
    const char *nul = memchr(s, '\0', limit + 1);
    return nul ? (apr_size_t)(nul - s) : limit + 1;
}

/* The byte rules of every stored or requested string over u[0..len):
 * valid UTF-8, no control byte, and no backslash unless allowed. */
static int check_bytes(const unsigned char *u, apr_size_t len, int allow_backslash)
{
    apr_size_t i, n;

    for (i = 0; i < len; i += n) {
        if (u[i] < 0x20 || u[i] == 0x7f) {
            return CKPT_PATH_ECONTROL;
        }
        if (u[i] == '\\' && !allow_backslash) {
            return CKPT_PATH_EBACKSLASH;
        }
        n = utf8_seq_len(u + i, len - i);
        if (n == 0) {
            return CKPT_PATH_EUTF8;
        }
    }
    return CKPT_PATH_OK;
}

int ckpt_path_check_relative(const char *p)
{
    apr_size_t len;
    int rc;

    if (p == NULL) {
        return CKPT_PATH_ENULL;
    }
    len = bounded_len(p, CKPT_PATH_MAX);
    if (len == 0) {
        return CKPT_PATH_EEMPTY;
    }
    if (len > CKPT_PATH_MAX) {
        return CKPT_PATH_ETOOLONG;
    }
    if ((rc = check_bytes((const unsigned char *)p, len, 0)) != CKPT_PATH_OK) {
        return rc;
    }
    if (p[0] == '/') {
        return CKPT_PATH_ELEADING;
    }
    if (p[len - 1] == '/') {
        return CKPT_PATH_ETRAILING;
    }
    return check_segments(p, len);
}

int ckpt_path_check_base_path(const char *p)
{
    int rc = ckpt_path_check_relative(p);
    int segments = 1;

    if (rc != CKPT_PATH_OK) {
        return rc;
    }
    for (; *p; p++) {
        segments += *p == '/';
    }
    return segments > CKPT_BASE_PATH_MAX_SEGMENTS ? CKPT_PATH_EDEPTH : CKPT_PATH_OK;
}

int ckpt_path_check_name(const char *name)
{
    apr_size_t len;

    if (name == NULL) {
        return CKPT_PATH_ENULL;
    }
    len = bounded_len(name, CKPT_NAME_MAX);
    if (len == 0) {
        return CKPT_PATH_EEMPTY;
    }
    if (len > CKPT_NAME_MAX) {
        return CKPT_PATH_ETOOLONG;
    }
    /* A name is shown, not walked: any printable text will do. */
    return check_bytes((const unsigned char *)name, len, 1);
}

const char *ckpt_path_error(int code)
{
    switch (code) {
    case CKPT_PATH_OK:
        return "is valid";
    case CKPT_PATH_EEMPTY:
        return "must not be empty";
    case CKPT_PATH_ETOOLONG:
        return "must be at most " APR_STRINGIFY(CKPT_PATH_MAX) " bytes";
    case CKPT_PATH_ELEADING:
        return "must not start with '/'";
    case CKPT_PATH_ETRAILING:
        return "must not end with '/'";
    case CKPT_PATH_EEMPTYSEG:
        return "must not contain '//'";
    case CKPT_PATH_EDOT:
        return "must not contain a '.' segment";
    case CKPT_PATH_EDOTDOT:
        return "must not contain '..'";
    case CKPT_PATH_ECONTROL:
        return "must not contain control characters";
    case CKPT_PATH_EBACKSLASH:
        return "must not contain '\\'";
    case CKPT_PATH_EUTF8:
        return "must be valid UTF-8";
    case CKPT_PATH_ENULL:
        return "is required";
    case CKPT_PATH_EDEPTH:
        return "must have at most " APR_STRINGIFY(CKPT_BASE_PATH_MAX_SEGMENTS) " segments";
    default:
        return "is not a valid path";
    }
}

ckpt_rc ckpt_path_refuse(ckpt_err *err, const char *field, int code)
{
    return ckpt_err_invalid(err, field, code == CKPT_PATH_ENULL ? "This field is required."
                                                                : ckpt_path_error(code));
}

int ckpt_path_overlaps(const char *a, const char *b)
{
    apr_size_t la = strlen(a), lb = strlen(b);
    const char *longer = la >= lb ? a : b;
    apr_size_t n = la < lb ? la : lb;

    if (n == 0) {
        return 1;
    }
    if (memcmp(a, b, n) != 0) {
        return 0;
    }
    return longer[n] == '\0' || longer[n] == '/';
}

int ckpt_path_check_request(const char *rest)
{
    apr_size_t len;

    if (rest == NULL) {
        return CKPT_PATH_ENULL;
    }
    len = bounded_len(rest, CKPT_REQUEST_PATH_MAX);
    if (len > CKPT_REQUEST_PATH_MAX) {
        return CKPT_PATH_ETOOLONG;
    }
    /* httpd has decoded the URL once: a backslash is a literal name. */
    return check_bytes((const unsigned char *)rest, len, 1);
}

int ckpt_path_split_request(apr_pool_t *p, const char *rest, const char **path, int *is_dir)
{
    apr_size_t len;
    int rc, dir = 0;

    if ((rc = ckpt_path_check_request(rest)) != CKPT_PATH_OK) {
        return rc;
    }
    len = strlen(rest);
    if (len == 0) {
        *path = "";
        *is_dir = 1;
        return CKPT_PATH_OK;
    }
    /* A directory's trailing '/' is not part of its path. */
    if (rest[len - 1] == '/') {
        len--;
        if (len == 0) {
            return CKPT_PATH_EEMPTYSEG;
        }
        dir = 1;
    }
    rc = check_segments(rest, len);
    if (rc != CKPT_PATH_OK) {
        return rc;
    }
    *path = apr_pstrmemdup(p, rest, len);
    *is_dir = dir;
    return CKPT_PATH_OK;
}

const char *ckpt_path_parent(apr_pool_t *p, const char *relpath)
{
    const char *slash = strrchr(relpath, '/');
    return slash ? apr_pstrmemdup(p, relpath, (apr_size_t)(slash - relpath)) : "";
}

const char *ckpt_path_basename(const char *relpath)
{
    const char *slash = strrchr(relpath, '/');
    return slash ? slash + 1 : relpath;
}
