/* Time travel beyond one checkpoint (issue 12), the parts that need no
 * database: RFC 7089's Link header, the checkpoint index as JSON and
 * grouped by month, the TimeMap of every checkpoint, and the small
 * parsers of what a request asks (Accept, the query string).  Bodies
 * name URLs by their path from the server's root, so that one rendering
 * serves every Host a request may name (the answer cache keeps it); Link
 * headers, made per request, are absolute.  Pure C (apr, json.h). */
#ifndef CKPT_TIMETRAVEL_H
#define CKPT_TIMETRAVEL_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "resolve.h"

/* More checkpoints than this and the HTML index lists years and months,
 * each month a link to its own listing (?from=&until=). */
#define CKPT_INDEX_GROUP_AT 500

/* 1 when an Accept header prefers application/json to text/html. */
int ckpt_tt_wants_json(const char *accept);

/* The percent-decoded value of name in a query string, or NULL. */
const char *ckpt_tt_query(apr_pool_t *p, const char *args, const char *name);

/* A from (until = 0) or until (until = 1) bound: YYYYMMDDTHHMMSSZ, or
 * YYYYMMDD (its first or its last second).  0 and *sec, or -1. */
int ckpt_tt_parse_bound(const char *s, int until, apr_int64_t *sec);

/* "<url_prefix>/<base_path>/<TS>/<path>", escaped for a URL (path may be
 * "" or end in '/'); sec CKPT_NO_SEC leaves the TS segment out. */
const char *ckpt_tt_url(apr_pool_t *p, const char *url_prefix, const char *base_path,
                        apr_int64_t sec, const char *path);

/* The Link header of a memento or of the TimeGate's answer; url_prefix is
 * absolute here ("http://host/pulp/content"). */
const char *ckpt_tt_link_header(apr_pool_t *p, const char *url_prefix, const ckpt_memento *m);

/* The line of links to the first, previous, next and last checkpoints
 * that a checkpoint's top listing ends with (relative to it). */
const char *ckpt_tt_nav_html(apr_pool_t *p, const ckpt_nav *nav);

/* The checkpoint index as JSON: {base_path, count, results: [{timestamp,
 * datetime, url, publication, repository_version}]}; pubs oldest first. */
const char *ckpt_tt_index_json(apr_pool_t *p, const ckpt_request *rq, const char *base_path,
                               const apr_array_header_t *pubs);

/* The HTML index of many checkpoints (secs, oldest first): per year, its
 * months with their counts, each linked to that month's listing. */
const char *ckpt_tt_index_grouped(apr_pool_t *p, const char *request_path,
                                  const apr_array_header_t *secs);

/* The TimeMap of the top of a checkpoint distribution: every checkpoint,
 * as application/link-format (json = 0) or JSON. */
const char *ckpt_tt_timemap_all(apr_pool_t *p, const ckpt_request *rq, const char *base_path,
                                const apr_array_header_t *secs, int json);

/* TimeMaps (RFC 7089 section 5) of m's path, m->base_path and m->path
 * set.  Link-format: a head (original, self with from and until, the
 * TimeGate), then one entry per memento with its rel ("first memento",
 * "memento", ...), datetime and, for a file, its sha256; entries joined
 * with ",\n". */
const char *ckpt_tt_timemap_link_head(apr_pool_t *p, const char *url_prefix,
                                      const ckpt_memento *m, apr_int64_t from, apr_int64_t until);
const char *ckpt_tt_timemap_link_entry(apr_pool_t *p, const char *url_prefix,
                                       const ckpt_memento *m, apr_int64_t sec, const char *rel,
                                       const char *sha256);
/* The rel of entry i of n mementos. */
const char *ckpt_tt_memento_rel(int i, int n);

/* JSON, in the form of mementoweb.org's TimeMap guide (original_uri,
 * timegate_uri, timemap_uri, mementos: first, last, list), each entry
 * with its timestamp and, for a file, sha256 and size; an entry whose
 * path is gone there has "removed": true and no digest. */
typedef struct ckpt_tt_timemap_json ckpt_tt_timemap_json;
ckpt_tt_timemap_json *ckpt_tt_timemap_json_begin(apr_pool_t *p, const char *url_prefix,
                                                 const ckpt_memento *m);
void ckpt_tt_timemap_json_add(ckpt_tt_timemap_json *tm, apr_int64_t sec, const char *sha256,
                              apr_off_t size, int removed);
const char *ckpt_tt_timemap_json_end(ckpt_tt_timemap_json *tm);

/* strs (const char *) joined with sep. */
const char *ckpt_tt_join(apr_pool_t *p, const apr_array_header_t *strs, const char *sep);

/* An RFC 3339 datetime "2025-01-30T20:30:00Z" (21 bytes with the NUL). */
void ckpt_tt_rfc3339(apr_int64_t sec, char out[21]);

#endif
