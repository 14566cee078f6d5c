/* An Apache configuration's Checkpoint directives (see conffile.h).  Not a
 * full parser: enough of httpd's syntax to find two directives where a
 * site keeps them (quoted values, continuation lines, comments,
 * Include/IncludeOptional, ServerRoot, sections). */
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_fnmatch.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "conffile.h"

/* Include depth, as httpd's own bound against loops. */
#define MAX_DEPTH 128

typedef struct {
    apr_pool_t *p;
    const char *server_root;
    const char *database;
    const char *storage;
    int vhost;          /* inside <VirtualHost>: its own values, not ours */
    const char *why;
} reader;

static apr_status_t read_file(reader *rd, const char *file, int depth, int optional);

/* The first word of line (a directive), and its first argument, unquoted. */
static void split(apr_pool_t *p, const char *line, const char **word, const char **arg)
{
    char *copy = apr_pstrdup(p, line), *last = NULL;
    char *w = apr_strtok(copy, " \t", &last);
    char *rest = last;

    *word = w;
    *arg = NULL;
    while (rest && apr_isspace(*rest)) {
        rest++;
    }
    if (rest && *rest == '"') {
        char *end = strchr(rest + 1, '"');
        *arg = apr_pstrmemdup(p, rest + 1, end ? (apr_size_t)(end - rest - 1) : strlen(rest + 1));
    }
    else if (rest && *rest) {
        *arg = apr_strtok(rest, " \t", &last);
    }
}

static const char *root_relative(reader *rd, const char *path)
{
    if (path[0] == '/' || !rd->server_root) {
        return path;
    }
    return apr_pstrcat(rd->p, rd->server_root, "/", path, NULL);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Include and IncludeOptional: a file, a directory, or a wildcard. */
static apr_status_t include(reader *rd, const char *pattern, int depth, int optional)
{
    const char *path = root_relative(rd, pattern);
    apr_array_header_t *files = NULL;
    apr_finfo_t fi;
    int i;

    if (apr_stat(&fi, path, APR_FINFO_TYPE, rd->p) == APR_SUCCESS && fi.filetype == APR_DIR) {
        path = apr_pstrcat(rd->p, path, "/*", NULL);
    }
    else if (!apr_fnmatch_test(path)) {
        return read_file(rd, path, depth, optional);
    }
    if (apr_match_glob(path, &files, rd->p) != APR_SUCCESS || !files) {
        return APR_SUCCESS; /* a wildcard that matches nothing includes nothing */
    }
    /* In name order, as httpd includes them. */
    qsort(files->elts, (size_t)files->nelts, sizeof(const char *), by_name);
    for (i = 0; i < files->nelts; i++) {
        const char *f = APR_ARRAY_IDX(files, i, const char *);
        const char *slash = strrchr(path, '/');
        const char *full = slash ? apr_pstrcat(rd->p, apr_pstrmemdup(rd->p, path,
                                                                   (apr_size_t)(slash - path)),
                                               "/", f, NULL)
                                 : f;
        apr_status_t rv = read_file(rd, full, depth, optional);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

/* One logical line of configuration. */
static apr_status_t directive(reader *rd, const char *line, int depth)
{
    const char *word, *arg;

    split(rd->p, line, &word, &arg);
    if (!word) {
        return APR_SUCCESS;
    }
    if (!strncasecmp(word, "<VirtualHost", 12)) {
        rd->vhost++;
    }
    else if (!strcasecmp(word, "</VirtualHost>")) {
        rd->vhost--;
    }
    else if (!arg || rd->vhost) {
        return APR_SUCCESS;
    }
    else if (!strcasecmp(word, "ServerRoot")) {
        rd->server_root = arg;
    }
    else if (!strcasecmp(word, "Include") || !strcasecmp(word, "IncludeOptional")) {
        return include(rd, arg, depth + 1, !strcasecmp(word, "IncludeOptional"));
    }
    else if (!strcasecmp(word, "CheckpointDatabase") && !rd->database) {
        rd->database = arg;
    }
    else if (!strcasecmp(word, "CheckpointStorage") && !rd->storage) {
        rd->storage = root_relative(rd, arg);
    }
    return APR_SUCCESS;
}

static apr_status_t read_file(reader *rd, const char *file, int depth, int optional)
{
    apr_file_t *f;
    char buf[8192];
    const char *line = "";
    apr_status_t rv;

    if (depth > MAX_DEPTH) {
        rd->why = apr_psprintf(rd->p, "%s: Include nested too deeply", file);
        return APR_EINVAL;
    }
    rv = apr_file_open(&f, file, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, rd->p);
    if (rv != APR_SUCCESS) {
        char e[256];
        rd->why = apr_psprintf(rd->p, "cannot read %s: %s", file, apr_strerror(rv, e, sizeof(e)));
        return optional ? APR_SUCCESS : rv;
    }
    while (rv == APR_SUCCESS && apr_file_gets(buf, sizeof(buf), f) == APR_SUCCESS) {
        apr_size_t n = strlen(buf);
        const char *s;

        while (n && apr_isspace(buf[n - 1])) {
            buf[--n] = '\0';
        }
        line = apr_pstrcat(rd->p, line, buf, NULL);
        if (n && buf[n - 1] == '\\') {
            line = apr_pstrmemdup(rd->p, line, strlen(line) - 1); /* continued */
            continue;
        }
        for (s = line; apr_isspace(*s); s++) {
        }
        if (*s && *s != '#') {
            rv = directive(rd, s, depth);
        }
        line = "";
    }
    apr_file_close(f);
    return rv;
}

apr_status_t ckpt_conffile_read(apr_pool_t *p, const char *file, const char **database,
                                const char **storage, const char **why)
{
    reader rd;
    apr_status_t rv;

    memset(&rd, 0, sizeof(rd));
    rd.p = p;
    rv = read_file(&rd, file, 0, 0);
    *database = rd.database;
    *storage = rd.storage;
    *why = rd.why;
    return rv;
}
