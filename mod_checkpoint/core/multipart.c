/* The streaming multipart/form-data parser (see multipart.h).  The body
 * is read as if a CRLF preceded it, so that every delimiter, the first
 * included, is "\r\n--" boundary.  A boundary has no CR, so a partial
 * match that fails can only restart at a CR: the bytes held back are
 * always a prefix of the delimiter, never copied. */
#include <apr_lib.h>
#include <apr_strings.h>

#include "multipart.h"

typedef enum {
    MP_PREAMBLE, /* before the first delimiter: ignored */
    MP_AFTER,    /* after a delimiter: "--" closes, CRLF opens a part */
    MP_HEADERS,  /* a part's header lines, up to an empty one */
    MP_BODY,     /* a part's data, up to the next delimiter */
    MP_EPILOGUE  /* after the closing delimiter: ignored */
} mp_state;

struct ckpt_multipart {
    apr_pool_t *p;
    const ckpt_multipart_cb *cb;
    void *baton;
    char *delim;        /* "\r\n--" boundary */
    apr_size_t dlen;
    apr_size_t matched; /* bytes of delim matched, held back */
    mp_state state;
    char after[2];
    apr_size_t nafter;
    char head[CKPT_MULTIPART_HEADER_MAX + 1];
    apr_size_t hlen;
};

ckpt_rc ckpt_multipart_boundary(apr_pool_t *p, const char *content_type, const char **boundary,
                                ckpt_err *err)
{
    static const char type[] = "multipart/form-data";
    const char *s = content_type, *b;
    apr_size_t n;

    if (!s || strncasecmp(s, type, sizeof(type) - 1)
        || (s[sizeof(type) - 1] && s[sizeof(type) - 1] != ';' && s[sizeof(type) - 1] != ' ')) {
        return ckpt_err_set(err, CKPT_UNSUPPORTED, NULL, "Not multipart/form-data.");
    }
    for (b = s + sizeof(type) - 1; *b; b++) {
        if (!strncasecmp(b, "boundary=", 9) && (b[-1] == ';' || b[-1] == ' ')) {
            break;
        }
    }
    if (!*b) {
        return ckpt_err_invalid(err, NULL, "Multipart form parse error - Invalid boundary in "
                                           "multipart: None");
    }
    b += 9;
    if (*b == '"') {
        n = strcspn(++b, "\"");
        if (b[n] != '"') {
            n = 0;
        }
    }
    else {
        n = strcspn(b, "; \t");
    }
    *boundary = apr_pstrmemdup(p, b, n);
    if (n < 1 || n > CKPT_MULTIPART_BOUNDARY_MAX || strcspn(*boundary, "\r\n") != n) {
        return ckpt_err_invalid(err, NULL, "Multipart form parse error - Invalid boundary in "
                                           "multipart.");
    }
    return CKPT_OK;
}

ckpt_multipart *ckpt_multipart_create(apr_pool_t *p, const char *boundary,
                                      const ckpt_multipart_cb *cb, void *baton)
{
    ckpt_multipart *m = apr_pcalloc(p, sizeof(*m));

    m->p = p;
    m->cb = cb;
    m->baton = baton;
    m->delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
    m->dlen = strlen(m->delim);
    m->matched = 2; /* the CRLF before the body */
    m->state = MP_PREAMBLE;
    return m;
}

static ckpt_rc malformed(ckpt_err *err, const char *why)
{
    return ckpt_err_invalid(err, NULL, why);
}

/* One parameter "key=value" (value a token or a quoted-string with
 * backslash escapes) of a header value at *s; *s moves past it.  Answers
 * 0 at the end, -1 on an unterminated quoted-string. */
static int next_param(apr_pool_t *p, const char **s, const char **key, const char **val)
{
    const char *v = *s + strspn(*s, "; \t");
    apr_size_t n = strcspn(v, "=;");
    char *o;

    if (!*v) {
        return 0;
    }
    *key = apr_pstrmemdup(p, v, n);
    *val = "";
    v += n;
    if (*v == '=' && v[1] != '"') {
        n = strcspn(++v, ";");
        *val = apr_pstrmemdup(p, v, n);
        v += n;
    }
    else if (*v == '=') {
        *val = o = apr_palloc(p, strlen(v));
        for (v += 2; *v && *v != '"'; v++) {
            v += (*v == '\\' && v[1]);
            *o++ = *v;
        }
        *o = '\0';
        if (*v++ != '"') {
            return -1;
        }
    }
    *s = v;
    return 1;
}

/* name and filename of a Content-Disposition value. */
static ckpt_rc disposition(apr_pool_t *p, const char *v, const char **name,
                           const char **filename, ckpt_err *err)
{
    const char *s = v + 9, *key, *val;
    int more;

    if (strncasecmp(v, "form-data", 9) || (v[9] && v[9] != ';' && v[9] != ' ')) {
        return malformed(err, "A part's Content-Disposition is not form-data.");
    }
    while ((more = next_param(p, &s, &key, &val)) > 0) {
        if (!strcasecmp(key, "name") && !*name) {
            *name = val;
        }
        else if (!strcasecmp(key, "filename") && !*filename) {
            *filename = val;
        }
    }
    if (more < 0) {
        return malformed(err, "A part's Content-Disposition has an unterminated quoted string.");
    }
    if (!*name || !**name) {
        return malformed(err, "A part has no form field name.");
    }
    return CKPT_OK;
}

