/* The one file that talks to jansson (see json.h). */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "json.h"

ckpt_json *ckpt_json_object(void) { return json_object(); }
ckpt_json *ckpt_json_array(void) { return json_array(); }
ckpt_json *ckpt_json_string(const char *s) { return s ? json_string(s) : json_null(); }
ckpt_json *ckpt_json_integer(long long v) { return json_integer((json_int_t)v); }
ckpt_json *ckpt_json_bool(int v) { return json_boolean(v); }
ckpt_json *ckpt_json_null(void) { return json_null(); }

static apr_status_t json_cleanup(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

ckpt_json *ckpt_json_own(apr_pool_t *p, ckpt_json *j)
{
    if (j) {
        apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    }
    return j;
}

void ckpt_json_set(ckpt_json *obj, const char *key, ckpt_json *v)
{
    json_object_set_new(obj, key, v ? v : json_null());
}

void ckpt_json_set_str(ckpt_json *obj, const char *key, const char *s)
{
    /* Strings that are not UTF-8 (never expected from the database) become
     * null rather than vanishing. */
    json_t *v = s ? json_string(s) : NULL;
    json_object_set_new(obj, key, v ? v : json_null());
}

void ckpt_json_set_int(ckpt_json *obj, const char *key, long long v)
{
    json_object_set_new(obj, key, json_integer((json_int_t)v));
}

void ckpt_json_set_bool(ckpt_json *obj, const char *key, int v)
{
    json_object_set_new(obj, key, json_boolean(v));
}

void ckpt_json_append(ckpt_json *arr, ckpt_json *v)
{
    json_array_append_new(arr, v ? v : json_null());
}

const char *ckpt_json_dump(apr_pool_t *p, const ckpt_json *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *out;

    if (!s) {
        return "null";
    }
    out = apr_pstrdup(p, s);
    free(s);
    return out;
}

ckpt_json *ckpt_json_parse(apr_pool_t *p, const char *buf, apr_size_t len, const char **err)
{
    json_error_t e;
    json_t *j;

    if (memchr(buf, '\0', len)) {
        *err = "request body contains a NUL byte";
        return NULL;
    }
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
    if (!j) {
        *err = apr_psprintf(p, "JSON parse error: %s (line %d, column %d)", e.text, e.line,
                            e.column);
        return NULL;
    }
    return ckpt_json_own(p, j);
}

ckpt_json *ckpt_json_copy(const ckpt_json *j)
{
    return json_deep_copy(j);
}

ckpt_json_type ckpt_json_typeof(const ckpt_json *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return CKPT_JSON_OBJECT;
    case JSON_ARRAY: return CKPT_JSON_ARRAY;
    case JSON_STRING: return CKPT_JSON_STRING;
    case JSON_INTEGER: return CKPT_JSON_INTEGER;
    case JSON_REAL: return CKPT_JSON_REAL;
    case JSON_TRUE: return CKPT_JSON_TRUE;
    case JSON_FALSE: return CKPT_JSON_FALSE;
    default: return CKPT_JSON_NULL;
    }
}

const char *ckpt_json_type_name(const ckpt_json *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

ckpt_json *ckpt_json_get(const ckpt_json *obj, const char *key)
{
    return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

const char *ckpt_json_string_value(const ckpt_json *j)
{
    return json_string_value(j);
}

long long ckpt_json_integer_value(const ckpt_json *j)
{
    return (long long)json_integer_value(j);
}

apr_size_t ckpt_json_array_size(const ckpt_json *arr)
{
    return json_array_size(arr);
}

ckpt_json *ckpt_json_array_get(const ckpt_json *arr, apr_size_t i)
{
    return json_array_get(arr, i);
}

int ckpt_json_each(const ckpt_json *obj, int (*fn)(void *baton, const char *key, ckpt_json *v),
                   void *baton)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        int rc = fn(baton, key, v);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

const char *ckpt_json_library_version(void)
{
    return JANSSON_VERSION;
}
