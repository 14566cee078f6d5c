/* JSON for the API.  json.c is the only file that includes jansson.h;
 * ckpt_json is jansson's json_t, kept opaque here.  Trees are built from
 * unowned nodes (the ckpt_json_set_* calls take ownership of the value they
 * are given), and a root is tied to a pool with ckpt_json_own, whose
 * cleanup frees it. */
#ifndef CKPT_JSON_H
#define CKPT_JSON_H

#include <apr_pools.h>

typedef struct json_t ckpt_json;

typedef enum {
    CKPT_JSON_OBJECT, CKPT_JSON_ARRAY, CKPT_JSON_STRING, CKPT_JSON_INTEGER,
    CKPT_JSON_REAL, CKPT_JSON_TRUE, CKPT_JSON_FALSE, CKPT_JSON_NULL
} ckpt_json_type;

ckpt_json *ckpt_json_object(void);
ckpt_json *ckpt_json_array(void);
ckpt_json *ckpt_json_string(const char *s);     /* NULL gives null */
ckpt_json *ckpt_json_integer(long long v);
ckpt_json *ckpt_json_bool(int v);
ckpt_json *ckpt_json_null(void);

/* Ties the tree's life to p; answers j. */
ckpt_json *ckpt_json_own(apr_pool_t *p, ckpt_json *j);

/* Object members and array items; each takes ownership of v. */
void ckpt_json_set(ckpt_json *obj, const char *key, ckpt_json *v);
void ckpt_json_set_str(ckpt_json *obj, const char *key, const char *s);
void ckpt_json_set_int(ckpt_json *obj, const char *key, long long v);
void ckpt_json_set_bool(ckpt_json *obj, const char *key, int v);
void ckpt_json_append(ckpt_json *arr, ckpt_json *v);

/* Compact text, in p. */
const char *ckpt_json_dump(apr_pool_t *p, const ckpt_json *j);

/* Parses a whole buffer (which must be one JSON value, UTF-8, no NUL);
 * the result is owned by p.  On failure answers NULL and a reason in *err. */
ckpt_json *ckpt_json_parse(apr_pool_t *p, const char *buf, apr_size_t len, const char **err);

/* An unowned deep copy of j, to put a parsed (pool-owned) tree into another. */
ckpt_json *ckpt_json_copy(const ckpt_json *j);

ckpt_json_type ckpt_json_typeof(const ckpt_json *j);
const char *ckpt_json_type_name(const ckpt_json *j);
ckpt_json *ckpt_json_get(const ckpt_json *obj, const char *key);
const char *ckpt_json_string_value(const ckpt_json *j);
long long ckpt_json_integer_value(const ckpt_json *j);
apr_size_t ckpt_json_array_size(const ckpt_json *arr);
ckpt_json *ckpt_json_array_get(const ckpt_json *arr, apr_size_t i);

/* Calls fn for every member of obj, in order, until it answers non-zero. */
int ckpt_json_each(const ckpt_json *obj, int (*fn)(void *baton, const char *key, ckpt_json *v),
                   void *baton);

/* jansson's version, for status/. */
const char *ckpt_json_library_version(void);

#endif