/* A part's header lines (CRLF-separated, no folding): Content-Disposition
 * gives its name; the others (Content-Type...) do not matter here. */
static ckpt_rc part_headers(ckpt_multipart *m, ckpt_err *err)
{
    const char *name = NULL, *filename = NULL;
    char *line = m->head, *eol;
    int seen = 0;

    if (memchr(m->head, '\0', m->hlen)) {
        return malformed(err, "A part's headers contain a NUL byte.");
    }
    m->head[m->hlen - 2] = '\0'; /* the CRLF of the empty line */
    for (; *line; line = eol + 2) {
        char *colon = strchr(line, ':');
        eol = strstr(line, "\r\n");
        if (!eol) {
            return malformed(err, "A part has a malformed header line.");
        }
        *eol = '\0';
        if (!colon || colon > eol || colon == line || strpbrk(line, "\r\n")
            || apr_isspace(*line)) {
            return malformed(err, "A part has a malformed header line.");
        }
        *colon = '\0';
        if (!strcasecmp(line, "Content-Disposition")) {
            if (seen++ || disposition(m->p, colon + 1 + strspn(colon + 1, " \t"), &name,
                                      &filename, err) != CKPT_OK) {
                return seen > 1 ? malformed(err, "A part has two Content-Dispositions.")
                                : err->rc;
            }
        }
    }
    if (!seen) {
        return malformed(err, "A part has no Content-Disposition.");
    }
    m->state = MP_BODY;
    m->matched = 0;
    return m->cb->start(m->baton, name, filename, err);
}

/* Data of a part, or preamble (dropped). */
static ckpt_rc emit(ckpt_multipart *m, const char *buf, apr_size_t len, ckpt_err *err)
{
    return m->state == MP_BODY && len ? m->cb->data(m->baton, buf, len, err) : CKPT_OK;
}

/* Scans for the delimiter; answers how many bytes it took. */
static ckpt_rc scan(ckpt_multipart *m, const char *buf, apr_size_t len, apr_size_t *took,
                    ckpt_err *err)
{
    const char *s = buf, *end = buf + len;

    while (s < end) {
        if (m->matched == 0) {
            const char *cr = memchr(s, '\r', (apr_size_t)(end - s));
            const char *stop = cr ? cr : end;
            if (emit(m, s, (apr_size_t)(stop - s), err) != CKPT_OK) {
                return err->rc;
            }
            s = stop + (cr != NULL);
            m->matched = cr != NULL;
        }
        else if (*s == m->delim[m->matched]) {
            s++;
            if (++m->matched == m->dlen) {
                ckpt_rc rc = m->state == MP_BODY ? m->cb->end(m->baton, err) : CKPT_OK;
                m->state = MP_AFTER;
                m->nafter = 0;
                m->matched = 0;
                *took = (apr_size_t)(s - buf);
                return rc;
            }
        }
        else { /* what was held back is data; this byte starts afresh */
            if (emit(m, m->delim, m->matched, err) != CKPT_OK) {
                return err->rc;
            }
            m->matched = 0;
        }
    }
    *took = len;
    return CKPT_OK;
}

/* One byte after a delimiter, or of a part's headers. */
static ckpt_rc byte(ckpt_multipart *m, char c, ckpt_err *err)
{
    if (m->state == MP_AFTER) {
        m->after[m->nafter++] = c;
        if (m->nafter < 2) {
            return CKPT_OK;
        }
        if (!memcmp(m->after, "--", 2) || !memcmp(m->after, "\r\n", 2)) {
            m->state = m->after[0] == '-' ? MP_EPILOGUE : MP_HEADERS;
            m->hlen = 0;
            return CKPT_OK;
        }
        return malformed(err, "A multipart boundary line is malformed.");
    }
    if (m->hlen >= CKPT_MULTIPART_HEADER_MAX) {
        return malformed(err, "A part's headers are too long.");
    }
    m->head[m->hlen++] = c;
    m->head[m->hlen] = '\0';
    if (m->hlen >= 2 && !memcmp(m->head + m->hlen - 2, "\r\n", 2)
        && (m->hlen == 2 || (m->hlen >= 4 && !memcmp(m->head + m->hlen - 4, "\r\n\r\n", 4)))) {
        return part_headers(m, err);
    }
    return CKPT_OK;
}

ckpt_rc ckpt_multipart_feed(ckpt_multipart *m, const char *buf, apr_size_t len, ckpt_err *err)
{
    apr_size_t i = 0, took = 0;

    while (i < len && m->state != MP_EPILOGUE) {
        if (m->state == MP_PREAMBLE || m->state == MP_BODY) {
            if (scan(m, buf + i, len - i, &took, err) != CKPT_OK) {
                return err->rc;
            }
            i += took;
        }
        else if (byte(m, buf[i++], err) != CKPT_OK) {
            return err->rc;
        }
    }
    return CKPT_OK;
}

ckpt_rc ckpt_multipart_finish(ckpt_multipart *m, ckpt_err *err)
{
    return m->state == MP_EPILOGUE
               ? CKPT_OK
               : malformed(err, "The multipart body ends before its closing boundary.");
}
