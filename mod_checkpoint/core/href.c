/* Object addresses (see href.h). */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <apr_uuid.h>

#include "href.h"
#include "list.h"

int ckpt_uuid_valid(const char *s)
{
    apr_uuid_t u;

    /* apr_uuid_parse reads 36 characters; anything after them is ours to refuse. */
    return s && strlen(s) == APR_UUID_FORMATTED_LENGTH && apr_uuid_parse(&u, s) == APR_SUCCESS;
}

static char *lower(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *o = apr_pstrmemdup(p, s, n), *c;

    for (c = o; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return o;
}

const char *ckpt_href_take_uuid(apr_pool_t *p, const char *rest, const char **id)
{
    const char *slash = strchr(rest, '/');
    char *u;

    if (!slash || slash - rest != APR_UUID_FORMATTED_LENGTH) {
        return NULL;
    }
    u = lower(p, rest, APR_UUID_FORMATTED_LENGTH);
    if (!ckpt_uuid_valid(u)) {
        return NULL;
    }
    *id = u;
    return slash + 1;
}

int ckpt_href_number(const char *s, int *n)
{
    apr_int64_t v;

    if (!ckpt_number_parse(s, 0, CKPT_VERSION_MAX, &v)) {
        return 0;
    }
    *n = (int)v;
    return 1;
}

static const char *collection(ckpt_href_kind k)
{
    switch (k) {
    case CKPT_HREF_REPOSITORY:
    case CKPT_HREF_VERSION:
        return CKPT_REPOS_PATH;
    case CKPT_HREF_CONTENT:
        return CKPT_CONTENT_PATH;
    case CKPT_HREF_PUBLICATION:
        return CKPT_PUBS_PATH;
    case CKPT_HREF_UPLOAD:
        return CKPT_UPLOADS_PATH;
    case CKPT_HREF_REMOTE:
        return CKPT_REMOTES_PATH;
    case CKPT_HREF_TASK:
        return CKPT_TASKS_PATH;
    case CKPT_HREF_DISTRIBUTION:
    default:
        return CKPT_DISTS_PATH;
    }
}

const char *ckpt_href(apr_pool_t *p, const char *root, ckpt_href_kind k, const char *id,
                      int number)
{
    if (!id) {
        return NULL;
    }
    if (k == CKPT_HREF_VERSION) {
        return apr_psprintf(p, "%s%s%s/versions/%d/", root, collection(k), id, number);
    }
    return apr_pstrcat(p, root, collection(k), id, "/", NULL);
}

const char *ckpt_href_below_root(apr_pool_t *p, const char *root, const char *href)
{
    const char *path = href;
    apr_size_t rl = strlen(root);
    apr_uri_t uri;

    if (!href) {
        return NULL;
    }
    /* An absolute URL: only its path counts. */
    if (!strncasecmp(href, "http://", 7) || !strncasecmp(href, "https://", 8)) {
        if (apr_uri_parse(p, href, &uri) != APR_SUCCESS || !uri.path || uri.query
            || uri.fragment) {
            return NULL;
        }
        path = uri.path;
    }
    return strncmp(path, root, rl) ? NULL : path + rl;
}

/* "versions/<n>/" and nothing after it. */
static int take_version(apr_pool_t *p, const char *rest, int *number)
{
    const char *slash;

    if (strncmp(rest, "versions/", 9)) {
        return 0;
    }
    rest += 9;
    slash = strchr(rest, '/');
    if (!slash || slash[1] != '\0') {
        return 0;
    }
    return ckpt_href_number(apr_pstrmemdup(p, rest, (apr_size_t)(slash - rest)), number);
}

int ckpt_href_parse(apr_pool_t *p, const char *root, ckpt_href_kind k, const char *href,
                    const char **id, int *number)
{
    const char *path = ckpt_href_below_root(p, root, href), *prefix = collection(k), *rest;
    apr_size_t pl = strlen(prefix);

    if (!path || strncmp(path, prefix, pl)) {
        return 0;
    }
    rest = ckpt_href_take_uuid(p, path + pl, id);
    if (!rest) {
        return 0;
    }
    if (k != CKPT_HREF_VERSION) {
        return *rest == '\0';
    }
    return take_version(p, rest, number);
}
